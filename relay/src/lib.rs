//! zapi-relay: the backend the `<zapi-connect>` widget talks to. It holds the Z-API instance ids,
//! tokens and Client-Token, and forwards exactly these requests, each as a `GET` to Z-API:
//!
//! | relay path | Z-API path |
//! |---|---|
//! | `GET {base}/qr-code` | `/instances/{id}/token/{token}/qr-code` |
//! | `GET {base}/qr-code/image` | `/instances/{id}/token/{token}/qr-code/image` |
//! | `GET {base}/phone-code/{phone}` | `/instances/{id}/token/{token}/phone-code/{phone}` |
//! | `GET {base}/status` | `/instances/{id}/token/{token}/status` |
//! | `GET {base}/extension-token` | `/instances/{id}/token/{token}/extension-token` |
//! | `GET {base}/device` | `/instances/{id}/token/{token}/device` |
//! | `POST {base}/disconnect` | `/instances/{id}/token/{token}/disconnect`, only with [`RelayConfig::allow_disconnect`] |
//!
//! plus `GET /healthz` and, optionally, a static folder at `/`. Errors are a JSON envelope with
//! a stable code (see [`RelayError`]); every relay answer carries `Cache-Control: no-store`
//! (static files, when served, `no-cache`).
//!
//! Several instances sit behind aliases ([`RelayConfig::instances`]); in [`AuthMode::Ticket`] a
//! short-lived signed ticket ([`TicketClaims`]) picks the alias, in [`AuthMode::Forward`] the
//! app's session endpoint ([`ForwardAuthConfig`]). Hosts other than the allowed ones are
//! refused ([`RelayConfig::allowed_hosts`]), other origins unless listed ([`CorsConfig`]), and
//! requests another site could make the browser send ([`WIDGET_HEADER`]); the Z-API routes are
//! rate-limited per client address and per ticket ([`RateLimitConfig`]).
//!
//! Serve it with [`serve::serve`], which bounds every connection (header-read timeout, a cap
//! that evicts the connection idle longest and sheds only when every one is busy, a shutdown
//! deadline) and gives the rate limits each client's address.

mod auth;
mod client;
mod config;
mod cors;
mod csrf;
mod error;
mod events;
mod forward_auth;
mod hosts;
pub mod metrics;
#[cfg(test)]
mod proptests;
mod rate_limit;
mod register;
mod replicas;
mod request_id;
mod routes;
pub mod serve;
mod upstream;

use std::sync::Arc;

use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue, Request};
use axum::routing::{get, post, MethodRouter};
use axum::{middleware, Router};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use auth::{mint_ticket, TicketClaims};
pub use config::{
    AuthConfig, AuthMode, ConfigError, ConnectionLimits, CorsConfig, EnvVar, Instance,
    MetricsConfig, RateLimitConfig, RedisConfig, RelayConfig, ValidConfig, WebhookConfig,
    DEFAULT_ALIAS, DEFAULT_BIND, DEFAULT_PROXY_SECRET_HEADER, DEFAULT_UPSTREAM, ENV_VARS,
    MIN_PROXY_SECRET_CHARS, MIN_TICKET_SECRET_BYTES,
};
pub use csrf::WIDGET_HEADER;
pub use error::RelayError;
pub use forward_auth::ForwardAuthConfig;
pub use hosts::{default_hosts, ANY_HOST};
pub use metrics::Metrics;
pub use register::{callback_url, register_webhooks, RegisterError, Registration};
pub use upstream::{Phone, Upstream, ZapiPath};

/// The relay's routes and middleware, ready to serve. Only a validated configuration builds it:
///
/// ```
/// let config = zapi_relay::RelayConfig::new("instance", "token").validate().unwrap();
/// let router = zapi_relay::app(config);
/// ```
///
/// An unchecked one does not compile:
///
/// ```compile_fail
/// let router = zapi_relay::app(zapi_relay::RelayConfig::new("instance", "token"));
/// ```
pub fn app(config: ValidConfig) -> Router {
    app_with_metrics(config, &Metrics::new())
}

/// [`app`], counting into `metrics`, which [`Metrics::router`] serves on a listener of its own.
///
/// With [`RedisConfig::url`] set, call it within a Tokio runtime: it starts the task that
/// keeps the connection to Redis, which ends when the router is dropped.
pub fn app_with_metrics(config: ValidConfig, metrics: &Metrics) -> Router {
    let recorder = metrics::Recorder::new(metrics.clone(), &config.normalized_base_path());
    let base = config.normalized_base_path();
    let static_dir = config.static_dir.clone();
    let auth = Arc::new(auth::Auth::new(&config));
    let cross_site = csrf::CrossSite {
        require_widget_header: config.auth.mode.uses_cookies(),
    };
    let hosts = hosts::AllowedHosts::new(&config.allowed_hosts, &config.bind);
    // Replicas: with `[redis] url`, events and rate limits are shared through Redis.
    let bus = config.webhooks.secret.is_some().then(|| {
        Arc::new(match config.redis.url {
            Some(_) => events::Bus::fed_from_redis(&config),
            None => events::Bus::new(&config),
        })
    });
    let redis = config
        .redis
        .url
        .as_ref()
        .map(|url| replicas::Redis::start(url, bus.clone(), metrics.clone()));
    let limits = rate_limit::RateLimits::new(config.rate_limit, redis.clone()).map(Arc::new);
    let clients = Arc::new(client::ClientAddress::new(config.trusted_proxies.clone()));
    let origins = cors::Origins::new(&config.cors);
    let cors_layer = origins.layer(&config.cors);
    let allow_disconnect = config.allow_disconnect;
    let push = push_routes(&config, bus, redis, &clients, metrics);
    let upstream = Upstream::new(config.into_inner()).with_metrics(metrics.clone());

    // Each route under its whole path rather than a router nested at the base: nesting rewrites
    // every request's URI on the way in.
    let at = |path: &str| format!("{base}{path}");
    let mut zapi = Router::new()
        .route(&at("/qr-code"), get(routes::qr_code::get))
        .route(&at("/qr-code/image"), get(routes::qr_code_image::get))
        .route(&at("/phone-code/{phone}"), get(routes::phone_code::get))
        .route(&at("/status"), get(routes::status::get))
        .route(&at("/extension-token"), get(routes::extension_token::get))
        .route(&at("/device"), get(routes::device::get));
    // Not routed at all unless allowed: the fallback's 404 then answers it, like any unknown
    // path, and no guard or credential can lead to Z-API's `/disconnect`.
    if allow_disconnect {
        zapi = zapi.route(&at("/disconnect"), post(routes::disconnect::post));
    }
    if let Some((events, _)) = &push {
        zapi = zapi.route(&at("/events"), events.clone());
    }
    // Route layers run outermost-last: address limit, cross-site check, authentication, ticket
    // limit.
    if let Some(limits) = &limits {
        zapi = zapi.route_layer(middleware::from_fn_with_state(
            limits.clone(),
            rate_limit::by_ticket,
        ));
    }
    zapi = zapi.route_layer(middleware::from_fn_with_state(auth, auth::require));
    zapi = zapi.route_layer(middleware::from_fn_with_state(cross_site, csrf::guard));
    let address_limit = limits.as_ref().map(|limits| {
        middleware::from_fn_with_state(
            rate_limit::AddressLimit {
                limits: limits.clone(),
                clients: clients.clone(),
            },
            rate_limit::by_address,
        )
    });
    if let Some(address_limit) = &address_limit {
        zapi = zapi.route_layer(address_limit.clone());
    }
    let router = zapi.route("/healthz", get(routes::healthz::get));
    let router = match push {
        Some((_, webhook)) => {
            let mut webhook = Router::new().route(&format!("{base}/webhooks/{{secret}}"), webhook);
            // Z-API cannot authenticate nor send the widget's header: only the address limit.
            if let Some(address_limit) = address_limit {
                webhook = webhook.route_layer(address_limit);
            }
            router.merge(webhook)
        }
        None => router,
    };
    let router = match static_dir {
        // Static files may be cached but are revalidated (Last-Modified), so a page's wasm is
        // not downloaded and compiled again on every visit; relay answers stay `no-store`.
        Some(dir) => router.fallback_service(
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    revalidate_static,
                ))
                .service(
                    ServeDir::new(dir)
                        .append_index_html_on_directories(true)
                        .call_fallback_on_method_not_allowed(true)
                        .not_found_service(routes::not_found.into_service()),
                ),
        ),
        None => router.fallback(routes::not_found),
    };
    let mut router = router
        .method_not_allowed_fallback(routes::not_found)
        .with_state(upstream);
    if let Some(cors_layer) = cors_layer {
        router = router.layer(cors_layer);
    }

    let router = router
        .layer(middleware::from_fn_with_state(origins, cors::guard))
        .layer(middleware::from_fn_with_state(hosts, hosts::guard))
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(
                    clients,
                    request_id::only_from_trusted_proxies,
                ))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<_>| {
                            let request_id = request
                                .headers()
                                .get(request_id::HEADER)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default();
                            tracing::info_span!(
                                "request",
                                method = %request.method(),
                                path = %upstream::masked_path(request.uri().path()),
                                request_id,
                                alias = tracing::field::Empty,
                            )
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO))
                        // A 5xx here is Z-API's trouble, already logged by the upstream client.
                        .on_failure(DefaultOnFailure::new().level(Level::WARN)),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-store"),
                )),
        );

    // Outermost, so that every refusal is counted.
    recorder.layer(router)
}

/// `GET /events` and `POST /webhooks/{secret}`, sharing one event bus; `None` without a
/// webhook secret, so that neither route exists.
fn push_routes(
    config: &RelayConfig,
    bus: Option<Arc<events::Bus>>,
    redis: Option<replicas::Redis>,
    clients: &Arc<client::ClientAddress>,
    metrics: &Metrics,
) -> Option<(MethodRouter<Upstream>, MethodRouter<Upstream>)> {
    let secret = config.webhooks.secret.as_deref()?;
    let bus = bus?;
    let streams = routes::events::Streams {
        bus: bus.clone(),
        clients: clients.clone(),
        heartbeat: config.webhooks.heartbeat,
        metrics: metrics.clone(),
    };
    let webhooks = routes::webhooks::Webhooks {
        bus,
        secret: secret.into(),
        metrics: metrics.clone(),
        redis,
    };
    let events = get(routes::events::get).with_state(streams);
    let webhook = post(routes::webhooks::post)
        .fallback(routes::webhooks::other_method)
        .with_state(webhooks);
    Some((events, webhook))
}

/// `no-cache` for a static file that was found; errors keep the relay's `no-store`.
fn revalidate_static<B>(response: &axum::http::Response<B>) -> Option<HeaderValue> {
    let status = response.status();
    (status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED)
        .then_some(HeaderValue::from_static("no-cache"))
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
