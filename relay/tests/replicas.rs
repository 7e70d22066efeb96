//! Two relay replicas sharing a real `redis-server`, on real sockets, directly and behind nginx
//! (round robin): a callback one replica receives reaches the streams of its alias on the other
//! and no other alias's, `Last-Event-ID` resumes across replicas, the rate limits hold across
//! both, and Redis stopped and started again leaves nothing stuck.
//!
//! Needs `redis-server` and nginx (`cargo xtask setup --test` installs both). Time limits here
//! are generous bounds that only keep a broken relay from hanging the suite.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use zapi_relay::{RateLimitConfig, RelayConfig};

#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "push/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "replicas/harness.rs"]
mod replica_harness;

use harness::*;
use replica_harness::*;

#[tokio::test]
async fn a_callback_on_one_replica_reaches_its_alias_on_the_other_and_no_other_alias() {
    let redis = RedisServer::start().await;
    let (a, b) = replicas(&redis, |_| {}).await;
    let mut b_shop_a = b.relay.stream("shop-a", None).await;
    let mut b_shop_b = b.relay.stream("shop-b", None).await;
    let mut a_shop_a = a.relay.stream("shop-a", None).await;

    assert_eq!(
        a.relay.webhook(connected("id-a")).await,
        (200, json!({"ok": true}))
    );
    assert_eq!(a.relay.webhook(disconnected("id-b")).await.0, 200);
    assert_eq!(a.relay.webhook(connected("id-a")).await.0, 200);
    // Both replicas' streams see the same events under the same ids.
    let first = b_shop_a.event().await;
    assert_eq!(kind_of(&first), "connected");
    assert_eq!(a_shop_a.event().await, first);
    // Had shop-b's event crossed to shop-a, it would come before shop-a's second.
    let second = b_shop_a.event().await;
    assert_eq!(kind_of(&second), "connected");
    assert_eq!(id_of(&second), id_of(&first) + 1);
    assert_eq!(a_shop_a.event().await, second);
    // Had shop-a's crossed to shop-b, shop-b's first event would be a connected one.
    let only_b = b_shop_b.event().await;
    assert_eq!(kind_of(&only_b), "disconnected");
    assert_eq!(b.relay.webhook(connected("id-b")).await.0, 200);
    let next_b = b_shop_b.event().await;
    assert_eq!(
        (kind_of(&next_b), id_of(&next_b)),
        ("connected", id_of(&only_b) + 1)
    );
}

#[tokio::test]
async fn last_event_id_on_one_replica_resumes_with_an_event_the_other_received() {
    let redis = RedisServer::start().await;
    let (a, b) = replicas(&redis, |_| {}).await;
    let mut on_a = a.relay.stream("shop-a", None).await;
    assert_eq!(a.relay.webhook(connected("id-a")).await.0, 200);
    assert_eq!(a.relay.webhook(disconnected("id-a")).await.0, 200);
    let linked = on_a.event().await;
    let unlinked = on_a.event().await;

    // A client that saw the first event on A reconnects to B and gets the one it missed.
    let seen = id_of(&linked).to_string();
    let mut on_b = b.relay.stream("shop-a", Some(&seen)).await;
    assert_eq!(on_b.event().await, unlinked);
    // And one that saw nothing gets both, in order.
    let before = (id_of(&linked) - 1).to_string();
    let mut from_start = b.relay.stream("shop-a", Some(&before)).await;
    assert_eq!(from_start.event().await, linked);
    assert_eq!(from_start.event().await, unlinked);
}

/// Sends `count` requests, alternating between the relays, and counts those not refused
/// with 429 (each refusal checked for its code and `Retry-After`).
async fn admitted(
    relays: &[&Relay],
    count: usize,
    request: impl Fn(&Relay, usize) -> reqwest::RequestBuilder,
) -> usize {
    let mut admitted = 0;
    for i in 0..count {
        let relay = relays[i % relays.len()];
        let response = tokio::time::timeout(BOUND, request(relay, i).send())
            .await
            .expect("an answer within the bound")
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry_after: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry_after), "{retry_after}");
            let (_, body) = error_of(response).await;
            assert_eq!(body["code"], "rate_limited");
        } else {
            admitted += 1;
        }
    }
    admitted
}

const BURST: u32 = 5;

fn slow_limit(config: &mut RelayConfig) {
    // One more request a minute: none comes back during the test.
    config.rate_limit = RateLimitConfig {
        per_minute: 1,
        burst: BURST,
    };
}

#[tokio::test]
async fn the_rate_limits_hold_across_replicas() {
    let redis = RedisServer::start().await;
    let (a, b) = replicas(&redis, |config| {
        slow_limit(config);
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let relays = [&a.relay, &b.relay];

    // Per client address, counted before authentication.
    let by_address = admitted(&relays, 4 * BURST as usize, |relay, _| {
        relay
            .http
            .get(relay.url("/zapi/status"))
            .header("X-Forwarded-For", "198.51.100.7")
    })
    .await;
    assert_eq!(by_address, BURST as usize);

    // Per ticket, from a new address each time so that only the ticket's count can refuse.
    let by_ticket = admitted(&relays, 4 * BURST as usize, |relay, i| {
        let ticket =
            zapi_relay::mint_ticket(TICKET_SECRET, "shop-a", Some("ana"), BOUND * 60).unwrap();
        relay
            .http
            .get(relay.url("/zapi/status"))
            .header("X-Forwarded-For", format!("203.0.113.{}", i + 1))
            .header("Authorization", format!("Bearer {ticket}"))
    })
    .await;
    assert_eq!(by_ticket, BURST as usize);
    // Both replicas answered (the Z-API call went through for the admitted ones).
    assert!(a.answered("status", 200) > 0 && b.answered("status", 200) > 0);
}

#[tokio::test]
async fn the_shared_limit_refills_at_the_configured_rate() {
    let redis = RedisServer::start().await;
    let (a, b) = replicas(&redis, |config| {
        config.rate_limit = RateLimitConfig {
            per_minute: 60,
            burst: 2,
        };
    })
    .await;
    let status = |relay: &Relay| {
        relay
            .http
            .get(relay.url("/zapi/status"))
            .header("Authorization", format!("Bearer {}", ticket("shop-a")))
    };
    assert_eq!(
        admitted(&[&a.relay, &b.relay], 6, |relay, _| status(relay)).await,
        2
    );
    // One request a second comes back, for either replica.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        admitted(&[&b.relay, &a.relay], 4, |relay, _| status(relay)).await,
        1
    );
    let refused = status(&a.relay).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["retry-after"], "1");
}

#[tokio::test]
async fn behind_nginx_round_robin_events_cross_replicas_and_the_limit_holds() {
    let redis = RedisServer::start().await;
    let (a, b) = replicas(&redis, slow_limit).await;
    let nginx = Nginx::start(&[&a.relay, &b.relay]).await;
    let front = nginx.as_relay();

    // Two streams through nginx land on one replica each.
    let mut first = front.stream("shop-a", None).await;
    let mut second = front.stream("shop-a", None).await;
    assert_eq!(
        (a.answered("events", 200), b.answered("events", 200)),
        (1, 1)
    );
    // Callbacks through nginx land on either replica; every stream sees each of them.
    for _ in 0..2 {
        assert_eq!(front.webhook(connected("id-a")).await.0, 200);
    }
    let (one, two) = (first.event().await, first.event().await);
    assert_eq!(id_of(&two), id_of(&one) + 1);
    assert_eq!((second.event().await, second.event().await), (one, two));
    assert_eq!(
        (a.answered("webhooks", 200), b.answered("webhooks", 200)),
        (1, 1)
    );

    // Every client comes from nginx's address: one budget across both replicas. The streams
    // and callbacks above spent some of it.
    let spent = 4;
    let more = admitted(&[&front], 4 * BURST as usize, |relay, _| {
        relay
            .http
            .get(relay.url("/zapi/status"))
            .header("Authorization", format!("Bearer {}", ticket("shop-a")))
    })
    .await;
    assert_eq!(more, BURST as usize - spent);
    assert!(a.answered("status", 429) > 0 && b.answered("status", 429) > 0);
}

#[tokio::test]
async fn redis_stopped_and_started_again_leaves_nothing_stuck() {
    let mut redis = RedisServer::start().await;
    let (a, b) = replicas(&redis, |config| {
        config.rate_limit = RateLimitConfig::PRODUCTION;
    })
    .await;
    let mut on_a = a.relay.stream("shop-a", None).await;
    let mut on_b = b.relay.stream("shop-a", None).await;
    assert_eq!(a.relay.webhook(connected("id-a")).await.0, 200);
    let before = on_b.event().await;
    assert_eq!(on_a.event().await, before);

    redis.stop();
    // Open streams end, on both replicas.
    for stream in [&mut on_a, &mut on_b] {
        loop {
            match stream.next().await {
                None => break,
                Some(frame) => assert!(frame.starts_with(':'), "{frame}"),
            }
        }
    }
    a.wait_redis_up(false).await;
    b.wait_redis_up(false).await;
    for replica in [&a, &b] {
        // The Z-API routes keep answering, the rate limits counted in the process meanwhile.
        assert_eq!(get_status(&replica.relay, "shop-a").await, StatusCode::OK);
        // New streams are refused, so that widgets poll; callbacks too, so that Z-API retries.
        let (status, body) = error_of(replica.relay.events_with("shop-a", None).await).await;
        assert_eq!((status, &body["code"]), (503, &json!("events_unavailable")));
        assert_eq!(body["retryable"], true);
        let (status, body) = replica.relay.webhook(connected("id-a")).await;
        assert_eq!((status, &body["code"]), (503, &json!("events_unavailable")));
    }

    redis.restart().await;
    a.wait_redis_up(true).await;
    b.wait_redis_up(true).await;
    let mut on_b = b.relay.stream("shop-a", None).await;
    assert_eq!(a.relay.webhook(disconnected("id-a")).await.0, 200);
    let after = on_b.event().await;
    assert_eq!(kind_of(&after), "disconnected");
    // Redis lost the counter with its data; ids still only increase, so `Last-Event-ID`
    // from before the outage misses nothing after it.
    assert!(id_of(&after) > id_of(&before), "{before} then {after}");
    let mut resumed = a
        .relay
        .stream("shop-a", Some(&id_of(&before).to_string()))
        .await;
    assert_eq!(resumed.event().await, after);
}

#[tokio::test]
async fn a_redis_that_stops_answering_costs_a_request_a_bounded_wait() {
    let redis = RedisServer::start().await;
    let (a, b) = replicas(&redis, |config| {
        config.rate_limit = RateLimitConfig::PRODUCTION;
    })
    .await;
    let mut on_b = b.relay.stream("shop-a", None).await;

    // Connections stay open and nothing answers: only the relay's own timeouts end the waits.
    redis.signal("-STOP");
    assert_eq!(get_status(&a.relay, "shop-a").await, StatusCode::OK);
    let (status, body) = a.relay.webhook(connected("id-a")).await;
    assert_eq!((status, &body["code"]), (503, &json!("events_unavailable")));
    while let Some(frame) = on_b.next().await {
        assert!(frame.starts_with(':'), "{frame}");
    }
    b.wait_redis_up(false).await;
    let (status, body) = error_of(b.relay.events_with("shop-a", None).await).await;
    assert_eq!((status, &body["code"]), (503, &json!("events_unavailable")));
    assert_eq!(get_status(&b.relay, "shop-a").await, StatusCode::OK);

    redis.signal("-CONT");
    a.wait_redis_up(true).await;
    b.wait_redis_up(true).await;
    let mut on_b = b.relay.stream("shop-a", None).await;
    assert_eq!(a.relay.webhook(connected("id-a")).await.0, 200);
    assert_eq!(kind_of(&on_b.event().await), "connected");
}
