//! Routing and validation without a socket: the upstream is a closed port, so any request that
//! reached it would answer `upstream_unreachable` instead of the codes checked here.

use axum::body::{to_bytes, Body};
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;
use zapi_relay::{RateLimitConfig, RelayConfig};

fn config() -> RelayConfig {
    let mut config = RelayConfig::new("demo-instance", "demo-token");
    config.upstream = "http://127.0.0.1:9".parse().unwrap();
    config.client_token = Some("demo-client-token".to_owned());
    config
}

async fn call(
    app: &Router,
    method: Method,
    uri: &str,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body, headers)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    let (status, body, headers) = call(app, Method::GET, uri).await;
    assert_eq!(headers["cache-control"], "no-store", "{uri}");
    (status, body)
}

fn envelope(code: &str, status: StatusCode, retryable: bool) -> impl Fn(&(StatusCode, Value)) {
    let code = code.to_owned();
    move |(got_status, body)| {
        assert_eq!(*got_status, status);
        assert_eq!(body["code"], code.as_str());
        assert_eq!(body["retryable"], retryable);
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[tokio::test]
async fn healthz_answers_without_upstream() {
    let app = zapi_relay::app(config().validate().unwrap());
    let (status, body, headers) = call(&app, Method::GET, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"ok": true}));
    assert_eq!(headers["cache-control"], "no-store");
    assert!(!headers["x-request-id"].is_empty());
}

#[tokio::test]
async fn an_incoming_request_id_is_kept_from_a_trusted_proxy_only() {
    let mut config = config();
    config.trusted_proxies = vec!["10.0.0.2/32".parse().unwrap()];
    let app = zapi_relay::app(config.validate().unwrap());
    let id_from = |peer: Option<&str>| {
        let mut request = Request::get("/healthz")
            .header("x-request-id", "req-42")
            .body(Body::empty())
            .unwrap();
        if let Some(peer) = peer {
            let peer: std::net::SocketAddr = peer.parse().unwrap();
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        let app = app.clone();
        async move { app.oneshot(request).await.unwrap().headers()["x-request-id"].clone() }
    };
    assert_eq!(id_from(Some("10.0.0.2:5000")).await, "req-42");
    assert_ne!(id_from(Some("192.0.2.9:5000")).await, "req-42");
    assert_ne!(id_from(None).await, "req-42");
}

#[tokio::test]
async fn unknown_paths_are_404_envelopes() {
    let app = zapi_relay::app(config().validate().unwrap());
    let not_found = envelope("not_found", StatusCode::NOT_FOUND, false);
    for uri in [
        "/",
        "/zapi",
        "/zapi/",
        "/zapi/restart",
        "/zapi/../x",
        "/zapi/qr-code/../../status",
        "/zapi/%2E%2E/restart",
        "/zapi/qr-code/image/extra",
        "/zapi/status/",
        "/zapi/phone-code/",
        "/zapi/phone-code/5511999999999/extra",
        "/instances/demo-instance/token/demo-token/status",
        "/qr-code",
    ] {
        not_found(&get(&app, uri).await);
    }
}

#[tokio::test]
async fn other_methods_are_404_envelopes() {
    let app = zapi_relay::app(config().validate().unwrap());
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        let (status, body, headers) = call(&app, method, "/zapi/status").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["code"], "not_found");
        assert_eq!(headers["cache-control"], "no-store");
    }
}

#[tokio::test]
async fn bad_phones_are_refused_before_upstream() {
    let app = zapi_relay::app(config().validate().unwrap());
    let invalid = envelope("invalid_phone", StatusCode::BAD_REQUEST, false);
    for phone in [
        "abc",
        "1234567",
        "1234567890123456",
        "%2B5511999999999",
        "55%2F11999999",
        "..%2F..%2Fstatus",
        "%2E%2E",
        "%FF%FE12345678",
        "55%2011999999",
        "%EF%BC%95%EF%BC%95%EF%BC%91%EF%BC%91%EF%BC%99%EF%BC%99%EF%BC%99%EF%BC%99",
    ] {
        invalid(&get(&app, &format!("/zapi/phone-code/{phone}")).await);
    }
    // A valid phone does try the (closed) upstream.
    envelope("upstream_unreachable", StatusCode::BAD_GATEWAY, true)(
        &get(&app, "/zapi/phone-code/5511999999999").await,
    );
}

#[tokio::test]
async fn base_path_is_configurable() {
    let mut config = config();
    config.base_path = "/api/whatsapp/".to_owned();
    let app = zapi_relay::app(config.clone().validate().unwrap());
    envelope("upstream_unreachable", StatusCode::BAD_GATEWAY, true)(
        &get(&app, "/api/whatsapp/status").await,
    );
    envelope("not_found", StatusCode::NOT_FOUND, false)(&get(&app, "/zapi/status").await);

    config.base_path = "/".to_owned();
    let app = zapi_relay::app(config.validate().unwrap());
    envelope("upstream_unreachable", StatusCode::BAD_GATEWAY, true)(&get(&app, "/qr-code").await);
    envelope("invalid_phone", StatusCode::BAD_REQUEST, false)(&get(&app, "/phone-code/1").await);
}

#[tokio::test]
async fn static_files_are_served_at_the_root() {
    let dir = std::env::temp_dir().join(format!("zapi-relay-static-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>demo</title>").unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log(1)").unwrap();

    let mut config = config();
    config.static_dir = Some(dir.clone());
    let app = zapi_relay::app(config.validate().unwrap());

    let response = app
        .clone()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Revalidated, not refetched: the wasm bundle is large and rarely changes.
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert!(response.headers().contains_key("last-modified"));
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    assert!(body.starts_with(b"<!doctype html>"));

    let response = app
        .clone()
        .oneshot(Request::get("/assets/app.js").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let not_found = envelope("not_found", StatusCode::NOT_FOUND, false);
    for uri in [
        "/missing.html",
        "/../Cargo.toml",
        "/assets/%2E%2E/%2E%2E/etc/passwd",
        "/zapi/restart",
    ] {
        not_found(&get(&app, uri).await);
    }
    let (status, body, _) = call(&app, Method::POST, "/index.html").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    // The API still wins over the folder.
    envelope("upstream_unreachable", StatusCode::BAD_GATEWAY, true)(
        &get(&app, "/zapi/status").await,
    );

    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let mut config = config();
    config.rate_limit = RateLimitConfig {
        per_minute: 2,
        burst: 2,
    };
    let app = zapi_relay::app(config.validate().unwrap());
    for _ in 0..2 {
        assert_eq!(get(&app, "/zapi/status").await.0, StatusCode::BAD_GATEWAY);
    }
    let (status, body, headers) = call(&app, Method::GET, "/zapi/qr-code").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(body["retryable"], true);
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(headers["cache-control"], "no-store");
    // Only the Z-API routes count.
    assert_eq!(get(&app, "/healthz").await.0, StatusCode::OK);
    assert_eq!(get(&app, "/nope").await.0, StatusCode::NOT_FOUND);
}
