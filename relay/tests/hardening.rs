//! Tickets, request ids and logs, over real HTTP in front of an in-process zapi-sim: what a
//! client controls must not merge rate-limit buckets, outlive the ticket lifetime, or write the
//! relay's logs; and the logs never show a whole phone number.

use std::net::SocketAddr;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tracing::subscriber::DefaultGuard;
use zapi_relay::{AuthMode, RateLimitConfig, RelayConfig};
use zapi_sim::{Sim, SimConfig};

mod common;

use common::Captured;

const TICKET_SECRET: &str = "7c4a8d09ca3762af61e59520943dc26494f8941b";

/// A relay served by `zapi_relay::serve` (so it sees each peer's address), its logs captured.
/// `serve` hands the capture on to the threads that run its connections.
struct Relay {
    addr: SocketAddr,
    logs: Captured,
    http: reqwest::Client,
    _guard: DefaultGuard,
}

impl Relay {
    async fn start(adjust: impl FnOnce(&mut RelayConfig)) -> Self {
        let (logs, guard) = common::capture_logs();
        let sim_addr = common::serve_sim_elsewhere(Sim::new(SimConfig::default()));
        let mut config = RelayConfig::new("demo-instance", "demo-token");
        config.upstream = format!("http://{sim_addr}").parse().unwrap();
        config.client_token = Some("demo-client-token".to_owned());
        adjust(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        config.bind = addr.to_string();
        let limits = config.connections;
        let app = zapi_relay::app(config.validate().unwrap());
        tokio::spawn(zapi_relay::serve::serve(
            listener,
            app,
            limits,
            std::future::pending(),
        ));
        Self {
            addr,
            logs,
            http: reqwest::Client::new(),
            _guard: guard,
        }
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.http.get(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    fn logs(&self) -> String {
        String::from_utf8(self.logs.0.lock().unwrap().clone()).unwrap()
    }
}

fn ticket_relay(config: &mut RelayConfig) {
    config.auth.mode = AuthMode::Ticket;
    config.auth.ticket_secret = Some(TICKET_SECRET.to_owned());
}

fn signed(claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(TICKET_SECRET.as_bytes()),
    )
    .unwrap()
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

// Regression: tickets without `sub` were all limited under the subject "", so one user's
// widget could exhaust the budget of every other user whose backend omits `sub`.
#[tokio::test(flavor = "current_thread")]
async fn tickets_without_a_subject_do_not_share_a_rate_limit() {
    let relay = Relay::start(|config| {
        ticket_relay(config);
        config.rate_limit = RateLimitConfig {
            per_minute: 1,
            burst: 1,
        };
        // Each request names its own client address, so only the ticket limit can refuse.
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let first = signed(json!({"alias": "default", "exp": now() + 300}));
    let second = signed(json!({"alias": "default", "exp": now() + 301}));
    let status = |ticket: &str, client: &str| {
        let bearer = format!("Bearer {ticket}");
        let client = client.to_owned();
        let relay = &relay;
        async move {
            relay
                .get(
                    "/zapi/status",
                    &[("authorization", &bearer), ("x-forwarded-for", &client)],
                )
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(status(&first, "203.0.113.1").await, 200);
    assert_eq!(status(&first, "203.0.113.2").await, 429);
    assert_eq!(status(&second, "203.0.113.3").await, 200);
    // With a subject, the subject is the bucket, whichever ticket carries it.
    let ana = |exp: u64| signed(json!({"alias": "default", "exp": exp, "sub": "ana"}));
    assert_eq!(status(&ana(now() + 300), "203.0.113.4").await, 200);
    assert_eq!(status(&ana(now() + 302), "203.0.113.5").await, 429);
}

// Regression: `iat` was documented as checked but ignored, so a ticket could claim to be
// issued in the future, or to live longer than max_ticket_ttl_secs as long as `exp` was near.
#[tokio::test(flavor = "current_thread")]
async fn a_tickets_issue_time_is_checked() {
    let relay = Relay::start(|config| {
        ticket_relay(config);
        config.auth.leeway = Duration::from_secs(5);
        config.auth.max_ticket_ttl = Duration::from_secs(3600);
    })
    .await;
    let now = now();
    let status = |claims: Value| {
        let bearer = format!("Bearer {}", signed(claims));
        let relay = &relay;
        async move {
            relay
                .get("/zapi/status", &[("authorization", &bearer)])
                .await
                .status()
                .as_u16()
        }
    };
    let ticket = |iat: u64, exp: u64| json!({"alias": "default", "iat": iat, "exp": exp});
    assert_eq!(
        status(ticket(now + 3600, now + 3660)).await,
        401,
        "issued in an hour"
    );
    assert_eq!(
        status(ticket(now + 60, now + 120)).await,
        401,
        "issued in a minute"
    );
    assert_eq!(status(ticket(now - 7200, now + 60)).await, 401, "lived 2 h");
    assert_eq!(
        status(ticket(now - 3601, now + 1)).await,
        401,
        "lives 3601 s"
    );
    assert_eq!(
        status(ticket(now + 3, now + 60)).await,
        200,
        "within the leeway"
    );
    assert_eq!(
        status(ticket(now - 3000, now + 600)).await,
        200,
        "lives 3600 s"
    );
    assert_eq!(status(ticket(now, now + 600)).await, 200);
    assert!(relay.logs().contains("the ticket was issued in the future"));
}

// Regression: a client-supplied x-request-id was echoed and written to every log line of the
// request, so any client could forge log entries or pin another request's id on itself.
#[tokio::test(flavor = "current_thread")]
async fn request_ids_come_from_the_relay_or_a_trusted_proxy_only() {
    const CHOSEN: &str = "chosen-by-the-client-0001";
    let direct = Relay::start(|_| {}).await;
    let response = direct
        .get("/zapi/status", &[("x-request-id", CHOSEN)])
        .await;
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(id, CHOSEN);
    assert_eq!(id.len(), 36, "a generated UUID: {id}");
    let logs = direct.logs();
    assert!(!logs.contains(CHOSEN), "{logs}");
    assert!(logs.contains(&id), "{logs}");
    drop(direct);

    let behind_proxy = Relay::start(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let id_of = |value: String| {
        let relay = &behind_proxy;
        async move {
            relay
                .get("/zapi/status", &[("x-request-id", &value)])
                .await
                .headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(id_of("lb-7f3a9c".to_owned()).await, "lb-7f3a9c");
    for refused in [
        "x".repeat(129),
        "two words".to_owned(),
        "tab\there".to_owned(),
    ] {
        let id = id_of(refused.clone()).await;
        assert_ne!(id, refused);
        assert_eq!(id.len(), 36, "{refused:?} replaced by a UUID: {id}");
    }
    assert_eq!(id_of("x".repeat(128)).await, "x".repeat(128));
    assert!(!behind_proxy.logs().contains("two words"));
}

// Regression: the request span and the upstream log line wrote the whole phone number at INFO.
#[tokio::test(flavor = "current_thread")]
async fn logs_show_phone_numbers_masked() {
    let relay = Relay::start(|_| {}).await;
    let answer = relay.get("/zapi/phone-code/5511912345678", &[]).await;
    assert_eq!(answer.status(), 200);
    let refused = relay.get("/zapi/phone-code/55119876543210999", &[]).await;
    assert_eq!(refused.status(), 400);
    relay.get("/zapi/PHONE-CODE/5511955554444", &[]).await;
    let logs = relay.logs();
    for digits in [
        "5511912345678",
        "55119876543210999",
        "5511955554444",
        "91234",
        "98765",
    ] {
        assert!(!logs.contains(digits), "{digits} in:\n{logs}");
    }
    assert!(
        logs.contains("path=/zapi/phone-code/55*********78"),
        "{logs}"
    );
    assert!(
        logs.contains("/instances/demo-instance/token/***/phone-code/55*********78"),
        "{logs}"
    );
    assert!(
        logs.contains("path=/zapi/phone-code/55*************99"),
        "{logs}"
    );
}
