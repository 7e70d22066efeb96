//! zapi-sim: a stand-in for Z-API's connection endpoints, for demos and tests.
//!
//! It serves `/instances/{id}/token/{token}/{qr-code, qr-code/image, phone-code/{phone}, status,
//! extension-token, device, disconnect, update-webhook-connected, update-webhook-disconnected}`
//! with Z-API's bodies and errors, posts the connection callbacks when the phone links or unlinks, rotates the QR payload
//! every 20 s of its own clock, and has a control API under `/__sim` to scan, disconnect, jump
//! the clock ahead, inject failures, require a passkey, switch to the 2026 QR format and play the
//! Z-API Conector extension. `sim/README.md` describes every answer.
//!
//! Embed it in a test:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use zapi_sim::{Sim, SimConfig};
//!
//! let sim = Sim::new(SimConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let app = zapi_sim::app(sim.clone());
//! tokio::spawn(async move { axum::serve(listener, app).await });
//! let qr = sim.current_qr("demo-instance");
//! # Ok(()) }
//! ```

mod config;
mod control;
pub mod device;
pub mod payload;
mod state;
mod webhooks;
mod zapi;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;
use tower_http::trace::TraceLayer;

pub use config::{InstanceConfig, SimConfig};
pub use payload::QrFormat;
pub use state::{
    CallCounts, Endpoint, ExtensionRefusal, ExtensionToken, Failure, FailureMode, InstanceSnapshot,
    Mode, Sim, UnknownInstance, WebhookKind, Webhooks, EXTENSION_TOKEN_LIFETIME,
    PHONE_CODE_LIFETIME, QR_ROTATION,
};

/// The simulator's routes: the Z-API endpoints, the `/__sim` control API, and a JSON 404.
pub fn app(sim: Sim) -> Router {
    Router::new()
        .merge(zapi::router(&sim).method_not_allowed_fallback(not_served))
        .merge(control::router())
        .fallback(not_served)
        .layer(TraceLayer::new_for_http())
        .with_state(sim)
}

/// A JSON 404 for every path and method not served. Under `/instances/{id}/` it counts as the
/// instance's `calls.other`, so tests can prove that a relay forwarded nothing else.
async fn not_served(State(sim): State<Sim>, uri: Uri) -> Response {
    if let Some(id) = uri
        .path()
        .strip_prefix("/instances/")
        .and_then(|rest| rest.split('/').next())
    {
        sim.count_other(id);
    }
    (StatusCode::NOT_FOUND, Json(json!({"error": "Not found"}))).into_response()
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
