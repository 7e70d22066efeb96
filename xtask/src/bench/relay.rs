//! The relay's throughput and latency against the simulator directly and nginx's recipe.

use super::report::{ratio, spread, Report};
use super::wrk::{wrk, wrk_with, WRK_CONNECTIONS, WRK_RUNS, WRK_SECONDS, WRK_THREADS};
use super::Results;
use crate::cmd::Result;
use crate::contract::{Nginx, Relay};
use crate::services::{self, Stack};

/// `GET /status` with wrk: the simulator directly, through zapi-relay, through nginx.
pub(super) fn relay_benchmarks(stack: &Stack, sim: &str, results: &mut Results) -> Result {
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

/// One row per path measured with wrk: each metric's spread (with its decimals), then how much
/// the path's `p99` metric adds to the direct path's.
pub(super) fn relay_rows(r: &mut Report, metrics: &[(&str, usize)], p99: &str, decimals: usize) {
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

pub(super) fn relay_table(r: &mut Report) {
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
