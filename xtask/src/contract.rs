//! The relay contract suite (`examples/contract/`), run against every relay we ship:
//! zapi-relay, the nginx recipe and the Node.js recipe, each in front of the same simulator.

use crate::cmd::{self, Result};
use crate::services::{self, Stack};
use crate::setup;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn run(stack: &Stack) -> Result {
    let sim = stack
        .simulator_url
        .as_deref()
        .ok_or("the contract suite needs the simulator")?;
    suite("zapi-relay", &format!("{}/zapi", stack.relay_url), sim)?;

    let node = Relay::node(sim)?;
    suite("examples/node-relay", &node.base, sim)?;
    drop(node);

    let nginx = Relay::nginx(sim, &Nginx::default())?;
    suite("examples/nginx", &nginx.base, sim)?;
    Ok(())
}

fn suite(name: &str, relay: &str, sim: &str) -> Result {
    println!("xtask: relay contract suite against {name} ({relay})");
    let secrets = format!("{},{}", services::DEMO_TOKEN, services::DEMO_CLIENT_TOKEN);
    cmd::run_in(
        "node",
        &["--test", "--test-reporter=spec", "examples/contract/"],
        cmd::root(),
        &[
            ("RELAY_URL", relay),
            ("SIM_URL", sim),
            ("RELAY_SECRETS", &secrets),
        ],
    )
}

/// A relay recipe running as a child process, stopped on drop.
pub(crate) struct Relay {
    child: Child,
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
}

impl Default for Nginx {
    fn default() -> Self {
        Nginx {
            dir: "nginx",
            workers: "1",
            access_log: true,
        }
    }
}

impl Relay {
    fn node(sim: &str) -> Result<Relay> {
        let port = free_port()?;
        let child = Command::new("node")
            .arg(cmd::root().join("examples/node-relay/relay.mjs"))
            .envs(upstream_env(sim))
            .env("RELAY_BIND", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start node: {e}"))?;
        Relay::ready(child, port)
    }

    /// `examples/nginx/zapi-relay.conf.template` rendered for `sim` on a free loopback port.
    pub(crate) fn nginx(sim: &str, settings: &Nginx) -> Result<Relay> {
        let port = free_port()?;
        let prefix = cmd::target_dir().join(settings.dir);
        let _ = std::fs::remove_dir_all(&prefix);
        std::fs::create_dir_all(prefix.join("logs")).map_err(|e| e.to_string())?;
        let template = cmd::root().join("examples/nginx/zapi-relay.conf.template");
        let mut server = std::fs::read_to_string(&template).map_err(|e| e.to_string())?;
        server = server.replace("${RELAY_LISTEN}", &format!("127.0.0.1:{port}"));
        for (key, value) in upstream_env(sim) {
            server = server.replace(&format!("${{{key}}}"), &value);
        }
        let access_log = if settings.access_log {
            format!("{}/logs/access.log", prefix.display())
        } else {
            "off".to_string()
        };
        let conf = format!(
            "user root;\nworker_processes {workers};\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log {access_log};\n  client_body_temp_path {prefix};\n  \
             proxy_temp_path {prefix};\n  fastcgi_temp_path {prefix};\n  uwsgi_temp_path {prefix};\n  \
             scgi_temp_path {prefix};\n{server}\n}}\n",
            prefix = prefix.display(),
            workers = settings.workers,
        );
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
        let child = Command::new(setup::NGINX)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start nginx: {e}"))?;
        Relay::ready(child, port)
    }

    fn ready(mut child: Child, port: u16) -> Result<Relay> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
                let _ = child.kill();
                return Err(format!("relay on port {port} never started"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Relay {
            child,
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

fn upstream_env(sim: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ZAPI_UPSTREAM", sim.to_string()),
        ("ZAPI_INSTANCE_ID", services::DEMO_INSTANCE.to_string()),
        ("ZAPI_TOKEN", services::DEMO_TOKEN.to_string()),
        ("ZAPI_CLIENT_TOKEN", services::DEMO_CLIENT_TOKEN.to_string()),
    ]
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}
