//! Serving the relay's [`Router`](axum::Router) on a TCP listener, with every connection
//! bounded: hyper's HTTP/1 server with a timer reads a request head within
//! [`ConnectionLimits::header_read_timeout`] (the same bound closes idle keep-alive
//! connections), at most [`ConnectionLimits::max_connections`] are served at once (the next ones
//! are closed as soon as they are accepted, never queued), and a shutdown waits at most
//! [`ConnectionLimits::shutdown_grace`] for open connections before it drops them.
//!
//! `axum::serve` installs no timer: a client that sends half a request holds its connection for
//! as long as it likes, and a graceful shutdown waits for it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::config::ConnectionLimits;

/// Refused connections are logged at most this often, so a flood does not flood the logs too.
const SHED_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting, lets open
/// connections finish their requests for up to `limits.shutdown_grace`, and drops the rest.
/// Each request carries the peer's [`ConnectInfo<SocketAddr>`], as the rate limits need.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(());
    let mut connections = JoinSet::new();
    let mut shed = Shedding::default();

    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    if !is_connection_error(&error) {
                        // Out of descriptors, most likely: give the open connections time to end.
                        tracing::error!(%error, "accept failed");
                        tokio::select! {
                            () = &mut shutdown => break,
                            () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        }
                    }
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream);
            shed.refused(limits.max_connections);
            continue;
        };
        let _ = stream.set_nodelay(true);
        connections.spawn(connection(
            stream,
            peer,
            router.clone(),
            http.clone(),
            stopping.clone(),
            slot,
        ));
    }

    drop(listener);
    let _ = stop.send(());
    let open = connections.len();
    if open > 0 {
        tracing::info!(open, "waiting for open connections");
    }
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            grace = ?limits.shutdown_grace,
            "shutdown deadline reached; dropping the open connections"
        );
        connections.shutdown().await;
    }
}

/// One connection, from accept to close. Holding `_slot` counts it against the cap.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    http: http1::Builder,
    mut stopping: watch::Receiver<()>,
    _slot: OwnedSemaphorePermit,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    let connection = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = stopping.changed() => {
            // Finishes the request in progress, if any, then closes; an idle connection closes
            // now. The deadline in `serve` covers a client that never finishes.
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        // Timeouts and clients that hang up are routine; nothing here names a secret.
        tracing::debug!(%peer, %error, "connection closed");
    }
}

/// Counts connections closed at the cap and logs them now and then.
#[derive(Default)]
struct Shedding {
    since_last_log: u64,
    last_log: Option<Instant>,
}

impl Shedding {
    fn refused(&mut self, cap: usize) {
        self.since_last_log += 1;
        if self
            .last_log
            .is_none_or(|last| last.elapsed() >= SHED_LOG_INTERVAL)
        {
            tracing::warn!(
                max_connections = cap,
                refused = self.since_last_log,
                "connection cap reached; closing new connections"
            );
            self.since_last_log = 0;
            self.last_log = Some(Instant::now());
        }
    }
}

/// Errors of one connection that tell nothing about the listener.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
