//! The server-rendered Leptos example (`examples/leptos-ssr`): its server binary and its
//! hydrating wasm (wasm-bindgen's web glue in `target/site-ssr/pkg`), started in front of the
//! test stack's relay for its browser spec.

use crate::cmd::{self, Result};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const PACKAGE: &str = "zapi-connect-ssr-example";
/// The library's name as wasm-bindgen names its files (`OUTPUT_NAME` in the example).
const LIB_NAME: &str = "zapi_connect_ssr_example";
const SPEC: &str = "leptos-ssr.spec.js";

/// The running example; stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

/// Builds and starts the example when the browser run includes its spec: every unfiltered run,
/// or a filter such as `cargo xtask e2e leptos-ssr`.
pub fn serve_for(filter: &[String], relay_url: &str) -> Result<Option<Server>> {
    if !filter.is_empty() && !filter.iter().any(|f| SPEC.contains(f.as_str())) {
        return Ok(None);
    }
    let site = build()?;
    start(&site, &format!("{relay_url}/zapi")).map(Some)
}

/// The server (debug, like the relay and simulator) and the client (release wasm through
/// wasm-bindgen); returns the site root that holds `pkg/`.
fn build() -> Result<PathBuf> {
    crate::setup::check_wasm_bindgen_lock()?;
    let started = Instant::now();
    cmd::cargo(&[
        "build",
        "-p",
        PACKAGE,
        "--features",
        "ssr",
        "--bin",
        PACKAGE,
    ])?;
    let server_secs = started.elapsed().as_secs();
    let started = Instant::now();
    cmd::cargo(&[
        "build",
        "-p",
        PACKAGE,
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--features",
        "hydrate",
        "--release",
    ])?;
    let site = cmd::target_dir().join("site-ssr");
    let pkg = site.join("pkg");
    let _ = std::fs::remove_dir_all(&pkg);
    let wasm = cmd::target_dir().join(format!("wasm32-unknown-unknown/release/{LIB_NAME}.wasm"));
    cmd::run_in(
        "wasm-bindgen",
        &[
            cmd::utf8(&wasm)?,
            "--target",
            "web",
            "--out-dir",
            cmd::utf8(&pkg)?,
        ],
        cmd::root(),
        &[],
    )?;
    println!(
        "xtask: {PACKAGE} built: server {server_secs} s, client {} s",
        started.elapsed().as_secs()
    );
    Ok(site)
}

fn start(site: &Path, relay: &str) -> Result<Server> {
    let bin = cmd::target_dir().join("debug").join(PACKAGE);
    let mut child = Command::new(&bin)
        .env("ZAPI_RELAY_URL", relay)
        .env("SSR_BIND", "127.0.0.1:0")
        .env("SSR_SITE_ROOT", site)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut server = Server {
        child,
        url: String::new(),
    };
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(url) = line.strip_prefix(&format!("{PACKAGE} listening on ")) {
            server.url = url.trim().to_string();
            std::thread::spawn(move || lines.for_each(drop));
            return Ok(server);
        }
        println!("{line}");
    }
    Err(format!("{PACKAGE} exited before it was listening"))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
