//! `GET {base}/events`: the alias's connection events as Server-Sent Events, behind the same
//! checks as the Z-API routes. A `: heartbeat` comment comes first and then every
//! `heartbeat`; `Last-Event-ID` replays the held events after it. The stream ends when the
//! client falls too far behind, or when the relay stops.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::stream;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Tenant;
use crate::client::{limit_key, ClientAddress};
use crate::error::RelayError;
use crate::events::{Bus, Event, NoEvents, StreamSlot};
use crate::metrics::{Metrics, OpenStream};
use crate::serve::Stopping;

/// How long a client over a cap is asked to wait.
const RETRY_AFTER_SECS: u64 = 30;

#[derive(Clone)]
pub(crate) struct Streams {
    pub bus: Arc<Bus>,
    pub clients: Arc<ClientAddress>,
    pub heartbeat: Duration,
    pub metrics: Metrics,
}

fn last_event_id(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("last-event-id")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

pub(crate) async fn get(
    State(streams): State<Streams>,
    Extension(tenant): Extension<Tenant>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    stopping: Option<Extension<Stopping>>,
    headers: HeaderMap,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    let client: IpAddr = limit_key(streams.clients.resolve(peer, &headers));
    let slot = match streams.bus.admit(&tenant.alias, client) {
        Ok(slot) => slot,
        Err(full) => {
            tracing::info!(?full, "event stream refused: cap reached");
            return RelayError::RateLimited {
                retry_after_secs: RETRY_AFTER_SECS,
            }
            .into_response();
        }
    };
    let (backlog, receiver) = match streams
        .bus
        .subscribe(&tenant.alias, last_event_id(&headers))
    {
        Ok(subscribed) => subscribed,
        Err(NoEvents::UnknownAlias) => return RelayError::NotFound.into_response(),
        Err(NoEvents::Unavailable) => return RelayError::EventsUnavailable.into_response(),
    };
    let stopping: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> = match stopping {
        Some(Extension(stopping)) => Box::pin(stopping.wait()),
        None => Box::pin(std::future::pending()),
    };
    let mut heartbeat = tokio::time::interval(streams.heartbeat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = StreamState {
        backlog: backlog.into(),
        last_sent: 0,
        receiver,
        heartbeat,
        stopping,
        _slot: slot,
        _open: streams.metrics.stream_opened(),
    };
    let body = Body::from_stream(stream::unfold(state, next_chunk));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::HeaderName::from_static("x-accel-buffering"),
                HeaderValue::from_static("no"),
            ),
        ],
        body,
    )
        .into_response()
}

struct StreamState {
    backlog: std::collections::VecDeque<Event>,
    last_sent: u64,
    receiver: broadcast::Receiver<Event>,
    heartbeat: tokio::time::Interval,
    stopping: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
    _slot: StreamSlot,
    _open: OpenStream,
}

fn frame(event: Event) -> Bytes {
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {{}}\n\n",
        event.id,
        event.kind.name()
    ))
}

async fn next_chunk(mut state: StreamState) -> Option<(Result<Bytes, Infallible>, StreamState)> {
    if let Some(event) = state.backlog.pop_front() {
        state.last_sent = event.id;
        return Some((Ok(frame(event)), state));
    }
    loop {
        tokio::select! {
            biased;
            () = &mut state.stopping => return None,
            received = state.receiver.recv() => match received {
                // Already sent from the backlog.
                Ok(event) if event.id <= state.last_sent => continue,
                Ok(event) => {
                    state.last_sent = event.id;
                    return Some((Ok(frame(event)), state));
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "event stream fell behind; ending it");
                    return None;
                }
                Err(RecvError::Closed) => return None,
            },
            _ = state.heartbeat.tick() => {
                return Some((Ok(Bytes::from_static(b": heartbeat\n\n")), state));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RelayConfig;
    use crate::events::EventKind;

    fn state(bus: &Arc<Bus>, last_seen: Option<u64>) -> StreamState {
        state_counted(bus, last_seen, &Metrics::new())
    }

    fn state_counted(bus: &Arc<Bus>, last_seen: Option<u64>, metrics: &Metrics) -> StreamState {
        let slot = bus.admit(&"default".into(), [192, 0, 2, 1].into()).unwrap();
        let (backlog, receiver) = bus.subscribe("default", last_seen).unwrap();
        StreamState {
            backlog: backlog.into(),
            last_sent: 0,
            receiver,
            heartbeat: tokio::time::interval(Duration::from_secs(3600)),
            stopping: Box::pin(std::future::pending()),
            _slot: slot,
            _open: metrics.stream_opened(),
        }
    }

    async fn text(state: StreamState) -> Option<(String, StreamState)> {
        let (chunk, state) = next_chunk(state).await?;
        let chunk = chunk.unwrap();
        Some((String::from_utf8(chunk.to_vec()).unwrap(), state))
    }

    // A client that stops reading leaves its stream unpolled while events pile up: the channel
    // is bounded, so the stream ends once it is polled again instead of queueing without limit.
    #[tokio::test]
    async fn a_stream_that_fell_behind_ends_and_frees_its_place() {
        let bus = Arc::new(Bus::new(&RelayConfig::new("id", "token")));
        let metrics = Metrics::new();
        let (first, state) = text(state_counted(&bus, None, &metrics)).await.unwrap();
        assert_eq!(first, ": heartbeat\n\n");
        assert!(metrics.encode().contains("zapi_relay_event_streams 1\n"));
        for _ in 0..100 {
            bus.publish("default", EventKind::Connected);
        }
        assert!(next_chunk(state).await.is_none());
        assert!(metrics.encode().contains("zapi_relay_event_streams 0\n"));
        // Every place is free again: the ended stream's slot was dropped with it.
        let cap = RelayConfig::new("id", "token")
            .webhooks
            .max_streams_per_address;
        let kept: Vec<_> = (0..cap)
            .map(|_| bus.admit(&"default".into(), [192, 0, 2, 1].into()))
            .collect();
        assert!(kept.iter().all(Result::is_ok));
    }

    #[tokio::test]
    async fn a_backlog_is_not_sent_twice() {
        let bus = Arc::new(Bus::new(&RelayConfig::new("id", "token")));
        bus.publish("default", EventKind::Connected);
        let mut state = state(&bus, Some(0));
        bus.publish("default", EventKind::Disconnected);
        let mut frames = Vec::new();
        for _ in 0..3 {
            let (frame, next) = text(state).await.unwrap();
            frames.push(frame);
            state = next;
        }
        assert_eq!(
            frames,
            [
                "id: 1\nevent: connected\ndata: {}\n\n",
                "id: 2\nevent: disconnected\ndata: {}\n\n",
                ": heartbeat\n\n"
            ]
        );
    }
}
