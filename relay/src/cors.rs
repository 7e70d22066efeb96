//! Which browser origins may call the relay. Same-origin pages always may; other origins only
//! when listed. A listed origin gets CORS headers (tower-http); any other origin that shows
//! itself with an `Origin` header is refused with 403 before anything else happens, preflight
//! included, so a cross-site page cannot even make the relay call Z-API with a visitor's cookie.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::CorsConfig;
use crate::csrf::WIDGET_HEADER;
use crate::error::RelayError;

#[derive(Clone)]
pub(crate) struct Origins {
    allowed: Arc<Vec<HeaderValue>>,
}

impl Origins {
    pub fn new(config: &CorsConfig) -> Self {
        let allowed = config
            .allowed_origins
            .iter()
            .filter_map(|origin| HeaderValue::from_str(origin).ok())
            .collect();
        Self {
            allowed: Arc::new(allowed),
        }
    }

    /// The CORS layer for the listed origins; `None` when there are none, so no CORS header is
    /// ever sent.
    pub fn layer(&self, config: &CorsConfig) -> Option<CorsLayer> {
        if self.allowed.is_empty() {
            return None;
        }
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(self.allowed.iter().cloned()))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, WIDGET_HEADER])
                // `Date` lets the widget count down to an `expiresAt` by the relay's clock.
                .expose_headers([
                    header::RETRY_AFTER,
                    header::DATE,
                    HeaderName::from_static("x-request-id"),
                ])
                .allow_credentials(config.allow_credentials)
                .max_age(Duration::from_secs(600)),
        )
    }

    fn allows(&self, origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
        self.allowed.contains(origin) || same_origin(origin, host)
    }
}

/// The page was served by this relay: the origin's `host[:port]` is the request's `Host`, which
/// the host guard (outside this one) has found on the allowed list.
fn same_origin(origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), host.map(|h| h.to_str())) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

pub(crate) async fn guard(
    State(origins): State<Origins>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    match headers.get(header::ORIGIN) {
        Some(origin) if !origins.allows(origin, headers.get(header::HOST)) => {
            tracing::info!(origin = ?origin, method = %request.method(), "origin not allowed");
            RelayError::OriginNotAllowed.into_response()
        }
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_and_same_origins_are_allowed() {
        let origins = Origins::new(&CorsConfig {
            allowed_origins: vec!["https://app.example.com".into()],
            allow_credentials: false,
        });
        let value = |s: &str| HeaderValue::from_str(s).unwrap();
        let host = value("relay.example.com:8443");
        assert!(origins.allows(&value("https://app.example.com"), Some(&host)));
        assert!(origins.allows(&value("https://relay.example.com:8443"), Some(&host)));
        for refused in [
            "https://evil.example",
            "https://app.example.com.evil.example",
            "http://app.example.com",
            "https://relay.example.com",
            "null",
        ] {
            assert!(!origins.allows(&value(refused), Some(&host)), "{refused}");
        }
        assert!(!origins.allows(&value("https://relay.example.com:8443"), None));
    }

    #[test]
    fn no_listed_origin_means_no_cors_layer() {
        let config = CorsConfig::default();
        assert!(Origins::new(&config).layer(&config).is_none());
    }
}
