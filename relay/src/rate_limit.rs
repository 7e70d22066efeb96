//! An optional per-client limit on the Z-API routes: every code the relay hands out costs a call
//! on the instance, and anyone who can reach the relay can ask for one.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::error::RelayError;

const WINDOW: Duration = Duration::from_secs(60);

/// Above this many tracked clients, expired windows are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// When a client's window started, and how many requests it made in it.
type Windows = HashMap<Option<IpAddr>, (Instant, u32)>;

/// A fixed one-minute window per client IP.
#[derive(Clone)]
pub(crate) struct RateLimit {
    per_minute: u32,
    windows: Arc<Mutex<Windows>>,
}

impl RateLimit {
    pub(crate) fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Arc::default(),
        }
    }

    /// `Err(seconds to wait)` once the client has used up its window.
    fn check(&self, client: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let (start, count) = windows.entry(client).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        if *count >= self.per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(*start));
            return Err(left.as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

/// Without `ConnectInfo` (served without it, or in `oneshot` tests) all clients share a window.
pub(crate) async fn limit(
    State(limit): State<RateLimit>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Request,
    next: Next,
) -> Response {
    let client = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    match limit.check(client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(retry_after_secs) => RelayError::RateLimited { retry_after_secs }.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_own_window() {
        let limit = RateLimit::new(2);
        let start = Instant::now();
        let a = Some(IpAddr::from([192, 0, 2, 1]));
        let b = Some(IpAddr::from([192, 0, 2, 2]));
        assert_eq!(limit.check(a, start), Ok(()));
        assert_eq!(limit.check(a, start), Ok(()));
        assert_eq!(limit.check(a, start + Duration::from_secs(15)), Err(45));
        assert_eq!(limit.check(b, start), Ok(()));
        assert_eq!(limit.check(a, start + WINDOW), Ok(()));
    }
}
