//! zapi-relay: the backend the `<zapi-connect>` widget talks to. It holds the Z-API instance id,
//! token and Client-Token, and forwards exactly four requests:
//!
//! | relay path | Z-API path |
//! |---|---|
//! | `GET {base}/qr-code` | `/instances/{id}/token/{token}/qr-code` |
//! | `GET {base}/qr-code/image` | `/instances/{id}/token/{token}/qr-code/image` |
//! | `GET {base}/phone-code/{phone}` | `/instances/{id}/token/{token}/phone-code/{phone}` |
//! | `GET {base}/status` | `/instances/{id}/token/{token}/status` |
//!
//! plus `GET /healthz` and, optionally, a static folder at `/`. Errors are a JSON envelope with
//! a stable code (see [`RelayError`]); every response carries `Cache-Control: no-store`.
//!
//! Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so that the optional rate
//! limit ([`RelayConfig::rate_limit_per_minute`]) can tell clients apart.

mod config;
mod error;
mod rate_limit;
pub mod routes;
mod upstream;

use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue, Request};
use axum::routing::get;
use axum::{middleware, Router};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use config::{ConfigError, RelayConfig, DEFAULT_UPSTREAM};
pub use error::RelayError;
pub use upstream::{Phone, Upstream, ZapiPath};

use rate_limit::RateLimit;

/// The relay's routes and middleware, ready to serve.
pub fn app(config: RelayConfig) -> Router {
    let base = config.normalized_base_path();
    let static_dir = config.static_dir.clone();
    let limiter = config.rate_limit_per_minute.map(RateLimit::new);
    let upstream = Upstream::new(config);

    let mut zapi = Router::new()
        .route("/qr-code", get(routes::qr_code::get))
        .route("/qr-code/image", get(routes::qr_code_image::get))
        .route("/phone-code/{phone}", get(routes::phone_code::get))
        .route("/status", get(routes::status::get));
    if let Some(limiter) = limiter {
        zapi = zapi.route_layer(middleware::from_fn_with_state(limiter, rate_limit::limit));
    }
    let router = if base.is_empty() {
        zapi
    } else {
        Router::new().nest(&base, zapi)
    };
    let router = router.route("/healthz", get(routes::healthz::get));
    let router = match static_dir {
        Some(dir) => router.fallback_service(
            ServeDir::new(dir)
                .append_index_html_on_directories(true)
                .call_fallback_on_method_not_allowed(true)
                .not_found_service(routes::not_found.into_service()),
        ),
        None => router.fallback(routes::not_found),
    };

    router
        .method_not_allowed_fallback(routes::not_found)
        .with_state(upstream)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<_>| {
                            let request_id = request
                                .headers()
                                .get("x-request-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default();
                            tracing::info_span!(
                                "request",
                                method = %request.method(),
                                path = %request.uri().path(),
                                request_id,
                            )
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO))
                        // A 5xx here is Z-API's trouble, already logged by the upstream client.
                        .on_failure(DefaultOnFailure::new().level(Level::WARN)),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-store"),
                )),
        )
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
