//! The generated section of BENCHMARKS.md: machine line, tables, targets.

use super::relay::relay_table;
use super::stats::{median, stats, Stats};
use super::widget::{calls_table, idle_table, qr_encode_table, size_table, time_to_qr_table};
use super::wrk::WRK;
use super::Results;
use crate::cmd::{self, Result};
use crate::setup;
use std::collections::BTreeMap;

pub(super) const BEGIN: &str =
    "<!-- bench:begin (written by `cargo xtask bench`; edits here are lost) -->";
pub(super) const END: &str = "<!-- bench:end -->";

pub(super) struct Report<'a> {
    pub(super) results: &'a Results,
    breakdown: Option<&'a str>,
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
    let chromium = cmd::output(setup::CHROMIUM, &["--version"]).unwrap_or_default();
    let nginx =
        cmd::output("sh", &["-c", &format!("{} -v 2>&1", setup::NGINX)]).unwrap_or_default();
    let wrk = cmd::output("sh", &["-c", &format!("{WRK} -v 2>&1 | head -1")]).unwrap_or_default();
    format!(
        "Machine: {cores} cores (nproc), {cpu}, {memory}; shared with other work, so compare \
         figures within one run only. {chromium}; {nginx}; {wrk}; node {}.",
        cmd::output("node", &["--version"]).unwrap_or_default()
    )
}

/// Writes one section's heading, prose and tables.
pub(super) type Table = fn(&mut Report);

/// What `cargo xtask bench <section>` measures, in the order BENCHMARKS.md shows them; each is
/// written between markers of its own, so that one re-measured keeps the others' figures.
pub(super) const SECTIONS: &[(&str, Table)] = &[
    ("size", size_table),
    ("time-to-qr", time_to_qr_table),
    ("qr-encode", qr_encode_table),
    ("idle", idle_table),
    ("calls", calls_table),
    ("push", super::widget::push_table),
    ("relay", relay_table),
    ("streams", super::streams::streams_table),
    ("redis", super::redis::redis_table),
    ("wasm", wasm_table),
];

fn wasm_table(r: &mut Report) {
    if let Some(breakdown) = r.breakdown {
        r.line("\n### What the wasm is made of\n");
        r.line(breakdown.trim_end());
    }
}

fn marker(name: &str, end: bool) -> String {
    format!("<!-- bench:{name}{} -->", if end { ":end" } else { "" })
}

/// The markdown of one section: its table, its targets, and when it was measured.
pub(super) fn section(name: &str, results: &Results, breakdown: Option<&str>) -> String {
    let Some((_, table)) = SECTIONS.iter().find(|(n, _)| *n == name) else {
        return String::new();
    };
    let mut r = Report {
        results,
        breakdown,
        md: String::new(),
        targets: Vec::new(),
    };
    table(&mut r);
    let targets = std::mem::take(&mut r.targets);
    if !targets.is_empty() {
        r.line("\n| target | measured | |\n|---|---|---|");
        for (what, figure, met) in targets {
            let verdict = if met { "met" } else { "**missed**" };
            r.line(&format!("| {what} | {figure} | {verdict} |"));
        }
    }
    r.line(&format!("\n*Measured {}.*", stamp()));
    r.md
}

fn stamp() -> String {
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
    format!("{date} at commit {commit} (plus the working tree)")
}

/// The generated block with `measured` (section name → markdown) in place of those sections
/// and every other section kept as `old` (the whole file) had it.
pub(super) fn merge(old: &str, measured: &BTreeMap<String, String>) -> String {
    // Only the generated block: the prose around it may quote a marker.
    let old = match (old.find(BEGIN), old.find(END)) {
        (Some(begin), Some(end)) if begin < end => &old[begin..end],
        _ => "",
    };
    let kept = |name: &str| -> Option<String> {
        let (begin, end) = (marker(name, false), marker(name, true));
        let from = old.find(&begin)? + begin.len();
        let to = from + old[from..].find(&end)?;
        Some(old[from..to].trim().to_string())
    };
    let mut md = format!("{BEGIN}\n\n{}\n\n", machine());
    md.push_str(
        "Each table: our figure, the baseline measured in the same run, our figure divided by \
         the baseline's. Timings are medians with min–max and interquartile range over the \
         repetitions given; counts and byte sizes are exact and identical on every run. Each \
         section says when and at which commit it was measured.\n",
    );
    for (name, _) in SECTIONS {
        let Some(body) = measured
            .get(*name)
            .map(|body| body.trim().to_string())
            .or_else(|| kept(name))
        else {
            continue;
        };
        md.push_str(&format!(
            "\n{}\n{body}\n{}\n",
            marker(name, false),
            marker(name, true)
        ));
    }
    md.push_str(&format!("\n{END}"));
    md
}

/// Replaces the generated block of BENCHMARKS.md, keeping what is written around it and the
/// sections not measured this time.
pub(super) fn write_report(measured: &BTreeMap<String, String>) -> Result<String> {
    let path = cmd::root().join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let block = merge(&old, measured);
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{block}{}", &old[..begin], &old[end + END.len()..])
        }
        _ => format!(
            "# Benchmarks\n\n`cargo xtask bench` measures the shipped widget and the relay \
             against what a team would use instead, and rewrites the generated section below.\n\n\
             {block}\n"
        ),
    };
    std::fs::write(&path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_measured_alone_keeps_the_others() {
        let old = format!(
            "quoting {}\n{BEGIN}\n{}\nold size\n{}\n{}\nold relay\n{}\n{END}\nafter",
            marker("size", false),
            marker("size", false),
            marker("size", true),
            marker("relay", false),
            marker("relay", true)
        );
        let measured = BTreeMap::from([("relay".to_string(), "new relay".to_string())]);
        let block = merge(&old, &measured);
        assert!(block.contains("old size"));
        assert_eq!(block.matches(BEGIN).count(), 1);
        assert!(block.contains("new relay"));
        assert!(!block.contains("old relay"));
        assert!(block.find("old size") < block.find("new relay"));
    }
}
