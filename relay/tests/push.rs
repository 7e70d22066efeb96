//! Z-API's connection callbacks in, Server-Sent Events out, over real sockets: the webhook's
//! secret and body checks, tenant isolation, `Last-Event-ID`, the stream caps, a client that
//! never reads, shutdown, and what the logs may hold.
//!
//! Time limits here are generous bounds that only keep a broken relay from hanging the suite.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

#[path = "push/harness.rs"]
mod harness;

use harness::*;

#[tokio::test]
async fn a_callback_reaches_the_streams_of_its_alias_only() {
    let relay = start(config()).await;
    let mut a = relay.stream("shop-a", None).await;
    let mut a2 = relay.stream("shop-a", None).await;
    let mut b = relay.stream("shop-b", None).await;

    assert_eq!(
        relay.webhook(connected("id-a")).await,
        (200, json!({"ok": true}))
    );
    assert_eq!(a.event().await, "id: 1\nevent: connected\ndata: {}");
    assert_eq!(a2.event().await, "id: 1\nevent: connected\ndata: {}");

    // Forged or mistaken ids name nobody: an alias is not an instance id, ids match exactly.
    for forged in ["shop-b", "ID-B", " id-b", "id-b ", "", "id-*"] {
        let (status, body) = relay.webhook(connected(forged)).await;
        assert_eq!(
            (status, &body["code"]),
            (404, &json!("not_found")),
            "{forged:?}"
        );
    }

    assert_eq!(relay.webhook(disconnected("id-b")).await.0, 200);
    assert_eq!(b.event().await, "id: 1\nevent: disconnected\ndata: {}");
    // Had anything above leaked to shop-a, it would come before shop-a's own second event; had
    // shop-a's leaked to shop-b, b's first event would not have been its own id 1.
    assert_eq!(relay.webhook(disconnected("id-a")).await.0, 200);
    assert_eq!(a.event().await, "id: 2\nevent: disconnected\ndata: {}");
    assert_eq!(a2.event().await, "id: 2\nevent: disconnected\ndata: {}");
    assert_eq!(relay.webhook(connected("id-b")).await.0, 200);
    assert_eq!(b.event().await, "id: 2\nevent: connected\ndata: {}");
}

/// Z-API cannot authenticate, so the secret in the path is all there is: guessing it spends the
/// caller's address budget like any other request, and the real callback from that address waits.
#[tokio::test]
async fn guessing_the_webhook_secret_runs_out_the_address_limit() {
    let mut config = config();
    config.rate_limit = zapi_relay::RateLimitConfig {
        per_minute: 1,
        burst: 3,
    };
    let relay = start(config).await;
    let body = connected("id-a").to_string();
    for guess in ["guess-1", "guess-2", "guess-3"] {
        assert_eq!(relay.webhook_raw(guess, body.clone()).await.0, 404);
    }
    let (status, answer) = relay.webhook_raw("guess-4", body.clone()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (429, Some("rate_limited"))
    );
    let (status, _) = relay.webhook_raw(WEBHOOK_SECRET, body).await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_refused_and_publishes_nothing() {
    let relay = start(config()).await;
    let mut a = relay.stream("shop-a", None).await;
    let body = connected("id-a").to_string();
    let almost = format!("{}0", &WEBHOOK_SECRET[..WEBHOOK_SECRET.len() - 1]);
    let longer = format!("{WEBHOOK_SECRET}0");
    for secret in [
        almost.as_str(),
        longer.as_str(),
        "",
        "x",
        &WEBHOOK_SECRET[..31],
    ] {
        let (status, answer) = relay.webhook_raw(secret, body.clone()).await;
        assert_eq!(status, 404, "{secret:?}");
        assert!(matches!(answer["code"].as_str(), Some("not_found") | None));
    }
    // No secret segment at all.
    let response = relay
        .http
        .post(relay.url("/zapi/webhooks"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    // Other methods: 405 only to the holder of the secret.
    let put = |secret: String| {
        relay
            .http
            .put(relay.url(&format!("/zapi/webhooks/{secret}")))
    };
    assert_eq!(
        put(WEBHOOK_SECRET.to_owned())
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    assert_eq!(put(almost.clone()).send().await.unwrap().status(), 404);
    let get = relay
        .http
        .get(relay.url(&format!("/zapi/webhooks/{WEBHOOK_SECRET}")));
    assert_eq!(get.send().await.unwrap().status(), 405);

    assert_eq!(relay.webhook(connected("id-a")).await.0, 200);
    assert_eq!(a.event().await, "id: 1\nevent: connected\ndata: {}");
}

#[tokio::test]
async fn huge_or_malformed_bodies_are_refused_and_publish_nothing() {
    let relay = start(config()).await;
    let mut a = relay.stream("shop-a", None).await;
    let mut huge = connected("id-a");
    huge["padding"] = json!("A".repeat(17 * 1024));
    let (status, body) = relay.webhook(huge).await;
    assert_eq!((status, &body["code"]), (413, &json!("payload_too_large")));
    let (status, body) = relay
        .webhook_raw(WEBHOOK_SECRET, vec![b'{'; 64 * 1024 * 1024])
        .await;
    assert_eq!((status, &body["code"]), (413, &json!("payload_too_large")));
    for bad in [
        "not json".to_owned(),
        "[]".to_owned(),
        json!({"type": "ConnectedCallback"}).to_string(),
        json!({"type": "ReceivedCallback", "instanceId": "id-a"}).to_string(),
        json!({"type": "ConnectedCallback", "instanceId": 7}).to_string(),
    ] {
        let (status, body) = relay.webhook_raw(WEBHOOK_SECRET, bad.clone()).await;
        assert_eq!(
            (status, &body["code"]),
            (400, &json!("invalid_webhook")),
            "{bad}"
        );
    }
    let health = relay.http.get(relay.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(relay.webhook(connected("id-a")).await.0, 200);
    assert_eq!(a.event().await, "id: 1\nevent: connected\ndata: {}");
}

#[tokio::test]
async fn events_need_a_valid_ticket() {
    let relay = start(config()).await;
    let get = || relay.http.get(relay.url("/zapi/events"));
    assert_eq!(get().send().await.unwrap().status(), 401);
    let forged =
        zapi_relay::mint_ticket(&"f".repeat(32), "shop-a", None, Duration::from_secs(600)).unwrap();
    let response = get().bearer_auth(forged).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], "unauthorized");
    let unknown_alias = ticket("shop-c");
    assert_eq!(
        get()
            .bearer_auth(unknown_alias)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn last_event_id_replays_what_the_alias_still_holds() {
    let relay = start(config()).await;
    for body in [connected("id-a"), disconnected("id-a"), connected("id-a")] {
        assert_eq!(relay.webhook(body).await.0, 200);
    }
    let mut resumed = relay.stream("shop-a", Some("1")).await;
    assert_eq!(
        resumed.event().await,
        "id: 2\nevent: disconnected\ndata: {}"
    );
    assert_eq!(resumed.event().await, "id: 3\nevent: connected\ndata: {}");
    assert_eq!(relay.webhook(disconnected("id-a")).await.0, 200);
    assert_eq!(
        resumed.event().await,
        "id: 4\nevent: disconnected\ndata: {}"
    );
    // A fresh stream starts with what happens next; another alias holds nothing of shop-a's.
    let mut fresh = relay.stream("shop-a", None).await;
    let mut other = relay.stream("shop-b", Some("0")).await;
    assert_eq!(relay.webhook(connected("id-a")).await.0, 200);
    assert_eq!(fresh.event().await, "id: 5\nevent: connected\ndata: {}");
    assert_eq!(relay.webhook(connected("id-b")).await.0, 200);
    assert_eq!(other.event().await, "id: 1\nevent: connected\ndata: {}");
}

#[tokio::test]
async fn streams_are_capped_per_address_and_per_alias() {
    let mut config = config();
    config.webhooks.max_streams_per_address = 2;
    config.webhooks.heartbeat = Duration::from_millis(100);
    let relay = start(config).await;
    let first = relay.stream("shop-a", None).await;
    let _second = relay.stream("shop-b", None).await;
    let refused = relay.events_with("shop-a", None).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], "rate_limited");
    // A stream that ends frees its place (the relay sees it at the next heartbeat).
    drop(first);
    let reopened = tokio::time::timeout(BOUND, async {
        loop {
            let response = relay.events_with("shop-a", None).await;
            if response.status() == 200 {
                return response;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a place frees up");
    drop(reopened);

    let mut config = self::config();
    config.webhooks.max_streams_per_alias = 1;
    let relay = start(config).await;
    let _a = relay.stream("shop-a", None).await;
    assert_eq!(relay.events_with("shop-a", None).await.status(), 429);
    let _b = relay.stream("shop-b", None).await;
}

#[tokio::test]
async fn a_client_that_never_reads_holds_up_nobody() {
    let relay = start(config()).await;
    // Asks for a stream, then never reads a byte of it.
    let mut stuck = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    stuck
        .write_all(
            format!(
                "GET /zapi/events HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n",
                relay.addr,
                ticket("shop-a")
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut reader = relay.stream("shop-a", None).await;
    for id in 1..=500 {
        let body = if id % 2 == 1 {
            connected("id-a")
        } else {
            disconnected("id-a")
        };
        assert_eq!(relay.webhook(body).await.0, 200);
        let event = reader.event().await;
        assert!(event.starts_with(&format!("id: {id}\n")), "{event}");
    }
    let health = relay.http.get(relay.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    drop(stuck);
}

#[tokio::test]
async fn shutdown_ends_the_streams_within_the_grace() {
    let mut config = config();
    // Far longer than the bound: only streams that end by themselves let the relay stop in time.
    config.connections.shutdown_grace = Duration::from_secs(120);
    let mut relay = start(config).await;
    let mut a = relay.stream("shop-a", None).await;
    let mut b = relay.stream("shop-b", None).await;
    relay.stop.take().unwrap().send(()).unwrap();
    assert_eq!(a.next().await, None);
    assert_eq!(b.next().await, None);
    tokio::time::timeout(BOUND, &mut relay.served)
        .await
        .expect("the relay stops without waiting out the grace")
        .unwrap();
}

#[tokio::test]
async fn without_a_secret_neither_route_exists() {
    let mut config = config();
    config.webhooks.secret = None;
    let relay = start(config).await;
    let response = relay.events_with("shop-a", None).await;
    assert_eq!(response.status(), 404);
    let (status, body) = relay.webhook(connected("id-a")).await;
    assert_eq!((status, &body["code"]), (404, &json!("not_found")));
}
