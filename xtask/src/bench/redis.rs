//! Two release relays sharing a `redis-server` of the benchmark's own: how long a webhook
//! posted to replica A takes to reach an event stream on replica B, against a stream on A.

use super::relay_process::{self, RelayProcess};
use super::report::Report;
use super::stats::stats;
use super::streams::{open_stream, percentile, post_webhook, read_events};
use super::Results;
use crate::cmd::Result;
use crate::setup;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

pub(super) const EVENTS: usize = 200;

struct RedisServer(Child);

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> Result<(RedisServer, u16)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let child = Command::new(setup::REDIS_SERVER)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", setup::REDIS_SERVER))?;
    let server = RedisServer(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("redis-server never listened on port {port}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((server, port))
}

pub(super) fn measure(sim: &str, results: &mut Results) -> Result {
    let (_redis, port) = start_redis()?;
    let extra = format!("\n[redis]\nurl = \"redis://127.0.0.1:{port}\"\n");
    let config = relay_process::config(sim, 0, &extra);
    let a = RelayProcess::start("redis-replica-a", &config)?;
    let b = RelayProcess::start("redis-replica-b", &config)?;
    let address = |relay: &RelayProcess| -> Result<String> {
        relay
            .url
            .strip_prefix("http://")
            .map(str::to_string)
            .ok_or_else(|| "the relay's URL is not http://".to_string())
    };
    let (a, b) = (address(&a)?, address(&b)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let (on_a, mut arrived_a) = mpsc::unbounded_channel();
        let (on_b, mut arrived_b) = mpsc::unbounded_channel();
        let reader_a = tokio::spawn(read_events(open_stream(&a).await?, on_a));
        let reader_b = tokio::spawn(read_events(open_stream(&b).await?, on_b));
        // Until replica B has subscribed, a webhook on A reaches only A's streams.
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut round = 0;
        loop {
            post_webhook(&a, round).await?;
            round += 1;
            let reached = tokio::time::timeout(Duration::from_millis(500), arrived_b.recv()).await;
            if matches!(reached, Ok(Some(_))) {
                break;
            }
            if Instant::now() > deadline {
                return Err("no webhook on replica A reached replica B's stream in 20 s".into());
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        while arrived_a.try_recv().is_ok() || arrived_b.try_recv().is_ok() {}
        let (mut same, mut across) = (Vec::new(), Vec::new());
        for _ in 0..EVENTS {
            let sent = Instant::now();
            post_webhook(&a, round).await?;
            round += 1;
            for (arrived, latencies) in [(&mut arrived_a, &mut same), (&mut arrived_b, &mut across)]
            {
                let at = tokio::time::timeout(Duration::from_secs(5), arrived.recv())
                    .await
                    .map_err(|_| format!("event {round} missed a replica's stream for 5 s"))?
                    .ok_or("a stream ended")?;
                latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0);
            }
        }
        reader_a.abort();
        reader_b.abort();
        results.insert("redis.same-ms".into(), same);
        results.insert("redis.across-ms".into(), across);
        Ok::<(), String>(())
    })?;
    runtime.shutdown_timeout(Duration::from_secs(5));
    Ok(())
}

pub(super) fn redis_table(r: &mut Report) {
    r.line("\n### 8. Events across replicas through Redis\n");
    r.line(&format!(
        "Two zapi-relay replicas (release, `RUST_LOG=warn`, the same config: webhook secret, \
         `[redis] url` pointing at a `redis-server` the benchmark starts on a free loopback \
         port, no persistence), one event stream open on each. {EVENTS} webhooks posted to \
         replica A one after another, alternating `ConnectedCallback` and \
         `DisconnectedCallback`; for each, the time from sending the POST to the event on \
         replica B's stream (through Redis) and on replica A's own stream (which also takes its \
         events back from Redis), ms.\n"
    ));
    r.line("| stream on | p50 | p99 | max |\n|---|---:|---:|---:|");
    for (label, key) in [
        ("replica B (the other one)", "redis.across-ms"),
        ("replica A (the one posted to)", "redis.same-ms"),
    ] {
        let mut values = r.results.get(key).cloned().unwrap_or_default();
        let Some(s) = stats(&values) else { continue };
        let p99 = percentile(&mut values, 0.99);
        r.line(&format!(
            "| {label} | {:.2} | {p99:.2} | {:.2} |",
            s.median, s.max
        ));
    }
}
