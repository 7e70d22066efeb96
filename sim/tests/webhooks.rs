//! The connection callbacks, posted over real HTTP to a receiver on a port picked by the OS.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use zapi_sim::{Sim, SimConfig};

const ID: &str = "demo-instance";
const TOKEN: &str = "demo-token";
const CLIENT_TOKEN: &str = "demo-client-token";

struct Harness {
    base: String,
    http: reqwest::Client,
    receiver_url: String,
    received: mpsc::UnboundedReceiver<(String, Value)>,
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn receive(
    State(sender): State<mpsc::UnboundedSender<(String, Value)>>,
    uri: axum::http::Uri,
    body: Bytes,
) -> &'static str {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let _ = sender.send((uri.path().to_owned(), body));
    "ok"
}

impl Harness {
    async fn start() -> Self {
        let sim = Sim::new(SimConfig::default());
        let sim_addr = serve(zapi_sim::app(sim)).await;
        let (sender, received) = mpsc::unbounded_channel();
        let receiver = Router::new()
            .route("/{*path}", post(receive))
            .with_state(sender);
        let receiver_addr = serve(receiver).await;
        Self {
            base: format!("http://{sim_addr}"),
            http: reqwest::Client::new(),
            receiver_url: format!("http://{receiver_addr}"),
            received,
        }
    }

    async fn update(&self, kind: &str, value: &str) -> (u16, Value) {
        let response = self
            .http
            .put(format!(
                "{}/instances/{ID}/token/{TOKEN}/update-webhook-{kind}",
                self.base
            ))
            .header("Client-Token", CLIENT_TOKEN)
            .body(json!({ "value": value }).to_string())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_str(&response.text().await.unwrap()).unwrap(),
        )
    }

    async fn register_both(&self) {
        for kind in ["connected", "disconnected"] {
            let url = format!("{}/{kind}", self.receiver_url);
            assert_eq!(self.update(kind, &url).await, (200, json!({"value": true})));
        }
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/__sim/instances/{ID}/{path}", self.base))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}");
        serde_json::from_str(&response.text().await.unwrap()).unwrap()
    }

    async fn snapshot(&self) -> Value {
        let url = format!("{}/__sim/instances/{ID}", self.base);
        let response = self.http.get(url).send().await.unwrap();
        serde_json::from_str(&response.text().await.unwrap()).unwrap()
    }

    async fn next_callback(&mut self) -> (String, Value) {
        tokio::time::timeout(Duration::from_secs(10), self.received.recv())
            .await
            .expect("a callback within 10 s")
            .expect("the receiver is running")
    }
}

#[tokio::test]
async fn linking_and_unlinking_post_the_two_callbacks() {
    let mut h = Harness::start().await;
    h.register_both().await;
    let snapshot = h.snapshot().await;
    assert_eq!(
        snapshot["webhooks"],
        json!({
            "connected": format!("{}/connected", h.receiver_url),
            "disconnected": format!("{}/disconnected", h.receiver_url),
        })
    );
    assert_eq!(snapshot["webhooksSent"], 0);

    h.control("scan", json!({})).await;
    let (path, body) = h.next_callback().await;
    assert_eq!(path, "/connected");
    assert_eq!(body["type"], "ConnectedCallback");
    assert_eq!(body["connected"], true);
    assert_eq!(body["phone"], "5511987654321");
    assert_eq!(body["instanceId"], ID);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let momment = body["momment"].as_u64().unwrap();
    assert!(
        now.abs_diff(momment) < 60,
        "momment {momment} is Unix seconds"
    );

    // The Z-API `/disconnect`, like the control API's, unlinks and reports it.
    let response = h
        .http
        .get(format!(
            "{}/instances/{ID}/token/{TOKEN}/disconnect",
            h.base
        ))
        .header("Client-Token", CLIENT_TOKEN)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let (path, body) = h.next_callback().await;
    assert_eq!(path, "/disconnected");
    assert_eq!(body["type"], "DisconnectedCallback");
    assert_eq!(body["disconnected"], true);
    assert_eq!(body["error"], "Device has been disconnected");
    assert_eq!(body["instanceId"], ID);
    assert_eq!(h.snapshot().await["webhooksSent"], 2);

    // Unlinking an instance that is not linked reports nothing.
    h.control("disconnect", json!({})).await;
    h.control("scan", json!({})).await;
    assert_eq!(h.next_callback().await.0, "/connected");
    assert_eq!(h.snapshot().await["webhooksSent"], 3);
}

#[tokio::test]
async fn lost_mode_posts_nothing_but_the_instance_still_links() {
    let mut h = Harness::start().await;
    h.register_both().await;
    let snapshot = h.control("mode", json!({"webhooksLost": true})).await;
    assert_eq!(snapshot["webhooksLost"], true);
    h.control("scan", json!({})).await;
    h.control("disconnect", json!({})).await;
    let snapshot = h.snapshot().await;
    assert_eq!(snapshot["webhooksSent"], 0);
    // A callback sent afterwards is the first the receiver sees.
    h.control("mode", json!({"webhooksLost": false})).await;
    h.control("scan", json!({})).await;
    let (path, _) = h.next_callback().await;
    assert_eq!(path, "/connected");
    assert!(h.received.try_recv().is_err());
}

#[tokio::test]
async fn the_extension_link_posts_the_connected_callback() {
    let mut h = Harness::start().await;
    h.register_both().await;
    let response = h
        .http
        .get(format!(
            "{}/instances/{ID}/token/{TOKEN}/extension-token",
            h.base
        ))
        .header("Client-Token", CLIENT_TOKEN)
        .send()
        .await
        .unwrap();
    let token: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    h.control("extension", json!({"code": token["token"]}))
        .await;
    let (path, body) = h.next_callback().await;
    assert_eq!(path, "/connected");
    assert_eq!(body["type"], "ConnectedCallback");
}

#[tokio::test]
async fn urls_are_https_or_loopback_and_an_empty_value_removes_one() {
    let h = Harness::start().await;
    let (status, body) = h.update("connected", "http://relay.example.com/x").await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("https"));
    assert_eq!(
        h.update("connected", "https://relay.example.com/x").await.0,
        200
    );
    assert_eq!(h.update("disconnected", "javascript:alert(1)").await.0, 400);
    assert_eq!(
        h.snapshot().await["webhooks"],
        json!({"connected": "https://relay.example.com/x", "disconnected": null})
    );
    assert_eq!(h.update("connected", "").await.0, 200);
    assert_eq!(
        h.snapshot().await["webhooks"],
        json!({"connected": null, "disconnected": null})
    );
    // Configuration, not connection traffic: the call counts stay at zero.
    assert_eq!(h.snapshot().await["calls"]["other"], 0);
}

#[tokio::test]
async fn updates_need_the_instance_credentials() {
    let h = Harness::start().await;
    let url = format!(
        "{}/instances/{ID}/token/wrong/update-webhook-connected",
        h.base
    );
    let response = h
        .http
        .put(url)
        .header("Client-Token", CLIENT_TOKEN)
        .body(r#"{"value":"https://evil.example/x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let url = format!(
        "{}/instances/{ID}/token/{TOKEN}/update-webhook-connected",
        h.base
    );
    let response = h
        .http
        .put(url)
        .body(r#"{"value":"https://evil.example/x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(h.snapshot().await["webhooks"]["connected"], Value::Null);
}

#[tokio::test]
async fn a_receiver_that_never_answers_does_not_delay_the_link() {
    let h = Harness::start().await;
    // Accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let url = format!("http://{silent_addr}/connected");
    assert_eq!(h.update("connected", &url).await.0, 200);
    let snapshot = tokio::time::timeout(Duration::from_secs(2), h.control("scan", json!({})))
        .await
        .expect("the scan answers while the callback hangs");
    assert_eq!(snapshot["connected"], true);
    assert_eq!(snapshot["webhooksSent"], 1);
}
