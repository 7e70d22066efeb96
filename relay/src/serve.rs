//! Serving the relay's [`Router`](axum::Router) on a TCP listener, with every connection
//! bounded: hyper's HTTP/1 server with a timer reads a request head within
//! [`ConnectionLimits::header_read_timeout`] (the same bound closes idle keep-alive
//! connections), at most [`ConnectionLimits::max_connections`] are open at once, and a shutdown
//! waits at most [`ConnectionLimits::shutdown_grace`] for open connections before it drops them.
//!
//! At the cap, a new connection takes the place of the one idle longest: a connection with no
//! request in progress, either because it has not sent a whole request head yet or because it
//! is kept alive between requests. Idle connections cost a client nothing, so they must not
//! starve a real request for up to the header-read timeout. Only when every connection has a
//! request in progress is the new one closed as soon as it is accepted, never queued. A request
//! that arrives on an idle connection just as it is evicted sees the connection close, as with
//! any keep-alive connection a server closes.
//!
//! `axum::serve` installs no timer: a client that sends half a request holds its connection for
//! as long as it likes, and a graceful shutdown waits for it.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinSet};
use tower::ServiceExt;

use crate::config::ConnectionLimits;

/// Refused and evicted connections are logged at most this often, so a flood does not flood the
/// logs too.
const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting, lets open
/// connections finish their requests for up to `limits.shutdown_grace`, and drops the rest.
/// Each request carries the peer's [`ConnectInfo<SocketAddr>`], as the rate limits need.
///
/// Connections are handed in turn to threads of `serve`'s own, one per core, each running a
/// single-threaded runtime that keeps a connection, its requests and their calls to Z-API on
/// one thread; the caller's tracing subscriber receives their logs. Tasks that handlers spawn
/// run there too, and end when `serve` returns.
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
    let open = Arc::new(OpenConnections::default());
    let (stop, stopping) = watch::channel(());
    let workers = Workers::start();
    let mut connections = JoinSet::new();
    let mut next_id = 0u64;
    let mut refused = Tally::default();
    let mut evicted = Tally::default();

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
        let mut open_now = open.lock();
        if open_now.len() >= limits.max_connections {
            if let Some(idle) = longest_idle(&open_now) {
                if let Some(victim) = open_now.remove(&idle) {
                    victim.abort.abort();
                }
                if let Some(count) = evicted.add() {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        evicted = count,
                        "connection cap reached; closing the connections idle longest"
                    );
                }
            } else {
                drop(open_now);
                drop(stream);
                if let Some(count) = refused.add() {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        refused = count,
                        "connection cap reached with a request on every connection; \
                         closing new connections"
                    );
                }
                continue;
            }
        }
        let _ = stream.set_nodelay(true);
        let id = next_id;
        next_id += 1;
        let activity = Arc::new(Activity::new());
        // Spawned and recorded under one hold of the lock, which the task's `Registered` guard
        // also takes on the way out: a connection that ends at once still finds its entry.
        let abort = connections.spawn_on(
            connection(
                stream,
                peer,
                router.clone(),
                http.clone(),
                stopping.clone(),
                Registered {
                    id,
                    open: open.clone(),
                },
                activity.clone(),
            ),
            workers.next(),
        );
        open_now.insert(id, Open { activity, abort });
        drop(open_now);
    }

    drop(listener);
    let _ = stop.send(());
    let still_open = connections.len();
    if still_open > 0 {
        tracing::info!(open = still_open, "waiting for open connections");
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

/// The threads that run the connections, one per core, each with a single-threaded runtime:
/// a connection, the requests it carries and their calls to Z-API stay on one thread.
struct Workers {
    handles: Vec<tokio::runtime::Handle>,
    next: std::cell::Cell<usize>,
    /// Dropped with the workers, which ends each thread and its runtime.
    _stop: Vec<tokio::sync::oneshot::Sender<()>>,
}

impl Workers {
    fn start() -> Self {
        let count = std::thread::available_parallelism().map_or(1, usize::from);
        // The caller's subscriber, which may be its thread's own rather than the global one,
        // receives the connections' logs too.
        let logs = tracing::dispatcher::get_default(Clone::clone);
        let mut handles = Vec::with_capacity(count);
        let mut stops = Vec::with_capacity(count);
        for index in 0..count {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime starts");
            handles.push(runtime.handle().clone());
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            stops.push(stop);
            let logs = logs.clone();
            std::thread::Builder::new()
                .name(format!("zapi-relay-{index}"))
                .spawn(move || {
                    let _logs = tracing::dispatcher::set_default(&logs);
                    let _ = runtime.block_on(stopped);
                })
                .expect("a thread starts");
        }
        Self {
            handles,
            next: std::cell::Cell::new(0),
            _stop: stops,
        }
    }

    fn next(&self) -> &tokio::runtime::Handle {
        let index = self.next.get();
        self.next.set((index + 1) % self.handles.len());
        &self.handles[index]
    }
}

/// One connection, from accept to close, evicted or dropped. It counts against the cap until
/// `_registered` is dropped with it.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    http: http1::Builder,
    mut stopping: watch::Receiver<()>,
    _registered: Registered,
    activity: Arc<Activity>,
) {
    let stopping_now = Stopping(stopping.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(stopping_now.clone());
        let in_progress = InProgress::begin(activity.clone());
        let response = router.clone().oneshot(request);
        async move {
            let response = response.await;
            drop(in_progress);
            response
        }
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

/// Put into every request: changes when the server stops accepting, so that a response that
/// never ends by itself (an event stream) ends within the shutdown grace.
#[derive(Clone)]
pub struct Stopping(watch::Receiver<()>);

impl Stopping {
    /// Resolves once the server is stopping (at once if it already is).
    pub async fn wait(mut self) {
        let _ = self.0.changed().await;
    }
}

/// The open connections by id. Only the accept loop adds and evicts; a connection's task removes
/// its own entry when it ends.
#[derive(Default)]
struct OpenConnections(Mutex<HashMap<u64, Open>>);

impl OpenConnections {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Open>> {
        // The map stays consistent whatever panicked while holding it.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct Open {
    activity: Arc<Activity>,
    abort: AbortHandle,
}

/// The id of the connection with no request in progress that has been idle longest, if any.
fn longest_idle(open: &HashMap<u64, Open>) -> Option<u64> {
    open.iter()
        .filter_map(|(id, connection)| Some((connection.activity.idle_since()?, *id)))
        .min()
        .map(|(_, id)| id)
}

/// Removes a connection's entry when its task ends, however it ends (aborted included).
struct Registered {
    id: u64,
    open: Arc<OpenConnections>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.open.lock().remove(&self.id);
    }
}

/// Whether a connection has a request in progress, and since when it has had none.
struct Activity(Mutex<ActivityState>);

struct ActivityState {
    in_progress: usize,
    idle_since: Instant,
}

impl Activity {
    fn new() -> Self {
        Self(Mutex::new(ActivityState {
            in_progress: 0,
            idle_since: Instant::now(),
        }))
    }

    fn state(&self) -> MutexGuard<'_, ActivityState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `None` while a request is in progress.
    fn idle_since(&self) -> Option<Instant> {
        let state = self.state();
        (state.in_progress == 0).then_some(state.idle_since)
    }
}

/// A request in progress on a connection, from the call of the service until its response is
/// ready or dropped.
struct InProgress(Arc<Activity>);

impl InProgress {
    fn begin(activity: Arc<Activity>) -> Self {
        activity.state().in_progress += 1;
        Self(activity)
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.in_progress -= 1;
        state.idle_since = Instant::now();
    }
}

/// Counts events and says when to log them, at most once per [`LOG_INTERVAL`].
#[derive(Default)]
struct Tally {
    since_last_log: u64,
    last_log: Option<Instant>,
}

impl Tally {
    /// Counts one more; returns the count to log when a log is due.
    fn add(&mut self) -> Option<u64> {
        self.since_last_log += 1;
        if self
            .last_log
            .is_some_and(|last| last.elapsed() < LOG_INTERVAL)
        {
            return None;
        }
        self.last_log = Some(Instant::now());
        Some(std::mem::take(&mut self.since_last_log))
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
