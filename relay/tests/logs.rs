//! The relay's logs show the upstream path with the token replaced by `***`, and never a secret.

use std::net::SocketAddr;

use zapi_relay::RelayConfig;
use zapi_sim::{Failure, FailureMode, Sim, SimConfig};

mod common;

/// Serves the relay on a port of its own; the bind address names the host it answers to.
async fn serve(mut config: RelayConfig) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    config.bind = addr.to_string();
    let app = zapi_relay::app(config.validate().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

// A current-thread runtime keeps every spawned task under this test's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn logs_never_contain_the_token_or_client_token() {
    let (captured, _guard) = common::capture_logs();

    let sim = Sim::new(SimConfig::default());
    let sim_addr = common::serve_sim_elsewhere(sim.clone());
    let mut config = RelayConfig::new("demo-instance", "demo-token");
    config.upstream = format!("http://{sim_addr}").parse().unwrap();
    config.client_token = Some("demo-client-token".to_owned());
    config.allow_disconnect = true;
    tracing::info!(?config, "relay config");
    let relay = serve(config).await;

    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("http://{relay}{path}")).send();
    get("/zapi/status").await.unwrap();
    get("/zapi/phone-code/5511912345678").await.unwrap();
    get("/zapi/extension-token").await.unwrap();
    sim.scan("demo-instance").unwrap();
    get("/zapi/device").await.unwrap();
    http.post(format!("http://{relay}/zapi/disconnect"))
        .send()
        .await
        .unwrap();
    sim.set_failure("demo-instance", Failure::mode(FailureMode::ServerError))
        .unwrap();
    get("/zapi/qr-code").await.unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("/instances/demo-instance/token/***/status"),
        "{logs}"
    );
    assert!(
        logs.contains("/instances/demo-instance/token/***/qr-code"),
        "{logs}"
    );
    for path in ["extension-token", "device", "disconnect"] {
        assert!(
            logs.contains(&format!("/instances/demo-instance/token/***/{path}")),
            "{logs}"
        );
    }
    assert_eq!(sim.calls("demo-instance").unwrap().disconnect, 1);
    // The linked phone's number is personal data; the relay passes it on without logging it.
    assert!(!logs.contains("5511987654321"), "{logs}");
    assert!(!logs.contains("demo-token"), "{logs}");
    assert!(!logs.contains("demo-client-token"), "{logs}");
}
