//! Simulator and relay as child processes, stopped when the [`Stack`] is dropped.

use crate::cmd::{self, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const DEMO_INSTANCE: &str = "demo-instance";
pub const DEMO_TOKEN: &str = "demo-token";
pub const DEMO_CLIENT_TOKEN: &str = "demo-client-token";
/// Signs the browser tests' tickets; only ever used on loopback.
const TEST_TICKET_SECRET: &str = "e2e-only-4f9a1c7d2b8e6035a9d4c1f7b2e8a603";
/// The demo relay's webhook secret, which the simulator's callbacks carry; loopback only.
pub const TEST_WEBHOOK_SECRET: &str = "e2e-only-7c1d9b3f5a0e2864c7d1f9b3a5e0c286";

pub enum Upstream {
    Simulator,
    /// Real Z-API, with the relay reading `ZAPI_INSTANCE_ID`, `ZAPI_TOKEN`, `ZAPI_CLIENT_TOKEN`.
    ZApi,
}

impl Upstream {
    pub fn from_env() -> Self {
        match std::env::var("ZAPI_INSTANCE_ID") {
            Ok(id) if !id.is_empty() => Upstream::ZApi,
            _ => Upstream::Simulator,
        }
    }
}

pub struct Stack {
    children: Vec<Child>,
    pub relay_url: String,
    pub simulator_url: Option<String>,
    /// The first relay's `GET /metrics`, on a loopback port of its own.
    pub metrics_url: Option<String>,
}

impl Stack {
    pub fn start(site: &Path, upstream: Upstream, relay_bind: &str) -> Result<Stack> {
        Stack::start_built(site, upstream, relay_bind, "debug")
    }

    /// Like [`Stack::start`], with the binaries of a cargo `profile` (`debug`, `release`).
    pub fn start_built(
        site: &Path,
        upstream: Upstream,
        relay_bind: &str,
        profile: &str,
    ) -> Result<Stack> {
        let mut stack = Stack {
            children: Vec::new(),
            relay_url: String::new(),
            simulator_url: None,
            metrics_url: None,
        };
        let bin = cmd::target_dir().join(profile);
        let site_dir = site.to_str().ok_or("site path is not UTF-8")?;
        let mut relay = Command::new(bin.join("zapi-relay"));
        // The browser tests and benchmarks poll faster than a visitor; the limits have tests of
        // their own. The demo's widget offers "Disconnect", which the relay must serve.
        relay
            .env("RELAY_BIND", relay_bind)
            .env("RELAY_STATIC_DIR", site_dir)
            .env("RELAY_RATE_LIMIT_PER_MIN", "0")
            .env("RELAY_ALLOW_DISCONNECT", "true")
            .env("RELAY_METRICS_BIND", "127.0.0.1:0");
        let sim_bind = if relay_bind.ends_with(":0") {
            "127.0.0.1:0"
        } else {
            "127.0.0.1:8790"
        };
        // With the simulator, the relay streams its connection callbacks (GET /zapi/events).
        let mut push_env = Vec::new();
        let demo_config = match upstream {
            Upstream::Simulator => {
                let mut sim = Command::new(bin.join("zapi-sim"));
                sim.args(["--bind", sim_bind])
                    .args(["--instance", &format!("{DEMO_INSTANCE}:{DEMO_TOKEN}")])
                    .args(["--client-token", DEMO_CLIENT_TOKEN]);
                let url = stack.spawn(sim, "zapi-sim listening on ")?;
                push_env = vec![
                    ("ZAPI_UPSTREAM", url.clone()),
                    ("ZAPI_INSTANCE_ID", DEMO_INSTANCE.to_owned()),
                    ("ZAPI_TOKEN", DEMO_TOKEN.to_owned()),
                    ("ZAPI_CLIENT_TOKEN", DEMO_CLIENT_TOKEN.to_owned()),
                    ("RELAY_WEBHOOK_SECRET", TEST_WEBHOOK_SECRET.to_owned()),
                ];
                relay.envs(push_env.iter().map(|(k, v)| (k, v)));
                let config = format!(r#"{{"simulator":"{url}","instance":"{DEMO_INSTANCE}"}}"#);
                stack.simulator_url = Some(url);
                config
            }
            Upstream::ZApi => r#"{"simulator":null}"#.to_string(),
        };
        std::fs::write(site.join("demo-config.json"), demo_config)
            .map_err(|e| format!("demo-config.json: {e}"))?;
        let (relay_url, before) = stack.spawn_reading(relay, "zapi-relay listening on ")?;
        stack.relay_url = relay_url;
        stack.metrics_url = before
            .iter()
            .find_map(|line| line.strip_prefix("zapi-relay metrics on "))
            .map(|url| url.trim().to_string());
        if !push_env.is_empty() {
            register_webhooks(&bin.join("zapi-relay"), &push_env, &stack.relay_url)?;
        }
        Ok(stack)
    }

    /// A second relay, in ticket mode on an origin of its own that allows the first relay's
    /// origin: the browser tests of the `token` attribute. Returns its URL and a valid ticket.
    pub fn start_ticket_relay(&mut self) -> Result<(String, String)> {
        let sim = self
            .simulator_url
            .clone()
            .ok_or("the ticket relay needs the simulator")?;
        let origin = self.relay_url.clone();
        let relay_bin = cmd::target_dir().join("debug/zapi-relay");
        let env = [
            ("ZAPI_UPSTREAM", sim.as_str()),
            ("ZAPI_INSTANCE_ID", DEMO_INSTANCE),
            ("ZAPI_TOKEN", DEMO_TOKEN),
            ("ZAPI_CLIENT_TOKEN", DEMO_CLIENT_TOKEN),
            ("RELAY_AUTH_MODE", "ticket"),
            ("RELAY_TICKET_SECRET", TEST_TICKET_SECRET),
            ("RELAY_CORS_ORIGINS", origin.as_str()),
            ("RELAY_BIND", "127.0.0.1:0"),
            ("RELAY_RATE_LIMIT_PER_MIN", "0"),
            ("RELAY_ALLOW_DISCONNECT", "true"),
        ];
        let mut relay = Command::new(&relay_bin);
        relay.envs(env);
        let url = self.spawn(relay, "zapi-relay listening on ")?;
        let minted = Command::new(&relay_bin)
            .args(["mint", "--alias", "default", "--ttl", "600"])
            .envs(env)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("zapi-relay mint: {e}"))?;
        if !minted.status.success() {
            return Err(format!(
                "zapi-relay mint failed: {}",
                String::from_utf8_lossy(&minted.stderr)
            ));
        }
        let ticket = String::from_utf8_lossy(&minted.stdout).trim().to_string();
        Ok((url, ticket))
    }

    /// Blocks until the relay exits (Ctrl-C reaches every process of the terminal's group).
    pub fn wait(mut self) {
        if let Some(relay) = self.children.last_mut() {
            let _ = relay.wait();
        }
    }

    /// Starts `command` and returns the URL from its `<prefix>http://...` line on stdout.
    fn spawn(&mut self, command: Command, prefix: &str) -> Result<String> {
        Ok(self.spawn_reading(command, prefix)?.0)
    }

    /// The first relay's metrics as scraped now, over plain HTTP/1.1.
    pub fn scrape_metrics(&self) -> Result<String> {
        let url = self
            .metrics_url
            .as_deref()
            .ok_or("the relay serves no metrics")?;
        let (addr, path) = url
            .strip_prefix("http://")
            .and_then(|rest| rest.split_once('/'))
            .ok_or_else(|| format!("unexpected metrics URL {url}"))?;
        let mut stream = std::net::TcpStream::connect(addr).map_err(|e| format!("{url}: {e}"))?;
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        write!(
            stream,
            "GET /{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .map_err(|e| format!("{url}: {e}"))?;
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .map_err(|e| format!("{url}: {e}"))?;
        match answer.split_once("\r\n\r\n") {
            Some((head, body)) if head.starts_with("HTTP/1.1 200") => Ok(body.to_string()),
            _ => Err(format!(
                "{url} answered {}",
                answer.lines().next().unwrap_or("")
            )),
        }
    }

    /// Like [`Stack::spawn`], also returning the lines printed before the URL.
    fn spawn_reading(
        &mut self,
        mut command: Command,
        prefix: &str,
    ) -> Result<(String, Vec<String>)> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {command:?}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        self.children.push(child);
        let mut lines = BufReader::new(stdout).lines();
        let mut before = Vec::new();
        for line in lines.by_ref() {
            let line = line.map_err(|e| e.to_string())?;
            if let Some(url) = line.strip_prefix(prefix) {
                let url = url.trim().to_string();
                std::thread::spawn(move || lines.for_each(drop));
                return Ok((url, before));
            }
            println!("{line}");
            before.push(line);
        }
        Err(format!("{command:?} exited before it was listening"))
    }
}

/// `zapi-relay webhooks register`, so that the simulator's callbacks reach the relay at `public`.
fn register_webhooks(relay_bin: &Path, env: &[(&str, String)], public: &str) -> Result<()> {
    let registered = Command::new(relay_bin)
        .args(["webhooks", "register"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("RELAY_PUBLIC_URL", public)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("zapi-relay webhooks register: {e}"))?;
    if !registered.status.success() {
        return Err(format!(
            "zapi-relay webhooks register failed: {}{}",
            String::from_utf8_lossy(&registered.stdout),
            String::from_utf8_lossy(&registered.stderr)
        ));
    }
    Ok(())
}

impl Drop for Stack {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}
