//! Simulator and relay as child processes, stopped when the [`Stack`] is dropped.

use crate::cmd::{self, Result};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const DEMO_INSTANCE: &str = "demo-instance";
pub const DEMO_TOKEN: &str = "demo-token";
pub const DEMO_CLIENT_TOKEN: &str = "demo-client-token";

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
}

impl Stack {
    pub fn start(site: &Path, upstream: Upstream, relay_bind: &str) -> Result<Stack> {
        let mut stack = Stack {
            children: Vec::new(),
            relay_url: String::new(),
            simulator_url: None,
        };
        let bin = cmd::target_dir().join("debug");
        let site_dir = site.to_str().ok_or("site path is not UTF-8")?;
        let mut relay = Command::new(bin.join("zapi-relay"));
        relay
            .env("RELAY_BIND", relay_bind)
            .env("RELAY_STATIC_DIR", site_dir);
        let sim_bind = if relay_bind.ends_with(":0") {
            "127.0.0.1:0"
        } else {
            "127.0.0.1:8790"
        };
        let demo_config = match upstream {
            Upstream::Simulator => {
                let mut sim = Command::new(bin.join("zapi-sim"));
                sim.args(["--bind", sim_bind])
                    .args(["--instance", &format!("{DEMO_INSTANCE}:{DEMO_TOKEN}")])
                    .args(["--client-token", DEMO_CLIENT_TOKEN]);
                let url = stack.spawn(sim, "zapi-sim listening on ")?;
                relay
                    .env("ZAPI_UPSTREAM", &url)
                    .env("ZAPI_INSTANCE_ID", DEMO_INSTANCE)
                    .env("ZAPI_TOKEN", DEMO_TOKEN)
                    .env("ZAPI_CLIENT_TOKEN", DEMO_CLIENT_TOKEN);
                let config = format!(r#"{{"simulator":"{url}","instance":"{DEMO_INSTANCE}"}}"#);
                stack.simulator_url = Some(url);
                config
            }
            Upstream::ZApi => r#"{"simulator":null}"#.to_string(),
        };
        std::fs::write(site.join("demo-config.json"), demo_config)
            .map_err(|e| format!("demo-config.json: {e}"))?;
        stack.relay_url = stack.spawn(relay, "zapi-relay listening on ")?;
        Ok(stack)
    }

    /// Blocks until the relay exits (Ctrl-C reaches every process of the terminal's group).
    pub fn wait(mut self) {
        if let Some(relay) = self.children.last_mut() {
            let _ = relay.wait();
        }
    }

    /// Starts `command` and returns the URL from its `<prefix>http://...` line on stdout.
    fn spawn(&mut self, mut command: Command, prefix: &str) -> Result<String> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {command:?}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        self.children.push(child);
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line.map_err(|e| e.to_string())?;
            if let Some(url) = line.strip_prefix(prefix) {
                let url = url.trim().to_string();
                std::thread::spawn(move || lines.for_each(drop));
                return Ok(url);
            }
            println!("{line}");
        }
        Err(format!("{command:?} exited before it was listening"))
    }
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
