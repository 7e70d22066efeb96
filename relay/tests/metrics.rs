//! `GET /metrics` over real sockets: the relay in front of an in-process zapi-sim, its metrics on
//! a listener of their own, and the binary's listeners as the kernel lists them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use zapi_relay::{AuthMode, Metrics, RateLimitConfig, RelayConfig};
use zapi_sim::{InstanceConfig, Sim, SimConfig};

// Shared by several test binaries, each of which uses part of it.
#[allow(dead_code)]
#[path = "push/harness.rs"]
mod harness;

const ID: &str = "instance-7c2e91";
const TOKEN: &str = "token-5d8a3f";
const CLIENT_TOKEN: &str = "client-token-1b9e4c";
const TICKET_SECRET: &str = "ticket-3e8c1a9f7b2d4e6f0a5c8b1d3e7f9a2c";
const PHONE: &str = "5511987654321";
const APP_ORIGIN: &str = "https://app.example.com";

async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    addr
}

struct Stack {
    relay: SocketAddr,
    metrics: SocketAddr,
    ticket: String,
    http: reqwest::Client,
}

impl Stack {
    async fn start() -> Self {
        let sim = Sim::new(SimConfig {
            instances: vec![InstanceConfig::new(ID, TOKEN)],
            client_token: Some(CLIENT_TOKEN.to_owned()),
            allowed_ips: None,
        });
        let sim = serve(zapi_sim::app(sim)).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = listener.local_addr().unwrap();
        let mut config = RelayConfig::new(ID, TOKEN);
        config.bind = relay.to_string();
        config.upstream = format!("http://{sim}").parse().unwrap();
        config.client_token = Some(CLIENT_TOKEN.to_owned());
        config.auth.mode = AuthMode::Ticket;
        config.auth.ticket_secret = Some(TICKET_SECRET.to_owned());
        config.cors.allowed_origins = vec![APP_ORIGIN.to_owned()];
        config.rate_limit = RateLimitConfig {
            per_minute: 1,
            burst: 8,
        };
        let metrics = Metrics::new();
        let app = zapi_relay::app_with_metrics(config.validate().unwrap(), &metrics);
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        let metrics_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics_addr = metrics_listener.local_addr().unwrap();
        let router = metrics.router(&metrics_addr.to_string(), false);
        tokio::spawn(async move { axum::serve(metrics_listener, router).await.unwrap() });
        let ticket = zapi_relay::mint_ticket(
            TICKET_SECRET,
            "default",
            Some("ana"),
            Duration::from_secs(300),
        )
        .unwrap();
        Self {
            relay,
            metrics: metrics_addr,
            ticket,
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> u16 {
        let mut request = self.http.get(format!("http://{}{path}", self.relay));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap().status().as_u16()
    }

    async fn with_ticket(&self, path: &str) -> u16 {
        let bearer = format!("Bearer {}", self.ticket);
        self.get(path, &[("Authorization", &bearer)]).await
    }

    async fn scrape(&self) -> String {
        let response = self
            .http
            .get(format!("http://{}/metrics", self.metrics))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        response.text().await.unwrap()
    }
}

/// The value of the sample `series` (name and labels, as written), or 0 when it is absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

#[tokio::test]
async fn the_counters_move_with_real_requests_and_no_secret_shows() {
    let stack = Stack::start().await;
    let before = stack.scrape().await;
    assert_eq!(
        sample(&before, "zapi_relay_refused_total{code=\"unauthorized\"}"),
        0.0,
        "{before}"
    );

    assert_eq!(stack.with_ticket("/zapi/status").await, 200);
    assert_eq!(stack.with_ticket("/zapi/qr-code").await, 200);
    assert_eq!(
        stack
            .with_ticket(&format!("/zapi/phone-code/{PHONE}"))
            .await,
        200
    );
    assert_eq!(stack.get("/zapi/status", &[]).await, 401);
    let forged = format!("Bearer {}x", stack.ticket);
    assert_eq!(
        stack
            .get("/zapi/status", &[("Authorization", &forged)])
            .await,
        401
    );
    assert_eq!(
        stack
            .get("/zapi/status", &[("Sec-Fetch-Site", "cross-site")])
            .await,
        403
    );
    assert_eq!(
        stack
            .get("/zapi/status", &[("Origin", "https://evil.example")])
            .await,
        403
    );
    assert_eq!(
        stack
            .get("/zapi/status", &[("Host", "attacker.example")])
            .await,
        421
    );
    assert_eq!(
        stack.get(&format!("/zapi/phone-code/{PHONE}x"), &[]).await,
        401
    );
    assert_eq!(stack.get(&format!("/{PHONE}/{TOKEN}"), &[]).await, 404);
    // The relay's own listener has no metrics.
    assert_eq!(stack.get("/metrics", &[]).await, 404);
    let mut rate_limited = 0;
    for _ in 0..10 {
        if stack.with_ticket("/zapi/status").await == 429 {
            rate_limited += 1;
        }
    }
    assert!(rate_limited > 0, "the address limit never refused");

    let text = stack.scrape().await;
    for secret in [
        PHONE,
        "55*",
        ID,
        TOKEN,
        CLIENT_TOKEN,
        TICKET_SECRET,
        &stack.ticket,
    ] {
        assert!(!text.contains(secret), "/metrics shows {secret:?}:\n{text}");
    }
    let signature = stack.ticket.rsplit('.').next().unwrap();
    assert!(!text.contains(signature), "{text}");
    assert!(!text.contains("default"), "no alias in the labels:\n{text}");
    for (series, at_least) in [
        (
            "zapi_relay_requests_total{route=\"status\",status=\"200\"}",
            1.0,
        ),
        (
            "zapi_relay_requests_total{route=\"qr_code\",status=\"200\"}",
            1.0,
        ),
        (
            "zapi_relay_requests_total{route=\"phone_code\",status=\"200\"}",
            1.0,
        ),
        (
            "zapi_relay_requests_total{route=\"status\",status=\"401\"}",
            2.0,
        ),
        (
            "zapi_relay_requests_total{route=\"status\",status=\"421\"}",
            1.0,
        ),
        (
            "zapi_relay_requests_total{route=\"unmatched\",status=\"404\"}",
            2.0,
        ),
        (
            "zapi_relay_requests_total{route=\"status\",status=\"429\"}",
            f64::from(rate_limited),
        ),
        (
            "zapi_relay_upstream_request_duration_seconds_count{route=\"status\"}",
            1.0,
        ),
        (
            "zapi_relay_upstream_request_duration_seconds_count{route=\"phone_code\"}",
            1.0,
        ),
        (
            "zapi_relay_rate_limited_total{route=\"status\"}",
            f64::from(rate_limited),
        ),
        ("zapi_relay_refused_total{code=\"unauthorized\"}", 3.0),
        ("zapi_relay_refused_total{code=\"cross_site_request\"}", 1.0),
        ("zapi_relay_refused_total{code=\"origin_not_allowed\"}", 1.0),
        ("zapi_relay_refused_total{code=\"host_not_allowed\"}", 1.0),
    ] {
        let value = sample(&text, series);
        assert!(
            value >= at_least,
            "{series} is {value}, expected {at_least} or more:\n{text}"
        );
    }
    assert!(
        sample(
            &text,
            "zapi_relay_upstream_request_duration_seconds_sum{route=\"status\"}"
        ) > 0.0,
        "{text}"
    );
}

#[tokio::test]
async fn the_metrics_listener_answers_its_own_host_names_and_path_only() {
    let stack = Stack::start().await;
    let port = stack.metrics.port();
    let get = |host: String, path: &'static str| {
        let url = format!("http://{}{path}", stack.metrics);
        let http = stack.http.clone();
        async move {
            http.get(url)
                .header("Host", host)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(get(format!("localhost:{port}"), "/metrics").await, 200);
    assert_eq!(get(format!("127.0.0.1:{port}"), "/metrics").await, 200);
    assert_eq!(
        get(format!("attacker.example:{port}"), "/metrics").await,
        421
    );
    assert_eq!(get(format!("127.0.0.1:{port}"), "/zapi/status").await, 404);
    let direct = |path: &str| format!("http://{}{path}", stack.metrics);
    let post = stack.http.post(direct("/metrics")).send().await.unwrap();
    assert_eq!(post.status(), 405);
}

// ---- the binary ----

struct Relay {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Relay {
    fn start(extra: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zapi-relay"))
            .env_clear()
            .envs([
                ("ZAPI_INSTANCE_ID", ID),
                ("ZAPI_TOKEN", TOKEN),
                ("ZAPI_UPSTREAM", "http://127.0.0.1:9"),
                ("RELAY_BIND", "127.0.0.1:0"),
            ])
            .envs(extra.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, lines }
    }

    fn line(&mut self) -> String {
        self.lines.next().map(Result::unwrap).unwrap_or_default()
    }

    /// The ports this process listens on, from the kernel's socket tables.
    fn listening_ports(&self) -> Vec<u16> {
        let pid = self.child.id();
        let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter_map(|target| {
                let target = target.to_str()?.to_owned();
                Some(
                    target
                        .strip_prefix("socket:[")?
                        .strip_suffix(']')?
                        .to_owned(),
                )
            })
            .collect();
        // The tables are read in pieces while other tests open sockets, so a row may repeat.
        let mut listening = std::collections::BTreeMap::new();
        for table in ["tcp", "tcp6"] {
            let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap();
            for row in text.lines().skip(1) {
                let fields: Vec<&str> = row.split_whitespace().collect();
                let (local, state, inode) = (fields[1], fields[3], fields[9]);
                if state == "0A" && inodes.iter().any(|own| own == inode) {
                    let port = local.rsplit(':').next().unwrap();
                    listening.insert(inode.to_owned(), u16::from_str_radix(port, 16).unwrap());
                }
            }
        }
        let mut ports: Vec<u16> = listening.into_values().collect();
        ports.sort_unstable();
        ports
    }

    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let _ = self.child.kill();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (self.child.wait().unwrap(), stderr)
    }
}

fn port_of(url: &str) -> u16 {
    let authority = url.trim_start_matches("http://");
    let authority = authority.split('/').next().unwrap();
    authority.rsplit(':').next().unwrap().parse().unwrap()
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn the_binary_opens_no_metrics_listener_unless_asked() {
    let mut relay = Relay::start(&[]);
    let listening = relay.line();
    let url = listening
        .strip_prefix("zapi-relay listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {listening:?}"))
        .to_owned();
    assert_eq!(relay.listening_ports(), [port_of(&url)]);
    let addr = url.trim_start_matches("http://");
    assert!(http_get(addr, "/metrics").starts_with("HTTP/1.1 404"));
    relay.stop();

    let mut relay = Relay::start(&[("RELAY_METRICS_BIND", "127.0.0.1:0")]);
    let metrics = relay.line();
    let metrics_url = metrics
        .strip_prefix("zapi-relay metrics on ")
        .unwrap_or_else(|| panic!("unexpected first line {metrics:?}"))
        .to_owned();
    let listening = relay.line();
    let url = listening
        .strip_prefix("zapi-relay listening on ")
        .unwrap_or_else(|| panic!("unexpected second line {listening:?}"))
        .to_owned();
    let mut expected = vec![port_of(&url), port_of(&metrics_url)];
    expected.sort_unstable();
    assert_eq!(relay.listening_ports(), expected);
    let addr = url.trim_start_matches("http://");
    assert!(http_get(addr, "/healthz").starts_with("HTTP/1.1 200"));
    let metrics_addr = metrics_url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics");
    let scraped = http_get(metrics_addr, "/metrics");
    assert!(scraped.starts_with("HTTP/1.1 200"), "{scraped}");
    assert!(
        scraped.contains("zapi_relay_requests_total{route=\"healthz\",status=\"200\"} 1\n"),
        "{scraped}"
    );
    relay.stop();
}

// Regression guard: the metrics listener on a public address must be asked for in so many
// words, as an open relay must.
#[test]
fn a_public_metrics_bind_is_refused_without_the_opt_in() {
    let mut relay = Relay::start(&[("RELAY_METRICS_BIND", "0.0.0.0:0")]);
    let first = relay.line();
    assert!(first.is_empty(), "it started: {first}");
    let (status, stderr) = relay.stop();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("metrics.bind is invalid"), "{stderr}");
    assert!(stderr.contains("RELAY_METRICS_PUBLIC=true"), "{stderr}");

    let mut relay = Relay::start(&[
        ("RELAY_METRICS_BIND", "0.0.0.0:0"),
        ("RELAY_METRICS_PUBLIC", "true"),
    ]);
    let first = relay.line();
    assert!(
        first.starts_with("zapi-relay metrics on http://0.0.0.0:"),
        "{first}"
    );
    relay.stop();
}

/// The relay with push on (the push tests' configuration), counting into `metrics`.
async fn start_push(metrics: &Metrics) -> harness::Relay {
    let mut config = harness::config();
    config.webhooks.max_streams_per_address = 2;
    harness::start_counting(config, metrics).await
}

const OPEN_STREAMS: &str = "zapi_relay_event_streams";

/// Waits, within the harness's bound, until `series` reads `expected`.
async fn settles_at(metrics: &Metrics, series: &str, expected: f64) {
    let deadline = tokio::time::Instant::now() + harness::BOUND;
    loop {
        let text = metrics.encode();
        let value = sample(&text, series);
        if value == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{series} stays at {value}, expected {expected}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn open_streams_are_counted_until_each_ends_however_it_ends() {
    let metrics = Metrics::new();
    let mut relay = start_push(&metrics).await;
    assert_eq!(sample(&metrics.encode(), OPEN_STREAMS), 0.0);

    let a = relay.stream("shop-a", None).await;
    let mut b = relay.stream("shop-b", None).await;
    assert_eq!(sample(&metrics.encode(), OPEN_STREAMS), 2.0);

    // Refused streams were never open, so they take nothing away: over the address cap, and
    // without credentials.
    assert_eq!(relay.events_with("shop-a", None).await.status(), 429);
    let anonymous = relay.http.get(relay.url("/zapi/events")).send().await;
    assert_eq!(anonymous.unwrap().status(), 401);
    assert_eq!(sample(&metrics.encode(), OPEN_STREAMS), 2.0);

    // The client goes away: the relay notices when it next writes (a heartbeat or an event).
    drop(a);
    assert_eq!(relay.webhook(harness::connected("id-a")).await.0, 200);
    settles_at(&metrics, OPEN_STREAMS, 1.0).await;

    // Shutdown ends the rest.
    relay.stop.take().unwrap().send(()).unwrap();
    assert_eq!(b.next().await, None);
    settles_at(&metrics, OPEN_STREAMS, 0.0).await;
    tokio::time::timeout(harness::BOUND, relay.served)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sample(&metrics.encode(), OPEN_STREAMS), 0.0);
}

#[tokio::test]
async fn webhooks_are_counted_accepted_or_refused_by_code() {
    let metrics = Metrics::new();
    let relay = start_push(&metrics).await;
    let series = |outcome: &str, code: &str| {
        format!("zapi_relay_webhooks_total{{outcome=\"{outcome}\",code=\"{code}\"}}")
    };
    assert!(
        metrics
            .encode()
            .contains(&format!("{} 0\n", series("accepted", "none"))),
        "the accepted series exists from the start:\n{}",
        metrics.encode()
    );

    assert_eq!(relay.webhook(harness::connected("id-a")).await.0, 200);
    assert_eq!(relay.webhook(harness::disconnected("id-b")).await.0, 200);
    let wrong = format!("{}0", &harness::WEBHOOK_SECRET[1..]);
    let body = harness::connected("id-a").to_string();
    assert_eq!(relay.webhook_raw(&wrong, body).await.0, 404);
    assert_eq!(relay.webhook(harness::connected("id-z")).await.0, 404);
    let secret = harness::WEBHOOK_SECRET;
    assert_eq!(relay.webhook_raw(secret, "not json").await.0, 400);
    let mut huge = harness::connected("id-a");
    huge["padding"] = json!("A".repeat(17 * 1024));
    assert_eq!(relay.webhook(huge).await.0, 413);
    let url = relay.url(&format!("/zapi/webhooks/{secret}"));
    let get = relay.http.get(url).send().await.unwrap();
    assert_eq!(get.status(), 405);

    let text = metrics.encode();
    for (outcome, code, count) in [
        ("accepted", "none", 2.0),
        ("refused", "not_found", 2.0),
        ("refused", "invalid_webhook", 1.0),
        ("refused", "payload_too_large", 1.0),
        ("refused", "method_not_allowed", 1.0),
    ] {
        assert_eq!(
            sample(&text, &series(outcome, code)),
            count,
            "{outcome} {code}:\n{text}"
        );
    }
    assert!(!text.contains(secret), "{text}");
    assert!(!text.contains("id-a") && !text.contains("shop-a"), "{text}");
}
