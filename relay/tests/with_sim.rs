//! The relay over real HTTP in front of an in-process zapi-sim, both on OS-picked ports.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zapi_relay::{Instance, RelayConfig};
use zapi_sim::{CallCounts, Sim, SimConfig};

const ID: &str = "demo-instance";
const TOKEN: &str = "demo-token";
const CLIENT_TOKEN: &str = "demo-client-token";
const SECRETS: [&str; 3] = [TOKEN, CLIENT_TOKEN, ID];

async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    addr
}

struct Answer {
    status: u16,
    body: Value,
    text: String,
    headers: reqwest::header::HeaderMap,
}

struct Stack {
    sim: Sim,
    relay: SocketAddr,
    http: reqwest::Client,
}

impl Stack {
    async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    async fn start_with(adjust: impl FnOnce(&mut RelayConfig)) -> Self {
        let sim = Sim::new(SimConfig::default());
        let sim_addr = serve(zapi_sim::app(sim.clone())).await;
        let mut config = RelayConfig::new(ID, TOKEN);
        config.upstream = format!("http://{sim_addr}").parse().unwrap();
        config.client_token = Some(CLIENT_TOKEN.to_owned());
        adjust(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = listener.local_addr().unwrap();
        config.bind = relay.to_string();
        let service = zapi_relay::app(config.validate().unwrap())
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        Self {
            sim,
            relay,
            http: reqwest::Client::new(),
        }
    }

    /// GETs a relay path and checks that no secret shows in its headers or body.
    async fn get(&self, path: &str) -> Answer {
        let response = self
            .http
            .get(format!("http://{}{path}", self.relay))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        assert_no_secret(path, &headers, &text);
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
            headers,
        }
    }

    /// Sends the path byte for byte, as a client that does not normalize `..` would.
    async fn raw_get(&self, path: &str) -> (u16, Value) {
        let mut stream = tokio::net::TcpStream::connect(self.relay).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.relay
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let raw = String::from_utf8(raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        for secret in SECRETS {
            assert!(!raw.contains(secret), "{path} leaked a secret");
        }
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    fn calls(&self) -> CallCounts {
        self.sim.calls(ID).unwrap()
    }

    fn fail(&self, failure: Value) {
        let failure = serde_json::from_value(failure).unwrap();
        self.sim.set_failure(ID, failure).unwrap();
    }
}

fn assert_no_secret(path: &str, headers: &reqwest::header::HeaderMap, body: &str) {
    for secret in SECRETS {
        assert!(
            !body.contains(secret),
            "the body of {path} contains {secret:?}"
        );
        for (name, value) in headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            assert!(
                !value.contains(secret),
                "header {name} of {path} contains {secret:?}"
            );
        }
    }
}

fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(answer.body["code"], code, "{}", answer.text);
    assert!(answer.body["error"].is_string());
    assert!(answer.body["retryable"].is_boolean());
    assert!(answer.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

#[tokio::test]
async fn the_four_paths_return_the_simulators_bodies() {
    let stack = Stack::start().await;

    let status = stack.get("/zapi/status").await;
    assert_eq!(status.status, 200);
    assert_eq!(
        status.body,
        json!({"connected": false, "error": "You are not connected.", "smartphoneConnected": false})
    );

    let qr = stack.get("/zapi/qr-code").await;
    assert_eq!(qr.status, 200);
    assert_eq!(qr.headers["content-type"], "application/json");
    assert_eq!(
        qr.body["value"].as_str(),
        stack.sim.current_qr(ID).as_deref()
    );

    let image = stack.get("/zapi/qr-code/image").await;
    assert_eq!(image.status, 200);
    let encoded = image.body["value"]
        .as_str()
        .unwrap()
        .strip_prefix("data:image/png;base64,")
        .unwrap();
    assert!(STANDARD
        .decode(encoded)
        .unwrap()
        .starts_with(b"\x89PNG\r\n\x1a\n"));

    let code = stack.get("/zapi/phone-code/5511912345678").await;
    assert_eq!(code.status, 200);
    assert_eq!(
        code.body["value"].as_str(),
        stack.sim.current_phone_code(ID).as_deref()
    );

    assert_eq!(
        stack.calls(),
        CallCounts {
            qr_code: 1,
            qr_code_image: 1,
            phone_code: 1,
            status: 1,
            ..CallCounts::default()
        }
    );
    assert!(!status.headers["x-request-id"].is_empty());
}

#[tokio::test]
async fn connected_and_restore_session_bodies_pass_through() {
    let stack = Stack::start().await;
    stack.sim.scan(ID).unwrap();
    assert_eq!(stack.get("/zapi/status").await.body["connected"], true);
    let qr = stack.get("/zapi/qr-code").await;
    assert_eq!(qr.status, 200);
    assert_eq!(
        qr.body,
        json!({"connected": true, "error": "You are already connected."})
    );

    stack.sim.disconnect(ID).unwrap();
    stack.fail(json!({"mode": "restore_session"}));
    let status = stack.get("/zapi/status").await;
    assert_eq!(status.status, 200);
    assert_eq!(status.body["error"], "You need to restore the session.");
}

#[tokio::test]
async fn the_client_token_is_injected() {
    let without = Stack::start_with(|config| config.client_token = None).await;
    let answer = without.get("/zapi/status").await;
    assert_error(&answer, 403, "access_denied");
    assert_eq!(answer.body["retryable"], false);
    assert_eq!(without.calls().status, 1);

    let wrong =
        Stack::start_with(|config| config.client_token = Some("not-the-token".into())).await;
    assert_error(&wrong.get("/zapi/qr-code").await, 403, "access_denied");

    let bad_token = Stack::start_with(|config| {
        config.instances = [("default".into(), Instance::new(ID, "other-token"))].into();
    })
    .await;
    let answer = bad_token.get("/zapi/status").await;
    assert_error(&answer, 502, "upstream_error");
    assert_eq!(answer.body["upstreamStatus"], 404);
}

#[tokio::test]
async fn other_paths_and_traversal_never_reach_upstream() {
    let stack = Stack::start().await;
    for path in [
        "/zapi/../x",
        "/zapi/qr-code/../../status",
        "/zapi/qr-code/../restart",
        "/zapi/%2E%2E/restart",
        "/zapi/restart",
        "/zapi/restore-session",
        "/zapi/disconnect",
        "/zapi/device/extra",
        "/zapi",
        "/zapi/",
        "/instances/demo-instance/token/demo-token/status",
    ] {
        let (status, body) = stack.raw_get(path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    for phone in [
        "55%2F11912345",
        "..%2F..%2Fstatus",
        "%2B5511912345678",
        "1234567",
        "abc",
    ] {
        let (status, body) = stack.raw_get(&format!("/zapi/phone-code/{phone}")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_phone")),
            "{phone}"
        );
    }
    assert_eq!(stack.calls().total(), 0);
}

#[tokio::test]
async fn simulator_failures_map_to_stable_codes() {
    let stack = Stack::start().await;
    let cases = [
        ("subscription_expired", 402, "subscription_expired", false),
        ("client_token_rejected", 403, "access_denied", false),
        ("ip_not_allowed", 403, "access_denied", false),
        ("server_error", 502, "upstream_error", true),
        ("garbage", 502, "upstream_malformed", true),
        ("oversized", 502, "upstream_malformed", true),
    ];
    for (mode, status, code, retryable) in cases {
        stack.fail(json!({ "mode": mode }));
        for path in [
            "/zapi/status",
            "/zapi/qr-code",
            "/zapi/qr-code/image",
            "/zapi/phone-code/5511912345678",
            "/zapi/extension-token",
            "/zapi/device",
        ] {
            let answer = stack.get(path).await;
            assert_error(&answer, status, code);
            assert_eq!(answer.body["retryable"], retryable, "{mode} {path}");
            assert!(!answer.text.contains("203.0.113.7"), "{mode} {path}");
        }
    }
    stack.fail(json!({ "mode": "server_error" }));
    let answer = stack.get("/zapi/qr-code").await;
    assert_eq!(answer.body["upstreamStatus"], 500);
    assert_eq!(
        answer.body["error"],
        "Z-API answered 500: Internal server error"
    );
}

#[tokio::test]
async fn a_slow_upstream_times_out() {
    let stack =
        Stack::start_with(|config| config.upstream_timeout = Duration::from_millis(300)).await;
    stack.fail(json!({"mode": "slow", "delay_ms": 3000}));
    let started = std::time::Instant::now();
    let answer = stack.get("/zapi/qr-code").await;
    assert_error(&answer, 504, "upstream_timeout");
    assert_eq!(answer.body["retryable"], true);
    assert!(started.elapsed() < Duration::from_secs(2));

    // Latency below the timeout is fine.
    stack.fail(json!({"mode": "none", "latency_ms": 50}));
    assert_eq!(stack.get("/zapi/status").await.status, 200);
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let stack =
        Stack::start_with(|config| config.upstream = format!("http://{closed}").parse().unwrap())
            .await;
    let answer = stack.get("/zapi/status").await;
    assert_error(&answer, 502, "upstream_unreachable");
    assert_eq!(answer.body["retryable"], true);
}

#[tokio::test]
async fn the_size_cap_is_configurable() {
    let stack = Stack::start_with(|config| config.max_upstream_body = 1024).await;
    assert_eq!(stack.get("/zapi/status").await.status, 200);
    assert_error(
        &stack.get("/zapi/qr-code/image").await,
        502,
        "upstream_malformed",
    );
}

#[tokio::test]
async fn the_extension_code_and_the_linked_device_pass_through_as_zapi_sends_them() {
    let stack = Stack::start().await;
    let code = stack.get("/zapi/extension-token").await;
    assert_eq!(code.status, 200);
    assert_eq!(code.headers["content-type"], "application/json");
    let issued = stack.sim.current_extension_token(ID).unwrap();
    assert_eq!(
        code.body,
        json!({"token": issued.token, "expiresAt": issued.expires_at})
    );

    // Nothing linked: Z-API's refusal, with its text, is not worth retrying.
    let device = stack.get("/zapi/device").await;
    assert_error(&device, 502, "upstream_error");
    assert_eq!(device.body["upstreamStatus"], 400);
    assert_eq!(device.body["retryable"], false);
    assert_eq!(
        device.body["error"],
        "Z-API answered 400: You are not connected."
    );

    stack.sim.scan(ID).unwrap();
    let device = stack.get("/zapi/device").await;
    assert_eq!(device.status, 200);
    assert_eq!(
        device.body,
        serde_json::to_value(stack.sim.snapshot(ID).unwrap().device).unwrap()
    );
    assert_eq!(device.body["phone"], "5511987654321");
    assert_eq!(
        stack.get("/zapi/extension-token").await.body,
        json!({"connected": true, "error": "You are already connected."})
    );
    let calls = stack.calls();
    assert_eq!(
        (calls.extension_token, calls.device, calls.total()),
        (2, 2, 4)
    );
}

#[tokio::test]
async fn every_answer_carries_the_relays_date() {
    let stack = Stack::start().await;
    for path in ["/zapi/extension-token", "/zapi/status", "/zapi/nowhere"] {
        let answer = stack.get(path).await;
        let date = answer.headers["date"].to_str().unwrap();
        assert!(date.ends_with(" GMT"), "{path}: {date}");
    }
}

/// A Z-API stand-in that answers every request with `answer`, raw, and counts the requests.
async fn raw_upstream(answer: &'static [u8], then_stall: bool) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut head = vec![0; 4096];
                if stream.read(&mut head).await.unwrap_or(0) == 0 {
                    return;
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(answer).await;
                if then_stall {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            });
        }
    });
    (addr, requests)
}

#[tokio::test]
async fn a_redirect_from_upstream_is_not_followed() {
    let (elsewhere, followed) = raw_upstream(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
        false,
    )
    .await;
    let redirect: &'static [u8] = format!(
        "HTTP/1.1 302 Found\r\nlocation: http://{elsewhere}/steal\r\ncontent-length: 0\r\n\r\n"
    )
    .leak()
    .as_bytes();
    let (redirecting, asked) = raw_upstream(redirect, false).await;
    let stack = Stack::start_with(|config| {
        config.upstream = format!("http://{redirecting}").parse().unwrap();
    })
    .await;
    let answer = stack.get("/zapi/status").await;
    assert_error(&answer, 502, "upstream_error");
    assert_eq!(answer.body["upstreamStatus"], 302);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    // The Client-Token would have gone along to wherever the redirect pointed.
    assert_eq!(followed.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_upstream_body_that_stalls_times_out() {
    let (stalling, _) = raw_upstream(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"val",
        true,
    )
    .await;
    let stack = Stack::start_with(|config| {
        config.upstream = format!("http://{stalling}").parse().unwrap();
        config.upstream_timeout = Duration::from_millis(300);
    })
    .await;
    let started = std::time::Instant::now();
    let answer = stack.get("/zapi/status").await;
    assert_error(&answer, 504, "upstream_timeout");
    assert!(started.elapsed() < Duration::from_secs(2));
}
