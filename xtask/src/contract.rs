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

    let nginx = Relay::nginx(sim)?;
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

struct Relay {
    child: Child,
    base: String,
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

    fn nginx(sim: &str) -> Result<Relay> {
        let port = free_port()?;
        let prefix = cmd::target_dir().join("nginx");
        let _ = std::fs::remove_dir_all(&prefix);
        std::fs::create_dir_all(prefix.join("logs")).map_err(|e| e.to_string())?;
        let template = cmd::root().join("examples/nginx/zapi-relay.conf.template");
        let mut server = std::fs::read_to_string(&template).map_err(|e| e.to_string())?;
        server = server.replace("${RELAY_LISTEN}", &format!("127.0.0.1:{port}"));
        for (key, value) in upstream_env(sim) {
            server = server.replace(&format!("${{{key}}}"), &value);
        }
        let conf = format!(
            "user root;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {prefix}/logs/access.log;\n  client_body_temp_path {prefix};\n  \
             proxy_temp_path {prefix};\n  fastcgi_temp_path {prefix};\n  uwsgi_temp_path {prefix};\n  \
             scgi_temp_path {prefix};\n{server}\n}}\n",
            prefix = prefix.display()
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
