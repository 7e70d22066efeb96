//! The relay's connections over real sockets: the header-read timeout, the connection cap (which
//! evicts the connection idle longest, and closes new ones only when every connection has a
//! request in progress) and the shutdown deadline of `zapi_relay::serve`. Regression for
//! `axum::serve`, which installs no timer: a client that sent half a request held its connection
//! for minutes, and a shutdown waited for it; and for a cap that closed every new connection while
//! idle ones, which cost a client nothing, filled it.
//!
//! These tests assert behaviour; their time limits are generous bounds that only keep a broken
//! relay from hanging the suite.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zapi_relay::{ConnectionLimits, RelayConfig};

/// Far longer than any bound under test: reaching it means the relay kept the connection.
const HANG: Duration = Duration::from_secs(10);

const HALF_A_REQUEST: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: relay\r\n";
const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n";

struct Relay {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    served: JoinHandle<()>,
}

async fn start(limits: ConnectionLimits) -> Relay {
    // The routes under test never reach Z-API: /healthz answers by itself.
    let mut config = RelayConfig::new("instance", "token");
    config.upstream = "http://127.0.0.1:9".parse().unwrap();
    start_with(config, limits).await
}

async fn start_with(mut config: RelayConfig, limits: ConnectionLimits) -> Relay {
    config.connections = limits;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(zapi_relay::serve::serve(
        listener,
        zapi_relay::app(config.validate().unwrap()),
        limits,
        async {
            let _ = stopped.await;
        },
    ));
    Relay {
        addr,
        stop: Some(stop),
        served,
    }
}

fn limits(header_read_timeout_ms: u64, max_connections: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_millis(header_read_timeout_ms),
        max_connections,
        shutdown_grace: Duration::from_secs(10),
    }
}

/// Reads until the relay closes the connection. Panics if it is still open after [`HANG`].
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(HANG, stream.read_to_end(&mut seen)).await;
    match read {
        Ok(Ok(_)) => {}
        Ok(Err(error)) if error.kind() == ErrorKind::ConnectionReset => {}
        Ok(Err(error)) => panic!("reading failed: {error}"),
        Err(_) => panic!("the relay kept the connection open for {HANG:?}"),
    }
    seen
}

/// Sends `GET /healthz` and reads one whole answer, leaving the connection open.
async fn health(stream: &mut TcpStream) -> String {
    stream.write_all(HEALTH).await.unwrap();
    answer(stream).await
}

/// Reads one whole answer with a `Content-Length`, leaving the connection open.
async fn answer(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = tokio::time::timeout(HANG, stream.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(
            n > 0,
            "closed before answering: {:?}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().unwrap())
                })
                .expect("a content-length");
            if body.len() >= length {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_read_timeout() {
    let relay = start(limits(300, 16)).await;
    let mut stream = TcpStream::connect(relay.addr).await.unwrap();
    stream.write_all(HALF_A_REQUEST).await.unwrap();
    let seen = until_closed(&mut stream).await;
    // Whatever hyper says on the way out, the request itself was never served.
    assert!(!String::from_utf8_lossy(&seen).contains("200 OK"));

    // A connection that sends nothing at all is closed the same way.
    let mut silent = TcpStream::connect(relay.addr).await.unwrap();
    assert!(until_closed(&mut silent).await.is_empty());
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_read_timeout() {
    let relay = start(limits(300, 16)).await;
    let mut stream = TcpStream::connect(relay.addr).await.unwrap();
    let answer = health(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(!answer.to_ascii_lowercase().contains("connection: close"));
    assert!(until_closed(&mut stream).await.is_empty());
}

/// Idle connections cost a client nothing: at the cap, they give way to a real request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_do_not_starve_a_real_request() {
    // Far longer than the test: only eviction can make room.
    let relay = start(limits(30_000, 64)).await;
    let mut idle = Vec::with_capacity(2_000);
    for _ in 0..2_000 {
        idle.push(TcpStream::connect(relay.addr).await.unwrap());
    }

    let mut real = TcpStream::connect(relay.addr).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), health(&mut real))
        .await
        .expect("the real request was not answered while idle connections filled the cap");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // The first idle connection, idle longest, made room and was closed.
    assert!(until_closed(&mut idle[0]).await.is_empty());
}

#[tokio::test]
async fn the_connection_cap_evicts_the_connection_idle_longest() {
    let relay = start(limits(30_000, 2)).await;
    let mut first = TcpStream::connect(relay.addr).await.unwrap();
    assert!(health(&mut first).await.starts_with("HTTP/1.1 200"));
    let mut second = TcpStream::connect(relay.addr).await.unwrap();
    assert!(health(&mut second).await.starts_with("HTTP/1.1 200"));

    // The first has been kept alive since its answer, longer than the second.
    let mut third = TcpStream::connect(relay.addr).await.unwrap();
    assert!(health(&mut third).await.starts_with("HTTP/1.1 200"));
    assert!(until_closed(&mut first).await.is_empty());
    assert!(health(&mut second).await.starts_with("HTTP/1.1 200"));

    assert!(health(&mut third).await.starts_with("HTTP/1.1 200"));
    let mut slow = TcpStream::connect(relay.addr).await.unwrap();
    assert!(until_closed(&mut second).await.is_empty());
    // Part of a head is no request in progress: a slow client gives way too, before a keep-alive
    // connection that was answered since it arrived.
    slow.write_all(HALF_A_REQUEST).await.unwrap();
    assert!(health(&mut third).await.starts_with("HTTP/1.1 200"));
    let mut fourth = TcpStream::connect(relay.addr).await.unwrap();
    assert!(health(&mut fourth).await.starts_with("HTTP/1.1 200"));
    let seen = until_closed(&mut slow).await;
    assert!(!String::from_utf8_lossy(&seen).contains("200 OK"));
    assert!(health(&mut third).await.starts_with("HTTP/1.1 200"));
}

/// A Z-API that accepts connections and never answers, until released.
struct SilentUpstream {
    addr: SocketAddr,
    accepted: tokio::sync::mpsc::UnboundedReceiver<TcpStream>,
    accepting: JoinHandle<()>,
}

impl SilentUpstream {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (held, accepted) = tokio::sync::mpsc::unbounded_channel();
        let accepting = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if held.send(stream).is_err() {
                    break;
                }
            }
        });
        Self {
            addr,
            accepted,
            accepting,
        }
    }

    /// Waits until the relay has called it `calls` more times; the calls stay unanswered.
    async fn called(&mut self, calls: usize) -> Vec<TcpStream> {
        let mut held = Vec::new();
        for _ in 0..calls {
            let stream = tokio::time::timeout(HANG, self.accepted.recv())
                .await
                .expect("the relay never called Z-API")
                .unwrap();
            held.push(stream);
        }
        held
    }
}

impl Drop for SilentUpstream {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

#[tokio::test]
async fn the_connection_cap_closes_the_next_connection_when_every_one_has_a_request_in_progress() {
    let mut upstream = SilentUpstream::start().await;
    let mut config = RelayConfig::new("instance", "token");
    config.upstream = format!("http://{}", upstream.addr).parse().unwrap();
    config.upstream_timeout = Duration::from_secs(60);
    config.allowed_hosts = vec![zapi_relay::ANY_HOST.to_owned()];
    let relay = start_with(config, limits(30_000, 2)).await;
    let status = format!("GET /zapi/status HTTP/1.1\r\nHost: {}\r\n\r\n", relay.addr);

    let mut first = TcpStream::connect(relay.addr).await.unwrap();
    first.write_all(status.as_bytes()).await.unwrap();
    let mut calls = upstream.called(1).await;
    let mut second = TcpStream::connect(relay.addr).await.unwrap();
    second.write_all(status.as_bytes()).await.unwrap();
    calls.extend(upstream.called(1).await);

    let mut third = TcpStream::connect(relay.addr).await.unwrap();
    let _ = third.write_all(HEALTH).await;
    let refused = until_closed(&mut third).await;
    assert!(refused.is_empty(), "{}", String::from_utf8_lossy(&refused));

    // The busy ones were kept: once Z-API hangs up, each gets the relay's answer.
    drop(calls);
    for stream in [&mut first, &mut second] {
        let answer = tokio::time::timeout(HANG, answer(stream))
            .await
            .expect("an answer");
        assert!(answer.starts_with("HTTP/1.1 502"), "{answer}");
    }

    // Idle again, they make room for the next connection.
    let mut next = TcpStream::connect(relay.addr).await.unwrap();
    assert!(health(&mut next).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn shutdown_completes_while_a_half_open_connection_exists() {
    let mut relay = start(ConnectionLimits {
        header_read_timeout: Duration::from_secs(60),
        max_connections: 16,
        shutdown_grace: Duration::from_millis(300),
    })
    .await;
    let mut stuck = TcpStream::connect(relay.addr).await.unwrap();
    stuck.write_all(HALF_A_REQUEST).await.unwrap();
    // Accepted in arrival order: once a later connection is answered, the stuck one is open.
    let mut other = TcpStream::connect(relay.addr).await.unwrap();
    assert!(health(&mut other).await.starts_with("HTTP/1.1 200"));

    relay.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(HANG, &mut relay.served)
        .await
        .expect("serve did not return while a client held half a request")
        .unwrap();
    until_closed(&mut stuck).await;
    assert!(until_closed(&mut other).await.is_empty());
    assert!(TcpStream::connect(relay.addr).await.is_err());
}

/// The binary wires the same bounds: SIGTERM stops it while a client holds half a request.
#[cfg(unix)]
#[test]
fn sigterm_stops_the_binary_despite_a_stuck_client() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    use std::time::Instant;

    let mut relay = Command::new(env!("CARGO_BIN_EXE_zapi-relay"))
        .env_clear()
        .env("ZAPI_INSTANCE_ID", "instance")
        .env("ZAPI_TOKEN", "token")
        .env("ZAPI_UPSTREAM", "http://127.0.0.1:9")
        .env("RELAY_BIND", "127.0.0.1:0")
        .env("RELAY_HEADER_READ_TIMEOUT_MS", "60000")
        .env("RELAY_SHUTDOWN_GRACE_MS", "300")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(relay.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("zapi-relay listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();

    let mut stuck = std::net::TcpStream::connect(&addr).unwrap();
    stuck.write_all(HALF_A_REQUEST).unwrap();
    let mut other = std::net::TcpStream::connect(&addr).unwrap();
    other.write_all(HEALTH).unwrap();
    let mut status = [0u8; 12];
    other.read_exact(&mut status).unwrap();
    assert_eq!(&status, b"HTTP/1.1 200");

    let killed = Command::new("kill")
        .args(["-TERM", &relay.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = relay.try_wait().unwrap() {
            break exit;
        }
        if started.elapsed() > HANG {
            let _ = relay.kill();
            panic!("the relay did not stop within {HANG:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
}
