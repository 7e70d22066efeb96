//! The widget in the engines besides Chromium, through WebDriver: the core flows of
//! `e2e/webdriver/` in Firefox ESR and WebKitGTK, and the wasm-bindgen browser tests in Firefox.

use crate::cmd::{self, Result};
use crate::services::Stack;
use crate::setup;
use std::path::Path;
use std::time::Instant;

/// The engines `e2e/webdriver/engines.js` knows, each run as its own `node --test`.
pub const ENGINES: [&str; 2] = ["firefox", "webkit"];

pub fn dir() -> std::path::PathBuf {
    cmd::root().join("e2e/webdriver")
}

/// The core flows in each engine against `stack`, which serves `site`, and a relay of its own
/// without an event stream (the ticket relay), for the back-forward cache: Firefox never keeps a
/// page with a request in flight, such as the stream, in its cache.
pub fn run(site: &Path, stack: &mut Stack) -> Result {
    let (streamless_relay, ticket) = stack.start_ticket_relay()?;
    let sim = stack
        .simulator_url
        .as_deref()
        .ok_or("the engine flows need the simulator")?;
    for engine in ENGINES {
        let start = Instant::now();
        let result = cmd::run_in(
            "node",
            &[
                "--test",
                "--test-concurrency=1",
                "--test-reporter=spec",
                "flows.test.js",
            ],
            &dir(),
            &[
                ("ZAPI_E2E_ENGINE", engine),
                ("ZAPI_E2E_BASE_URL", stack.relay_url.as_str()),
                ("ZAPI_E2E_SIM_URL", sim),
                ("ZAPI_E2E_STREAMLESS_RELAY_URL", streamless_relay.as_str()),
                ("ZAPI_E2E_TICKET", ticket.as_str()),
                ("ZAPI_E2E_SITE_DIR", cmd::utf8(site)?),
                ("GECKODRIVER", &setup::geckodriver()),
            ],
        );
        println!(
            "xtask: core flows in {engine}: {:.1} s",
            start.elapsed().as_secs_f64()
        );
        result?;
    }
    Ok(())
}

/// `tests/web.rs` in headless Firefox (wasm-bindgen-test-runner picks the driver from the env).
pub fn wasm_tests_in_firefox() -> Result {
    wasm_tests(("GECKODRIVER", &setup::geckodriver()))
}

/// `tests/web.rs` in the browser whose driver `driver` names (`CHROMEDRIVER` or `GECKODRIVER`,
/// and its path).
pub fn wasm_tests(driver: (&str, &str)) -> Result {
    cmd::cargo_env(
        &[
            "test",
            "-p",
            "zapi-connect",
            "-p",
            "wasm-streams",
            "--features",
            "zapi-connect/element",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "web",
        ],
        &[driver],
    )
}
