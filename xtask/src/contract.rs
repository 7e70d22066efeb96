//! The relay contract suite (`examples/contract/`), run against every relay we ship:
//! zapi-relay, the nginx recipe and the Node.js recipe, each in front of the same simulator.
//!
//! Each make runs three times: the relay the suite checks (upstream named by a hostname), one
//! with a small rate limit, and one whose upstream refuses connections. Each writes its logs
//! into a folder of its own; once the relays have stopped, every log is read for every secret,
//! and for the upstream failures operators need to see.

use crate::cmd::{self, Result};
use crate::services::{self, Stack};
use crate::setup;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Short, so that the suite's timeout cases take a second each.
const UPSTREAM_TIMEOUT_MS: u32 = 1000;
/// Short, so that the suite sees a stream's heartbeat repeat within a second.
const HEARTBEAT_MS: u32 = 500;
/// The rate-limited relay: 3 at once, then one every 10 s.
const LIMITED: Limit = Limit {
    per_minute: 6,
    burst: 3,
};
/// The origin zapi-relay lists for CORS in the suite; the recipes answer no CORS.
const LISTED_ORIGIN: &str = "https://app.contract.test";
/// The other relays: far above what the suite sends.
const UNLIMITED: Limit = Limit {
    per_minute: 60_000,
    burst: 1000,
};

pub fn run(stack: &Stack) -> Result {
    run_only(stack, &[])
}

/// Like [`run`], for the makes named (`zapi-relay`, `node-relay`, `nginx`); none names all three.
pub fn run_only(stack: &Stack, names: &[String]) -> Result {
    let makes: Vec<Make> = [Make::ZapiRelay, Make::Node, Make::Nginx]
        .into_iter()
        .filter(|make| names.is_empty() || names.iter().any(|n| n == make.folder()))
        .collect();
    if makes.is_empty() {
        return Err(format!(
            "no relay named {names:?}: zapi-relay, node-relay or nginx"
        ));
    }
    let sim = stack
        .simulator_url
        .as_deref()
        .ok_or("the contract suite needs the simulator")?;
    let credentials = if makes.contains(&Make::ZapiRelay) {
        Credentials::new()?
    } else {
        Credentials::default()
    };
    let mut failures = Vec::new();
    if makes.contains(&Make::Node) {
        if let Err(error) = cmd::run_in(
            "node",
            &["--test", "--test-reporter=spec", "examples/node-relay/"],
            cmd::root(),
            &[],
        ) {
            failures.push(format!("examples/node-relay's own tests: {error}"));
        }
    }
    for make in makes {
        if let Err(error) = check(make, sim, &credentials) {
            eprintln!("xtask: {}: {error}", make.name());
            failures.push(format!("{}: {error}", make.name()));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("relay contract: {}", failures.join("; ")))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Make {
    ZapiRelay,
    Node,
    Nginx,
}

impl Make {
    fn name(self) -> &'static str {
        match self {
            Make::ZapiRelay => "zapi-relay",
            Make::Node => "examples/node-relay",
            Make::Nginx => "examples/nginx",
        }
    }

    fn folder(self) -> &'static str {
        match self {
            Make::ZapiRelay => "zapi-relay",
            Make::Node => "node-relay",
            Make::Nginx => "nginx",
        }
    }

    /// What the relay's logs must show after the suite's upstream timeouts and refusals.
    fn failure_evidence(self, role: Role) -> Option<&'static str> {
        match (self, role) {
            (Make::Nginx, Role::Checked) => Some("upstream_status=504"),
            (Make::Nginx, Role::Refused) => Some("upstream_status=502"),
            (_, Role::Checked) => Some("upstream_timeout"),
            (_, Role::Refused) => Some("upstream_unreachable"),
            (_, Role::Limited) => None,
        }
    }
}

#[derive(Clone, Copy)]
enum Role {
    Checked,
    Limited,
    Refused,
}

#[derive(Clone, Copy)]
struct Limit {
    per_minute: u32,
    /// Requests admitted at once, the first included (zapi-relay's `burst`).
    burst: u32,
}

/// zapi-relay's secrets in the suite: a proxy secret for the checked and the rate-limited
/// relay (header mode), a ticket for the refused one (ticket mode).
#[derive(Default)]
struct Credentials {
    proxy_secret: String,
    ticket_secret: String,
    ticket: String,
}

impl Credentials {
    fn new() -> Result<Credentials> {
        let ticket_secret = random_hex(32)?;
        let minted = Command::new(cmd::target_dir().join("debug/zapi-relay"))
            .args(["mint", "--alias", "default", "--ttl", "600"])
            .envs(upstream_env("http://127.0.0.1:9"))
            .env("RELAY_AUTH_MODE", "ticket")
            .env("RELAY_TICKET_SECRET", &ticket_secret)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("zapi-relay mint: {e}"))?;
        if !minted.status.success() {
            return Err(format!(
                "zapi-relay mint failed: {}",
                String::from_utf8_lossy(&minted.stderr)
            ));
        }
        Ok(Credentials {
            proxy_secret: random_hex(32)?,
            ticket_secret,
            ticket: String::from_utf8_lossy(&minted.stdout).trim().to_string(),
        })
    }

    /// The values no relay may show anyone, by name. The instance id is not a credential in
    /// Z-API's model, and zapi-relay logs it to tell its instances apart; the recipes serve
    /// one instance and keep it out.
    fn secrets(&self, make: Make) -> Vec<(&'static str, &str)> {
        let mut secrets = vec![
            ("the instance token", services::DEMO_TOKEN),
            ("the Client-Token", services::DEMO_CLIENT_TOKEN),
        ];
        match make {
            Make::ZapiRelay => {
                let signature = self.ticket.rsplit('.').next().unwrap_or_default();
                secrets.extend([
                    ("the proxy secret", self.proxy_secret.as_str()),
                    ("the ticket secret", self.ticket_secret.as_str()),
                    ("the ticket", self.ticket.as_str()),
                    ("the ticket's signature", signature),
                ]);
            }
            Make::Node | Make::Nginx => secrets.push(("the instance id", services::DEMO_INSTANCE)),
        }
        secrets
    }
}

/// How a zapi-relay of the suite authenticates.
#[derive(Clone, Copy)]
enum Auth<'a> {
    /// The recipes: none of their own.
    None,
    ProxySecret(&'a str),
    Ticket {
        secret: &'a str,
    },
}

/// Runs the suite against one make, then scans its logs, and reports both.
fn check(make: Make, sim: &str, credentials: &Credentials) -> Result {
    let folder = cmd::target_dir().join("contract").join(make.folder());
    let _ = std::fs::remove_dir_all(&folder);
    let hostname_sim = sim.replace("127.0.0.1", "localhost");
    let closed = format!("http://127.0.0.1:{}", free_port()?);
    let webhook_secret = random_hex(32)?;
    let (proxied, ticketed) = match make {
        Make::ZapiRelay => (
            Auth::ProxySecret(&credentials.proxy_secret),
            Auth::Ticket {
                secret: &credentials.ticket_secret,
            },
        ),
        Make::Node | Make::Nginx => (Auth::None, Auth::None),
    };
    let roles = [
        (
            Role::Checked,
            "checked",
            hostname_sim.as_str(),
            UNLIMITED,
            proxied,
        ),
        (Role::Limited, "limited", sim, LIMITED, proxied),
        (
            Role::Refused,
            "refused",
            closed.as_str(),
            UNLIMITED,
            ticketed,
        ),
    ];
    let mut relays = Vec::new();
    for (role, name, upstream, limit, auth) in roles {
        let settings = Settings {
            upstream,
            limit,
            // The refused relay shows the opt-in's absence: 404 where, allowed, the dead
            // upstream would make it 502.
            allow_disconnect: !matches!(role, Role::Refused),
            // The refused relay is the one without the event stream and webhooks too.
            webhook_secret: (!matches!(role, Role::Refused)).then_some(webhook_secret.as_str()),
            dir: folder.join(name),
            auth,
            any_host: false,
        };
        relays.push((role, settings.dir.clone(), Relay::start(make, &settings)?));
    }
    let url = |i: usize| relays[i].2.base.clone();
    let headers = |auth: Auth| match auth {
        Auth::None => "{}".to_string(),
        Auth::ProxySecret(secret) => format!(r#"{{"X-Relay-Proxy-Secret":"{secret}"}}"#),
        Auth::Ticket { .. } => format!(r#"{{"Authorization":"Bearer {}"}}"#, credentials.ticket),
    };
    let mut secrets = credentials.secrets(make);
    secrets.push(("the webhook secret", webhook_secret.as_str()));
    let shown: Vec<&str> = secrets.iter().map(|(_, value)| *value).collect();
    println!(
        "xtask: relay contract suite against {} ({})",
        make.name(),
        url(0)
    );
    let listed_origin = match make {
        Make::ZapiRelay => LISTED_ORIGIN,
        Make::Node | Make::Nginx => "",
    };
    let suite = cmd::run_in(
        "node",
        &["--test", "--test-reporter=spec", "examples/contract/"],
        cmd::root(),
        &[
            ("LISTED_ORIGIN", listed_origin),
            ("RELAY_URL", &url(0)),
            ("LIMITED_RELAY_URL", &url(1)),
            ("REFUSED_RELAY_URL", &url(2)),
            ("LIMITED_RELAY_PER_MIN", &LIMITED.per_minute.to_string()),
            ("LIMITED_RELAY_BURST", &LIMITED.burst.to_string()),
            (
                "RELAY_UPSTREAM_TIMEOUT_MS",
                &UPSTREAM_TIMEOUT_MS.to_string(),
            ),
            ("RELAY_HEADERS", &headers(proxied)),
            ("REFUSED_RELAY_HEADERS", &headers(ticketed)),
            ("SIM_URL", sim),
            ("RELAY_SECRETS", &shown.join(",")),
            ("SIM_INSTANCE", services::DEMO_INSTANCE),
            ("WEBHOOK_SECRET", &webhook_secret),
            ("RELAY_HEARTBEAT_MS", &HEARTBEAT_MS.to_string()),
        ],
    );
    let mut scans = Vec::new();
    for (role, dir, relay) in relays {
        drop(relay);
        scans.push(scan_logs(
            &dir.join("logs"),
            &secrets,
            make.failure_evidence(role),
        ));
        if make == Make::Nginx {
            scans.push(scan_logs(&dir.join("stream-server/logs"), &secrets, None));
        }
    }
    let problems: Vec<String> = std::iter::once(suite)
        .chain(scans)
        .filter_map(std::result::Result::err)
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Every file in `logs` is free of every secret, and one of them shows `evidence`.
fn scan_logs(logs: &Path, secrets: &[(&str, &str)], evidence: Option<&str>) -> Result {
    let mut seen = false;
    let entries = std::fs::read_dir(logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        for (name, value) in secrets {
            if let Some(line) = text.lines().find(|line| line.contains(value)) {
                return Err(format!(
                    "{} holds {name}: {}",
                    path.display(),
                    line.replace(value, "<HERE>")
                ));
            }
        }
        seen |= evidence.is_some_and(|evidence| text.contains(evidence));
    }
    match evidence {
        Some(evidence) if !seen => Err(format!(
            "no log in {} shows the upstream failures ({evidence:?})",
            logs.display()
        )),
        _ => Ok(()),
    }
}

/// How one relay of the suite is set up.
struct Settings<'a> {
    upstream: &'a str,
    limit: Limit,
    /// Serve `POST {base}/disconnect`.
    allow_disconnect: bool,
    /// Serve the event stream and the webhook route, with this secret.
    webhook_secret: Option<&'a str>,
    /// Its folder: nginx's prefix, and `logs/` for whatever the relay writes.
    dir: PathBuf,
    auth: Auth<'a>,
    /// Behind nginx, which checks the `Host` itself.
    any_host: bool,
}

/// A relay running as a child process, stopped on drop.
pub(crate) struct Relay {
    child: Child,
    /// What serves nginx's event stream and webhooks: the Node recipe.
    stream_server: Option<Box<Relay>>,
    port: u16,
    /// The relay's base URL, such as `http://127.0.0.1:PORT/zapi`.
    pub(crate) base: String,
}

/// The nginx settings around the recipe's server block.
pub(crate) struct Nginx {
    /// nginx's prefix (config, pid, logs), a folder of the target directory.
    pub(crate) dir: &'static str,
    /// `worker_processes`.
    pub(crate) workers: &'static str,
    /// Whether requests are written to `logs/access.log`.
    pub(crate) access_log: bool,
    /// Applied to the whole filled-in config before nginx starts.
    pub(crate) edit: fn(String) -> String,
}

/// What the benchmark's nginx allows: it measures the proxy, not a stream of 429s.
const BENCHMARK_LIMIT: Limit = Limit {
    per_minute: 6_000_000,
    burst: 100_000,
};

impl Relay {
    fn start(make: Make, settings: &Settings) -> Result<Relay> {
        let logs = settings.dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
        let port = free_port()?;
        let child = match make {
            Make::ZapiRelay => {
                let mut relay = Command::new(cmd::target_dir().join("debug/zapi-relay"));
                relay.envs(upstream_env(settings.upstream)).envs([
                    ("RELAY_BIND", format!("127.0.0.1:{port}")),
                    ("RELAY_UPSTREAM_TIMEOUT_MS", UPSTREAM_TIMEOUT_MS.to_string()),
                    (
                        "RELAY_RATE_LIMIT_PER_MIN",
                        settings.limit.per_minute.to_string(),
                    ),
                    ("RELAY_RATE_LIMIT_BURST", settings.limit.burst.to_string()),
                    (
                        "RELAY_ALLOW_DISCONNECT",
                        settings.allow_disconnect.to_string(),
                    ),
                    ("RELAY_CORS_ORIGINS", LISTED_ORIGIN.to_string()),
                    ("RELAY_HEARTBEAT_MS", HEARTBEAT_MS.to_string()),
                    ("RUST_LOG", "info".to_string()),
                ]);
                if let Some(secret) = settings.webhook_secret {
                    relay.env("RELAY_WEBHOOK_SECRET", secret);
                }
                match settings.auth {
                    Auth::None => {}
                    Auth::ProxySecret(secret) => {
                        relay
                            .env("RELAY_AUTH_MODE", "header")
                            .env("RELAY_PROXY_SECRET", secret);
                    }
                    Auth::Ticket { secret } => {
                        relay
                            .env("RELAY_AUTH_MODE", "ticket")
                            .env("RELAY_TICKET_SECRET", secret);
                    }
                }
                spawn_logged(relay, &logs)?
            }
            Make::Node => {
                let mut node = Command::new("node");
                node.arg(cmd::root().join("examples/node-relay/relay.mjs"))
                    .envs(upstream_env(settings.upstream))
                    .envs([
                        ("RELAY_BIND", format!("127.0.0.1:{port}")),
                        ("RELAY_UPSTREAM_TIMEOUT_MS", UPSTREAM_TIMEOUT_MS.to_string()),
                        (
                            "RELAY_RATE_LIMIT_PER_MIN",
                            settings.limit.per_minute.to_string(),
                        ),
                        ("RELAY_RATE_LIMIT_BURST", settings.limit.burst.to_string()),
                        (
                            "RELAY_ALLOW_DISCONNECT",
                            settings.allow_disconnect.to_string(),
                        ),
                    ]);
                node.env("RELAY_HEARTBEAT_MS", HEARTBEAT_MS.to_string());
                if let Some(secret) = settings.webhook_secret {
                    node.env("RELAY_WEBHOOK_SECRET", secret);
                }
                if settings.any_host {
                    node.env("RELAY_ALLOWED_HOSTS", "*");
                }
                spawn_logged(node, &logs)?
            }
            Make::Nginx => {
                let stream_server = Relay::start(
                    Make::Node,
                    &Settings {
                        dir: settings.dir.join("stream-server"),
                        any_host: true,
                        // nginx limits each client; behind it, every client has its address.
                        limit: Limit {
                            per_minute: 0,
                            burst: 1,
                        },
                        ..*settings
                    },
                )?;
                let stream_port = stream_server.port;
                let conf = nginx_conf(
                    settings.upstream,
                    &settings.dir,
                    port,
                    "1",
                    true,
                    settings.limit,
                    settings.allow_disconnect,
                    &format!("127.0.0.1:{stream_port}"),
                )?;
                let mut nginx = Relay::ready(start_nginx(&settings.dir, &conf, &logs)?, port)?;
                nginx.stream_server = Some(Box::new(stream_server));
                return Ok(nginx);
            }
        };
        Relay::ready(child, port)
    }

    /// `examples/nginx/zapi-relay.conf.template` rendered for `sim` on a free loopback port.
    pub(crate) fn nginx(sim: &str, settings: &Nginx) -> Result<Relay> {
        let port = free_port()?;
        let prefix = cmd::target_dir().join(settings.dir);
        let _ = std::fs::remove_dir_all(&prefix);
        let logs = prefix.join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
        let conf = nginx_conf(
            sim,
            &prefix,
            port,
            settings.workers,
            settings.access_log,
            BENCHMARK_LIMIT,
            false,
            // No stream server: the benchmark measures the Z-API routes.
            &format!("127.0.0.1:{}", free_port()?),
        )?;
        let filled = std::fs::read_to_string(&conf).map_err(|e| e.to_string())?;
        std::fs::write(&conf, (settings.edit)(filled)).map_err(|e| e.to_string())?;
        let child = start_nginx(&prefix, &conf, &logs)?;
        Relay::ready(child, port)
    }

    fn ready(mut child: Child, port: u16) -> Result<Relay> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("relay on port {port} never started"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Relay {
            child,
            stream_server: None,
            port,
            base: format!("http://127.0.0.1:{port}/zapi"),
        })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// nginx's whole config: the recipe's template, filled in as `envsubst` would, in an http
/// block whose paths all lie under `prefix`; with `allow_disconnect`, the disconnect location
/// filled in too and named in `RELAY_DISCONNECT_LOCATION`; `stream_server` serves the event
/// stream and the webhooks.
#[allow(clippy::too_many_arguments)]
fn nginx_conf(
    upstream: &str,
    prefix: &Path,
    port: u16,
    workers: &str,
    access_log: bool,
    limit: Limit,
    allow_disconnect: bool,
    stream_server: &str,
) -> Result<PathBuf> {
    let read = |name: &str| {
        std::fs::read_to_string(cmd::root().join("examples/nginx").join(name))
            .map_err(|e| format!("examples/nginx/{name}: {e}"))
    };
    let mut server = read("zapi-relay.conf.template")?;
    if !access_log {
        server = server.replace("${RELAY_ACCESS_LOG} zapi_relay", "off");
    }
    let location = prefix.join("zapi-relay-disconnect.location");
    let disconnect = if allow_disconnect {
        location.display().to_string()
    } else {
        "/dev/null".to_string()
    };
    let access_log = prefix.join("logs/access.log").display().to_string();
    let values = [
        ("RELAY_LISTEN", format!("127.0.0.1:{port}")),
        ("RELAY_SERVER_NAME", "localhost 127.0.0.1".to_string()),
        ("RELAY_ACCESS_LOG", access_log),
        ("RELAY_UPSTREAM_TIMEOUT", format!("{UPSTREAM_TIMEOUT_MS}ms")),
        ("RELAY_RATE_LIMIT_PER_MIN", limit.per_minute.to_string()),
        ("RELAY_RATE_LIMIT_BURST", (limit.burst - 1).to_string()),
        (
            "RELAY_RETRY_AFTER_SECS",
            60u32.div_ceil(limit.per_minute).to_string(),
        ),
        ("RELAY_DISCONNECT_LOCATION", disconnect),
        ("RELAY_STREAM_SERVER", stream_server.to_string()),
    ];
    let values: Vec<_> = values
        .into_iter()
        .chain(upstream_env(upstream))
        .chain(nginx_upstream(upstream)?)
        .collect();
    if allow_disconnect {
        let filled = fill(read("zapi-relay-disconnect.location.template")?, &values);
        std::fs::write(&location, filled).map_err(|e| e.to_string())?;
    }
    let server = fill(server, &values);
    let conf = format!(
        "user root;\nworker_processes {workers};\npid {prefix}/nginx.pid;\n\
         error_log {prefix}/logs/error.log info;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  client_body_temp_path {prefix};\n  \
         proxy_temp_path {prefix};\n  fastcgi_temp_path {prefix};\n  uwsgi_temp_path {prefix};\n  \
         scgi_temp_path {prefix};\n{server}\n}}\n",
        prefix = prefix.display(),
    );
    let conf_path = prefix.join("nginx.conf");
    std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
    Ok(conf_path)
}

/// `template` with every `${NAME}` of `values` replaced, as `envsubst` with their names does.
fn fill(mut template: String, values: &[(&'static str, String)]) -> String {
    for (key, value) in values {
        template = template.replace(&format!("${{{key}}}"), value);
    }
    template
}

fn start_nginx(prefix: &Path, conf: &Path, logs: &Path) -> Result<Child> {
    let mut nginx = Command::new(setup::NGINX);
    nginx
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(conf)
        .args(["-g", "daemon off;"]);
    spawn_logged(nginx, logs)
}

/// Starts `command` with its stdout and stderr in `logs/stdout.log` and `logs/stderr.log`.
fn spawn_logged(mut command: Command, logs: &Path) -> Result<Child> {
    let file = |name: &str| {
        std::fs::File::create(logs.join(name)).map_err(|e| format!("{}: {e}", logs.display()))
    };
    command
        .stdin(Stdio::null())
        .stdout(file("stdout.log")?)
        .stderr(file("stderr.log")?)
        .spawn()
        .map_err(|e| format!("could not start {command:?}: {e}"))
}

fn upstream_env(upstream: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ZAPI_UPSTREAM", upstream.to_string()),
        ("ZAPI_INSTANCE_ID", services::DEMO_INSTANCE.to_string()),
        ("ZAPI_TOKEN", services::DEMO_TOKEN.to_string()),
        ("ZAPI_CLIENT_TOKEN", services::DEMO_CLIENT_TOKEN.to_string()),
    ]
}

/// `upstream`'s URL as the nginx template takes it: the scheme, the `upstream` block's
/// `HOST:PORT` (the port written out), and the `Host` name.
fn nginx_upstream(upstream: &str) -> Result<[(&'static str, String); 3]> {
    let (scheme, rest) = upstream
        .split_once("://")
        .ok_or_else(|| format!("{upstream}: not a URL"))?;
    let host = rest.split('/').next().unwrap_or_default().to_string();
    let default_port = if scheme == "https" { 443 } else { 80 };
    let server = if host
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.contains(']'))
    {
        host.clone()
    } else {
        format!("{host}:{default_port}")
    };
    Ok([
        ("ZAPI_UPSTREAM_SCHEME", scheme.to_string()),
        ("ZAPI_UPSTREAM_SERVER", server),
        ("ZAPI_UPSTREAM_HOST", host),
    ])
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buffer = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut buffer))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}
