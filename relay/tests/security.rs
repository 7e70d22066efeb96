//! The security suite: the relay over real HTTP in front of an in-process zapi-sim with two
//! instances, in ticket mode. Every response (status line, headers, body) and every log line
//! the relay writes is scanned for the instance tokens, the Client-Token and the ticket secret.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::subscriber::DefaultGuard;
use zapi_relay::{AuthMode, Instance, RateLimitConfig, RelayConfig};
use zapi_sim::{InstanceConfig, Sim, SimConfig};

const ID_A: &str = "instance-a";
const ID_B: &str = "instance-b";
const TOKEN_A: &str = "token-a-4f1d9c";
const TOKEN_B: &str = "token-b-8e2a7b";
const CLIENT_TOKEN: &str = "client-token-3c6e0d";
const TICKET_SECRET: &str = "ticket-9b7f2e41d6a35c08e1f4a7c3d5e9b1f2";
const PROXY_SECRET: &str = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd6";
const SECRETS: [&str; 5] = [TOKEN_A, TOKEN_B, CLIENT_TOKEN, TICKET_SECRET, PROXY_SECRET];
const APP_ORIGIN: &str = "https://app.example.com";
/// What the widget sends on every request.
const WIDGET: (&str, &str) = ("X-Zapi-Connect", "1");

mod common;

use common::Captured;

fn sim_config() -> SimConfig {
    SimConfig {
        instances: vec![
            InstanceConfig::new(ID_A, TOKEN_A),
            InstanceConfig::new(ID_B, TOKEN_B),
        ],
        client_token: Some(CLIENT_TOKEN.to_owned()),
        allowed_ips: None,
    }
}

fn relay_config(sim: SocketAddr) -> RelayConfig {
    let mut config = RelayConfig::new(ID_A, TOKEN_A);
    config.instances = [
        ("shop-a".to_owned(), Instance::new(ID_A, TOKEN_A)),
        ("shop-b".to_owned(), Instance::new(ID_B, TOKEN_B)),
    ]
    .into();
    config.upstream = format!("http://{sim}").parse().unwrap();
    config.client_token = Some(CLIENT_TOKEN.to_owned());
    config.auth.mode = AuthMode::Ticket;
    config.auth.ticket_secret = Some(TICKET_SECRET.to_owned());
    config.cors.allowed_origins = vec![APP_ORIGIN.to_owned()];
    config.upstream_timeout = Duration::from_millis(400);
    config
}

struct Answer {
    status: u16,
    headers: String,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }

    fn code(&self) -> Option<&str> {
        self.body["code"].as_str()
    }

    #[track_caller]
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, Some(code)),
            "{}\n{}",
            self.headers,
            self.body
        );
        assert!(self.body["error"].is_string());
        assert!(self.body["retryable"].is_boolean());
    }
}

/// A relay and a simulator, with the relay's logs captured for the test's whole life.
struct Suite {
    sim: Sim,
    relay: SocketAddr,
    logs: Captured,
    tickets: RefCell<Vec<String>>,
    _guard: DefaultGuard,
}

impl Suite {
    async fn start(adjust: impl FnOnce(&mut RelayConfig)) -> Self {
        Self::start_with_sim(sim_config(), adjust).await
    }

    async fn start_with_sim(sim_config: SimConfig, adjust: impl FnOnce(&mut RelayConfig)) -> Self {
        let (logs, guard) = common::capture_logs();

        let sim = Sim::new(sim_config);
        let sim_addr = common::serve_sim_elsewhere(sim.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = listener.local_addr().unwrap();
        let mut config = relay_config(sim_addr);
        config.bind = relay.to_string();
        adjust(&mut config);
        tracing::info!(?config, "relay config");
        let limits = config.connections;
        let app = zapi_relay::app(config.validate().unwrap());
        tokio::spawn(zapi_relay::serve::serve(
            listener,
            app,
            limits,
            std::future::pending(),
        ));
        Self {
            sim,
            relay,
            logs,
            tickets: RefCell::default(),
            _guard: guard,
        }
    }

    fn ticket(&self, alias: &str, sub: &str) -> String {
        let ticket =
            zapi_relay::mint_ticket(TICKET_SECRET, alias, Some(sub), Duration::from_secs(300))
                .unwrap();
        self.remember(ticket)
    }

    fn signed(&self, claims: Value, alg: Algorithm, secret: &str) -> String {
        let ticket = jsonwebtoken::encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap();
        self.remember(ticket)
    }

    fn remember(&self, ticket: String) -> String {
        self.tickets.borrow_mut().push(ticket.clone());
        ticket
    }

    /// Sends the request byte for byte (no client-side path normalization) and scans the whole
    /// answer for secrets.
    async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send_as(&self.relay.to_string(), method, path, headers)
            .await
    }

    /// [`Suite::send`] with the `Host` a browser would send for a URL on `host`.
    async fn send_as(
        &self,
        host: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        self.exchange(host, method, path, headers, "").await
    }

    /// A POST with a form's body, as an HTML form on any page can make a browser send.
    async fn post_form(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut headers = headers.to_vec();
        headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        let host = self.relay.to_string();
        self.exchange(&host, "POST", path, &headers, "confirm=yes")
            .await
    }

    async fn exchange(
        &self,
        host: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut stream = tokio::net::TcpStream::connect(self.relay).await.unwrap();
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        for secret in SECRETS {
            assert!(
                !raw.contains(secret),
                "{method} {path} leaked {secret:?}:\n{raw}"
            );
        }
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        Answer {
            status,
            headers: head.to_owned(),
            body: serde_json::from_str(&body).unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send("GET", path, headers).await
    }

    async fn get_from(&self, forwarded_for: &str, ticket: &str) -> Answer {
        let bearer = format!("Bearer {ticket}");
        self.get(
            "/zapi/status",
            &[
                ("Authorization", &bearer),
                ("X-Forwarded-For", forwarded_for),
            ],
        )
        .await
    }

    async fn get_with(&self, path: &str, ticket: &str) -> Answer {
        let bearer = format!("Bearer {ticket}");
        self.get(path, &[("Authorization", &bearer)]).await
    }

    fn calls(&self, id: &str) -> u64 {
        self.sim.calls(id).unwrap().total()
    }

    fn fail(&self, id: &str, failure: Value) {
        self.sim
            .set_failure(id, serde_json::from_value(failure).unwrap())
            .unwrap();
    }
}

impl Drop for Suite {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let logs = String::from_utf8_lossy(&self.logs.0.lock().unwrap()).into_owned();
        assert!(logs.contains("request"), "no relay logs were captured");
        for secret in SECRETS {
            assert!(
                !logs.contains(secret),
                "the logs contain {secret:?}:\n{logs}"
            );
        }
        for ticket in self.tickets.borrow().iter() {
            assert!(!logs.contains(ticket.as_str()), "the logs contain a ticket");
        }
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

// Every test runs on one thread, so the relay's tasks log into that test's capture.

#[tokio::test(flavor = "current_thread")]
async fn a_ticket_opens_its_own_alias_and_nothing_else() {
    let suite = Suite::start(|_| {}).await;

    let a = suite.ticket("shop-a", "ana");
    assert_eq!(suite.get_with("/zapi/status", &a).await.status, 200);
    let b = suite.ticket("shop-b", "bia");
    let qr = suite.get_with("/zapi/qr-code", &b).await;
    assert_eq!(qr.status, 200);
    assert_eq!(
        qr.body["value"].as_str(),
        suite.sim.current_qr(ID_B).as_deref()
    );
    assert_eq!((suite.calls(ID_A), suite.calls(ID_B)), (1, 1));

    // Ana cannot turn her ticket into one for shop-b by editing the payload.
    let (header, _, signature) = {
        let mut parts = a.splitn(3, '.');
        (
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
        )
    };
    let payload = URL_SAFE_NO_PAD
        .encode(json!({"alias": "shop-b", "sub": "ana", "exp": now() + 300}).to_string());
    let edited = suite.remember(format!("{header}.{payload}.{signature}"));
    let unsigned = suite.remember(format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(json!({"alias": "shop-a", "exp": now() + 300}).to_string()),
    ));
    let refused = [
        ("edited alias", edited),
        ("alg none", unsigned),
        (
            "forged",
            suite.signed(
                json!({"alias": "shop-a", "exp": now() + 300}),
                Algorithm::HS256,
                "not-the-ticket-secret-not-the-ticket-secret",
            ),
        ),
        (
            "expired",
            suite.signed(
                json!({"alias": "shop-a", "exp": now() - 60}),
                Algorithm::HS256,
                TICKET_SECRET,
            ),
        ),
        (
            "unknown alias",
            suite.signed(
                json!({"alias": "shop-c", "exp": now() + 300}),
                Algorithm::HS256,
                TICKET_SECRET,
            ),
        ),
        (
            "instance id instead of alias",
            suite.signed(
                json!({"alias": ID_A, "exp": now() + 300}),
                Algorithm::HS256,
                TICKET_SECRET,
            ),
        ),
        (
            "HS512",
            suite.signed(
                json!({"alias": "shop-a", "exp": now() + 300}),
                Algorithm::HS512,
                TICKET_SECRET,
            ),
        ),
        (
            "no exp",
            suite.signed(json!({"alias": "shop-a"}), Algorithm::HS256, TICKET_SECRET),
        ),
        (
            "a day long",
            suite.signed(
                json!({"alias": "shop-a", "exp": now() + 86_400}),
                Algorithm::HS256,
                TICKET_SECRET,
            ),
        ),
        ("garbage", "not.a.ticket".to_owned()),
    ];
    for (what, ticket) in &refused {
        for path in [
            "/zapi/status",
            "/zapi/qr-code",
            "/zapi/phone-code/5511912345678",
        ] {
            let answer = suite.get_with(path, ticket).await;
            answer.assert_error(401, "unauthorized");
            assert_eq!(
                answer.header("www-authenticate"),
                Some(r#"Bearer realm="zapi-relay""#),
                "{what}"
            );
        }
    }
    for headers in [
        vec![],
        vec![("Authorization", "Bearer")],
        vec![("Authorization", "Basic c2hvcC1hOng=")],
        vec![("Authorization", a.as_str())],
        vec![("Cookie", "ticket=x")],
    ] {
        suite
            .get("/zapi/status", &headers)
            .await
            .assert_error(401, "unauthorized");
    }
    // A ticket in the query string is not a ticket (it would end up in access logs).
    suite
        .get(&format!("/zapi/status?token={a}"), &[])
        .await
        .assert_error(401, "unauthorized");
    assert_eq!((suite.calls(ID_A), suite.calls(ID_B)), (1, 1));

    // A clock a few seconds off is tolerated.
    let skewed = suite.signed(
        json!({"alias": "shop-a", "exp": now() - 2}),
        Algorithm::HS256,
        TICKET_SECRET,
    );
    assert_eq!(suite.get_with("/zapi/status", &skewed).await.status, 200);
    // Health checks need no ticket.
    assert_eq!(suite.get("/healthz", &[]).await.status, 200);
}

#[tokio::test(flavor = "current_thread")]
async fn every_malformed_phone_is_refused_before_upstream() {
    let suite = Suite::start(|_| {}).await;
    let ticket = suite.ticket("shop-a", "ana");
    for phone in [
        "",
        "abc",
        "1234567",
        "1234567890123456",
        "12345678901234567890",
        "+5511912345678",
        "%2B5511912345678",
        "55%2011912345",
        "55-11-91234-5678",
        "(55)11912345678",
        "55%2F11912345",
        "55%5C11912345",
        "..%2F..%2Fstatus",
        "%2E%2E",
        "5511912345678%00",
        "5511912345678%0D%0A",
        "%FF%FE12345678",
        "%EF%BC%95%EF%BC%95%EF%BC%91%EF%BC%91%EF%BC%99%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94",
        "5511912345678.json",
        "0x5511912345",
        "1e10000000",
        "5511912345678;restart",
    ] {
        let answer = suite
            .get_with(&format!("/zapi/phone-code/{phone}"), &ticket)
            .await;
        assert!(
            matches!(
                (answer.status, answer.code()),
                (400, Some("invalid_phone")) | (404, Some("not_found"))
            ),
            "{phone}: {} {}",
            answer.status,
            answer.body
        );
    }
    // The smallest and largest valid numbers do reach Z-API.
    for phone in ["12345678", "123456789012345"] {
        let answer = suite
            .get_with(&format!("/zapi/phone-code/{phone}"), &ticket)
            .await;
        assert_ne!(answer.code(), Some("invalid_phone"), "{phone}");
    }
    assert_eq!(suite.calls(ID_A), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn unknown_and_traversal_paths_never_reach_upstream() {
    let suite = Suite::start(|_| {}).await;
    let ticket = suite.ticket("shop-a", "ana");
    for path in [
        "/",
        "/zapi",
        "/zapi/",
        "/zapi/restart",
        "/zapi/disconnect",
        "/zapi/restore-session",
        "/zapi/device/extra",
        "/zapi/extension-token/x",
        "/zapi/send-text",
        "/zapi/../zapi/restart",
        "/zapi/qr-code/../restart",
        "/zapi/qr-code/../../instances",
        "/zapi/%2E%2E/restart",
        "/zapi/%2e%2e%2frestart",
        "/zapi/qr-code%2F..%2Frestart",
        "/zapi/status/",
        "/zapi/status/..",
        "/zapi/qr-code/image/extra",
        "/zapi/phone-code/5511912345678/extra",
        "/zapi//status",
        "/instances/instance-a/token/x/status",
        "//zapi/status",
        "/ZAPI/STATUS",
    ] {
        let answer = suite.get_with(path, &ticket).await;
        answer.assert_error(404, "not_found");
    }
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let answer = suite.send(method, "/zapi/status", &[]).await;
        answer.assert_error(404, "not_found");
    }
    let calls = suite.sim.calls(ID_A).unwrap();
    assert_eq!((calls.total(), calls.other), (0, 0));
}

#[tokio::test(flavor = "current_thread")]
async fn only_listed_origins_get_cors_and_others_are_refused() {
    let suite = Suite::start(|_| {}).await;
    let ticket = suite.ticket("shop-a", "ana");
    let bearer = format!("Bearer {ticket}");
    let preflight = |origin: &'static str| {
        [
            ("Origin", origin),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"),
        ]
    };

    for origin in [
        "https://evil.example",
        "https://app.example.com.evil.example",
        "http://app.example.com",
        "https://app.example.com:8443",
        "null",
    ] {
        let answer = suite
            .send("OPTIONS", "/zapi/status", &preflight(origin))
            .await;
        answer.assert_error(403, "origin_not_allowed");
        assert_eq!(
            answer.header("access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(
            answer.header("access-control-allow-headers"),
            None,
            "{origin}"
        );
        let answer = suite
            .get(
                "/zapi/status",
                &[("Origin", origin), ("Authorization", &bearer)],
            )
            .await;
        answer.assert_error(403, "origin_not_allowed");
        assert_eq!(
            answer.header("access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
    assert_eq!(suite.calls(ID_A), 0);

    let answer = suite
        .send("OPTIONS", "/zapi/status", &preflight(APP_ORIGIN))
        .await;
    assert!((200..300).contains(&answer.status), "{}", answer.headers);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(APP_ORIGIN)
    );
    let allowed_headers = answer.header("access-control-allow-headers").unwrap();
    assert!(allowed_headers.contains("authorization"));
    // The widget's own header, which cookie modes require, may be sent from a listed origin.
    assert!(
        allowed_headers.contains("x-zapi-connect"),
        "{allowed_headers}"
    );
    assert!(answer
        .header("access-control-allow-methods")
        .unwrap()
        .contains("GET"));
    assert_eq!(answer.header("access-control-allow-credentials"), None);

    let answer = suite
        .get(
            "/zapi/status",
            &[("Origin", APP_ORIGIN), ("Authorization", &bearer)],
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(APP_ORIGIN)
    );
    assert!(answer
        .header("access-control-expose-headers")
        .unwrap()
        .contains("retry-after"));
    assert!(answer.header("vary").unwrap().contains("origin"));

    // The widget can read an error, too.
    let answer = suite.get("/zapi/status", &[("Origin", APP_ORIGIN)]).await;
    answer.assert_error(401, "unauthorized");
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(APP_ORIGIN)
    );

    // The relay's own origin needs no listing.
    let own = format!("http://{}", suite.relay);
    let answer = suite
        .get(
            "/zapi/status",
            &[("Origin", &own), ("Authorization", &bearer)],
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(suite.calls(ID_A), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn without_a_list_no_cors_header_is_ever_sent() {
    let suite = Suite::start(|config| config.cors = Default::default()).await;
    let ticket = suite.ticket("shop-a", "ana");
    let bearer = format!("Bearer {ticket}");
    let answer = suite
        .get(
            "/zapi/status",
            &[("Origin", APP_ORIGIN), ("Authorization", &bearer)],
        )
        .await;
    answer.assert_error(403, "origin_not_allowed");
    let answer = suite
        .send(
            "OPTIONS",
            "/zapi/status",
            &[
                ("Origin", APP_ORIGIN),
                ("Access-Control-Request-Method", "GET"),
            ],
        )
        .await;
    answer.assert_error(403, "origin_not_allowed");
    let answer = suite.send("OPTIONS", "/zapi/status", &[]).await;
    answer.assert_error(404, "not_found");
    let answer = suite.get_with("/zapi/status", &ticket).await;
    assert_eq!(answer.status, 200);
    for answer in [answer, suite.get("/healthz", &[]).await] {
        assert!(
            !answer
                .headers
                .to_ascii_lowercase()
                .contains("access-control-"),
            "{}",
            answer.headers
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn bad_upstream_answers_map_to_stable_codes() {
    let suite = Suite::start(|config| config.max_upstream_body = 64 * 1024).await;
    let ticket = suite.ticket("shop-a", "ana");
    let cases = [
        (json!({"mode": "oversized"}), 502, "upstream_malformed"),
        (json!({"mode": "garbage"}), 502, "upstream_malformed"),
        (json!({"mode": "server_error"}), 502, "upstream_error"),
        (
            json!({"mode": "slow", "delay_ms": 3000}),
            504,
            "upstream_timeout",
        ),
        (
            json!({"mode": "none", "latency_ms": 3000}),
            504,
            "upstream_timeout",
        ),
        (
            json!({"mode": "client_token_rejected"}),
            403,
            "access_denied",
        ),
        (json!({"mode": "ip_not_allowed"}), 403, "access_denied"),
        (
            json!({"mode": "subscription_expired"}),
            402,
            "subscription_expired",
        ),
    ];
    for (failure, status, code) in cases {
        suite.fail(ID_A, failure.clone());
        for path in [
            "/zapi/status",
            "/zapi/qr-code/image",
            "/zapi/phone-code/5511912345678",
        ] {
            let started = std::time::Instant::now();
            let answer = suite.get_with(path, &ticket).await;
            answer.assert_error(status, code);
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{failure} {path}"
            );
            assert!(
                !answer.body.to_string().contains("203.0.113.7"),
                "{failure}"
            );
        }
    }
    // Another instance's trouble is not this one's.
    let other = suite.ticket("shop-b", "bia");
    assert_eq!(suite.get_with("/zapi/status", &other).await.status, 200);
}

#[tokio::test(flavor = "current_thread")]
async fn zapi_rejecting_the_relay_is_access_denied_without_details() {
    let mut sim = sim_config();
    sim.allowed_ips = Some(vec!["192.0.2.1".parse().unwrap()]);
    let suite = Suite::start_with_sim(sim, |_| {}).await;
    let ticket = suite.ticket("shop-a", "ana");
    let answer = suite.get_with("/zapi/status", &ticket).await;
    answer.assert_error(403, "access_denied");
    assert!(!answer.body.to_string().contains("127.0.0.1"));

    let suite = Suite::start(|config| config.client_token = Some("wrong".into())).await;
    let ticket = suite.ticket("shop-a", "ana");
    suite
        .get_with("/zapi/qr-code", &ticket)
        .await
        .assert_error(403, "access_denied");
}

/// 600 a minute is one every 100 ms: small enough to run out, quick enough to recover.
/// Three requests, then one a second: slow enough that a loaded machine finishes a test's burst
/// before a token comes back, and `Retry-After` is still 1.
fn tiny_limit(config: &mut RelayConfig) {
    config.rate_limit = RateLimitConfig {
        per_minute: 60,
        burst: 3,
    };
}

async fn expect_limited(answer: Answer) {
    answer.assert_error(429, "rate_limited");
    assert_eq!(answer.body["retryable"], true);
    assert_eq!(answer.header("retry-after"), Some("1"));
}

#[tokio::test(flavor = "current_thread")]
async fn a_client_address_runs_out_and_recovers() {
    let suite = Suite::start(tiny_limit).await;
    let ticket = suite.ticket("shop-a", "ana");
    for _ in 0..3 {
        assert_eq!(suite.get_with("/zapi/status", &ticket).await.status, 200);
    }
    expect_limited(suite.get_with("/zapi/qr-code", &ticket).await).await;
    // Without trusted proxies, a made-up X-Forwarded-For changes nothing.
    let bearer = format!("Bearer {ticket}");
    let spoofed = suite
        .get(
            "/zapi/status",
            &[
                ("Authorization", &bearer),
                ("X-Forwarded-For", "203.0.113.9"),
            ],
        )
        .await;
    expect_limited(spoofed).await;
    assert_eq!(suite.calls(ID_A), 3);
    // Health checks and unknown paths are not limited.
    assert_eq!(suite.get("/healthz", &[]).await.status, 200);

    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let answer = suite.get_with("/zapi/status", &ticket).await;
        if answer.status == 200 {
            break;
        }
        expect_limited(answer).await;
        assert!(Instant::now() < deadline, "the address never recovered");
    }
    assert_eq!(suite.calls(ID_A), 4);
}

#[tokio::test(flavor = "current_thread")]
async fn guessing_tickets_uses_up_the_address_budget() {
    let suite = Suite::start(tiny_limit).await;
    let forged = suite.signed(
        json!({"alias": "shop-a", "exp": now() + 300}),
        Algorithm::HS256,
        "a-guess-at-the-secret-a-guess-at-the-secret",
    );
    for _ in 0..3 {
        suite
            .get_with("/zapi/status", &forged)
            .await
            .assert_error(401, "unauthorized");
    }
    expect_limited(suite.get_with("/zapi/status", &forged).await).await;
    assert_eq!(suite.calls(ID_A), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn behind_a_trusted_proxy_limits_follow_the_forwarded_address_and_the_ticket() {
    let suite = Suite::start(|config| {
        tiny_limit(config);
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let ana = suite.ticket("shop-a", "ana");
    let bia = suite.ticket("shop-a", "bia");

    // Ana's ticket runs out even though she moves between addresses.
    for ip in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        assert_eq!(suite.get_from(ip, &ana).await.status, 200);
    }
    expect_limited(suite.get_from("203.0.113.4", &ana).await).await;
    // One address runs out whoever's tickets it uses.
    assert_eq!(suite.get_from("203.0.113.5", &bia).await.status, 200);
    assert_eq!(suite.get_from("203.0.113.5", &bia).await.status, 200);
    let carl = suite.ticket("shop-b", "carl");
    assert_eq!(suite.get_from("203.0.113.5", &carl).await.status, 200);
    let dan = suite.ticket("shop-b", "dan");
    expect_limited(suite.get_from("203.0.113.5", &dan).await).await;
    assert_eq!(suite.get_from("203.0.113.6", &dan).await.status, 200);
    // The proxy's own entry on the right is skipped; the client's own claims on the left are not
    // believed.
    let eve = suite.ticket("shop-b", "eve");
    for _ in 0..3 {
        let answer = suite
            .get(
                "/zapi/status",
                &[
                    ("Authorization", &format!("Bearer {eve}")),
                    ("X-Forwarded-For", "198.51.100.1, 203.0.113.5, 127.0.0.1"),
                ],
            )
            .await;
        expect_limited(answer).await;
    }
    assert_eq!((suite.calls(ID_A), suite.calls(ID_B)), (5, 2));
}

// Regression: header mode checked presence, never value. With `cookie = "session"`,
// `Cookie: session=forged` fetched a QR code, and so did any value of the configured header.
// Now the proxy in front of the relay must send the shared proxy secret, compared byte for byte;
// everything else is 401 `unauthorized` before Z-API is called.
#[tokio::test(flavor = "current_thread")]
async fn header_mode_admits_the_proxy_secret_and_nothing_else() {
    let suite = Suite::start(|config| {
        config.instances = [("default".to_owned(), Instance::new(ID_A, TOKEN_A))].into();
        config.auth.mode = AuthMode::Header;
        config.auth.proxy_secret = Some(PROXY_SECRET.into());
        config.cors.allow_credentials = true;
    })
    .await;
    let header = "X-Relay-Proxy-Secret";
    let (head, last) = PROXY_SECRET.split_at(PROXY_SECRET.len() - 1);
    let last_byte_differs = format!("{head}{}", if last == "0" { "1" } else { "0" });
    let longer = format!("{PROXY_SECRET}0");
    let in_a_cookie = format!("{header}={PROXY_SECRET}");
    let refused: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no header", vec![]),
        (
            "a forged session cookie",
            vec![("Cookie", "session=forged")],
        ),
        ("the secret as a cookie", vec![("Cookie", &in_a_cookie)]),
        (
            "an identity header without the secret",
            vec![("X-Auth-Request-User", "ana@example.com")],
        ),
        ("an empty header", vec![(header, "")]),
        ("a wrong secret", vec![(header, "forged")]),
        ("the last byte differs", vec![(header, &last_byte_differs)]),
        ("a prefix of the secret", vec![(header, head)]),
        ("the secret and more", vec![(header, &longer)]),
        (
            "a client's value next to the proxy's",
            vec![(header, "forged"), (header, PROXY_SECRET)],
        ),
    ];
    for (what, headers) in &refused {
        let mut headers = headers.clone();
        headers.push(WIDGET);
        for path in [
            "/zapi/qr-code",
            "/zapi/status",
            "/zapi/phone-code/5511912345678",
        ] {
            let answer = suite.get(path, &headers).await;
            answer.assert_error(401, "unauthorized");
            assert_eq!(answer.header("www-authenticate"), None, "{what}");
        }
    }
    assert_eq!(suite.calls(ID_A), 0);

    let qr = suite
        .get("/zapi/qr-code", &[(header, PROXY_SECRET), WIDGET])
        .await;
    assert_eq!(qr.status, 200, "{}", qr.headers);
    assert_eq!(
        qr.body["value"].as_str(),
        suite.sim.current_qr(ID_A).as_deref()
    );
    // Header names are case-insensitive; a cross-origin page sends its cookies to the proxy,
    // which adds the secret.
    let answer = suite
        .get(
            "/zapi/status",
            &[
                ("Origin", APP_ORIGIN),
                ("Cookie", "session=s3"),
                ("x-relay-proxy-secret", PROXY_SECRET),
                WIDGET,
            ],
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(APP_ORIGIN)
    );
    assert_eq!(
        answer.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(suite.calls(ID_A), 2);
}

fn header_mode(config: &mut RelayConfig) {
    config.instances = [("default".to_owned(), Instance::new(ID_A, TOKEN_A))].into();
    config.auth.mode = AuthMode::Header;
    config.auth.proxy_secret = Some(PROXY_SECRET.into());
}

// Regression: behind an auth proxy the visitor's session cookie is the credential. A page on
// another site that loads `<img src="https://relay/zapi/qr-code">`, or navigates there, makes the
// browser send that cookie without an `Origin`; the proxy added its secret and the relay called
// Z-API. Now such a request is refused before authentication.
#[tokio::test(flavor = "current_thread")]
async fn header_mode_refuses_what_a_cross_site_page_can_make_the_browser_send() {
    let suite = Suite::start(header_mode).await;
    let secret = ("X-Relay-Proxy-Secret", PROXY_SECRET);
    let cookie = ("Cookie", "session=victim");
    let forged = [
        vec![
            secret,
            cookie,
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Dest", "image"),
        ],
        vec![
            secret,
            cookie,
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Mode", "navigate"),
        ],
        vec![secret, cookie, ("Sec-Fetch-Site", "same-site"), WIDGET],
        // No Fetch Metadata (an older browser): the missing widget header gives it away.
        vec![secret, cookie],
    ];
    for headers in &forged {
        for path in [
            "/zapi/qr-code",
            "/zapi/qr-code/image",
            "/zapi/status",
            "/zapi/phone-code/5511912345678",
        ] {
            suite
                .get(path, headers)
                .await
                .assert_error(403, "cross_site_request");
        }
    }
    assert_eq!(suite.calls(ID_A), 0);
    let answer = suite
        .get(
            "/zapi/qr-code",
            &[secret, cookie, ("Sec-Fetch-Site", "same-origin"), WIDGET],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(suite.calls(ID_A), 1);
}

// In ticket mode nothing ambient authenticates, so the widget header is not required; a
// cross-site request without an Origin is still refused, since it could only cost Z-API calls.
#[tokio::test(flavor = "current_thread")]
async fn ticket_mode_refuses_cross_site_requests_without_an_origin() {
    let suite = Suite::start(|_| {}).await;
    let bearer = format!("Bearer {}", suite.ticket("shop-a", "ana"));
    let bearer = bearer.as_str();
    suite
        .get(
            "/zapi/qr-code",
            &[("Authorization", bearer), ("Sec-Fetch-Site", "cross-site")],
        )
        .await
        .assert_error(403, "cross_site_request");
    assert_eq!(suite.calls(ID_A), 0);
    for headers in [
        vec![("Authorization", bearer)],
        vec![("Authorization", bearer), ("Sec-Fetch-Site", "same-origin")],
        vec![
            ("Authorization", bearer),
            ("Sec-Fetch-Site", "cross-site"),
            ("Origin", APP_ORIGIN),
        ],
    ] {
        assert_eq!(suite.get("/zapi/status", &headers).await.status, 200);
    }
}

// Regression: the relay answered any `Host` and counted `Origin == Host` as its own origin. A
// page on attacker.example whose name the attacker re-points at the relay's address (DNS
// rebinding) is same-origin with it, so its requests passed the origin guard and it could read
// the QR codes of an open relay on loopback or an intranet.
#[tokio::test(flavor = "current_thread")]
async fn a_foreign_host_is_refused_before_anything_else() {
    let suite = Suite::start(|config| {
        config.instances = [("default".to_owned(), Instance::new(ID_A, TOKEN_A))].into();
        config.auth.mode = AuthMode::None;
    })
    .await;
    let port = suite.relay.port();
    for host in [
        format!("attacker.example:{port}"),
        "attacker.example".to_owned(),
        format!("127.0.0.1.attacker.example:{port}"),
        format!("localhost:{}", port.wrapping_add(1)),
    ] {
        let origin = format!("http://{host}");
        for path in ["/zapi/qr-code", "/zapi/status", "/zapi/nothing-here"] {
            let answer = suite
                .send_as(&host, "GET", path, &[("Origin", &origin)])
                .await;
            answer.assert_error(421, "host_not_allowed");
            let answer = suite.send_as(&host, "GET", path, &[]).await;
            answer.assert_error(421, "host_not_allowed");
        }
    }
    assert_eq!(suite.calls(ID_A), 0);
    // Probes address the relay by whatever name they like.
    let health = suite.send_as("10.1.2.3:8787", "GET", "/healthz", &[]).await;
    assert_eq!(health.status, 200);
    // The bind address and the loopback names with its port are the relay's own.
    for host in [
        suite.relay.to_string(),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let origin = format!("http://{host}");
        let answer = suite
            .send_as(&host, "GET", "/zapi/qr-code", &[("Origin", &origin)])
            .await;
        assert_eq!(answer.status, 200, "{host}: {}", answer.body);
    }
    assert_eq!(suite.calls(ID_A), 3);
}

// Regression: with `mode = "none"` (the default) the relay started on any address, and the
// environment alone ran it without a rate limit. Now an open relay on a public address must be
// asked for in so many words.
#[test]
fn an_open_relay_on_a_public_address_does_not_start_unless_asked_for() {
    let start = |extra: &[(&str, &str)]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zapi-relay"))
            .env_clear()
            .envs([
                ("ZAPI_INSTANCE_ID", ID_A),
                ("ZAPI_TOKEN", TOKEN_A),
                ("ZAPI_UPSTREAM", "http://127.0.0.1:9"),
                ("RELAY_BIND", "0.0.0.0:0"),
            ])
            .envs(extra.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first_line = String::new();
        let stdout = child.stdout.take().unwrap();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first_line).unwrap();
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        (
            output.status,
            first_line,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (status, listening, stderr) = start(&[]);
    assert_eq!(status.code(), Some(2), "{listening}{stderr}");
    assert!(listening.is_empty(), "{listening}");
    assert!(stderr.contains("RELAY_ALLOW_UNAUTHENTICATED"), "{stderr}");
    for secret in SECRETS {
        assert!(!stderr.contains(secret), "{stderr}");
    }
    let (_, listening, stderr) = start(&[("RELAY_ALLOW_UNAUTHENTICATED", "true")]);
    assert!(
        listening.starts_with("zapi-relay listening on http://0.0.0.0:"),
        "{listening}{stderr}"
    );
}

#[test]
fn mint_prints_a_ticket_the_relay_accepts_and_never_prints_the_secret() {
    let dir = std::env::temp_dir().join(format!("zapi-relay-mint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("relay.toml");
    std::fs::write(
        &file,
        format!(
            "[zapi]\nclient_token = \"{CLIENT_TOKEN}\"\n\n\
             [instances.shop-a]\nid = \"{ID_A}\"\ntoken = \"{TOKEN_A}\"\n\n\
             [auth]\nmode = \"ticket\"\nticket_secret = \"{TICKET_SECRET}\"\n"
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_zapi-relay"))
            .arg("--config")
            .arg(&file)
            .args(args)
            .env_clear()
            .output()
            .unwrap()
    };

    let out = run(&["mint", "--alias", "shop-a", "--ttl", "120", "--sub", "ana"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ticket = String::from_utf8(out.stdout).unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<zapi_relay::TicketClaims>(
        ticket.trim(),
        &jsonwebtoken::DecodingKey::from_secret(TICKET_SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims.alias, "shop-a");
    assert_eq!(claims.sub.as_deref(), Some("ana"));
    assert!((now() + 110..=now() + 120).contains(&claims.exp));

    for args in [
        &["mint", "--alias", "shop-z"][..],
        &["mint", "--alias", "shop-a", "--ttl", "999999"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in SECRETS {
            assert!(!printed.contains(secret), "{args:?} printed {secret:?}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

fn allow_disconnect(config: &mut RelayConfig) {
    config.allow_disconnect = true;
}

// Unlinking the phone is the one route that changes anything at Z-API: without the operator's
// opt-in it does not exist, whoever asks and however.
#[tokio::test(flavor = "current_thread")]
async fn disconnect_is_not_found_and_reaches_nothing_unless_allowed() {
    let suite = Suite::start(|_| {}).await;
    suite.sim.scan(ID_A).unwrap();
    let bearer = format!("Bearer {}", suite.ticket("shop-a", "ana"));
    for method in ["POST", "GET", "PUT", "DELETE"] {
        suite
            .send(method, "/zapi/disconnect", &[("Authorization", &bearer)])
            .await
            .assert_error(404, "not_found");
    }
    suite
        .post_form("/zapi/disconnect", &[("Authorization", &bearer)])
        .await
        .assert_error(404, "not_found");
    assert_eq!(suite.calls(ID_A), 0);
    assert_eq!(suite.sim.is_connected(ID_A), Some(true));
}

#[tokio::test(flavor = "current_thread")]
async fn when_allowed_disconnect_is_one_authenticated_post() {
    let suite = Suite::start(allow_disconnect).await;
    suite.sim.scan(ID_A).unwrap();
    let bearer = format!("Bearer {}", suite.ticket("shop-a", "ana"));
    // A link, a prefetch or an image cannot unlink the phone.
    for method in ["GET", "HEAD", "PUT", "DELETE"] {
        let answer = suite
            .send(method, "/zapi/disconnect", &[("Authorization", &bearer)])
            .await;
        assert_eq!(answer.status, 404, "{method}: {}", answer.headers);
        if method != "HEAD" {
            answer.assert_error(404, "not_found");
        }
    }
    suite
        .send("POST", "/zapi/disconnect", &[])
        .await
        .assert_error(401, "unauthorized");
    assert_eq!(suite.calls(ID_A), 0);
    assert_eq!(suite.sim.is_connected(ID_A), Some(true));

    let answer = suite
        .send("POST", "/zapi/disconnect", &[("Authorization", &bearer)])
        .await;
    assert_eq!(
        (answer.status, &answer.body),
        (200, &json!({"value": true}))
    );
    let calls = suite.sim.calls(ID_A).unwrap();
    assert_eq!((calls.disconnect, calls.total()), (1, 1));
    assert_eq!(suite.sim.is_connected(ID_A), Some(false));
    // Another alias's ticket unlinks its own instance only.
    assert_eq!(suite.calls(ID_B), 0);
}

// A page on another site submits `<form method="post" action="https://relay/zapi/disconnect">`
// (or fetches it): the browser sends the visitor's session cookie, and in header mode the auth
// proxy adds its secret. None of these may unlink the phone.
#[tokio::test(flavor = "current_thread")]
async fn a_cross_site_form_cannot_unlink_the_phone_in_header_mode() {
    let suite = Suite::start(|config| {
        header_mode(config);
        allow_disconnect(config);
    })
    .await;
    suite.sim.scan(ID_A).unwrap();
    let secret = ("X-Relay-Proxy-Secret", PROXY_SECRET);
    let cookie = ("Cookie", "session=victim");
    let navigate = ("Sec-Fetch-Mode", "navigate");
    let forged = [
        (
            vec![
                secret,
                cookie,
                ("Origin", "https://evil.example"),
                ("Sec-Fetch-Site", "cross-site"),
                navigate,
            ],
            403,
            "origin_not_allowed",
        ),
        // A form in a sandboxed frame.
        (
            vec![
                secret,
                cookie,
                ("Origin", "null"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
            403,
            "origin_not_allowed",
        ),
        (
            vec![secret, cookie, ("Sec-Fetch-Site", "cross-site"), navigate],
            403,
            "cross_site_request",
        ),
        (
            vec![secret, cookie, ("Sec-Fetch-Site", "same-site"), navigate],
            403,
            "cross_site_request",
        ),
        // A browser without Origin or Fetch Metadata: the missing widget header gives it away.
        (vec![secret, cookie], 403, "cross_site_request"),
        // Even a listed origin's plain form is not the widget.
        (
            vec![
                secret,
                cookie,
                ("Origin", APP_ORIGIN),
                ("Sec-Fetch-Site", "cross-site"),
                navigate,
            ],
            403,
            "cross_site_request",
        ),
    ];
    for (headers, status, code) in &forged {
        suite
            .post_form("/zapi/disconnect", headers)
            .await
            .assert_error(*status, code);
    }
    assert_eq!(suite.calls(ID_A), 0);
    assert_eq!(suite.sim.is_connected(ID_A), Some(true));

    let answer = suite
        .send(
            "POST",
            "/zapi/disconnect",
            &[secret, cookie, ("Sec-Fetch-Site", "same-origin"), WIDGET],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(suite.sim.calls(ID_A).unwrap().disconnect, 1);
    assert_eq!(suite.sim.is_connected(ID_A), Some(false));
}

#[tokio::test(flavor = "current_thread")]
async fn only_listed_origins_may_post_and_every_origin_reads_the_date() {
    let suite = Suite::start(allow_disconnect).await;
    let bearer = format!("Bearer {}", suite.ticket("shop-a", "ana"));
    let preflight = |origin: &'static str| {
        [
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization,x-zapi-connect",
            ),
        ]
    };
    for origin in ["https://evil.example", "null"] {
        let answer = suite
            .send("OPTIONS", "/zapi/disconnect", &preflight(origin))
            .await;
        answer.assert_error(403, "origin_not_allowed");
        assert_eq!(answer.header("access-control-allow-methods"), None);
        suite
            .send(
                "POST",
                "/zapi/disconnect",
                &[("Origin", origin), ("Authorization", &bearer)],
            )
            .await
            .assert_error(403, "origin_not_allowed");
    }
    assert_eq!(suite.calls(ID_A), 0);

    let answer = suite
        .send("OPTIONS", "/zapi/disconnect", &preflight(APP_ORIGIN))
        .await;
    assert!((200..300).contains(&answer.status), "{}", answer.headers);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(APP_ORIGIN)
    );
    assert!(answer
        .header("access-control-allow-methods")
        .unwrap()
        .contains("POST"));

    for (method, path) in [
        ("POST", "/zapi/disconnect"),
        ("GET", "/zapi/extension-token"),
    ] {
        let answer = suite
            .send(
                method,
                path,
                &[("Origin", APP_ORIGIN), ("Authorization", &bearer)],
            )
            .await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert!(answer.header("date").is_some(), "{}", answer.headers);
        let exposed = answer.header("access-control-expose-headers").unwrap();
        assert!(
            exposed.split(',').any(|name| name.trim() == "date"),
            "{exposed}"
        );
    }
    let calls = suite.sim.calls(ID_A).unwrap();
    assert_eq!((calls.disconnect, calls.extension_token), (1, 1));
}

#[tokio::test(flavor = "current_thread")]
async fn disconnect_and_the_new_reads_share_the_rate_limit() {
    let suite = Suite::start(|config| {
        tiny_limit(config);
        allow_disconnect(config);
    })
    .await;
    let ticket = suite.ticket("shop-a", "ana");
    let bearer = format!("Bearer {ticket}");
    assert_eq!(
        suite
            .get_with("/zapi/extension-token", &ticket)
            .await
            .status,
        200
    );
    assert_eq!(suite.get_with("/zapi/device", &ticket).await.status, 502);
    let answer = suite
        .send("POST", "/zapi/disconnect", &[("Authorization", &bearer)])
        .await;
    assert_eq!(answer.status, 200);
    let answer = suite
        .send("POST", "/zapi/disconnect", &[("Authorization", &bearer)])
        .await;
    expect_limited(answer).await;
    let calls = suite.sim.calls(ID_A).unwrap();
    assert_eq!(
        (calls.extension_token, calls.device, calls.disconnect),
        (1, 1, 1)
    );
}
