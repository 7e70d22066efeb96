//! `cargo xtask bench`: the shipped widget and the relay measured against what a team would use
//! instead (the lit + qrcode element in `bench/baseline-js`, nginx's `proxy_pass`), each pair in
//! the same run, written to `BENCHMARKS.md` between its generated-section markers.
//!
//! The browser figures come from `bench/runner/browser.mjs` (headless Chromium), the sizes from
//! `bench/runner/size.mjs` (node's zlib), the relay figures from `wrk`. Each prints
//! `RESULT <key> <value>...` lines; this module collects them and writes the tables.

use crate::bundle;
use crate::cmd::{self, Result};
use crate::contract::{Nginx, Relay};
use crate::services::{self, Stack, Upstream};
use crate::setup;
use crate::site;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const BEGIN: &str = "<!-- bench:begin (written by `cargo xtask bench`; edits here are lost) -->";
const END: &str = "<!-- bench:end -->";
const WRK: &str = "/usr/bin/wrk";
const BASELINE: &str = "baseline-connect";
const WIDGET: &str = "zapi-connect";

/// wrk settings: bounded, and small enough for a shared 2-core machine.
const WRK_RUNS: usize = 3;
const WRK_SECONDS: &str = "5s";
const WRK_THREADS: &str = "2";
const WRK_CONNECTIONS: &str = "32";

/// Measurements by key, each with every repetition.
type Results = BTreeMap<String, Vec<f64>>;

pub fn run() -> Result {
    let started = Instant::now();
    setup::build_tools()?;
    setup::test_tools()?;
    bench_tools()?;
    let bundle = bundle::build()?;
    // The breakdown's input, before anything else can rebuild the shared target directory.
    let unoptimized = cmd::target_dir().join("bench/zapi_connect.wasm");
    std::fs::create_dir_all(cmd::target_dir().join("bench")).map_err(|e| e.to_string())?;
    std::fs::copy(
        cmd::target_dir().join("wasm32-unknown-unknown/bundle/zapi_connect.wasm"),
        &unoptimized,
    )
    .map_err(|e| format!("{}: {e}", unoptimized.display()))?;
    let qr_wasm = build_qr_wasm()?;
    let site = site::assemble(&bundle)?;
    add_bench_files(&site, &qr_wasm)?;
    cmd::cargo(&["build", "--release", "-p", "zapi-sim", "-p", "zapi-relay"])?;
    // The relay and simulator inherit it: no per-request log lines in the measurements.
    std::env::set_var("RUST_LOG", "warn");
    let stack = Stack::start_built(&site, Upstream::Simulator, "127.0.0.1:0", "release")?;
    let sim = stack
        .simulator_url
        .clone()
        .ok_or("the benchmarks need the simulator")?;

    let mut results = Results::new();
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
    collect(
        node(
            "browser.mjs",
            &[],
            &[
                ("BENCH_BASE_URL", stack.relay_url.as_str()),
                ("BENCH_SIM_URL", sim.as_str()),
                ("CHROMIUM", setup::CHROMIUM),
            ],
        )?,
        &mut results,
    );
    relay_benchmarks(&stack, &sim, &mut results)?;
    drop(stack);
    let breakdown = wasm_breakdown(&unoptimized).unwrap_or_else(|error| {
        eprintln!("xtask: no wasm size breakdown: {error}");
        String::new()
    });
    let report = report(&results, &breakdown);
    write_report(&report)?;
    println!("{report}");
    println!(
        "xtask: BENCHMARKS.md written in {:.1} min",
        started.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}

/// wrk (Debian), the baseline element and the runner's npm packages, twiggy (crates.io).
fn bench_tools() -> Result {
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
fn build_qr_wasm() -> Result<PathBuf> {
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
fn add_bench_files(site: &Path, qr_wasm: &Path) -> Result {
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

/// Runs `bench/runner/<script>` with stderr shown as it comes, and returns its stdout.
fn node(script: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<String> {
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

/// `GET /status` with wrk: the simulator directly, through zapi-relay, through nginx.
fn relay_benchmarks(stack: &Stack, sim: &str, results: &mut Results) -> Result {
    let nginx = Relay::nginx(
        sim,
        &Nginx {
            dir: "bench/nginx",
            // One worker per core, as `auto` does; tokio's runtime also uses every core.
            workers: "auto",
            access_log: false,
        },
    )?;
    let client_token = format!("Client-Token: {}", services::DEMO_CLIENT_TOKEN);
    let direct = format!(
        "{sim}/instances/{}/token/{}/status",
        services::DEMO_INSTANCE,
        services::DEMO_TOKEN
    );
    let relay = format!("{}/zapi/status", stack.relay_url);
    let proxied = format!("{}/status", nginx.base);
    let targets: [(&str, &str, &[&str]); 3] = [
        ("direct", direct.as_str(), &["-H", client_token.as_str()]),
        ("relay", relay.as_str(), &[]),
        // The recipe refuses what lacks the widget's header, as a cross-site request.
        ("nginx", proxied.as_str(), &["-H", "X-Zapi-Connect: 1"]),
    ];
    for (_, url, headers) in &targets {
        wrk(url, headers, "1s")?;
    }
    // Interleaved, so that a noisy neighbour on the machine hits every target alike.
    for _ in 0..WRK_RUNS {
        for (name, url, headers) in &targets {
            // One connection: the latency a request pays, without queueing behind 31 others.
            let run = wrk_with(url, headers, "3s", "1", "1")?;
            for (key, value) in [("single-p50", run.p50_ms), ("single-p99", run.p99_ms)] {
                results
                    .entry(format!("wrk.{name}.{key}"))
                    .or_default()
                    .push(value);
            }
            let run = wrk(url, headers, WRK_SECONDS)?;
            for (key, value) in [
                ("rps", run.requests_per_sec),
                ("p50", run.p50_ms),
                ("p99", run.p99_ms),
            ] {
                results
                    .entry(format!("wrk.{name}.{key}"))
                    .or_default()
                    .push(value);
            }
        }
    }
    Ok(())
}

struct WrkRun {
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn wrk(url: &str, headers: &[&str], duration: &str) -> Result<WrkRun> {
    wrk_with(url, headers, duration, WRK_THREADS, WRK_CONNECTIONS)
}

fn wrk_with(
    url: &str,
    headers: &[&str],
    duration: &str,
    threads: &str,
    connections: &str,
) -> Result<WrkRun> {
    let mut args = vec![
        "-t",
        threads,
        "-c",
        connections,
        "-d",
        duration,
        "--latency",
    ];
    args.extend(headers);
    args.push(url);
    eprintln!("xtask: $ wrk {}", args.join(" "));
    let out = cmd::output_in(WRK, &args, cmd::root()).ok_or("wrk failed")?;
    if out.contains("Non-2xx") || out.contains("Socket errors") {
        return Err(format!("wrk against {url} saw errors:\n{out}"));
    }
    let field = |label: &str| -> Option<&str> {
        out.lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
    };
    let latency = |label: &str| field(label).and_then(parse_duration_ms);
    let parsed = (|| {
        Some(WrkRun {
            requests_per_sec: field("Requests/sec:")?.parse().ok()?,
            p50_ms: latency("50%")?,
            p99_ms: latency("99%")?,
        })
    })();
    parsed.ok_or_else(|| format!("could not read wrk's output:\n{out}"))
}

/// wrk's `812.00us`, `1.23ms`, `2.00s` in milliseconds.
fn parse_duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    match unit {
        "us" => Some(value / 1000.0),
        "ms" => Some(value),
        "s" => Some(value * 1000.0),
        "m" => Some(value * 60_000.0),
        _ => None,
    }
}

/// What the shipped wasm is made of, by crate, from twiggy on a copy optimized like the bundle
/// but with its name section kept.
fn wasm_breakdown(wasm: &Path) -> Result<String> {
    let dir = cmd::target_dir().join("bench/wasm-names");
    let _ = std::fs::remove_dir_all(&dir);
    cmd::run_in(
        "wasm-bindgen",
        &[
            cmd::utf8(wasm)?,
            "--target",
            "web",
            "--keep-debug",
            "--out-dir",
            cmd::utf8(&dir)?,
        ],
        cmd::root(),
        &[],
    )?;
    let named = dir.join("zapi_connect_bg.wasm");
    bundle::wasm_opt(&named, &named, true)?;
    let csv = cmd::output_in(
        "twiggy",
        &["top", "-n", "1000000", "-f", "csv", cmd::utf8(&named)?],
        cmd::root(),
    )
    .ok_or("twiggy failed")?;
    let mut by_crate: BTreeMap<String, u64> = BTreeMap::new();
    let mut items: Vec<(u64, String)> = Vec::new();
    let mut total = 0;
    for line in csv.lines().skip(1) {
        let Some((name, size)) = csv_name_and_size(line) else {
            continue;
        };
        // Names exist only in this copy: the shipped wasm has no name section.
        if name.contains("\"function names\" subsection") || name.starts_with("custom section") {
            continue;
        }
        total += size;
        *by_crate.entry(owner(&name)).or_default() += size;
        items.push((size, name));
    }
    if total == 0 {
        return Err("twiggy listed nothing".into());
    }
    let mut crates: Vec<(u64, String)> = by_crate.into_iter().map(|(k, v)| (v, k)).collect();
    crates.sort_by(|a, b| b.cmp(a));
    items.sort_by(|a, b| b.cmp(a));
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Where the wasm's {:.1} KB (uncompressed, after `wasm-opt -Oz`) go, by crate \
         (twiggy shallow sizes; `data`/`code[n]` are items without a Rust name):\n",
        total as f64 / 1024.0
    );
    md.push_str("| crate | bytes | share |\n|---|---:|---:|\n");
    for (size, name) in crates.iter().take(16) {
        let _ = writeln!(
            md,
            "| `{name}` | {size} | {:.1} % |",
            *size as f64 * 100.0 / total as f64
        );
    }
    md.push_str("\nLargest single items:\n\n| item | bytes |\n|---|---:|\n");
    for (size, name) in items.iter().take(12) {
        let mut name = name.replace('|', "\\|");
        if name.len() > 110 {
            let cut = (0..=110)
                .rev()
                .find(|&i| name.is_char_boundary(i))
                .unwrap_or(0);
            name.truncate(cut);
            name.push('…');
        }
        let _ = writeln!(md, "| `{name}` | {size} |");
    }
    Ok(md)
}

/// The first two fields of twiggy's CSV (`Name,ShallowSize,...`); a quoted name may hold commas
/// and doubled quotes.
fn csv_name_and_size(line: &str) -> Option<(String, u64)> {
    let (name, rest) = match line.strip_prefix('"') {
        Some(quoted) => {
            let mut name = String::new();
            let mut chars = quoted.char_indices().peekable();
            loop {
                let (i, c) = chars.next()?;
                if c != '"' {
                    name.push(c);
                } else if chars.peek().map(|&(_, c)| c) == Some('"') {
                    name.push('"');
                    chars.next();
                } else {
                    break (name, quoted[i + 1..].strip_prefix(',')?);
                }
            }
        }
        None => {
            let (name, rest) = line.split_once(',')?;
            (name.to_string(), rest)
        }
    };
    let size = rest.split(',').next()?.parse().ok()?;
    Some((name, size))
}

/// The crate an item belongs to: the first path segment of its demangled name.
fn owner(name: &str) -> String {
    let name = name
        .trim_start_matches("<")
        .trim_start_matches("&")
        .trim_start_matches("mut ")
        .trim_start_matches("dyn ");
    if name.starts_with("data[") || name.starts_with("data segment") {
        return "data (strings, tables)".into();
    }
    match name.find("::") {
        // `core[c5930c85a12de822]`: std's crates carry their hash.
        Some(end) if !name[..end].contains(' ') => {
            let krate = &name[..end];
            krate[..krate.find('[').unwrap_or(krate.len())].to_string()
        }
        _ if name.starts_with("code[") || name.contains("func[") => "unnamed code".into(),
        _ => "exports, imports, tables (no Rust path)".into(),
    }
}

// ---- statistics and the report -------------------------------------------------------------

#[derive(Clone, Copy)]
struct Stats {
    n: usize,
    median: f64,
    min: f64,
    max: f64,
    q1: f64,
    q3: f64,
}

fn stats(values: &[f64]) -> Option<Stats> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let position = q * (sorted.len() - 1) as f64;
        let (low, high) = (position.floor() as usize, position.ceil() as usize);
        sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
    };
    Some(Stats {
        n: sorted.len(),
        median: quantile(0.5),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        q1: quantile(0.25),
        q3: quantile(0.75),
    })
}

fn median(results: &Results, key: &str) -> f64 {
    results
        .get(key)
        .and_then(|values| stats(values))
        .map_or(f64::NAN, |s| s.median)
}

struct Report<'a> {
    results: &'a Results,
    md: String,
    targets: Vec<(String, String, bool)>,
}

impl Report<'_> {
    fn get(&self, key: &str) -> Option<Stats> {
        stats(self.results.get(key)?)
    }

    fn median(&self, key: &str) -> f64 {
        median(self.results, key)
    }

    fn line(&mut self, text: &str) {
        self.md.push_str(text);
        self.md.push('\n');
    }

    fn target(&mut self, what: &str, figure: String, met: bool) {
        self.targets.push((what.to_string(), figure, met));
    }
}

/// `12.3 (11.9–13.0, IQR 12.1–12.6)`, with `digits` decimals.
fn spread(s: Option<Stats>, digits: usize) -> String {
    match s {
        Some(s) if s.n > 1 => format!(
            "{:.d$} ({:.d$}–{:.d$}, IQR {:.d$}–{:.d$})",
            s.median,
            s.min,
            s.max,
            s.q1,
            s.q3,
            d = digits
        ),
        Some(s) => format!("{:.d$}", s.median, d = digits),
        None => "–".into(),
    }
}

fn ratio(ours: f64, theirs: f64) -> String {
    if ours.is_finite() && theirs.is_finite() && theirs != 0.0 {
        format!("{:.2}×", ours / theirs)
    } else {
        "–".into()
    }
}

fn kb(bytes: f64) -> String {
    format!("{:.1} KB", bytes / 1024.0)
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".into(), |m| m.trim().to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        .map_or("unknown memory".into(), |kib| {
            format!("{:.1} GiB RAM", kib / 1024.0 / 1024.0)
        });
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = cmd::output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let commit = cmd::output(
        "git",
        &[
            "-C",
            cmd::utf8(cmd::root()).unwrap_or("."),
            "rev-parse",
            "--short",
            "HEAD",
        ],
    )
    .unwrap_or_default();
    let chromium = cmd::output(setup::CHROMIUM, &["--version"]).unwrap_or_default();
    let nginx =
        cmd::output("sh", &["-c", &format!("{} -v 2>&1", setup::NGINX)]).unwrap_or_default();
    let wrk = cmd::output("sh", &["-c", &format!("{WRK} -v 2>&1 | head -1")]).unwrap_or_default();
    format!(
        "Machine: {cores} cores (nproc), {cpu}, {memory}; shared with other work, so compare \
         figures within one run only. Date: {date}; commit {commit} (plus the working tree). \
         {chromium}; {nginx}; {wrk}; node {}.",
        cmd::output("node", &["--version"]).unwrap_or_default()
    )
}

fn report(results: &Results, breakdown: &str) -> String {
    let mut r = Report {
        results,
        md: String::new(),
        targets: Vec::new(),
    };
    r.line(&format!("{BEGIN}\n"));
    r.line(&machine());
    r.line("");
    r.line(
        "Each table: our figure, the baseline measured in the same run, our figure divided by \
         the baseline's. Timings are medians with min–max and interquartile range over the \
         repetitions given; counts and byte sizes are exact and identical on every run.",
    );
    size_table(&mut r);
    time_to_qr_table(&mut r);
    qr_encode_table(&mut r);
    idle_table(&mut r);
    calls_table(&mut r);
    relay_table(&mut r);
    r.line("\n### Targets\n");
    r.line("| target | measured | |\n|---|---|---|");
    for (what, figure, met) in std::mem::take(&mut r.targets) {
        let verdict = if met { "met" } else { "**missed**" };
        r.line(&format!("| {what} | {figure} | {verdict} |"));
    }
    if !breakdown.is_empty() {
        r.line("\n### What the wasm is made of\n");
        r.line(breakdown.trim_end());
    }
    r.line(&format!("\n{END}"));
    r.md
}

fn size_table(r: &mut Report) {
    r.line("\n### 1. Download size\n");
    r.line(
        "Every file the browser fetches for the element: for zapi-connect the wasm and \
         `index.js` (the element bundled with wasm-bindgen's glue) from the packed npm bundle; for the baseline its \
         esbuild bundle (`bench/baseline-js`, lit + qrcode, minified). gzip level 9 and brotli \
         quality 11, node's zlib.\n",
    );
    r.line("| bytes | zapi-connect | baseline (lit + qrcode) | ratio |\n|---|---:|---:|---:|");
    for kind in ["raw", "gzip", "brotli"] {
        let ours = r.median(&format!("size.{WIDGET}.{kind}"));
        let theirs = r.median(&format!("size.{BASELINE}.{kind}"));
        r.line(&format!(
            "| {kind} | {} ({ours:.0} B) | {} ({theirs:.0} B) | {} |",
            kb(ours),
            kb(theirs),
            ratio(ours, theirs)
        ));
    }
    let mut files = String::new();
    let prefix = format!("size.{WIDGET}.file.");
    for (key, values) in r.results.range(prefix.clone()..) {
        let Some(rest) = key.strip_prefix(&prefix) else {
            break;
        };
        if let Some(file) = rest.strip_suffix(".brotli") {
            let _ = write!(files, "`{file}` {}, ", kb(values[0]));
        }
    }
    r.line(&format!(
        "\nzapi-connect brotli by file: {}.",
        files.trim_end_matches(", ")
    ));
    let ours = r.median(&format!("size.{WIDGET}.brotli"));
    let theirs = r.median(&format!("size.{BASELINE}.brotli"));
    r.target(
        "download ≤ 40 KB brotli",
        format!("{} ({} of the baseline)", kb(ours), ratio(ours, theirs)),
        ours <= 40.0 * 1024.0,
    );
}

fn time_to_qr_table(r: &mut Report) {
    let n = r.get(&format!("ttq.cold.{WIDGET}")).map_or(0, |s| s.n);
    r.line("\n### 2. Time to first scannable QR\n");
    r.line(&format!(
        "Milliseconds from inserting the element (its module not yet imported) to its QR's \
         `<svg>` in the shadow DOM: module fetch and compile, `/status` and `/qr-code` through \
         zapi-relay to zapi-sim (release builds, loopback), encoding and rendering. Headless \
         Chromium; {n} loads each, elements alternating, simulator reset before each load. \
         Cold: a new browser context per load (empty cache). Warm: one context, page reloaded, \
         module and wasm from the HTTP cache (first load not counted).\n"
    ));
    r.line("| cache | zapi-connect, ms | baseline, ms | ratio of medians |\n|---|---:|---:|---:|");
    let mut worst = 0.0f64;
    for cache in ["cold", "warm"] {
        let ours = r.get(&format!("ttq.{cache}.{WIDGET}"));
        let theirs = r.get(&format!("ttq.{cache}.{BASELINE}"));
        let (a, b) = (
            r.median(&format!("ttq.{cache}.{WIDGET}")),
            r.median(&format!("ttq.{cache}.{BASELINE}")),
        );
        worst = worst.max(a / b);
        r.line(&format!(
            "| {cache} | {} | {} | {} |",
            spread(ours, 1),
            spread(theirs, 1),
            ratio(a, b)
        ));
    }
    r.line(
        "\nWhere the time goes (medians, ms; Resource Timing): *boot* is insertion to the \
         first `/status` request (module fetch, compile, start), *relay* the two round trips \
         to the last `/qr-code` byte, *render* from there to the QR in the DOM.\n",
    );
    r.line("| part | zapi-connect cold | baseline cold | zapi-connect warm | baseline warm |");
    r.line("|---|---:|---:|---:|---:|");
    for part in ["boot", "relay", "render"] {
        let cell = |cache: &str, tag: &str| {
            format!(
                "{:.1}",
                median(r.results, &format!("ttq.{cache}.{tag}.{part}"))
            )
        };
        let row = format!(
            "| {part} | {} | {} | {} | {} |",
            cell("cold", WIDGET),
            cell("cold", BASELINE),
            cell("warm", WIDGET),
            cell("warm", BASELINE)
        );
        r.line(&row);
    }
    r.target(
        "time to first QR ≤ 1.1× the baseline",
        format!("{worst:.2}× (worse of cold and warm)"),
        worst <= 1.1,
    );
}

fn qr_encode_table(r: &mut Report) {
    let runs = r.get("qr.ops.wasm").map_or(0, |s| s.n);
    let length = r.median("qr.payload-length");
    r.line("\n### 3. QR encoding\n");
    r.line(&format!(
        "Encode the simulator's WhatsApp-shaped payload ({length:.0} characters: `2@` + \
         reference + 3 keys) and render it to an SVG string, in the page, operations per second. \
         zapi-connect: the widget's own `qr_svg::encode` (built with the bundle profile into \
         `bench/qr-wasm`, one `#[wasm_bindgen]` export). Baseline: \
         `QRCode.toString(value, {{ type: \"svg\" }})` from the qrcode npm package, as the \
         baseline bundles it. {runs} runs of 1 s each, alternating.\n"
    ));
    r.line("| | zapi-connect (wasm) | baseline (qrcode npm) | ratio |\n|---|---:|---:|---:|");
    let (a, b) = (r.median("qr.ops.wasm"), r.median("qr.ops.qrcode"));
    r.line(&format!(
        "| encodes per second | {} | {} | {} |",
        spread(r.get("qr.ops.wasm"), 0),
        spread(r.get("qr.ops.qrcode"), 0),
        ratio(a, b)
    ));
    r.target(
        "QR encoding ≥ 2× the qrcode package",
        format!("{:.2}×", a / b),
        a / b >= 2.0,
    );
}

fn idle_table(r: &mut Report) {
    let cycles = r.median(&format!("idle.{WIDGET}.cycles"));
    r.line("\n### 4. Idle cost\n");
    r.line(&format!(
        "The element waits through {cycles:.0} refresh cycles (one code shown for its 15 s \
         interval, with its `/status` polls) under Playwright's clock, \"Get new code\" clicked \
         at each pause (every 3 codes). CPU: CDP `Performance.getMetrics` per cycle, median over \
         each block of 100 cycles (min–max, IQR across blocks). Memory after a forced GC: JS \
         heap (`Runtime.getHeapUsage`) and wasm linear memory (every `WebAssembly.Memory` via \
         `Runtime.queryObjects`), after the first 100 cycles and at the end; growth between the \
         two is what a leak would show.\n"
    ));
    r.line("| | zapi-connect | baseline | ratio |\n|---|---:|---:|---:|");
    for (label, key, digits) in [
        ("CPU per cycle, TaskDuration, ms", "task-ms-per-cycle", 3),
        (
            "script per cycle, ScriptDuration, ms",
            "script-ms-per-cycle",
            3,
        ),
    ] {
        let (a, b) = (
            r.median(&format!("idle.{WIDGET}.{key}")),
            r.median(&format!("idle.{BASELINE}.{key}")),
        );
        r.line(&format!(
            "| {label} | {} | {} | {} |",
            spread(r.get(&format!("idle.{WIDGET}.{key}")), digits),
            spread(r.get(&format!("idle.{BASELINE}.{key}")), digits),
            ratio(a, b)
        ));
    }
    for (label, what) in [("JS heap", "heap"), ("wasm memory", "wasm")] {
        let results = r.results;
        let value = |tag: &str, at: &str| median(results, &format!("idle.{tag}.{what}-{at}"));
        for (at, name) in [
            ("after-first", "after 100 cycles"),
            ("at-end", "at the end"),
        ] {
            let (a, b) = (value(WIDGET, at), value(BASELINE, at));
            r.line(&format!(
                "| {label} {name} | {} | {} | {} |",
                kb(a),
                kb(b),
                ratio(a, b)
            ));
        }
        let growth = |tag: &str| value(tag, "at-end") - value(tag, "after-first");
        let (a, b) = (growth(WIDGET), growth(BASELINE));
        r.line(&format!(
            "| {label} growth, 100 → {cycles:.0} cycles | {:+.1} KB | {:+.1} KB | |",
            a / 1024.0,
            b / 1024.0
        ));
    }
    let qr = |tag: &str| r.median(&format!("idle.{tag}.qr-calls"));
    r.line(&format!(
        "| `/qr-code` calls in the run (check) | {:.0} | {:.0} | |",
        qr(WIDGET),
        qr(BASELINE)
    ));
}

fn calls_table(r: &mut Report) {
    r.line("\n### 5. Calls to Z-API per connection attempt\n");
    r.line(
        "Read from the simulator's per-endpoint counters; interval 15 s, Playwright's clock \
         paused and moved in 5 s steps, each step waiting for the element's requests to finish. \
         Polls per minute: `/status` calls during the first two codes (30 s) scaled to a \
         minute. Hidden tab: `document.visibilityState` made `hidden` and \
         `visibilitychange` dispatched while a code is shown, then one minute on the clock.\n",
    );
    r.line("| per attempt | zapi-connect | baseline | ratio |\n|---|---:|---:|---:|");
    for (label, key) in [
        ("`/status` before the first code", "status-at-start"),
        ("`/qr-code` per cycle (target ≤ 3)", "qr-per-cycle"),
        (
            "`/status` polls per minute while a code is shown",
            "status-polls-per-min",
        ),
        ("calls per minute once paused", "calls-per-min-paused"),
        (
            "calls per minute while the tab is hidden",
            "calls-per-min-hidden",
        ),
        ("… of which `/qr-code`", "qr-per-min-hidden"),
        ("… of which `/status`", "status-per-min-hidden"),
    ] {
        let (a, b) = (
            r.median(&format!("calls.{WIDGET}.{key}")),
            r.median(&format!("calls.{BASELINE}.{key}")),
        );
        r.line(&format!("| {label} | {a} | {b} | {} |", ratio(a, b)));
    }
    let qr = r.median(&format!("calls.{WIDGET}.qr-per-cycle"));
    r.target("`/qr-code` calls per cycle ≤ 3", format!("{qr}"), qr <= 3.0);
    let hidden = r.median(&format!("calls.{WIDGET}.calls-per-min-hidden"));
    r.target(
        "no calls while the tab is hidden",
        format!("{hidden} calls per minute"),
        hidden == 0.0,
    );
}

/// One row per path measured with wrk: each metric's spread (with its decimals), then how much
/// the path's `p99` metric adds to the direct path's.
fn relay_rows(r: &mut Report, metrics: &[(&str, usize)], p99: &str, decimals: usize) {
    let direct = r.median(&format!("wrk.direct.{p99}"));
    for (label, name) in [
        ("zapi-sim directly", "direct"),
        ("zapi-relay → zapi-sim", "relay"),
        ("nginx `proxy_pass` → zapi-sim (baseline)", "nginx"),
    ] {
        let mut row = format!("| {label} |");
        for (metric, digits) in metrics {
            let cell = spread(r.get(&format!("wrk.{name}.{metric}")), *digits);
            row.push_str(&format!(" {cell} |"));
        }
        let added = if name == "direct" {
            "–".to_string()
        } else {
            let p99 = r.median(&format!("wrk.{name}.{p99}"));
            format!("{:+.*}", decimals, p99 - direct)
        };
        r.line(&format!("{row} {added} |"));
    }
}

fn relay_table(r: &mut Report) {
    let runs = r.get("wrk.relay.rps").map_or(0, |s| s.n);
    r.line("\n### 6. Relay\n");
    r.line(&format!(
        "`GET /status` with wrk ({WRK_THREADS} threads, {WRK_CONNECTIONS} connections, \
         {runs} runs × {WRK_SECONDS}, targets interleaved, after a 1 s warm-up each), loopback \
         only: zapi-sim directly (with the Client-Token header), through zapi-relay (release, \
         `RUST_LOG=warn`), and through nginx with the repository's recipe \
         (`examples/nginx/zapi-relay.conf.template`, `worker_processes auto`, access log off). \
         Load generator, relay and simulator share the machine's cores.\n"
    ));
    r.line(
        "| path | requests/s | p50, ms | p99, ms | p99 added to direct, ms |\n|---|---:|---:|---:|---:|",
    );
    relay_rows(r, &[("rps", 0), ("p50", 2), ("p99", 2)], "p99", 2);
    r.line(
        "\nLatency one request pays, one connection (`-t 1 -c 1`, 3 s per run, same \
         interleaving), ms:\n",
    );
    r.line("| path | p50 | p99 | p99 added to direct |\n|---|---:|---:|---:|");
    relay_rows(r, &[("single-p50", 3), ("single-p99", 3)], "single-p99", 3);
    let direct_p99 = r.median("wrk.direct.p99");
    let direct_single = r.median("wrk.direct.single-p99");
    let (relay, nginx) = (r.median("wrk.relay.rps"), r.median("wrk.nginx.rps"));
    r.line(&format!(
        "\nzapi-relay / nginx: throughput {}, p50 {}, p99 {}.",
        ratio(relay, nginx),
        ratio(r.median("wrk.relay.p50"), r.median("wrk.nginx.p50")),
        ratio(r.median("wrk.relay.p99"), r.median("wrk.nginx.p99")),
    ));
    r.target(
        "relay throughput ≥ 0.8× nginx's",
        ratio(relay, nginx),
        relay >= 0.8 * nginx,
    );
    let added = r.median("wrk.relay.single-p99") - direct_single;
    let loaded = r.median("wrk.relay.p99") - direct_p99;
    r.target(
        "relay p99 added < 1 ms",
        format!("{added:+.3} ms at 1 connection ({loaded:+.2} ms at {WRK_CONNECTIONS})"),
        added < 1.0,
    );
}

/// Replaces the generated section of BENCHMARKS.md, keeping what is written around it.
fn write_report(report: &str) -> Result {
    let path = cmd::root().join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{report}{}", &old[..begin], &old[end + END.len()..])
        }
        _ => format!(
            "# Benchmarks\n\n`cargo xtask bench` measures the shipped widget and the relay \
             against what a team would use instead, and rewrites the generated section below.\n\n\
             {report}\n"
        ),
    };
    std::fs::write(&path, new).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_durations_become_milliseconds() {
        assert_eq!(parse_duration_ms("812.00us"), Some(0.812));
        assert_eq!(parse_duration_ms("1.50ms"), Some(1.5));
        assert_eq!(parse_duration_ms("2.00s"), Some(2000.0));
        assert_eq!(parse_duration_ms("fast"), None);
    }

    #[test]
    fn stats_give_median_and_quartiles() {
        let s = stats(&[4.0, 1.0, 3.0, 2.0, 5.0]).unwrap();
        assert_eq!(
            (s.median, s.min, s.max, s.q1, s.q3),
            (3.0, 1.0, 5.0, 2.0, 4.0)
        );
        assert!(stats(&[]).is_none());
    }

    #[test]
    fn results_are_read_from_result_lines_only() {
        let mut results = Results::new();
        collect("noise\nRESULT a 1 2\nRESULT a 3\n".into(), &mut results);
        assert_eq!(results["a"], vec![1.0, 2.0, 3.0]);
        assert_eq!(results.len(), 1);
    }

    #[test]
    fn twiggy_csv_names_may_hold_commas_and_quotes() {
        let line = r#""data segment "".rodata.2""",14076,5.24,,"#;
        assert_eq!(
            csv_name_and_size(line),
            Some((r#"data segment ".rodata.2""#.to_string(), 14076))
        );
        assert_eq!(
            csv_name_and_size("zapiconnectelement_connect,7615,2.8,,"),
            Some(("zapiconnectelement_connect".to_string(), 7615))
        );
    }

    #[test]
    fn items_are_grouped_by_crate() {
        assert_eq!(owner("leptos::mount::mount_to::h123"), "leptos");
        assert_eq!(
            owner("<qrcode::bits::Bits as core::fmt::Debug>::fmt"),
            "qrcode"
        );
        assert_eq!(owner("data[0]"), "data (strings, tables)");
        assert_eq!(owner("core[c5930c85a12de822]::fmt::write"), "core");
    }
}
