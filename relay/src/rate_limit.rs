//! Limits on the Z-API routes, per client address and per ticket (alias + subject): every code
//! the relay hands out costs a call on the instance. GCRA (governor): `per_minute` sustained,
//! `burst` at once. The counters live in this process, or, for replicas sharing Redis, in Redis
//! ([`RateLimits`]), with this process's as the fallback while Redis cannot be reached.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::auth::Tenant;
use crate::client::{limit_key, ClientAddress};
use crate::config::RateLimitConfig;
use crate::error::RelayError;
use crate::replicas::Redis;

/// Forget idle keys this often (in checks), so a scan from many addresses cannot grow memory.
const PRUNE_EVERY: u64 = 4096;

type Keyed<K, C> = RateLimiter<K, DashMapStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

pub(crate) struct Limits<C: Clock = DefaultClock> {
    by_address: Keyed<IpAddr, C>,
    by_ticket: Keyed<(Arc<str>, Arc<str>), C>,
    clock: C,
    checks: AtomicU64,
}

impl Limits {
    /// `None` when the limits are off.
    pub fn new(config: RateLimitConfig) -> Option<Self> {
        Self::with_clock(config, DefaultClock::default())
    }
}

impl<C: Clock + Clone> Limits<C> {
    pub fn with_clock(config: RateLimitConfig, clock: C) -> Option<Self> {
        let per_minute = NonZeroU32::new(config.per_minute)?;
        let burst = NonZeroU32::new(config.burst).unwrap_or(NonZeroU32::MIN);
        let quota =
            Quota::with_period(Duration::from_secs(60) / per_minute.get())?.allow_burst(burst);
        Some(Self {
            by_address: RateLimiter::dashmap_with_clock(quota, clock.clone()),
            by_ticket: RateLimiter::dashmap_with_clock(quota, clock.clone()),
            clock,
            checks: AtomicU64::new(0),
        })
    }

    /// `Err(seconds to wait)`, rounded up.
    pub fn check_address(&self, ip: IpAddr) -> Result<(), u64> {
        self.prune_now_and_then();
        self.by_address
            .check_key(&limit_key(ip))
            .map_err(|not_until| whole_seconds(not_until.wait_time_from(self.clock.now())))
    }

    pub fn check_ticket(&self, alias: &Arc<str>, subject: &Arc<str>) -> Result<(), u64> {
        self.by_ticket
            .check_key(&(alias.clone(), subject.clone()))
            .map_err(|not_until| whole_seconds(not_until.wait_time_from(self.clock.now())))
    }

    fn prune_now_and_then(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.by_address.retain_recent();
            self.by_address.shrink_to_fit();
            self.by_ticket.retain_recent();
            self.by_ticket.shrink_to_fit();
        }
    }
}

/// The limits the middleware checks: counted in Redis when the relay shares one, else (and
/// while Redis cannot be reached) in this process.
pub(crate) struct RateLimits {
    local: Limits,
    shared: Option<Redis>,
    period: Duration,
    burst: u32,
}

impl RateLimits {
    /// `None` when the limits are off.
    pub fn new(config: RateLimitConfig, shared: Option<Redis>) -> Option<Self> {
        Some(Self {
            local: Limits::new(config)?,
            shared,
            period: Duration::from_secs(60) / config.per_minute,
            burst: config.burst.max(1),
        })
    }

    async fn shared_count(&self, key: impl FnOnce() -> String) -> Option<Result<(), u64>> {
        let redis = self.shared.as_ref()?;
        redis.admit(&key(), self.period, self.burst).await.ok()
    }

    pub async fn check_address(&self, ip: IpAddr) -> Result<(), u64> {
        match self
            .shared_count(|| format!("address:{}", limit_key(ip)))
            .await
        {
            Some(counted) => counted,
            None => self.local.check_address(ip),
        }
    }

    pub async fn check_ticket(&self, alias: &Arc<str>, subject: &Arc<str>) -> Result<(), u64> {
        // The alias has no ':' (aliases are validated), so the key names one ticket only.
        match self
            .shared_count(|| format!("ticket:{alias}:{subject}"))
            .await
        {
            Some(counted) => counted,
            None => self.local.check_ticket(alias, subject),
        }
    }
}

fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[derive(Clone)]
pub(crate) struct AddressLimit {
    pub limits: Arc<RateLimits>,
    pub clients: Arc<ClientAddress>,
}

/// Runs before authentication, so guessing tickets costs the guesser its budget too.
pub(crate) async fn by_address(
    State(state): State<AddressLimit>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Request,
    next: Next,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    let client = state.clients.resolve(peer, request.headers());
    match state.limits.check_address(client).await {
        Ok(()) => next.run(request).await,
        Err(retry_after_secs) => {
            tracing::info!(%client, retry_after_secs, "rate limited (client address)");
            RelayError::RateLimited { retry_after_secs }.into_response()
        }
    }
}

/// Runs after authentication; only ticket holders have a ticket to count.
pub(crate) async fn by_ticket(
    State(limits): State<Arc<RateLimits>>,
    tenant: Option<Extension<Tenant>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(Extension(Tenant {
        alias,
        ticket_subject: Some(subject),
        ..
    })) = &tenant
    {
        if let Err(retry_after_secs) = limits.check_ticket(alias, subject).await {
            tracing::info!(%alias, retry_after_secs, "rate limited (ticket)");
            return RelayError::RateLimited { retry_after_secs }.into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn limits(per_minute: u32, burst: u32) -> (Limits<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let config = RateLimitConfig { per_minute, burst };
        (Limits::with_clock(config, clock.clone()).unwrap(), clock)
    }

    #[test]
    fn off_means_no_limiter() {
        assert!(Limits::new(RateLimitConfig::OFF).is_none());
    }

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let (limits, clock) = limits(60, 3);
        let a = IpAddr::from([192, 0, 2, 1]);
        for _ in 0..3 {
            assert_eq!(limits.check_address(a), Ok(()));
        }
        assert_eq!(limits.check_address(a), Err(1));
        clock.advance(Duration::from_millis(999));
        assert_eq!(limits.check_address(a), Err(1));
        clock.advance(Duration::from_millis(1));
        assert_eq!(limits.check_address(a), Ok(()));
        assert_eq!(limits.check_address(a), Err(1));
        // Another client is untouched.
        assert_eq!(limits.check_address(IpAddr::from([192, 0, 2, 2])), Ok(()));
    }

    #[test]
    fn retry_after_is_rounded_up_to_whole_seconds() {
        let (limits, _clock) = limits(2, 1);
        let a = IpAddr::from([192, 0, 2, 1]);
        assert_eq!(limits.check_address(a), Ok(()));
        assert_eq!(limits.check_address(a), Err(30));
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(2)), 2);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }

    #[test]
    fn the_widgets_normal_pace_never_hits_the_default_limit() {
        let (limits, clock) = limits(
            RateLimitConfig::PRODUCTION.per_minute,
            RateLimitConfig::PRODUCTION.burst,
        );
        let alias: Arc<str> = "shop".into();
        let user: Arc<str> = "ana".into();
        let a = IpAddr::from([192, 0, 2, 1]);
        // Ten minutes of one widget: status + QR at mount, then a status poll every 5 s and a
        // QR call every 10 s (the fastest Z-API allows), with a fresh mount every minute.
        for second in 0..600u64 {
            let mut calls = 0;
            if second % 60 == 0 {
                calls += 2;
            }
            if second % 5 == 0 {
                calls += 1;
            }
            if second % 10 == 0 {
                calls += 1;
            }
            for _ in 0..calls {
                assert_eq!(limits.check_address(a), Ok(()), "at {second} s");
                assert_eq!(limits.check_ticket(&alias, &user), Ok(()), "at {second} s");
            }
            clock.advance(Duration::from_secs(1));
        }
    }

    #[test]
    fn tickets_are_limited_by_alias_and_subject() {
        let (limits, _clock) = limits(60, 1);
        let shop: Arc<str> = "shop".into();
        let (ana, bia): (Arc<str>, Arc<str>) = ("ana".into(), "bia".into());
        assert_eq!(limits.check_ticket(&shop, &ana), Ok(()));
        assert!(limits.check_ticket(&shop, &ana).is_err());
        assert_eq!(limits.check_ticket(&shop, &bia), Ok(()));
        assert_eq!(limits.check_ticket(&"other".into(), &ana), Ok(()));
    }
}
