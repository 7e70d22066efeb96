//! `cargo xtask bench`: the shipped widget and the relay measured against what a team would use
//! instead (the lit + qrcode element in `bench/baseline-js`, nginx's `proxy_pass`), each pair in
//! the same run, written to `BENCHMARKS.md` between its generated-section markers.
//!
//! The browser figures come from `bench/runner/browser.mjs` (headless Chromium), the sizes from
//! `bench/runner/size.mjs` (node's zlib), the relay figures from `wrk`. Each prints
//! `RESULT <key> <value>...` lines; this module collects them and writes the tables.

mod redis;
mod relay;
mod relay_process;
mod report;
mod stats;
mod streams;
mod tools;
mod wasm_size;
mod widget;
mod wrk;

use crate::bundle;
use crate::cmd::{self, Result};
use crate::services::{Stack, Upstream};
use crate::setup;
use crate::site;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Instant;

pub(super) const BASELINE: &str = "baseline-connect";
pub(super) const WIDGET: &str = "zapi-connect";

/// Measurements by key, each with every repetition.
pub(super) type Results = BTreeMap<String, Vec<f64>>;

/// The sections `browser.mjs` measures.
const BROWSER_SECTIONS: [&str; 5] = ["time-to-qr", "qr-encode", "idle", "calls", "push"];

/// Measures the sections named (all of them when none is), and rewrites them in BENCHMARKS.md.
pub fn run(names: &[String]) -> Result {
    let started = Instant::now();
    let known: Vec<&str> = report::SECTIONS.iter().map(|(name, _)| *name).collect();
    if let Some(unknown) = names.iter().find(|n| !known.contains(&n.as_str())) {
        return Err(format!(
            "no benchmark section `{unknown}`; the sections: {}",
            known.join(", ")
        ));
    }
    let wanted = |name: &str| names.is_empty() || names.iter().any(|n| n == name);
    setup::build_tools()?;
    setup::test_tools()?;
    tools::bench_tools()?;
    let bundle = bundle::build()?;
    // The breakdown's input, before anything else can rebuild the shared target directory.
    let unoptimized = cmd::target_dir().join("bench/zapi_connect.wasm");
    std::fs::create_dir_all(cmd::target_dir().join("bench")).map_err(|e| e.to_string())?;
    std::fs::copy(
        cmd::target_dir().join("wasm32-unknown-unknown/bundle/zapi_connect.wasm"),
        &unoptimized,
    )
    .map_err(|e| format!("{}: {e}", unoptimized.display()))?;
    let qr_wasm = tools::build_qr_wasm()?;
    let site = site::assemble(&bundle)?;
    tools::add_bench_files(&site, &qr_wasm)?;
    cmd::cargo(&["build", "--release", "-p", "zapi-sim", "-p", "zapi-relay"])?;
    // The relay and simulator inherit it: no per-request log lines in the measurements.
    std::env::set_var("RUST_LOG", "warn");
    let stack = Stack::start_built(&site, Upstream::Simulator, "127.0.0.1:0", "release")?;
    let sim = stack
        .simulator_url
        .clone()
        .ok_or("the benchmarks need the simulator")?;

    let mut results = Results::new();
    if wanted("size") {
        let vendor = site.join("vendor");
        let files = |names: &[&str]| -> String {
            let paths: Vec<String> = names
                .iter()
                .map(|name| vendor.join(name).display().to_string())
                .collect();
            paths.join(",")
        };
        let widget_files = files(&[
            "zapi-connect/pkg/zapi_connect_bg.wasm",
            "zapi-connect/index.js",
        ]);
        let baseline_files = files(&["baseline/baseline-connect.js"]);
        collect(
            node(
                "size.mjs",
                &[
                    &format!("{WIDGET}={widget_files}"),
                    &format!("{BASELINE}={baseline_files}"),
                ],
                &[],
            )?,
            &mut results,
        );
    }
    let browser: Vec<&str> = BROWSER_SECTIONS
        .into_iter()
        .filter(|name| wanted(name))
        .collect();
    if !browser.is_empty() {
        let only = browser.join(",");
        collect(
            node(
                "browser.mjs",
                &[],
                &[
                    ("BENCH_BASE_URL", stack.relay_url.as_str()),
                    ("BENCH_SIM_URL", sim.as_str()),
                    ("CHROMIUM", setup::CHROMIUM),
                    ("BENCH_ONLY", only.as_str()),
                ],
            )?,
            &mut results,
        );
    }
    if wanted("relay") {
        relay::relay_benchmarks(&sim, &mut results)?;
    }
    if wanted("redis") {
        redis::measure(&sim, &mut results)?;
    }
    if wanted("streams") {
        streams::measure(&sim, &mut results)?;
    }
    drop(stack);
    let mut breakdown = String::new();
    if wanted("wasm") {
        match wasm_size::wasm_breakdown(&unoptimized) {
            Ok(md) => breakdown = md,
            // The other sections' figures are still worth writing; this one keeps its old text.
            Err(error) => eprintln!("xtask: no wasm size breakdown: {error}"),
        }
    }
    let measured: BTreeMap<String, String> = known
        .iter()
        .filter(|name| wanted(name) && (**name != "wasm" || !breakdown.is_empty()))
        .map(|name| {
            let md = report::section(name, &results, Some(breakdown.as_str()));
            (name.to_string(), md)
        })
        .collect();
    let block = report::write_report(&measured)?;
    println!("{block}");
    println!(
        "xtask: BENCHMARKS.md written in {:.1} min",
        started.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}

/// Runs `bench/runner/<script>` with stderr shown as it comes, and returns its stdout.
pub(super) fn node(script: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<String> {
    let dir = cmd::root().join("bench/runner");
    eprintln!("xtask: $ node bench/runner/{script} {}", args.join(" "));
    let output = Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(&dir)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start node: {e}"))?;
    if !output.status.success() {
        return Err(format!("`node {script}` failed ({})", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Adds every `RESULT <key> <value>...` line of `output` to `results`.
fn collect(output: String, results: &mut Results) {
    for line in output.lines() {
        let Some(rest) = line.strip_prefix("RESULT ") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let Some(key) = words.next() else { continue };
        let values = results.entry(key.to_string()).or_default();
        values.extend(words.filter_map(|w| w.parse::<f64>().ok()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_read_from_result_lines_only() {
        let mut results = Results::new();
        collect("noise\nRESULT a 1 2\nRESULT a 3\n".into(), &mut results);
        assert_eq!(results["a"], vec![1.0, 2.0, 3.0]);
        assert_eq!(results.len(), 1);
    }
}
