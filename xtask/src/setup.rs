//! Installs what the project needs and the machine lacks; each step is skipped when already done.

use crate::cmd::{self, Result};
use std::path::Path;

pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
pub const TRUNK_VERSION: &str = "0.21.14";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const NGINX: &str = "/usr/sbin/nginx";
/// The relay's replica tests start their own on a free port.
pub const REDIS_SERVER: &str = "/usr/bin/redis-server";
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
pub const WEBKIT_WEBDRIVER: &str = "/usr/bin/WebKitWebDriver";
pub const XVFB: &str = "/usr/bin/Xvfb";
pub const GECKODRIVER_VERSION: &str = "0.37.1";
pub const CARGO_MUTANTS_VERSION: &str = "27.1.0";

/// The wasm-bindgen crate in Cargo.lock must be the CLI's version, or the CLI refuses the wasm
/// (the library does not pin it exactly, so that applications can choose their own).
pub fn check_wasm_bindgen_lock() -> Result {
    let lock = std::fs::read_to_string(cmd::root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let locked = lock
        .split("[[package]]")
        .find(|entry| entry.contains("\nname = \"wasm-bindgen\"\n"))
        .and_then(|entry| entry.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"'));
    if locked != Some(WASM_BINDGEN_VERSION) {
        return Err(format!(
            "Cargo.lock has wasm-bindgen {locked:?}, the CLI is {WASM_BINDGEN_VERSION}: \
             run `cargo update -p wasm-bindgen --precise {WASM_BINDGEN_VERSION}`"
        ));
    }
    let trunk = std::fs::read_to_string(cmd::root().join("Trunk.toml"))
        .map_err(|e| format!("Trunk.toml: {e}"))?;
    if !trunk.contains(&format!("wasm_bindgen = \"{WASM_BINDGEN_VERSION}\"")) {
        return Err(format!(
            "Trunk.toml must pin wasm_bindgen = \"{WASM_BINDGEN_VERSION}\", the CLI's version"
        ));
    }
    Ok(())
}

/// Everything `cargo xtask demo` and `bundle` need: the wasm target, wasm-bindgen, wasm-opt.
pub fn build_tools() -> Result {
    let targets = cmd::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t == "wasm32-unknown-unknown") {
        cmd::run_in(
            "rustup",
            &["target", "add", "wasm32-unknown-unknown"],
            cmd::root(),
            &[],
        )?;
    }
    let wasm_bindgen = cmd::output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if !wasm_bindgen.ends_with(WASM_BINDGEN_VERSION) {
        // Not --locked: the CLI's own lockfile names a webpki-roots release the registry lacks.
        cmd::cargo(&[
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
        ])?;
    }
    npm_ci(&cmd::root().join("npm"))
}

/// What the tests add: Chromium with its driver, Firefox ESR with geckodriver, WebKitGTK's
/// WebDriver with MiniBrowser and the X server it draws on, nginx (a relay recipe), Redis (the
/// relay's replica tests, behind nginx too), trunk,
/// Playwright and the WebDriver client, the consumer apps' tools (Vite, Next.js).
pub fn test_tools() -> Result {
    let missing: Vec<&str> = [
        (CHROMIUM, "chromium"),
        (CHROMEDRIVER, "chromium-driver"),
        (FIREFOX, "firefox-esr"),
        (WEBKIT_WEBDRIVER, "webkit2gtk-driver"),
        (XVFB, "xvfb"),
        (NGINX, "nginx"),
        (REDIS_SERVER, "redis-server"),
    ]
    .iter()
    .filter(|(path, _)| !Path::new(path).exists())
    .map(|(_, package)| *package)
    .collect();
    if !missing.is_empty() {
        cmd::run_in("apt-get", &["update"], cmd::root(), &[])?;
        let mut args = vec!["install", "-y", "--no-install-recommends"];
        args.extend(&missing);
        cmd::run_in(
            "apt-get",
            &args,
            cmd::root(),
            &[("DEBIAN_FRONTEND", "noninteractive")],
        )?;
        if missing.contains(&"redis-server") {
            stop_system_redis();
        }
    }
    let trunk = cmd::output("trunk", &["--version"]).unwrap_or_default();
    if !trunk.ends_with(TRUNK_VERSION) {
        cmd::cargo(&["install", "--locked", "trunk", "--version", TRUNK_VERSION])?;
    }
    let geckodriver = cmd::output(&geckodriver(), &["--version"]).unwrap_or_default();
    if !geckodriver.starts_with(&format!("geckodriver {GECKODRIVER_VERSION}")) {
        cmd::cargo(&[
            "install",
            "--locked",
            "geckodriver",
            "--version",
            GECKODRIVER_VERSION,
        ])?;
    }
    npm_ci(&cmd::root().join("e2e"))?;
    npm_ci(&crate::engines::dir())?;
    for app in crate::consumers::APPS {
        npm_ci(&crate::consumers::dir().join(app))?;
    }
    Ok(())
}

/// The package starts a system-wide Redis where an init system runs; the tests need none, and
/// one left on 6379 would answer whatever else expects that port free. Where no init system
/// runs, there is nothing to stop.
fn stop_system_redis() {
    for (program, args) in [
        (
            "systemctl",
            &["disable", "--now", "redis-server.service"][..],
        ),
        ("service", &["redis-server", "stop"][..]),
    ] {
        if cmd::output(program, args).is_some() {
            eprintln!("xtask: the system-wide redis-server is stopped ({program})");
            return;
        }
    }
}

/// Where `cargo install` puts geckodriver.
pub fn geckodriver() -> String {
    let cargo_home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
    format!("{cargo_home}/bin/geckodriver")
}

/// What `cargo xtask mutants` adds: cargo-mutants.
pub fn mutation_tools() -> Result {
    let installed = cmd::output("cargo", &["mutants", "--version"]).unwrap_or_default();
    if !installed.ends_with(CARGO_MUTANTS_VERSION) {
        cmd::cargo(&[
            "install",
            "--locked",
            "cargo-mutants",
            "--version",
            CARGO_MUTANTS_VERSION,
        ])?;
    }
    Ok(())
}

/// `PATH` with the npm package's tools first, so trunk finds binaryen's wasm-opt and never a
/// distribution one (Debian's wasm-opt 108 corrupts current wasm-bindgen output).
pub fn path_with_node_tools() -> String {
    let tools = cmd::root().join("npm/node_modules/.bin");
    let path = std::env::var("PATH").unwrap_or_default();
    format!("{}:{path}", tools.display())
}

pub fn npm_ci(dir: &Path) -> Result {
    let installed = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (modified(&installed), modified(&lock)) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    cmd::run_in("npm", &["ci", "--no-audit", "--no-fund"], dir, &[])
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
