//! What two replicas sharing a real `redis-server` log: never the Redis password, and one
//! warning per outage, not one per request. A binary of its own, so that no other test's
//! relays log into the capture.

use std::time::Duration;

use reqwest::StatusCode;
use zapi_relay::RateLimitConfig;

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
async fn the_redis_password_stays_out_of_the_logs_and_an_outage_is_logged_once() {
    const PASSWORD: &str = "r3dis-pa55word-4e1c9b";
    let (logs, _guard) = common::capture_logs();
    let mut redis = RedisServer::start_with_password(Some(PASSWORD)).await;
    // Up at all means the password from the URL was used.
    let (a, _b) = replicas(&redis, |config| {
        config.rate_limit = RateLimitConfig::PRODUCTION;
    })
    .await;

    redis.stop();
    a.wait_redis_up(false).await;
    for _ in 0..5 {
        assert_eq!(get_status(&a.relay, "shop-a").await, StatusCode::OK);
        assert_eq!(a.relay.webhook(connected("id-a")).await.0, 503);
    }
    // Long enough for the replicas to retry the connection a few times.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(!text.contains(PASSWORD), "{text}");
    let replicas_lines: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("zapi_relay::replicas") && !line.contains("DEBUG"))
        .collect();
    let warnings = replicas_lines
        .iter()
        .filter(|line| line.contains("WARN") && line.contains("Redis unreachable"))
        .count();
    // One per replica.
    assert_eq!(warnings, 2, "{replicas_lines:#?}");
    assert!(!text.contains("Redis did not count a request"), "{text}");
}
