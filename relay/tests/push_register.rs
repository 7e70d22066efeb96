//! `zapi-relay webhooks register` against the simulator: both callback URLs of every alias, and
//! a failure reported per alias without a secret in it.

use std::net::SocketAddr;

use zapi_relay::{Instance, RelayConfig};
use zapi_sim::{InstanceConfig, Sim, SimConfig};

const WEBHOOK_SECRET: &str = "9d1e7b3a5c0f2846e9d1b7a3c50f28e4";

async fn serve_sim(sim: Sim) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = zapi_sim::app(sim);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn register_sets_both_urls_of_every_alias() {
    let sim = Sim::new(SimConfig {
        instances: vec![
            InstanceConfig::new("id-a", "token-a"),
            InstanceConfig::new("id-b", "token-b"),
            InstanceConfig::new("id-c", "token-c"),
        ],
        client_token: Some("client-token-value".to_owned()),
        allowed_ips: None,
    });
    let sim_addr = serve_sim(sim.clone()).await;
    let mut config = RelayConfig::new("id-a", "token-a");
    config.instances.clear();
    for (alias, id, token) in [
        ("shop-a", "id-a", "token-a"),
        ("shop-b", "id-b", "token-b"),
        // The simulator does not know this token.
        ("shop-c", "id-c", "wrong-token"),
    ] {
        config
            .instances
            .insert(alias.to_owned(), Instance::new(id, token));
    }
    config.auth.mode = zapi_relay::AuthMode::Ticket;
    config.auth.ticket_secret = Some("0f3c9a7e51b2d8460f3c9a7e51b2d846".to_owned());
    config.upstream = format!("http://{sim_addr}").parse().unwrap();
    config.client_token = Some("client-token-value".to_owned());
    config.base_path = "/relay/zapi/".to_owned();
    config.webhooks.secret = Some(WEBHOOK_SECRET.to_owned());
    config.webhooks.public_url = Some("http://127.0.0.1:8787/".parse().unwrap());
    let config = config.validate().unwrap();

    let registrations = zapi_relay::register_webhooks(&config).await.unwrap();
    let expected = format!("http://127.0.0.1:8787/relay/zapi/webhooks/{WEBHOOK_SECRET}");
    for id in ["id-a", "id-b"] {
        let webhooks = sim.snapshot(id).unwrap().webhooks;
        assert_eq!(webhooks.connected.as_deref(), Some(expected.as_str()));
        assert_eq!(webhooks.disconnected.as_deref(), Some(expected.as_str()));
    }
    assert_eq!(sim.snapshot("id-c").unwrap().webhooks.connected, None);
    let results: Vec<(&str, bool)> = registrations
        .iter()
        .map(|r| (r.alias.as_str(), r.result.is_ok()))
        .collect();
    assert_eq!(
        results,
        [("shop-a", true), ("shop-b", true), ("shop-c", false)]
    );
    let reason = registrations[2].result.clone().unwrap_err();
    assert!(reason.contains("404"), "{reason}");
    for secret in [WEBHOOK_SECRET, "wrong-token", "client-token-value"] {
        assert!(!reason.contains(secret), "{reason}");
    }
}

#[tokio::test]
async fn register_needs_a_secret_and_a_public_url() {
    let mut config = RelayConfig::new("id-a", "token-a");
    assert_eq!(
        zapi_relay::register_webhooks(&config.clone().validate().unwrap()).await,
        Err(zapi_relay::RegisterError::NoSecret)
    );
    config.webhooks.secret = Some(WEBHOOK_SECRET.to_owned());
    assert_eq!(
        zapi_relay::register_webhooks(&config.validate().unwrap()).await,
        Err(zapi_relay::RegisterError::NoPublicUrl)
    );
}

#[tokio::test]
async fn the_simulated_phone_reaches_a_stream_through_the_registered_webhook() {
    let sim = Sim::new(SimConfig::default());
    let sim_addr = serve_sim(sim.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_addr = listener.local_addr().unwrap();
    let mut config = RelayConfig::new("demo-instance", "demo-token");
    config.bind = relay_addr.to_string();
    config.upstream = format!("http://{sim_addr}").parse().unwrap();
    config.client_token = Some("demo-client-token".to_owned());
    config.webhooks.secret = Some(WEBHOOK_SECRET.to_owned());
    config.webhooks.public_url = Some(format!("http://{relay_addr}").parse().unwrap());
    let config = config.validate().unwrap();
    let registrations = zapi_relay::register_webhooks(&config).await.unwrap();
    assert!(registrations.iter().all(|r| r.result.is_ok()));
    let limits = config.connections;
    tokio::spawn(zapi_relay::serve::serve(
        listener,
        zapi_relay::app(config),
        limits,
        std::future::pending(),
    ));

    let mut stream = reqwest::Client::new()
        .get(format!("http://{relay_addr}/zapi/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut received = String::new();
    let bound = std::time::Duration::from_secs(10);
    let mut read_until = async |needle: &str| {
        while !received.contains(needle) {
            let chunk = tokio::time::timeout(bound, stream.chunk())
                .await
                .expect("within the bound")
                .unwrap()
                .expect("the stream stays open");
            received.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    };
    read_until(": heartbeat\n\n").await;
    sim.scan("demo-instance").unwrap();
    read_until("id: 1\nevent: connected\ndata: {}\n\n").await;
    sim.disconnect("demo-instance").unwrap();
    read_until("id: 2\nevent: disconnected\ndata: {}\n\n").await;
}
