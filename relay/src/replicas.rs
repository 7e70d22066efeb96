//! Replicas sharing one Redis (`[redis] url`). Every callback a replica receives is published on
//! one channel, with an id from a per-alias counter, and each replica delivers to its own streams
//! only what it reads back, so that all replicas' streams carry the same events under the same
//! ids. The rate limits are counted there too (GCRA, one key per address or ticket, expiring).
//!
//! One task owns the connections: it subscribes, pings, and on any failure marks Redis lost
//! (streams end, callbacks and new streams are refused, the rate limits count in this process),
//! then reconnects with backoff. No request waits on Redis longer than [`RESPONSE_TIMEOUT`], and
//! none at all while Redis is known to be lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{MultiplexedConnection, PubSubStream};
use redis::{AsyncConnectionConfig, Client, Script};
use reqwest::Url;
use serde::Deserialize;
use tokio::sync::oneshot;

use crate::events::{Bus, Event, EventKind};
use crate::metrics::Metrics;

/// The one channel every replica publishes to and reads from.
const EVENTS_CHANNEL: &str = "zapi-relay:events";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest a request waits on Redis before it is answered without it.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// How often the connection is checked; a lost Redis is noticed within this (a closed
/// connection at once).
const PING_EVERY: Duration = Duration::from_secs(1);
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(2);

/// Takes the next id of the alias and publishes the event with it, in one step, so that the
/// channel carries each alias's events in the order of their ids. A counter Redis lost (it ran
/// without persistence) starts again from the clock in milliseconds, so ids keep increasing and
/// `Last-Event-ID` never skips new events.
static PUBLISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
        if redis.call('EXISTS', KEYS[1]) == 0 then
            local now = redis.call('TIME')
            redis.call('SET', KEYS[1], now[1] * 1000 + math.floor(now[2] / 1000))
        end
        local id = redis.call('INCR', KEYS[1])
        redis.call('PUBLISH', ARGV[1], string.format('{"alias":%s,"kind":"%s","id":%d}',
            cjson.encode(ARGV[2]), ARGV[3], id))
        return id
        "#,
    )
});

/// GCRA on Redis's clock, in microseconds: admits when the key's theoretical arrival time, moved
/// on by one period, is at most `burst` periods ahead of now. Returns 0 when admitted, otherwise
/// the microseconds to wait. The key expires when it would be back at a full burst.
static ADMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local now = redis.call('TIME')
        now = now[1] * 1000000 + now[2]
        local period = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or 0)
        if tat < now then tat = now end
        local next_tat = tat + period
        local ahead = next_tat - now
        if ahead > period * burst then
            return ahead - period * burst
        end
        redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.ceil(ahead / 1000))
        return 0
        ",
    )
});

/// What travels on [`EVENTS_CHANNEL`].
#[derive(Deserialize)]
struct Published {
    alias: String,
    kind: String,
    id: u64,
}

/// Redis could not be used for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unavailable;

/// A handle on the shared Redis; the connection task ends when the last clone is dropped.
#[derive(Clone)]
pub(crate) struct Redis {
    shared: Arc<Shared>,
    _stop: Arc<oneshot::Sender<()>>,
}

struct Shared {
    /// `Some` while Redis is reachable.
    commands: Mutex<Option<MultiplexedConnection>>,
    /// A command failed during this connection: logged once, not per request.
    command_failed: AtomicBool,
}

impl Shared {
    fn commands(&self) -> MutexGuard<'_, Option<MultiplexedConnection>> {
        self.commands.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Redis {
    /// Starts the connection task on the current Tokio runtime. `bus`, when the relay serves
    /// events, is fed from the channel and opened only while Redis is reachable.
    pub fn start(url: &Url, bus: Option<Arc<Bus>>, metrics: Metrics) -> Self {
        let client = Client::open(url.as_str()).expect("the configuration checked the Redis URL");
        let shared = Arc::new(Shared {
            commands: Mutex::new(None),
            command_failed: AtomicBool::new(false),
        });
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(supervise(client, shared.clone(), bus, metrics, stopped));
        Self {
            shared,
            _stop: Arc::new(stop),
        }
    }

    fn connection(&self) -> Option<MultiplexedConnection> {
        self.shared.commands().clone()
    }

    /// Publishes the alias's event to every replica; its id, or `Unavailable`.
    pub async fn publish(&self, alias: &str, kind: EventKind) -> Result<u64, Unavailable> {
        let mut connection = self.connection().ok_or(Unavailable)?;
        let mut invocation = PUBLISH.key(format!("zapi-relay:event-id:{alias}"));
        invocation.arg(EVENTS_CHANNEL).arg(alias).arg(kind.name());
        invocation
            .invoke_async(&mut connection)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "an event could not be published through Redis");
                Unavailable
            })
    }

    /// Counts one request against `key`: `Ok`, `Err(seconds to wait)`, or `Unavailable` when
    /// the count must be kept in this process.
    pub async fn admit(
        &self,
        key: &str,
        period: Duration,
        burst: u32,
    ) -> Result<Result<(), u64>, Unavailable> {
        let mut connection = self.connection().ok_or(Unavailable)?;
        let mut invocation = ADMIT.key(format!("zapi-relay:rate:{key}"));
        invocation
            .arg(u64::try_from(period.as_micros()).unwrap_or(u64::MAX))
            .arg(burst.max(1));
        match invocation.invoke_async::<u64>(&mut connection).await {
            Ok(0) => Ok(Ok(())),
            Ok(wait_micros) => Ok(Err(wait_micros.div_ceil(1_000_000).max(1))),
            Err(error) => {
                if !self.shared.command_failed.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        %error,
                        "Redis did not count a request; the rate limits count in this process \
                         meanwhile"
                    );
                }
                Err(Unavailable)
            }
        }
    }
}

/// Connects, serves until Redis is lost, and reconnects with backoff, until `stop` fires or its
/// sender is dropped.
async fn supervise(
    client: Client,
    shared: Arc<Shared>,
    bus: Option<Arc<Bus>>,
    metrics: Metrics,
    mut stop: oneshot::Receiver<()>,
) {
    metrics.redis_up(false);
    let mut retry = FIRST_RETRY;
    let mut outage_logged = false;
    loop {
        let connected = tokio::select! {
            _ = &mut stop => return,
            connected = connect(&client) => connected,
        };
        match connected {
            Ok((messages, commands)) => {
                retry = FIRST_RETRY;
                shared.command_failed.store(false, Ordering::Relaxed);
                *shared.commands() = Some(commands.clone());
                if let Some(bus) = &bus {
                    bus.set_available(true);
                }
                metrics.redis_up(true);
                tracing::info!("Redis reachable: events and rate limits shared by the replicas");
                let lost = tokio::select! {
                    _ = &mut stop => None,
                    lost = listen(messages, commands, bus.as_deref()) => Some(lost),
                };
                *shared.commands() = None;
                if let Some(bus) = &bus {
                    bus.set_available(false);
                }
                metrics.redis_up(false);
                let Some(reason) = lost else { return };
                log_outage(&reason);
                outage_logged = true;
            }
            Err(reason) if !outage_logged => {
                log_outage(&reason);
                outage_logged = true;
            }
            Err(reason) => tracing::debug!(%reason, "Redis still unreachable"),
        }
        tokio::select! {
            _ = &mut stop => return,
            () = tokio::time::sleep(retry) => {}
        }
        retry = (retry * 2).min(LAST_RETRY);
    }
}

fn log_outage(reason: &str) {
    tracing::warn!(
        %reason,
        "Redis unreachable: event streams end, new streams and callbacks are refused (503), \
         rate limits count in this process until it returns"
    );
}

async fn connect(client: &Client) -> Result<(PubSubStream, MultiplexedConnection), String> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT));
    let commands = client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .map_err(|error| error.to_string())?;
    let mut pubsub = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub())
        .await
        .map_err(|_| "connect timed out".to_owned())?
        .map_err(|error| error.to_string())?;
    tokio::time::timeout(RESPONSE_TIMEOUT, pubsub.subscribe(EVENTS_CHANNEL))
        .await
        .map_err(|_| "subscribe timed out".to_owned())?
        .map_err(|error| error.to_string())?;
    Ok((pubsub.into_on_message(), commands))
}

/// Delivers what the channel carries until the subscription ends or a ping fails; why it
/// stopped.
async fn listen(
    mut messages: PubSubStream,
    mut commands: MultiplexedConnection,
    bus: Option<&Bus>,
) -> String {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = messages.next() => match message {
                Some(message) => {
                    if let Some(bus) = bus {
                        deliver(bus, message.get_payload_bytes());
                    }
                }
                None => return "the subscription closed".to_owned(),
            },
            _ = ping.tick() => {
                if let Err(error) = redis::cmd("PING").query_async::<()>(&mut commands).await {
                    return error.to_string();
                }
            }
        }
    }
}

fn deliver(bus: &Bus, payload: &[u8]) {
    let Ok(published) = serde_json::from_slice::<Published>(payload) else {
        tracing::warn!("ignored a message on {EVENTS_CHANNEL} that is not an event");
        return;
    };
    let kind = match published.kind.as_str() {
        "connected" => EventKind::Connected,
        "disconnected" => EventKind::Disconnected,
        _ => {
            tracing::warn!("ignored an event of unknown kind on {EVENTS_CHANNEL}");
            return;
        }
    };
    // An alias this replica does not serve (configurations differ while they roll out) is
    // nobody's here.
    bus.deliver(
        &published.alias,
        Event {
            id: published.id,
            kind,
        },
    );
}
