//! What the relay logs about Z-API's connection callbacks: who linked and unlinked, the phone
//! masked, and never a secret. A binary of its own, so that no test without a log subscriber
//! runs beside it.

use serde_json::json;

// Both modules are shared by several test binaries, each of which uses part of them.
#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "push/harness.rs"]
mod harness;

use harness::*;

// A current-thread runtime keeps every spawned task under this test's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn logs_show_who_linked_masked_and_no_secret() {
    let (captured, _guard) = common::capture_logs();
    let relay = start(config()).await;
    let mut a = relay.stream("shop-a", None).await;
    assert_eq!(relay.webhook(connected("id-a")).await.0, 200);
    a.event().await;
    assert_eq!(relay.webhook(disconnected("id-a")).await.0, 200);
    a.event().await;
    relay.webhook_raw("wrong-secret-guess", "{}").await;
    relay.webhook_raw(&WEBHOOK_SECRET[..31], "{}").await;
    relay.webhook(json!({"type": "x"})).await;
    drop(a);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for secret in [
        WEBHOOK_SECRET,
        &WEBHOOK_SECRET[..31],
        "token-a",
        "token-b",
        "client-token-value-1234",
        TICKET_SECRET,
        "5511987654321",
    ] {
        assert!(!logs.contains(secret), "the logs hold {secret:?}:\n{logs}");
    }
    let linked = logs
        .lines()
        .find(|line| line.contains("linked (webhook)") && !line.contains("unlinked"))
        .unwrap_or_else(|| panic!("the link is logged:\n{logs}"));
    assert!(linked.contains("INFO"), "{linked}");
    assert!(linked.contains("alias=shop-a"), "{linked}");
    assert!(linked.contains("55*********21"), "{linked}");
    assert!(linked.contains("momment=1780000000"), "{linked}");
    assert!(logs.contains("unlinked (webhook)"));
}
