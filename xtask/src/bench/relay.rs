//! The relay's throughput and latency against the simulator directly and nginx's recipe.

use super::relay_process::{self, RelayProcess};
use super::report::{ratio, spread, Report};
use super::streams::{clock_ticks_per_second, cpu_ticks};
use super::wrk::{wrk, wrk_with, WRK_CONNECTIONS, WRK_RUNS, WRK_SECONDS, WRK_THREADS};
use super::Results;
use crate::cmd::{self, Result};
use crate::contract::{Nginx, Relay};
use crate::services;

/// The paths measured, in the tables' order: key, label.
const PATHS: [(&str, &str); 4] = [
    ("direct", "zapi-sim directly"),
    ("relay", "zapi-relay → zapi-sim"),
    (
        "nginx-keepalive",
        "nginx `proxy_pass` with upstream `keepalive 64` → zapi-sim (baseline)",
    ),
    (
        "nginx",
        "nginx `proxy_pass`, a new upstream connection per request → zapi-sim",
    ),
];

/// The recipe's config with every upstream connection closed after its request.
fn without_upstream_keepalive(conf: String) -> String {
    conf.lines()
        .filter(|line| !line.trim().starts_with("keepalive "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `GET /status` with wrk: the simulator directly, through zapi-relay, through nginx with and
/// without upstream keepalive.
pub(super) fn relay_benchmarks(sim: &str, results: &mut Results) -> Result {
    // The limit's largest setting, 60,000 a minute, is far below what wrk sends.
    let relay = RelayProcess::start("relay", &relay_process::config(sim, 0, ""))?;
    let nginx_settings = |dir, edit| Nginx {
        dir,
        // One worker per core, as `auto` does; tokio's runtime also uses every core.
        workers: "auto",
        access_log: false,
        edit,
    };
    let nginx = Relay::nginx(
        sim,
        &nginx_settings("bench/nginx", without_upstream_keepalive),
    )?;
    let pooled = Relay::nginx(
        sim,
        &nginx_settings("bench/nginx-keepalive", |recipe| recipe),
    )?;
    let client_token = format!("Client-Token: {}", services::DEMO_CLIENT_TOKEN);
    let direct = format!(
        "{sim}/instances/{}/token/{}/status",
        services::DEMO_INSTANCE,
        services::DEMO_TOKEN
    );
    let processes = [
        ("relay", vec![relay.pid()]),
        ("nginx-keepalive", nginx_processes("bench/nginx-keepalive")?),
        ("nginx", nginx_processes("bench/nginx")?),
    ];
    let relay = format!("{}/zapi/status", relay.url);
    let proxied = format!("{}/status", nginx.base);
    let pooled = format!("{}/status", pooled.base);
    // The recipe refuses what lacks the widget's header, as a cross-site request.
    let widget: &[&str] = &["-H", "X-Zapi-Connect: 1"];
    let targets: [(&str, &str, &[&str]); 4] = [
        ("direct", direct.as_str(), &["-H", client_token.as_str()]),
        ("relay", relay.as_str(), &[]),
        ("nginx-keepalive", pooled.as_str(), widget),
        ("nginx", proxied.as_str(), widget),
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
            let pids = processes
                .iter()
                .find(|(proxy, _)| proxy == name)
                .map(|(_, pids)| pids.as_slice())
                .unwrap_or_default();
            let cpu_before = cpu_seconds(pids)?;
            let run = wrk(url, headers, WRK_SECONDS)?;
            if !pids.is_empty() {
                let cpu = cpu_seconds(pids)? - cpu_before;
                results
                    .entry(format!("wrk.{name}.cpu-us"))
                    .or_default()
                    .push(cpu * 1e6 / run.requests);
            }
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

/// User + system CPU time of `pids` so far, in seconds.
fn cpu_seconds(pids: &[u32]) -> Result<f64> {
    let ticks_per_second = clock_ticks_per_second();
    let mut ticks = 0.0;
    for pid in pids {
        ticks += cpu_ticks(*pid)?;
    }
    Ok(ticks / ticks_per_second)
}

/// nginx's master (from `nginx.pid` under its prefix `dir`) and its workers.
fn nginx_processes(dir: &str) -> Result<Vec<u32>> {
    let pid_file = cmd::target_dir().join(dir).join("nginx.pid");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let master: u32 = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.trim().parse().ok())
        {
            break pid;
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("{} never appeared", pid_file.display()));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut pids = vec![master];
    let entries = std::fs::read_dir("/proc").map_err(|e| format!("/proc: {e}"))?;
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Field 4, the parent, comes second after the parenthesized command name.
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if parent == Some(master) {
            pids.push(pid);
        }
    }
    Ok(pids)
}

/// One row per path measured with wrk: each metric's spread (with its decimals), then how much
/// the path's `p99` metric adds to the direct path's.
pub(super) fn relay_rows(r: &mut Report, metrics: &[(&str, usize)], p99: &str, decimals: usize) {
    let direct = r.median(&format!("wrk.direct.{p99}"));
    for (name, label) in PATHS {
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
         `RUST_LOG=warn`, every check on (host, origin, CSRF, metrics, request ids, a webhook \
         secret) but the per-address rate limit, whose largest setting (60,000 a minute) wrk \
         exceeds in a second; nginx's `limit_req` is on, at 6,000,000 a minute), and through nginx with the repository's recipe \
         (`examples/nginx/zapi-relay.conf.template`, `worker_processes auto`, access log off), \
         twice: with its connections to the simulator reused from an `upstream` pool with \
         `keepalive 64` (the recipe as it is, as a production proxy runs), and with a new \
         connection per request (the recipe's `keepalive` line removed). Load generator, \
         relay and simulator share the machine's cores.\n"
    ));
    r.line(
        "| path | requests/s | proxy's CPU per request, µs | p50, ms | p99, ms | p99 added to direct, ms |\n|---|---:|---:|---:|---:|---:|",
    );
    relay_rows(
        r,
        &[("rps", 0), ("cpu-us", 1), ("p50", 2), ("p99", 2)],
        "p99",
        2,
    );
    r.line(
        "\nLatency one request pays, one connection (`-t 1 -c 1`, 3 s per run, same \
         interleaving), ms:\n",
    );
    r.line("| path | p50 | p99 | p99 added to direct |\n|---|---:|---:|---:|");
    relay_rows(r, &[("single-p50", 3), ("single-p99", 3)], "single-p99", 3);
    let direct_p99 = r.median("wrk.direct.p99");
    let direct_single = r.median("wrk.direct.single-p99");
    let relay = r.median("wrk.relay.rps");
    for (nginx, what) in [
        ("nginx-keepalive", "nginx with keepalive"),
        ("nginx", "nginx without keepalive"),
    ] {
        r.line(&format!(
            "\nzapi-relay / {what}: throughput {}, p50 {}, p99 {}.",
            ratio(relay, r.median(&format!("wrk.{nginx}.rps"))),
            ratio(
                r.median("wrk.relay.p50"),
                r.median(&format!("wrk.{nginx}.p50"))
            ),
            ratio(
                r.median("wrk.relay.p99"),
                r.median(&format!("wrk.{nginx}.p99"))
            ),
        ));
    }
    r.line(&format!(
        "\nCPU per request: the proxy's processes' user + system time (`/proc/<pid>/stat`: \
         zapi-relay's one process, nginx's master and workers) over a run, divided by the \
         requests wrk completed in it; less sensitive to the machine's other load than \
         requests/s. zapi-relay / nginx with keepalive: {}.",
        ratio(
            r.median("wrk.relay.cpu-us"),
            r.median("wrk.nginx-keepalive.cpu-us")
        )
    ));
    let pooled = r.median("wrk.nginx-keepalive.rps");
    r.target(
        "relay throughput ≥ 1.0× nginx's with upstream keepalive",
        ratio(relay, pooled),
        relay >= pooled,
    );
    let added = r.median("wrk.relay.single-p99") - direct_single;
    let loaded = r.median("wrk.relay.p99") - direct_p99;
    r.target(
        "relay p99 added < 1 ms",
        format!("{added:+.3} ms at 1 connection ({loaded:+.2} ms at {WRK_CONNECTIONS})"),
        added < 1.0,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recipes_pools_lose_their_keepalive_and_nothing_else() {
        let recipe =
            std::fs::read_to_string(cmd::root().join("examples/nginx/zapi-relay.conf.template"))
                .unwrap();
        assert!(recipe.contains("keepalive 64;"), "the baseline's pool");
        let closed = without_upstream_keepalive(recipe.clone());
        assert!(!closed.contains("keepalive "));
        assert_eq!(
            closed.lines().count(),
            recipe
                .lines()
                .filter(|l| !l.trim().starts_with("keepalive "))
                .count()
        );
        assert!(closed.contains("upstream zapi {"));
    }
}
