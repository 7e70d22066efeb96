//! The simulator over real HTTP, on a port picked by the OS.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use zapi_sim::{Failure, FailureMode, InstanceConfig, Sim, SimConfig};

const ID: &str = "demo-instance";
const TOKEN: &str = "demo-token";
const CLIENT_TOKEN: &str = "demo-client-token";

struct Harness {
    sim: Sim,
    base: String,
    http: reqwest::Client,
}

impl Harness {
    async fn start(config: SimConfig) -> Self {
        let sim = Sim::new(config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = zapi_sim::app(sim.clone()).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            sim,
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
        }
    }

    async fn default() -> Self {
        Self::start(SimConfig::default()).await
    }

    /// A Z-API call with the right token and Client-Token.
    async fn zapi(&self, path: &str) -> (StatusCode, String, Value) {
        self.raw(
            &format!("/instances/{ID}/token/{TOKEN}/{path}"),
            Some(CLIENT_TOKEN),
        )
        .await
    }

    async fn raw(&self, path: &str, client_token: Option<&str>) -> (StatusCode, String, Value) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = client_token {
            request = request.header("Client-Token", token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, content_type, body)
    }

    async fn control(&self, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/__sim/{path}", self.base);
        let request = match body {
            Some(body) => self.http.post(url).body(body.to_string()),
            None => self.http.post(url),
        };
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        serde_json::from_str(&response.text().await.unwrap()).unwrap()
    }

    async fn snapshot(&self) -> Value {
        let url = format!("{}/__sim/instances/{ID}", self.base);
        let response = self.http.get(url).send().await.unwrap();
        serde_json::from_str(&response.text().await.unwrap()).unwrap()
    }
}

#[tokio::test]
async fn qr_code_returns_the_current_payload() {
    let h = Harness::default().await;
    let (status, content_type, body) = h.zapi("qr-code").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"));
    let value = body["value"].as_str().unwrap();
    assert!(value.starts_with("2@"));
    assert_eq!(value.split(',').count(), 4);
    assert_eq!(Some(value.to_owned()), h.sim.current_qr(ID));
}

#[tokio::test]
async fn qr_code_image_is_a_png_of_the_same_payload() {
    let h = Harness::default().await;
    let (status, _, body) = h.zapi("qr-code/image").await;
    assert_eq!(status, StatusCode::OK);
    let data_url = body["value"].as_str().unwrap();
    let encoded = data_url.strip_prefix("data:image/png;base64,").unwrap();
    let bytes = STANDARD.decode(encoded).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let reader = png::Decoder::new(bytes.as_slice()).read_info().unwrap();
    let info = reader.info();
    assert_eq!(info.width, info.height);
    assert!(info.width >= 21 * 8);
    assert_eq!(
        bytes,
        zapi_sim::payload::qr_png(&h.sim.current_qr(ID).unwrap())
    );
}

#[tokio::test]
async fn qr_rotates_after_twenty_seconds_of_sim_clock() {
    let h = Harness::default().await;
    let first = h.zapi("qr-code").await.2["value"].clone();
    h.control("clock/advance", Some(json!({"ms": 15_000})))
        .await;
    assert_eq!(h.zapi("qr-code").await.2["value"], first);
    h.control("clock/advance", Some(json!({"ms": 5_000}))).await;
    let second = h.zapi("qr-code").await.2["value"].clone();
    assert_ne!(second, first);
    assert_eq!(h.snapshot().await["qr"], second);
}

#[tokio::test]
async fn phone_code_is_stable_and_validates_the_phone() {
    let h = Harness::default().await;
    let (status, _, body) = h.zapi("phone-code/5511999999999").await;
    assert_eq!(status, StatusCode::OK);
    let code = body["value"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    assert!(code
        .bytes()
        .all(|b| zapi_sim::payload::PAIRING_ALPHABET.contains(&b)));

    h.control("clock/advance", Some(json!({"ms": 170_000})))
        .await;
    assert_eq!(
        h.zapi("phone-code/5511999999999").await.2["value"],
        code.as_str()
    );
    assert_eq!(h.snapshot().await["phoneCode"], code.as_str());

    for bad in [
        "123456789",
        "1234567890123456",
        "55119999x9999",
        "%2B5511999999999",
    ] {
        let (status, _, body) = h.zapi(&format!("phone-code/{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error"].is_string());
    }
    assert_eq!(h.sim.calls(ID).unwrap().phone_code, 6);
}

#[tokio::test]
async fn status_follows_scan_and_disconnect() {
    let h = Harness::default().await;
    let (status, _, body) = h.zapi("status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"connected": false, "error": "You are not connected.", "smartphoneConnected": false})
    );

    let shown = h.control(&format!("instances/{ID}/scan"), None).await;
    assert_eq!(shown["connected"], true);
    assert_eq!(
        h.zapi("status").await.2,
        json!({"connected": true, "error": "You are already connected.", "smartphoneConnected": true})
    );
    let already = json!({"connected": true, "error": "You are already connected."});
    assert_eq!(h.zapi("qr-code").await.2, already);
    assert_eq!(h.zapi("qr-code/image").await.2, already);
    assert_eq!(h.zapi("phone-code/5511999999999").await.2, already);

    h.control(&format!("instances/{ID}/disconnect"), None).await;
    assert_eq!(h.zapi("status").await.2["connected"], false);
    assert!(h.zapi("qr-code").await.2["value"].is_string());
}

#[tokio::test]
async fn calls_are_counted_per_endpoint_and_reading_them_counts_nothing() {
    let h = Harness::default().await;
    h.zapi("qr-code").await;
    h.zapi("qr-code").await;
    h.zapi("qr-code/image").await;
    h.zapi("status").await;
    // Failed calls count too.
    h.raw(&format!("/instances/{ID}/token/{TOKEN}/status"), None)
        .await;
    h.raw(
        &format!("/instances/{ID}/token/wrong/phone-code/5511999999999"),
        Some(CLIENT_TOKEN),
    )
    .await;
    h.zapi("extension-token").await;
    h.zapi("device").await;
    h.zapi("disconnect").await;
    h.zapi("disconnect").await;
    let expected = json!({
        "qr-code": 2, "qr-code/image": 1, "phone-code": 1, "status": 2,
        "extension-token": 1, "device": 1, "disconnect": 2, "other": 0,
    });
    assert_eq!(h.snapshot().await["calls"], expected);
    assert_eq!(h.snapshot().await["calls"], expected);
    assert_eq!(h.sim.calls(ID).unwrap().total(), 10);

    h.control(&format!("instances/{ID}/reset"), None).await;
    assert_eq!(h.sim.calls(ID).unwrap().total(), 0);
}

#[tokio::test]
async fn requests_the_simulator_does_not_serve_count_as_other() {
    let h = Harness::default().await;
    for path in [
        "restart",
        "restore-session",
        "send-text",
        "qr-code/extra",
        "",
        "device/extra",
    ] {
        let (status, _, body) = h.zapi(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, json!({"error": "Not found"}));
    }
    let post = h
        .http
        .post(format!("{}/instances/{ID}/token/{TOKEN}/status", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    h.raw(&format!("/instances/{ID}"), None).await;
    // Unknown instances and paths outside `/instances/` are not counted anywhere.
    h.raw("/instances/nope/token/x/restart", None).await;
    h.raw("/restart", None).await;

    let calls = h.sim.calls(ID).unwrap();
    assert_eq!(calls.other, 8);
    assert_eq!(calls.total(), 8);
    assert_eq!(h.snapshot().await["calls"]["other"], 8);
}

#[tokio::test]
async fn auth_errors_match_zapi() {
    let h = Harness::default().await;
    let not_found = json!({"error": "Instance not found"});
    let (status, _, body) = h
        .raw(
            &format!("/instances/other/token/{TOKEN}/qr-code"),
            Some(CLIENT_TOKEN),
        )
        .await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, not_found.clone()));
    let (status, _, body) = h
        .raw(
            &format!("/instances/{ID}/token/nope/status"),
            Some(CLIENT_TOKEN),
        )
        .await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, not_found));

    let (status, _, body) = h
        .raw(&format!("/instances/{ID}/token/{TOKEN}/status"), None)
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "null not allowed"})
        )
    );

    let (status, _, body) = h
        .raw(
            &format!("/instances/{ID}/token/{TOKEN}/status"),
            Some("guess-123"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"error": "Client-Token not allowed"}));
    assert!(!body.to_string().contains("guess-123"));
}

/// Every route of an instance checks the token and the Client-Token before it answers, and a
/// refused call changes nothing: no webhook URL stored, no phone unlinked.
#[tokio::test]
async fn every_instance_route_refuses_a_wrong_token_or_client_token() {
    let h = Harness::default().await;
    h.control(&format!("instances/{ID}/scan"), None).await;
    let routes = [
        ("GET", "qr-code"),
        ("GET", "qr-code/image"),
        ("GET", "phone-code/5511999999999"),
        ("GET", "status"),
        ("GET", "extension-token"),
        ("GET", "device"),
        ("GET", "disconnect"),
        ("PUT", "update-webhook-connected"),
        ("PUT", "update-webhook-disconnected"),
    ];
    for (method, route) in routes {
        for (token, client_token, expected) in [
            ("nope", Some(CLIENT_TOKEN), StatusCode::NOT_FOUND),
            (TOKEN, None, StatusCode::BAD_REQUEST),
            (TOKEN, Some("guess-123"), StatusCode::FORBIDDEN),
        ] {
            let url = format!("{}/instances/{ID}/token/{token}/{route}", h.base);
            let mut request = match method {
                "PUT" => h
                    .http
                    .put(url)
                    .body(r#"{"value":"http://127.0.0.1:9/hook"}"#),
                _ => h.http.get(url),
            };
            if let Some(client_token) = client_token {
                request = request.header("Client-Token", client_token);
            }
            let status = request.send().await.unwrap().status();
            assert_eq!(
                status, expected,
                "{method} {route} as {token}, {client_token:?}"
            );
        }
    }
    let snapshot = h.snapshot().await;
    assert_eq!(snapshot["connected"], true, "{snapshot}");
    assert_eq!(
        snapshot["webhooks"],
        json!({"connected": null, "disconnected": null})
    );
}

#[tokio::test]
async fn without_a_client_token_configured_the_header_is_optional() {
    let h = Harness::start(SimConfig {
        instances: vec![
            InstanceConfig::new("a", "ta"),
            InstanceConfig::new(ID, TOKEN),
        ],
        client_token: None,
        allowed_ips: None,
    })
    .await;
    assert_eq!(
        h.raw("/instances/a/token/ta/status", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.raw("/instances/a/token/ta/status", Some("x")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.raw("/instances/a/token/tb/status", None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn ip_allow_list_uses_the_peer_address() {
    let h = Harness::start(SimConfig {
        allowed_ips: Some(vec!["192.0.2.1".parse().unwrap()]),
        ..SimConfig::default()
    })
    .await;
    let (status, _, body) = h.zapi("status").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"error": "127.0.0.1 not allowed"}));

    let h = Harness::start(SimConfig {
        allowed_ips: Some(vec!["127.0.0.1".parse().unwrap()]),
        ..SimConfig::default()
    })
    .await;
    assert_eq!(h.zapi("status").await.0, StatusCode::OK);
}

async fn set_failure(h: &Harness, body: Value) {
    let shown = h
        .control(&format!("instances/{ID}/failure"), Some(body.clone()))
        .await;
    assert_eq!(shown["failure"], body["mode"]);
}

#[tokio::test]
async fn failure_modes_answer_on_every_endpoint() {
    let h = Harness::default().await;
    let cases = [
        (
            "subscription_expired",
            StatusCode::BAD_REQUEST,
            json!({"error": "To continue sending a message, you must subscribe to this instance again"}),
        ),
        (
            "client_token_rejected",
            StatusCode::BAD_REQUEST,
            json!({"error": "null not allowed"}),
        ),
        (
            "ip_not_allowed",
            StatusCode::FORBIDDEN,
            json!({"error": "203.0.113.7 not allowed"}),
        ),
        (
            "server_error",
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "Internal server error"}),
        ),
    ];
    for (mode, status, body) in cases {
        set_failure(&h, json!({"mode": mode})).await;
        for path in [
            "qr-code",
            "qr-code/image",
            "phone-code/5511999999999",
            "status",
            "extension-token",
            "device",
            "disconnect",
        ] {
            let (got_status, _, got_body) = h.zapi(path).await;
            assert_eq!((got_status, &got_body), (status, &body), "{mode} {path}");
        }
    }
}

#[tokio::test]
async fn garbage_oversized_and_restore_session() {
    let h = Harness::default().await;
    set_failure(&h, json!({"mode": "garbage"})).await;
    let response = h
        .http
        .get(format!("{}/instances/{ID}/token/{TOKEN}/qr-code", h.base))
        .header("Client-Token", CLIENT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(response.text().await.unwrap(), "<html>oops</html>");

    set_failure(&h, json!({"mode": "oversized"})).await;
    let response = h
        .http
        .get(format!("{}/instances/{ID}/token/{TOKEN}/status", h.base))
        .header("Client-Token", CLIENT_TOKEN)
        .send()
        .await
        .unwrap();
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.len() >= 3 * 1024 * 1024);
    assert!(serde_json::from_slice::<Value>(&bytes).unwrap().is_object());

    set_failure(&h, json!({"mode": "restore_session"})).await;
    assert_eq!(
        h.zapi("status").await.2,
        json!({"connected": false, "error": "You need to restore the session.", "smartphoneConnected": false})
    );
    assert!(h.zapi("qr-code").await.2["value"].is_string());
}

#[tokio::test]
async fn slow_and_latency_use_real_time() {
    let h = Harness::default().await;
    set_failure(&h, json!({"mode": "slow", "delay_ms": 300})).await;
    let started = Instant::now();
    assert_eq!(h.zapi("status").await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    set_failure(&h, json!({"mode": "none", "latency_ms": 200})).await;
    let started = Instant::now();
    assert_eq!(h.zapi("qr-code").await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(h.sim.failure(ID).unwrap().latency_ms, 200);
}

#[tokio::test]
async fn control_api_answers_cors_preflights_and_resets_everything() {
    let h = Harness::default().await;
    let response = h
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/__sim/instances/{ID}/scan", h.base),
        )
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    assert_eq!(response.headers()["access-control-allow-origin"], "*");

    let response = h
        .http
        .post(format!("{}/__sim/instances/{ID}/scan", h.base))
        .header("Origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");

    h.sim
        .set_failure(ID, Failure::mode(FailureMode::ServerError))
        .unwrap();
    h.sim.advance_clock(Duration::from_secs(60));
    h.zapi("status").await;
    h.control("reset", None).await;
    let snapshot = h.snapshot().await;
    assert_eq!(snapshot["connected"], false);
    assert_eq!(snapshot["failure"], "none");
    assert_eq!(snapshot["phoneCode"], Value::Null);
    assert_eq!(snapshot["calls"]["status"], 0);
    assert!(h.sim.now() < Duration::from_secs(60));
}

#[tokio::test]
async fn control_api_rejects_unknown_instances_and_bad_bodies() {
    let h = Harness::default().await;
    let response = h
        .http
        .post(format!("{}/__sim/instances/nope/scan", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = h
        .http
        .post(format!("{}/__sim/instances/{ID}/failure", h.base))
        .body(r#"{"mode":"melt"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (status, _, body) = h.raw("/elsewhere", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn any_origin_adds_cors_headers_to_every_zapi_answer_until_reset() {
    let h = Harness::default().await;
    let url = format!("{}/instances/{ID}/token/{TOKEN}/status", h.base);
    let get = || h.http.get(&url).header("Client-Token", CLIENT_TOKEN).send();
    assert!(get()
        .await
        .unwrap()
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    set_failure(&h, json!({"mode": "server_error", "any_origin": true})).await;
    let response = get().await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        response.headers()["access-control-allow-credentials"],
        "true"
    );

    set_failure(&h, json!({"mode": "none", "any_origin": true})).await;
    assert_eq!(
        get().await.unwrap().headers()["access-control-allow-origin"],
        "*"
    );

    h.sim.reset();
    assert!(get()
        .await
        .unwrap()
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn the_last_calls_header_names_are_shown() {
    let h = Harness::default().await;
    h.http
        .get(format!("{}/instances/{ID}/token/{TOKEN}/status", h.base))
        .header("Client-Token", CLIENT_TOKEN)
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    let shown = h.sim.snapshot(ID).unwrap().last_headers;
    assert!(shown.contains(&"client-token".to_owned()), "{shown:?}");
    assert!(shown.contains(&"x-forwarded-for".to_owned()), "{shown:?}");
    assert!(!shown.contains(&"cookie".to_owned()), "{shown:?}");
}

async fn control_status(h: &Harness, path: &str, body: &str) -> (StatusCode, Value) {
    let response = h
        .http
        .post(format!("{}/__sim/{path}", h.base))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn extension_token_is_a_new_code_valid_five_minutes_of_wall_clock() {
    let h = Harness::default().await;
    let before = h.sim.unix_ms();
    let (status, _, first) = h.zapi("extension-token").await;
    let after = h.sim.unix_ms();
    assert_eq!(status, StatusCode::OK);
    let token = first["token"].as_str().unwrap();
    let (a, b) = token.split_once('-').unwrap();
    assert_eq!((a.len(), b.len()), (4, 4), "{token}");
    assert!(a
        .bytes()
        .chain(b.bytes())
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
    let expires_at = first["expiresAt"].as_u64().unwrap();
    assert!((before + 300_000..=after + 300_000).contains(&expires_at));
    assert_eq!(first.as_object().unwrap().len(), 2, "{first}");

    let (_, _, second) = h.zapi("extension-token").await;
    assert_ne!(second["token"], first["token"]);
    assert_eq!(h.snapshot().await["extensionToken"], second);
    assert_eq!(h.snapshot().await["calls"]["extension-token"], 2);

    // The control API's clock jump moves the wall clock of `expiresAt` too.
    let jumped = h
        .control("clock/advance", Some(json!({"ms": 600_000})))
        .await;
    assert!(jumped["unixMs"].as_u64().unwrap() >= before + 600_000);
    let (_, _, third) = h.zapi("extension-token").await;
    assert!(third["expiresAt"].as_u64().unwrap() >= before + 900_000);
}

#[tokio::test]
async fn in_passkey_mode_a_scan_waits_and_only_the_current_extension_code_links() {
    let h = Harness::default().await;
    let shown = h
        .control(
            &format!("instances/{ID}/mode"),
            Some(json!({"passkeyRequired": true})),
        )
        .await;
    assert_eq!(shown["passkeyRequired"], true);
    assert_eq!(shown["passkeyPending"], false);
    assert_eq!(shown["extensionToken"], Value::Null);

    // Neither the QR code nor the pairing code links.
    h.zapi("phone-code/5511999999999").await;
    let shown = h.control(&format!("instances/{ID}/scan"), None).await;
    assert_eq!(shown["connected"], false);
    assert_eq!(shown["passkeyPending"], true);
    assert_eq!(h.zapi("status").await.2["connected"], false);
    assert!(h.zapi("qr-code").await.2["value"].is_string());

    let extension = format!("instances/{ID}/extension");
    let (status, body) = control_status(&h, &extension, r#"{"code":"AAAA-BBBB"}"#).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("No extension code"));

    let old = h.zapi("extension-token").await.2["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let current = h.zapi("extension-token").await.2["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = control_status(&h, &extension, &json!({ "code": old }).to_string()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"].as_str().unwrap().contains("not the"));

    h.control("clock/advance", Some(json!({"ms": 300_000})))
        .await;
    let (status, body) =
        control_status(&h, &extension, &json!({ "code": current }).to_string()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"].as_str().unwrap().contains("expired"));
    assert_eq!(h.zapi("status").await.2["connected"], false);

    let fresh = h.zapi("extension-token").await.2["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let typed = format!(" {} ", fresh.to_lowercase());
    let (status, body) =
        control_status(&h, &extension, &json!({ "code": typed }).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["connected"], true);
    assert_eq!(body["passkeyPending"], false);
    assert_eq!(body["extensionToken"], Value::Null);
    assert_eq!(h.zapi("status").await.2["connected"], true);
    assert_eq!(
        h.zapi("extension-token").await.2,
        json!({"connected": true, "error": "You are already connected."})
    );
    let (status, body) =
        control_status(&h, &extension, &json!({ "code": fresh }).to_string()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("already connected"));
}

#[tokio::test]
async fn leaving_passkey_mode_drops_the_pending_passkey_and_scans_link_again() {
    let h = Harness::default().await;
    h.control(
        &format!("instances/{ID}/mode"),
        Some(json!({"passkeyRequired": true})),
    )
    .await;
    h.control(&format!("instances/{ID}/scan"), None).await;
    let shown = h
        .control(
            &format!("instances/{ID}/mode"),
            Some(json!({"passkeyRequired": false})),
        )
        .await;
    assert_eq!(shown["passkeyPending"], false);
    let shown = h.control(&format!("instances/{ID}/scan"), None).await;
    assert_eq!(shown["connected"], true);
}

#[tokio::test]
async fn device_describes_the_linked_phone_and_refuses_when_nothing_is_linked() {
    let h = Harness::default().await;
    let (status, _, body) = h.zapi("device").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"error": "You are not connected."}));
    assert_eq!(h.snapshot().await["device"], Value::Null);

    let shown = h
        .control(
            &format!("instances/{ID}/device"),
            Some(json!({"originalDevice": "smba", "isBusiness": true, "imgUrl": "http://pictures.test/a.jpg"})),
        )
        .await;
    assert_eq!(shown["device"], Value::Null);
    h.control(&format!("instances/{ID}/scan"), None).await;
    let (status, content_type, body) = h.zapi("device").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"));
    assert_eq!(
        body,
        json!({
            "phone": "5511987654321",
            "name": "Loja Centro",
            "about": "Atendimento de segunda a sexta, das 9h às 18h.",
            "imgUrl": "http://pictures.test/a.jpg",
            "device": {"sessionName": "Z-API", "device_model": "iPhone 15"},
            "originalDevice": "smba",
            "sessionId": 123,
            "isBusiness": true,
        })
    );
    assert_eq!(h.snapshot().await["device"], body);

    for bad in [
        r#"{"originalDevice":"nokia"}"#,
        r#"{"colour":"blue"}"#,
        "not json",
    ] {
        let (status, body) = control_status(&h, &format!("instances/{ID}/device"), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error"].is_string());
    }
}

#[tokio::test]
async fn disconnect_unlinks_and_a_fresh_qr_follows() {
    let h = Harness::default().await;
    h.control(&format!("instances/{ID}/scan"), None).await;
    let qr = h.sim.current_qr(ID).unwrap();
    let (status, _, body) = h.zapi("disconnect").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"value": true})));
    assert_eq!(h.zapi("status").await.2["connected"], false);
    assert_eq!(h.zapi("device").await.0, StatusCode::BAD_REQUEST);
    let fresh = h.zapi("qr-code").await.2["value"].clone();
    assert_ne!(fresh, qr.as_str());
    assert_eq!(h.snapshot().await["calls"]["disconnect"], 1);
}

#[tokio::test]
async fn the_2026_qr_format_is_whatsapps_url_with_five_fields_new_each_rotation() {
    let h = Harness::default().await;
    let shown = h
        .control(
            &format!("instances/{ID}/mode"),
            Some(json!({"qrFormat": "2026"})),
        )
        .await;
    assert_eq!(shown["qrFormat"], "2026");
    assert_eq!(shown["passkeyRequired"], false);
    let first = h.zapi("qr-code").await.2["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(shown["qr"], first.as_str());
    let fields: Vec<&str> = first
        .strip_prefix("https://wa.me/settings/linked_devices#")
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(fields.len(), 5, "{first}");
    assert!(fields.iter().all(|field| !field.is_empty()));

    h.control("clock/advance", Some(json!({"ms": 20_000})))
        .await;
    let second = h.zapi("qr-code").await.2["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(second, first);
    assert!(second.starts_with("https://wa.me/settings/linked_devices#"));
    assert_eq!(h.snapshot().await["qr"], second.as_str());

    let shown = h
        .control(
            &format!("instances/{ID}/mode"),
            Some(json!({"qrFormat": "classic"})),
        )
        .await;
    assert!(shown["qr"].as_str().unwrap().starts_with("2@"));
    h.control(
        &format!("instances/{ID}/mode"),
        Some(json!({"qrFormat": "2026", "passkeyRequired": true})),
    )
    .await;
    h.control(&format!("instances/{ID}/reset"), None).await;
    let shown = h.snapshot().await;
    assert_eq!(shown["qrFormat"], "classic");
    assert_eq!(shown["passkeyRequired"], false);
    assert!(shown["qr"].as_str().unwrap().starts_with("2@"));
}

#[tokio::test]
async fn mode_and_extension_refuse_bad_bodies_and_unknown_instances() {
    let h = Harness::default().await;
    for bad in [
        r#"{"qrFormat":"2027"}"#,
        r#"{"passkey":true}"#,
        r#"{"passkeyRequired":"yes"}"#,
        "",
    ] {
        let (status, body) = control_status(&h, &format!("instances/{ID}/mode"), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error"].is_string());
    }
    for bad in [r#"{}"#, r#"{"code":1}"#, r#"{"code":"A","extra":1}"#] {
        let (status, _) = control_status(&h, &format!("instances/{ID}/extension"), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    for (path, body) in [
        ("mode", "{}"),
        ("device", "{}"),
        ("extension", r#"{"code":"AAAA-BBBB"}"#),
    ] {
        let (status, _) = control_status(&h, &format!("instances/nope/{path}"), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let shown = h.snapshot().await;
    assert_eq!(shown["qrFormat"], "classic");
    assert_eq!(shown["passkeyRequired"], false);
}
