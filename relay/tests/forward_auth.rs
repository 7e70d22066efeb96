//! `forward` mode against a real session endpoint: an HTTP server started by each test that
//! admits two session cookies and one bearer token, counts its calls and keeps the headers it
//! was sent. The relay runs over real HTTP in front of an in-process zapi-sim whose call counts
//! show what reached Z-API.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zapi_relay::{AuthMode, Instance, RelayConfig};
use zapi_sim::{InstanceConfig, Sim, SimConfig};

mod common;

use common::Captured;

const ID_A: &str = "instance-a";
const ID_B: &str = "instance-b";
const TOKEN_A: &str = "token-a-4f1d9c";
const TOKEN_B: &str = "token-b-8e2a7b";
const ANA: &str = "session=ana-7c1e";
const BIA_ON_SHOP_B: &str = "session=bia-42d9";
const NAMES_UNKNOWN_ALIAS: &str = "session=carl-19ab";
const APP_TOKEN: &str = "Bearer app-token-d81f";
const ALIAS_HEADER: &str = "X-Relay-Alias";
const APP_ORIGIN: &str = "https://app.example.com";
/// What the widget sends on every request.
const WIDGET: (&str, &str) = ("X-Zapi-Connect", "1");

/// The app's session endpoint.
#[derive(Clone, Default)]
struct Sessions {
    calls: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<HeaderMap>>>,
}

async fn session(State(sessions): State<Sessions>, headers: HeaderMap) -> impl IntoResponse {
    sessions.calls.fetch_add(1, Ordering::SeqCst);
    sessions.seen.lock().unwrap().push(headers.clone());
    let cookie = headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let alias = match cookie {
        ANA => "shop-a",
        BIA_ON_SHOP_B => "shop-b",
        NAMES_UNKNOWN_ALIAS => "shop-z",
        _ if bearer == APP_TOKEN => "shop-a",
        _ => return (StatusCode::UNAUTHORIZED, [(ALIAS_HEADER, "")], "signed out"),
    };
    (StatusCode::OK, [(ALIAS_HEADER, alias)], "signed in")
}

async fn listen(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A session endpoint at `/session`; `/slow` never answers in time, `/broken` answers 500.
async fn start_sessions() -> (Sessions, SocketAddr) {
    let sessions = Sessions::default();
    let app = axum::Router::new()
        .route("/session", get(session))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                StatusCode::OK
            }),
        )
        .route(
            "/broken",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/redirects",
            get(|| async { axum::response::Redirect::to("/login") }),
        )
        .with_state(sessions.clone());
    (sessions, listen(app).await)
}

struct Stack {
    sim: Sim,
    relay: SocketAddr,
}

impl Stack {
    async fn start(session_url: String, adjust: impl FnOnce(&mut RelayConfig)) -> Self {
        let sim = Sim::new(SimConfig {
            instances: vec![
                InstanceConfig::new(ID_A, TOKEN_A),
                InstanceConfig::new(ID_B, TOKEN_B),
            ],
            client_token: None,
            allowed_ips: None,
        });
        let sim_addr = common::serve_sim_elsewhere(sim.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = listener.local_addr().unwrap();
        let mut config = RelayConfig::new(ID_A, TOKEN_A);
        config.bind = relay.to_string();
        config.instances = [
            ("shop-a".to_owned(), Instance::new(ID_A, TOKEN_A)),
            ("shop-b".to_owned(), Instance::new(ID_B, TOKEN_B)),
        ]
        .into();
        config.upstream = format!("http://{sim_addr}").parse().unwrap();
        config.auth.mode = AuthMode::Forward;
        config.auth.forward.url = Some(session_url.parse().unwrap());
        config.auth.forward.alias_header = Some(ALIAS_HEADER.to_owned());
        config.auth.forward.timeout = Duration::from_millis(300);
        config.cors.allowed_origins = vec![APP_ORIGIN.to_owned()];
        config.cors.allow_credentials = true;
        adjust(&mut config);
        let limits = config.connections;
        tokio::spawn(zapi_relay::serve::serve(
            listener,
            zapi_relay::app(config.validate().unwrap()),
            limits,
            std::future::pending(),
        ));
        Self { sim, relay }
    }

    /// Sends the request as written, with a bounded wait for the answer.
    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        self.send("GET", path, headers).await.0
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> ((u16, Value), String) {
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(self.relay).await.unwrap();
            let mut request = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
                self.relay
            );
            for (name, value) in headers {
                request.push_str(&format!("{name}: {value}\r\n"));
            }
            request.push_str("\r\n");
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            String::from_utf8(raw).unwrap()
        };
        let raw = tokio::time::timeout(Duration::from_secs(10), exchange)
            .await
            .expect("the relay answered within 10 s");
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let body = serde_json::from_str(body).unwrap_or(Value::Null);
        ((status, body), head.to_ascii_lowercase())
    }

    fn zapi_calls(&self) -> u64 {
        self.sim.calls(ID_A).unwrap().total() + self.sim.calls(ID_B).unwrap().total()
    }
}

#[track_caller]
fn assert_no_credentials_in(logs: &Captured) {
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logs.contains("unauthorized"), "no relay logs were captured");
    for credential in ["ana-7c1e", "app-token-d81f", "forged", TOKEN_A, TOKEN_B] {
        assert!(
            !logs.contains(credential),
            "the logs contain {credential:?}:\n{logs}"
        );
    }
}

#[track_caller]
fn assert_code((status, body): &(u16, Value), expected_status: u16, code: &str) {
    assert_eq!(
        (*status, body["code"].as_str()),
        (expected_status, Some(code)),
        "{body}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_forged_cookie_is_refused_before_zapi_and_a_valid_one_is_admitted() {
    let (logs, _guard) = common::capture_logs();
    let (sessions, app) = start_sessions().await;
    let stack = Stack::start(format!("http://{app}/session"), |_| {}).await;

    for forged in [
        vec![("Cookie", "session=forged"), WIDGET],
        vec![("Cookie", "session=ana-7c1"), WIDGET],
        vec![("Authorization", "Bearer forged"), WIDGET],
    ] {
        for path in [
            "/zapi/qr-code",
            "/zapi/status",
            "/zapi/phone-code/5511912345678",
        ] {
            let answer = stack.get(path, &forged).await;
            assert_code(&answer, 401, "unauthorized");
            assert_eq!(answer.1["retryable"], false);
        }
    }
    assert_eq!(stack.zapi_calls(), 0);
    // No credentials at all: nothing to ask the app about.
    let calls = sessions.calls.load(Ordering::SeqCst);
    assert_code(
        &stack.get("/zapi/qr-code", &[WIDGET]).await,
        401,
        "unauthorized",
    );
    assert_eq!(sessions.calls.load(Ordering::SeqCst), calls);

    let (status, body) = stack
        .get(
            "/zapi/qr-code",
            &[
                ("Cookie", ANA),
                WIDGET,
                ("X-Forwarded-For", "203.0.113.9"),
                ("X-Other", "not for the app"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["value"].as_str(),
        stack.sim.current_qr(ID_A).as_deref()
    );
    assert_eq!(stack.zapi_calls(), 1);
    // The app was sent the credentials and nothing else of the request.
    let seen = sessions.seen.lock().unwrap().last().unwrap().clone();
    assert_eq!(seen["cookie"], ANA);
    for name in ["x-forwarded-for", "x-other", "x-zapi-connect", "origin"] {
        assert!(!seen.contains_key(name), "{name} was forwarded");
    }

    let (status, _) = stack
        .get("/zapi/status", &[("Authorization", APP_TOKEN), WIDGET])
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        sessions.seen.lock().unwrap().last().unwrap()["authorization"],
        APP_TOKEN
    );
    assert_no_credentials_in(&logs);
}

#[tokio::test]
async fn the_session_endpoint_names_the_instance() {
    let (_sessions, app) = start_sessions().await;
    let stack = Stack::start(format!("http://{app}/session"), |_| {}).await;
    let (status, body) = stack
        .get("/zapi/qr-code", &[("Cookie", BIA_ON_SHOP_B), WIDGET])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["value"].as_str(),
        stack.sim.current_qr(ID_B).as_deref()
    );
    assert_eq!(stack.sim.calls(ID_A).unwrap().total(), 0);

    let answer = stack
        .get("/zapi/qr-code", &[("Cookie", NAMES_UNKNOWN_ALIAS), WIDGET])
        .await;
    assert_code(&answer, 401, "unauthorized");
    assert_eq!(stack.zapi_calls(), 1);
}

#[tokio::test]
async fn answers_are_cached_briefly_by_credentials() {
    let (sessions, app) = start_sessions().await;
    let stack = Stack::start(format!("http://{app}/session"), |config| {
        config.auth.forward.cache_ttl = Duration::from_millis(500);
    })
    .await;
    let calls = || sessions.calls.load(Ordering::SeqCst);

    for _ in 0..3 {
        assert_eq!(
            stack
                .get("/zapi/status", &[("Cookie", ANA), WIDGET])
                .await
                .0,
            200
        );
    }
    assert_eq!(calls(), 1, "a cache hit asks the app once");
    for _ in 0..2 {
        let answer = stack
            .get("/zapi/status", &[("Cookie", "session=forged"), WIDGET])
            .await;
        assert_code(&answer, 401, "unauthorized");
    }
    assert_eq!(calls(), 2, "a refusal is cached too");
    // Other credentials are another entry: Bia is not let in on Ana's answer.
    let (status, _) = stack
        .get("/zapi/qr-code", &[("Cookie", BIA_ON_SHOP_B), WIDGET])
        .await;
    assert_eq!(status, 200);
    assert_eq!(calls(), 3);
    assert_eq!(stack.sim.calls(ID_B).unwrap().total(), 1);

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        stack
            .get("/zapi/status", &[("Cookie", ANA), WIDGET])
            .await
            .0,
        200
    );
    assert_eq!(calls(), 4, "an expired entry asks again");
    assert_eq!(stack.sim.calls(ID_A).unwrap().total(), 4);
}

#[tokio::test]
async fn a_session_endpoint_that_fails_is_a_retryable_error_and_nothing_hangs() {
    let (_sessions, app) = start_sessions().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    for url in [
        format!("http://{closed}/session"),
        format!("http://{app}/slow"),
        format!("http://{app}/broken"),
    ] {
        let stack = Stack::start(url.clone(), |_| {}).await;
        for _ in 0..2 {
            let started = Instant::now();
            let answer = stack.get("/zapi/qr-code", &[("Cookie", ANA), WIDGET]).await;
            assert_code(&answer, 503, "auth_unavailable");
            assert_eq!(answer.1["retryable"], true, "{url}");
            // The timeout is 300 ms; the bound only says that the relay did not wait for the app.
            assert!(started.elapsed() < Duration::from_secs(3), "{url}");
        }
        assert_eq!(stack.zapi_calls(), 0, "{url}");
    }
    // A redirect to a sign-in page is a refusal, not an outage.
    let stack = Stack::start(format!("http://{app}/redirects"), |_| {}).await;
    assert_code(
        &stack.get("/zapi/status", &[("Cookie", ANA), WIDGET]).await,
        401,
        "unauthorized",
    );
}

// A page on another site loads `<img src="https://relay/zapi/qr-code">` or navigates there: the
// browser sends the visitor's session cookie and no Origin. Such a request must reach neither
// the session endpoint nor Z-API.
#[tokio::test]
async fn cross_site_requests_with_the_visitors_cookie_reach_nothing() {
    let (sessions, app) = start_sessions().await;
    let stack = Stack::start(format!("http://{app}/session"), |_| {}).await;
    let forged = [
        vec![
            ("Cookie", ANA),
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Dest", "image"),
        ],
        vec![
            ("Cookie", ANA),
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Mode", "navigate"),
        ],
        vec![("Cookie", ANA), ("Sec-Fetch-Site", "same-site"), WIDGET],
        vec![("Cookie", ANA), ("Sec-Fetch-Site", "cross-site"), WIDGET],
        // A browser without Fetch Metadata: only the widget's header tells them apart.
        vec![("Cookie", ANA)],
        vec![("Cookie", ANA), ("Sec-Fetch-Site", "same-origin")],
        vec![("Cookie", ANA), ("X-Zapi-Connect", "")],
    ];
    for headers in &forged {
        for path in [
            "/zapi/qr-code",
            "/zapi/qr-code/image",
            "/zapi/phone-code/5511912345678",
        ] {
            let answer = stack.get(path, headers).await;
            assert_code(&answer, 403, "cross_site_request");
        }
    }
    assert_eq!(stack.zapi_calls(), 0);
    assert_eq!(sessions.calls.load(Ordering::SeqCst), 0);

    // The widget on the relay's own origin, and on a listed origin after its preflight.
    let (status, _) = stack
        .get(
            "/zapi/qr-code",
            &[("Cookie", ANA), ("Sec-Fetch-Site", "same-origin"), WIDGET],
        )
        .await;
    assert_eq!(status, 200);
    let ((status, _), head) = stack
        .send(
            "OPTIONS",
            "/zapi/qr-code",
            &[
                ("Origin", APP_ORIGIN),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "x-zapi-connect"),
            ],
        )
        .await;
    assert!((200..300).contains(&status), "{head}");
    assert!(
        head.contains("access-control-allow-headers: authorization,x-zapi-connect"),
        "{head}"
    );
    let (status, _) = stack
        .get(
            "/zapi/qr-code",
            &[
                ("Cookie", ANA),
                ("Origin", APP_ORIGIN),
                ("Sec-Fetch-Site", "cross-site"),
                WIDGET,
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(stack.zapi_calls(), 2);
}

// A form on another site posts to `/zapi/disconnect`: the browser sends the visitor's session
// cookie. Neither the session endpoint nor Z-API may see it, and the phone stays linked.
#[tokio::test]
async fn a_cross_site_form_cannot_unlink_the_phone() {
    let (sessions, app) = start_sessions().await;
    let stack = Stack::start(format!("http://{app}/session"), |config| {
        config.allow_disconnect = true;
    })
    .await;
    stack.sim.scan(ID_A).unwrap();
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let forged = [
        vec![
            ("Cookie", ANA),
            form,
            ("Origin", "https://evil.example"),
            ("Sec-Fetch-Site", "cross-site"),
        ],
        vec![("Cookie", ANA), form, ("Origin", "null")],
        vec![("Cookie", ANA), form, ("Sec-Fetch-Site", "cross-site")],
        vec![("Cookie", ANA), form],
        vec![
            ("Cookie", ANA),
            form,
            ("Origin", APP_ORIGIN),
            ("Sec-Fetch-Site", "cross-site"),
        ],
    ];
    for headers in &forged {
        let ((status, body), _) = stack.send("POST", "/zapi/disconnect", headers).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
    }
    assert_eq!(stack.zapi_calls(), 0);
    assert_eq!(sessions.calls.load(Ordering::SeqCst), 0);
    assert_eq!(stack.sim.is_connected(ID_A), Some(true));

    let (answer, _) = stack
        .send(
            "POST",
            "/zapi/disconnect",
            &[("Cookie", ANA), ("Sec-Fetch-Site", "same-origin"), WIDGET],
        )
        .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(stack.sim.calls(ID_A).unwrap().disconnect, 1);
    assert_eq!(stack.sim.is_connected(ID_A), Some(false));
}
