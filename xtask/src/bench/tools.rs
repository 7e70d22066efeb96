//! What the benchmarks need besides the build: wrk, the baseline element, the runner's npm
//! packages, twiggy, and the files the bench page loads.

use super::wrk::WRK;
use crate::bundle;
use crate::cmd::{self, Result};
use crate::setup;
use std::path::{Path, PathBuf};

/// wrk (Debian), the baseline element and the runner's npm packages, twiggy (crates.io).
pub(super) fn bench_tools() -> Result {
    if !Path::new(WRK).exists() {
        cmd::run_in("apt-get", &["update"], cmd::root(), &[])?;
        cmd::run_in(
            "apt-get",
            &["install", "-y", "--no-install-recommends", "wrk"],
            cmd::root(),
            &[("DEBIAN_FRONTEND", "noninteractive")],
        )?;
    }
    let baseline = cmd::root().join("bench/baseline-js");
    setup::npm_ci(&baseline)?;
    cmd::run_in("npm", &["run", "--silent", "build"], &baseline, &[])?;
    cmd::run_in("npm", &["run", "--silent", "build:bench"], &baseline, &[])?;
    setup::npm_ci(&cmd::root().join("bench/runner"))?;
    if cmd::output("twiggy", &["--version"]).is_none() {
        cmd::cargo(&["install", "twiggy"])?;
    }
    Ok(())
}

/// `bench/qr-wasm`: the widget's QR-to-SVG code behind one export, built like the bundle.
pub(super) fn build_qr_wasm() -> Result<PathBuf> {
    let out = cmd::target_dir().join("bench/qr-wasm");
    bundle::build_web_wasm(
        "zapi-connect-qr-bench",
        "",
        "zapi_connect_qr_bench",
        &out,
        bundle::WasmPath::BesideTheGlue,
    )?;
    Ok(out)
}

/// The baseline element under `vendor/baseline/`, the bench page under `bench/`, and the two
/// QR encoders the encoding benchmark loads.
pub(super) fn add_bench_files(site: &Path, qr_wasm: &Path) -> Result {
    let baseline = cmd::root().join("bench/baseline-js/dist");
    let bench = site.join("bench");
    let copies = [
        (
            baseline.join("baseline-connect.js"),
            site.join("vendor/baseline/baseline-connect.js"),
        ),
        (
            baseline.join("qrcode-bench.js"),
            bench.join("qrcode-bench.js"),
        ),
        (
            cmd::root().join("bench/pages/index.html"),
            bench.join("index.html"),
        ),
        (
            cmd::root().join("bench/pages/bench.js"),
            bench.join("bench.js"),
        ),
        (
            qr_wasm.join("zapi_connect_qr_bench.js"),
            bench.join("qr-wasm/zapi_connect_qr_bench.js"),
        ),
        (
            qr_wasm.join("zapi_connect_qr_bench_bg.wasm"),
            bench.join("qr-wasm/zapi_connect_qr_bench_bg.wasm"),
        ),
    ];
    for (from, to) in copies {
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
    }
    Ok(())
}
