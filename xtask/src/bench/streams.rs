//! Idle event streams: one release relay holding [`STREAMS`] open `GET /zapi/events` streams
//! from this process, its memory and idle CPU, and how long a webhook takes to reach them all.

use super::relay_process::{self, RelayProcess, WEBHOOK_SECRET};
use super::report::{kb, spread, Report};
use super::stats::stats;
use super::Results;
use crate::cmd::Result;
use crate::services::DEMO_INSTANCE;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

pub(super) const STREAMS: usize = 10_000;
/// Connections opened at once while the streams are set up.
const BATCH: usize = 250;
const IDLE_SECONDS: u64 = 30;
const WEBHOOKS: usize = 5;
/// Descriptors each process needs: the streams and some to spare.
const FILES: u64 = STREAMS as u64 + 1_000;

pub(super) fn measure(sim: &str, results: &mut Results) -> Result {
    raise_file_limit(std::process::id())?;
    let extra = format!(
        "max_streams_per_alias = {STREAMS}\nmax_streams_per_address = {STREAMS}\n\n\
         [connections]\nmax = {}\n",
        STREAMS + 100
    );
    let relay = RelayProcess::start("streams-relay", &relay_process::config(sim, 60_000, &extra))?;
    raise_file_limit(relay.pid())?;
    let addr = relay
        .url
        .strip_prefix("http://")
        .ok_or("the relay's URL is not http://")?
        .to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        // One stream opened and closed first, so that the baseline includes what any first
        // request allocates.
        drop(open_stream(&addr).await?);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_before = rss_kib(relay.pid())?;
        let started = Instant::now();
        let (arrivals, mut arrived) = mpsc::unbounded_channel();
        let mut readers = tokio::task::JoinSet::new();
        let mut opened = 0;
        while opened < STREAMS {
            let batch = BATCH.min(STREAMS - opened);
            let mut connecting = tokio::task::JoinSet::new();
            for _ in 0..batch {
                let addr = addr.clone();
                connecting.spawn(async move { open_stream(&addr).await });
            }
            while let Some(stream) = connecting.join_next().await {
                let stream = stream.map_err(|e| e.to_string())??;
                readers.spawn(read_events(stream, arrivals.clone()));
            }
            opened += batch;
        }
        let setup = started.elapsed();
        eprintln!(
            "xtask: {STREAMS} event streams open in {:.1} s",
            setup.as_secs_f64()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss_with = rss_kib(relay.pid())?;
        let cpu_before = cpu_ticks(relay.pid())?;
        let idle_started = Instant::now();
        tokio::time::sleep(Duration::from_secs(IDLE_SECONDS)).await;
        let cpu_after = cpu_ticks(relay.pid())?;
        let idle = idle_started.elapsed().as_secs_f64();
        // Heartbeats read meanwhile: none of them is an event.
        if arrived.try_recv().is_ok() {
            return Err("a stream got an event before any webhook".to_string());
        }
        results.insert("streams.count".into(), vec![STREAMS as f64]);
        results.insert("streams.setup-s".into(), vec![setup.as_secs_f64()]);
        results.insert("streams.rss-before-kib".into(), vec![rss_before]);
        results.insert("streams.rss-with-kib".into(), vec![rss_with]);
        let ticks_per_second = clock_ticks_per_second();
        results.insert(
            "streams.idle-cpu-percent".into(),
            vec![(cpu_after - cpu_before) / ticks_per_second / idle * 100.0],
        );
        for round in 0..WEBHOOKS {
            let sent = Instant::now();
            post_webhook(&addr, round).await?;
            let mut latencies = Vec::with_capacity(STREAMS);
            while latencies.len() < STREAMS {
                let at = tokio::time::timeout(Duration::from_secs(30), arrived.recv())
                    .await
                    .map_err(|_| {
                        format!(
                            "webhook {round}: only {} of {STREAMS} streams got the event within 30 s",
                            latencies.len()
                        )
                    })?
                    .ok_or("every stream ended")?;
                latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0);
            }
            let stats = stats(&latencies).ok_or("no latencies")?;
            let p99 = percentile(&mut latencies, 0.99);
            results
                .entry("streams.event-p50-ms".into())
                .or_default()
                .push(stats.median);
            results
                .entry("streams.event-p99-ms".into())
                .or_default()
                .push(p99);
            results
                .entry("streams.event-last-ms".into())
                .or_default()
                .push(stats.max);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        readers.abort_all();
        Ok::<(), String>(())
    })?;
    runtime.shutdown_timeout(Duration::from_secs(5));
    drop(relay);
    Ok(())
}

pub(super) fn percentile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let index = ((values.len() - 1) as f64 * q).round() as usize;
    values[index]
}

/// `GET /zapi/events` as the widget sends it, up to the end of the answer's head (a 200).
pub(super) async fn open_stream(addr: &str) -> Result<TcpStream> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connecting to {addr}: {e}"))?;
    let request = format!(
        "GET /zapi/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\
         X-Zapi-Connect: 1\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut byte))
            .await
            .map_err(|_| "no answer to GET /zapi/events within 30 s")?
            .map_err(|e| e.to_string())?;
        if read == 0 || head.len() > 4096 {
            return Err(format!(
                "GET /zapi/events: {}",
                String::from_utf8_lossy(&head)
            ));
        }
        head.push(byte[0]);
    }
    if !head.starts_with(b"HTTP/1.1 200") {
        return Err(format!(
            "GET /zapi/events answered {}",
            String::from_utf8_lossy(&head)
        ));
    }
    Ok(stream)
}

/// Reads a stream until it ends, sending the time each event (not heartbeat) arrived.
pub(super) async fn read_events(mut stream: TcpStream, arrivals: mpsc::UnboundedSender<Instant>) {
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => {
                if buffer[..read].windows(7).any(|w| w == b"\nevent:") {
                    let _ = arrivals.send(Instant::now());
                }
            }
        }
    }
}

/// Z-API's `ConnectedCallback` or `DisconnectedCallback` for the demo instance, alternating.
pub(super) async fn post_webhook(addr: &str, round: usize) -> Result {
    let kind = if round.is_multiple_of(2) {
        "ConnectedCallback"
    } else {
        "DisconnectedCallback"
    };
    let body = format!(r#"{{"type":"{kind}","instanceId":"{DEMO_INSTANCE}","momment":1}}"#);
    let request = format!(
        "POST /zapi/webhooks/{WEBHOOK_SECRET} HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .map_err(|e| e.to_string())?;
    if !answer.starts_with(b"HTTP/1.1 2") {
        return Err(format!(
            "the webhook was answered {}",
            String::from_utf8_lossy(&answer)
        ));
    }
    Ok(())
}

/// Raises a process's soft and hard `RLIMIT_NOFILE` to [`FILES`] with util-linux's `prlimit`.
fn raise_file_limit(pid: u32) -> Result {
    let limit = format!("--nofile={FILES}:{FILES}");
    let status = std::process::Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &limit])
        .status()
        .map_err(|e| format!("prlimit: {e}"))?;
    if !status.success() {
        return Err(format!(
            "could not raise the open-file limit of process {pid} to {FILES} (prlimit {limit}); \
             {STREAMS} streams need it: run as root or raise the hard limit (ulimit -Hn)"
        ));
    }
    Ok(())
}

fn proc_file(pid: u32, name: &str) -> Result<String> {
    std::fs::read_to_string(format!("/proc/{pid}/{name}"))
        .map_err(|e| format!("/proc/{pid}/{name}: {e}"))
}

fn rss_kib(pid: u32) -> Result<f64> {
    proc_file(pid, "status")?
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no VmRSS for process {pid}"))
}

/// User and system time of a process, in clock ticks (fields 14 and 15 of `stat`).
pub(super) fn cpu_ticks(pid: u32) -> Result<f64> {
    let stat = proc_file(pid, "stat")?;
    // The command name may hold spaces; the fields after it do not.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |index: usize| -> Option<f64> { fields.get(index)?.parse().ok() };
    // `after_name` starts at field 3 (state): utime is field 14, stime 15.
    match (field(11), field(12)) {
        (Some(user), Some(system)) => Ok(user + system),
        _ => Err(format!("unreadable /proc/{pid}/stat")),
    }
}

pub(super) fn clock_ticks_per_second() -> f64 {
    crate::cmd::output("getconf", &["CLK_TCK"])
        .and_then(|ticks| ticks.trim().parse().ok())
        .unwrap_or(100.0)
}

pub(super) fn streams_table(r: &mut Report) {
    let count = r.median("streams.count");
    let before = r.median("streams.rss-before-kib") * 1024.0;
    let with = r.median("streams.rss-with-kib") * 1024.0;
    let rounds = r.get("streams.event-p50-ms").map_or(0, |s| s.n);
    r.line("\n### 7. Idle event streams\n");
    r.line(&format!(
        "One zapi-relay (release, `RUST_LOG=warn`, webhook secret set, stream caps and \
         connection cap raised in its config, the per-address rate limit at its largest, \
         60,000 a minute with a burst of 10,000, heartbeat at its default 15 s) holds {count:.0} \
         open `GET /zapi/events` streams from one client process (tokio, plain HTTP/1.1 over \
         loopback, opened {BATCH} at a time; both processes' open-file limit raised with \
         `prlimit`). Memory: the relay's resident set (`VmRSS`) after one stream opened and \
         closed, and with every stream open. Idle CPU: the relay's user + system time from \
         `/proc/<pid>/stat` over {IDLE_SECONDS} s with every stream open and no event. Then \
         {rounds} webhooks (`ConnectedCallback`, `DisconnectedCallback`) posted to the relay, \
         each time from the POST to each stream's event; median over the webhooks.\n"
    ));
    r.line("| | zapi-relay |\n|---|---:|");
    r.line(&format!(
        "| streams opened in | {:.1} s |",
        r.median("streams.setup-s")
    ));
    r.line(&format!("| resident memory, no stream | {} |", kb(before)));
    r.line(&format!(
        "| resident memory, {count:.0} streams | {} |",
        kb(with)
    ));
    r.line(&format!(
        "| memory per stream | {:.1} KB |",
        (with - before) / count / 1024.0
    ));
    r.line(&format!(
        "| CPU while idle with the streams open | {:.2} % of one core |",
        r.median("streams.idle-cpu-percent")
    ));
    for (label, key) in [
        ("webhook to event, p50 across streams, ms", "p50"),
        ("webhook to event, p99 across streams, ms", "p99"),
        ("webhook to the last stream's event, ms", "last"),
    ] {
        r.line(&format!(
            "| {label} | {} |",
            spread(r.get(&format!("streams.event-{key}-ms")), 1)
        ));
    }
}
