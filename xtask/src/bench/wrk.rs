//! wrk runs and the figures read from its output.

use crate::cmd::{self, Result};

pub(super) const WRK: &str = "/usr/bin/wrk";

/// wrk settings: bounded, and small enough for a shared 2-core machine.
pub(super) const WRK_RUNS: usize = 3;
pub(super) const WRK_SECONDS: &str = "5s";
pub(super) const WRK_THREADS: &str = "2";
pub(super) const WRK_CONNECTIONS: &str = "32";

pub(super) struct WrkRun {
    pub(super) requests_per_sec: f64,
    /// Requests completed in the run.
    pub(super) requests: f64,
    pub(super) p50_ms: f64,
    pub(super) p99_ms: f64,
}

pub(super) fn wrk(url: &str, headers: &[&str], duration: &str) -> Result<WrkRun> {
    wrk_with(url, headers, duration, WRK_THREADS, WRK_CONNECTIONS)
}

pub(super) fn wrk_with(
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
            requests: out
                .lines()
                .find(|line| line.contains(" requests in "))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()?,
            p50_ms: latency("50%")?,
            p99_ms: latency("99%")?,
        })
    })();
    parsed.ok_or_else(|| format!("could not read wrk's output:\n{out}"))
}

/// wrk's `812.00us`, `1.23ms`, `2.00s` in milliseconds.
pub(super) fn parse_duration_ms(text: &str) -> Option<f64> {
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
}
