//! `cargo xtask mutants`: cargo-mutants over the widget's pure modules and over the relay's
//! parsers and validators. Every mutant of their code must make a test fail; a survivor is a
//! rule no test pins.

use crate::cmd::{self, Result};
use crate::setup;

/// The connect rules, phone numbers and the relay's answers: pure modules whose every rule is
/// tested natively, without a browser.
const WIDGET_FILES: [&str; 3] = ["src/machine.rs", "src/phone.rs", "src/relay.rs"];

/// What the relay reads from its configuration and from each request before anything reaches
/// Z-API: the configuration's checks, the client's address behind trusted proxies, request
/// ids, allowed hosts, the cross-site check, tickets and the proxy secret, phone numbers and
/// Z-API's answers.
const RELAY_FILES: [&str; 8] = [
    "relay/src/config/validate.rs",
    "relay/src/config/access.rs",
    "relay/src/client.rs",
    "relay/src/request_id.rs",
    "relay/src/hosts.rs",
    "relay/src/csrf.rs",
    "relay/src/auth.rs",
    "relay/src/upstream.rs",
];

/// The parts of those files that are no parser or check: the middleware that calls the checks
/// and the Z-API call itself. The relay's integration tests cover them over real sockets,
/// against the simulator.
const RELAY_SKIPPED: &str = r"(replace|in) (guard|require|only_from_trusted_proxies|Upstream::get|Upstream::config|read_capped|classify_transport)\b";

pub fn run(which: Option<&str>) -> Result {
    setup::mutation_tools()?;
    match which {
        None => widget().and_then(|()| relay()),
        Some("widget") => widget(),
        Some("relay") => relay(),
        Some(other) => Err(format!(
            "cargo xtask mutants: {other:?} is neither widget nor relay"
        )),
    }
}

fn widget() -> Result {
    let target = cmd::target_dir().join("mutants");
    let target = cmd::utf8(&target)?;
    let mut args = vec![
        "mutants",
        "--package",
        "zapi-connect",
        // The copy it mutates leaves out what git ignores: node_modules, target.
        "--gitignore=true",
        // The tests take about a second; on a busy machine the automatic limit (20 s) can cut
        // a mutant's run short and count it as a timeout instead of caught or missed.
        "--minimum-test-timeout",
        "60",
        "--output",
        target,
    ];
    for file in WIDGET_FILES {
        args.extend(["--file", file]);
    }
    // The native unit tests; the browser tests in tests/ only build for wasm32.
    args.extend(["--", "--lib"]);
    // A target directory of its own, kept between runs so that the dependencies are built once:
    // the mutated copy of the crate would share its artifacts with the real one in the
    // workspace's, and a test run beside it could build and test a mutant.
    cmd::cargo_env(&args, &[("CARGO_TARGET_DIR", target)])
}

fn relay() -> Result {
    let output = cmd::target_dir().join("mutants-relay");
    let output = cmd::utf8(&output)?;
    let mut args = vec![
        "mutants",
        "--package",
        "zapi-relay",
        // Mutates the files where they are and builds in the workspace's target directory, where
        // `cargo test -p zapi-relay` already built the relay's dependencies: no copy of the tree
        // and no second build of them. Each file is restored after its mutants, and on Ctrl-C;
        // nothing else should build or edit the relay meanwhile.
        "--in-place",
        // Builds and runs the library's tests only. The unit tests pin these functions; the
        // server binary and the nine integration test binaries would add 40 s to each mutant.
        "--cargo-arg=--lib",
        // The tests take about two seconds; nothing may hang.
        "--timeout",
        "60",
        "--output",
        output,
        "--exclude-re",
        RELAY_SKIPPED,
    ];
    for file in RELAY_FILES {
        args.extend(["--file", file]);
    }
    cmd::cargo(&args)
}
