//! The relay with push on, served on a port of its own, and an event-stream reader; shared by
//! the push test binaries, each of which uses part of it.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zapi_relay::{AuthMode, Instance, Metrics, RelayConfig};

pub const TICKET_SECRET: &str = "0f3c9a7e51b2d8460f3c9a7e51b2d846";
pub const WEBHOOK_SECRET: &str = "9d1e7b3a5c0f2846e9d1b7a3c50f28e4";
pub const BOUND: Duration = Duration::from_secs(10);

pub struct Relay {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    pub stop: Option<oneshot::Sender<()>>,
    pub served: JoinHandle<()>,
}

pub fn config() -> RelayConfig {
    let mut config = RelayConfig::new("id-a", "token-a");
    config.instances.clear();
    config
        .instances
        .insert("shop-a".to_owned(), Instance::new("id-a", "token-a"));
    config
        .instances
        .insert("shop-b".to_owned(), Instance::new("id-b", "token-b"));
    config.auth.mode = AuthMode::Ticket;
    config.auth.ticket_secret = Some(TICKET_SECRET.to_owned());
    config.client_token = Some("client-token-value-1234".to_owned());
    // Nothing here reaches Z-API.
    config.upstream = "http://127.0.0.1:9".parse().unwrap();
    config.webhooks.secret = Some(WEBHOOK_SECRET.to_owned());
    // Long enough that, after the first, no heartbeat comes during a test.
    config.webhooks.heartbeat = Duration::from_secs(120);
    config
}

pub async fn start(config: RelayConfig) -> Relay {
    start_counting(config, &Metrics::new()).await
}

/// The relay on a port of its own, counting into `metrics`, until `stop` is sent.
pub async fn start_counting(mut config: RelayConfig, metrics: &Metrics) -> Relay {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    config.bind = addr.to_string();
    let limits = config.connections;
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(zapi_relay::serve::serve(
        listener,
        zapi_relay::app_with_metrics(config.validate().unwrap(), metrics),
        limits,
        async {
            let _ = stopped.await;
        },
    ));
    Relay {
        addr,
        http: reqwest::Client::new(),
        stop: Some(stop),
        served,
    }
}

pub fn ticket(alias: &str) -> String {
    zapi_relay::mint_ticket(TICKET_SECRET, alias, None, Duration::from_secs(600)).unwrap()
}

pub fn connected(instance_id: &str) -> Value {
    json!({"type": "ConnectedCallback", "connected": true, "phone": "5511987654321",
           "momment": 1_780_000_000, "instanceId": instance_id})
}

pub fn disconnected(instance_id: &str) -> Value {
    json!({"type": "DisconnectedCallback", "disconnected": true,
           "error": "Device has been disconnected", "momment": 1_780_000_000,
           "instanceId": instance_id})
}

/// An open event stream, read frame by frame.
pub struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    /// The next frame (without its blank line), or `None` once the stream ended.
    pub async fn next(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return Some(frame);
            }
            let chunk = tokio::time::timeout(BOUND, self.response.chunk())
                .await
                .expect("a frame or the end within the bound")
                .ok()??;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next event, heartbeats skipped.
    pub async fn event(&mut self) -> String {
        loop {
            let frame = self.next().await.expect("an event, not the end");
            if !frame.starts_with(':') {
                return frame;
            }
        }
    }
}

impl Relay {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn events_with(&self, alias: &str, last_event_id: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .get(self.url("/zapi/events"))
            .header("Authorization", format!("Bearer {}", ticket(alias)))
            .header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        request.send().await.unwrap()
    }

    /// A stream whose first heartbeat has arrived, so that it is subscribed.
    pub async fn stream(&self, alias: &str, last_event_id: Option<&str>) -> Stream {
        let response = self.events_with(alias, last_event_id).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers["content-type"], "text/event-stream");
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["x-accel-buffering"], "no");
        let mut stream = Stream {
            response,
            buffer: String::new(),
        };
        // Held events come first; a fresh stream opens with a heartbeat.
        if last_event_id.is_none() {
            assert_eq!(stream.next().await.as_deref(), Some(": heartbeat"));
        }
        stream
    }

    pub async fn webhook_raw(&self, secret: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(&format!("/zapi/webhooks/{secret}")))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!(!text.contains(WEBHOOK_SECRET));
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn webhook(&self, body: Value) -> (u16, Value) {
        self.webhook_raw(WEBHOOK_SECRET, body.to_string()).await
    }
}
