//! The packed tarball where people use it (`e2e/consumers/`): imported by plain Node, as a server
//! render does, and installed in a Vite app and a Next.js app (App Router, Turbopack), each built
//! by its own tool and opened in Chromium in front of the running relay and simulator.

use crate::bundle::Bundle;
use crate::cmd::{self, Result};
use crate::services::Stack;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The apps under `e2e/consumers/`, each with its own package-lock.json.
pub const APPS: [&str; 2] = ["vite", "next"];

pub fn dir() -> PathBuf {
    cmd::root().join("e2e/consumers")
}

/// Runs every consumer check; `site` is the relay's static folder, with the tarball unpacked
/// under `vendor/zapi-connect/` (see `site::assemble`).
pub fn run(bundle: &Bundle, site: &Path, stack: &Stack) -> Result {
    let consumers = dir();
    let package = site.join("vendor/zapi-connect");
    timed("Node import of the package", || {
        cmd::run_in(
            "node",
            &["--test", "server-import.test.mjs"],
            &consumers.join("node"),
            &[("ZAPI_PACKAGE_DIR", cmd::utf8(&package)?)],
        )
    })?;

    // Served by the relay from its static folder: the widget's `/zapi` is on the page's origin.
    let vite = consumers.join("vite");
    install_tarball(&vite, bundle)?;
    let vite_out = site.join("consumers/vite");
    timed("vite build", || {
        cmd::run_in(
            "node_modules/.bin/vite",
            &["build", "--outDir", cmd::utf8(&vite_out)?, "--emptyOutDir"],
            &vite,
            &[],
        )
    })?;
    let vite_url = format!("{}/consumers/vite/", stack.relay_url);

    // Next.js forwards `/zapi` to the relay (next.config.mjs), so it is built with its address.
    let next = consumers.join("next");
    install_tarball(&next, bundle)?;
    let next_env = [
        ("ZAPI_RELAY_URL", stack.relay_url.as_str()),
        ("NEXT_TELEMETRY_DISABLED", "1"),
    ];
    timed("next build", || {
        cmd::run_in("node_modules/.bin/next", &["build"], &next, &next_env)
    })?;
    let server = NextServer::start(&next, &next_env)?;

    let sim = stack.simulator_url.clone().unwrap_or_default();
    timed("consumer apps in Chromium", || {
        cmd::run_in(
            "npx",
            &[
                "playwright",
                "test",
                "--config",
                "consumers/playwright.config.js",
            ],
            &cmd::root().join("e2e"),
            &[
                ("ZAPI_E2E_SIM_URL", sim.as_str()),
                ("ZAPI_CONSUMER_VITE_URL", vite_url.as_str()),
                ("ZAPI_CONSUMER_NEXT_URL", server.url.as_str()),
            ],
        )
    })
}

/// Installs the packed tarball as an app would (`npm install ./zapi-connect-x.y.z.tgz`), without
/// writing it into the app's package.json or lockfile: they stay as committed.
fn install_tarball(app: &Path, bundle: &Bundle) -> Result {
    timed("npm install of the tarball", || {
        cmd::run_in(
            "npm",
            &[
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                cmd::utf8(&bundle.tarball)?,
            ],
            app,
            &[],
        )
    })
}

fn timed(what: &str, step: impl FnOnce() -> Result) -> Result {
    let start = Instant::now();
    let result = step();
    println!("xtask: {what}: {:.1} s", start.elapsed().as_secs_f64());
    result
}

/// `next start` on a free loopback port, in a process group of its own that is stopped on drop.
struct NextServer {
    child: Child,
    url: String,
}

impl NextServer {
    fn start(app: &Path, env: &[(&str, &str)]) -> Result<NextServer> {
        use std::os::unix::process::CommandExt;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("no free port for next start: {e}"))?
            .port();
        let port_arg = port.to_string();
        let args = ["start", "--hostname", "127.0.0.1", "--port", &port_arg];
        eprintln!("xtask: $ next {}", args.join(" "));
        let child = Command::new(app.join("node_modules/.bin/next"))
            .args(args)
            .current_dir(app)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("could not start next: {e}"))?;
        let server = NextServer {
            child,
            url: format!("http://127.0.0.1:{port}/"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!(
                    "next start did not listen on port {port} within 60 s"
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(server)
    }
}

impl Drop for NextServer {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}
