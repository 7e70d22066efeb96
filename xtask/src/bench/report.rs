//! The generated section of BENCHMARKS.md: machine line, tables, targets.

use super::relay::relay_table;
use super::stats::{median, stats, Stats};
use super::widget::{calls_table, idle_table, qr_encode_table, size_table, time_to_qr_table};
use super::wrk::WRK;
use super::Results;
use crate::cmd::{self, Result};
use crate::setup;

pub(super) const BEGIN: &str =
    "<!-- bench:begin (written by `cargo xtask bench`; edits here are lost) -->";
pub(super) const END: &str = "<!-- bench:end -->";

pub(super) struct Report<'a> {
    pub(super) results: &'a Results,
    pub(super) md: String,
    pub(super) targets: Vec<(String, String, bool)>,
}

impl Report<'_> {
    pub(super) fn get(&self, key: &str) -> Option<Stats> {
        stats(self.results.get(key)?)
    }

    pub(super) fn median(&self, key: &str) -> f64 {
        median(self.results, key)
    }

    pub(super) fn line(&mut self, text: &str) {
        self.md.push_str(text);
        self.md.push('\n');
    }

    pub(super) fn target(&mut self, what: &str, figure: String, met: bool) {
        self.targets.push((what.to_string(), figure, met));
    }
}

/// `12.3 (11.9–13.0, IQR 12.1–12.6)`, with `digits` decimals.
pub(super) fn spread(s: Option<Stats>, digits: usize) -> String {
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

pub(super) fn ratio(ours: f64, theirs: f64) -> String {
    if ours.is_finite() && theirs.is_finite() && theirs != 0.0 {
        format!("{:.2}×", ours / theirs)
    } else {
        "–".into()
    }
}

pub(super) fn kb(bytes: f64) -> String {
    format!("{:.1} KB", bytes / 1024.0)
}

pub(super) fn machine() -> String {
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

pub(super) fn report(results: &Results, breakdown: &str) -> String {
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

/// Replaces the generated section of BENCHMARKS.md, keeping what is written around it.
pub(super) fn write_report(report: &str) -> Result {
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
