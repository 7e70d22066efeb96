//! `cargo xtask mutants`: cargo-mutants over the widget's pure modules. Every mutant of their
//! code must make a native test fail; a survivor is a rule no test pins.

use crate::cmd::{self, Result};
use crate::setup;

/// The connect rules, phone numbers and the relay's answers: pure modules whose every rule is
/// tested natively, without a browser.
const FILES: [&str; 3] = ["src/machine.rs", "src/phone.rs", "src/relay.rs"];

pub fn run() -> Result {
    setup::mutation_tools()?;
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
    for file in FILES {
        args.extend(["--file", file]);
    }
    // The native unit tests; the browser tests in tests/ only build for wasm32.
    args.extend(["--", "--lib"]);
    // A target directory of its own, kept between runs so that the dependencies are built once:
    // the mutated copy of the crate would share its artifacts with the real one in the
    // workspace's, and a test run beside it could build and test a mutant.
    cmd::cargo_env(&args, &[("CARGO_TARGET_DIR", target)])
}
