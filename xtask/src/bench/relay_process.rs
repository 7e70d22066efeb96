//! A release zapi-relay of the benchmarks' own, configured by a TOML file, stopped on drop.

use crate::cmd::{self, Result};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The webhook secret of the benchmarks' relays (URL-safe, not a placeholder).
pub(super) const WEBHOOK_SECRET: &str = "bench-only-4f0b8e2c6a1d9375e0c4b8f2a6d1e973";

pub(super) struct RelayProcess {
    child: Child,
    /// Such as `http://127.0.0.1:PORT`.
    pub(super) url: String,
}

impl RelayProcess {
    /// Starts `target/release/zapi-relay` with `config` (a TOML file's text) written to
    /// `target/bench/<name>.toml`, and waits until it listens.
    pub(super) fn start(name: &str, config: &str) -> Result<RelayProcess> {
        let path = cmd::target_dir().join(format!("bench/{name}.toml"));
        std::fs::write(&path, config).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut child = Command::new(cmd::target_dir().join("release/zapi-relay"))
            .arg("--config")
            .arg(&path)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start zapi-relay: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut relay = RelayProcess {
            child,
            url: String::new(),
        };
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line.map_err(|e| e.to_string())?;
            if let Some(url) = line.strip_prefix("zapi-relay listening on ") {
                relay.url = url.trim().to_string();
                std::thread::spawn(move || lines.for_each(drop));
                return Ok(relay);
            }
        }
        Err(format!(
            "zapi-relay ({name}) exited before it was listening"
        ))
    }

    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The relay's config for the benchmarks: the simulator's demo instance as alias `default`,
/// loopback only, the per-address rate limit at `per_minute` (0: off) with the largest burst,
/// and `extra` TOML appended.
pub(super) fn config(sim: &str, per_minute: u32, extra: &str) -> String {
    use crate::services::{DEMO_CLIENT_TOKEN, DEMO_INSTANCE, DEMO_TOKEN};
    format!(
        "bind = \"127.0.0.1:0\"\nbase_path = \"/zapi\"\n\n\
         [zapi]\nupstream = \"{sim}\"\nclient_token = \"{DEMO_CLIENT_TOKEN}\"\n\n\
         [instances.default]\nid = \"{DEMO_INSTANCE}\"\ntoken = \"{DEMO_TOKEN}\"\n\n\
         [rate_limit]\nper_minute = {per_minute}\nburst = 10000\n\n\
         [webhooks]\nsecret = \"{WEBHOOK_SECRET}\"\n{extra}"
    )
}
