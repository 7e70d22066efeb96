use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Every way a relay request can fail. The response is always the JSON envelope
/// `{"code": ..., "error": ..., "retryable": ...}` with a stable `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayError {
    /// No such route (404 `not_found`).
    NotFound,
    /// The phone segment is not 8–15 ASCII digits (400 `invalid_phone`).
    InvalidPhone,
    /// No valid ticket, or (`header` mode) no correct proxy secret (401 `unauthorized`).
    Unauthorized,
    /// A browser on an origin that is not allowed (403 `origin_not_allowed`).
    OriginNotAllowed,
    /// A request a cross-site page could have made: `Sec-Fetch-Site` says another site without
    /// an `Origin` to check, or (cookie modes) the `X-Zapi-Connect` header is missing (403
    /// `cross_site_request`).
    CrossSiteRequest,
    /// The `Host` is not one the relay serves, as after DNS rebinding (421 `host_not_allowed`).
    HostNotAllowed,
    /// `forward` mode: the app's session endpoint did not answer in time, refused the
    /// connection or failed (503 `auth_unavailable`).
    AuthUnavailable,
    /// Connection refused, DNS failure, TLS failure (502 `upstream_unreachable`).
    UpstreamUnreachable,
    /// Z-API did not answer within the timeout (504 `upstream_timeout`).
    UpstreamTimeout,
    /// A 2xx body that is not a JSON object, or too large (502 `upstream_malformed`).
    UpstreamMalformed,
    /// Z-API rejected the Client-Token or the relay's IP (403 `access_denied`).
    AccessDenied,
    /// The instance must be subscribed again (402 `subscription_expired`).
    SubscriptionExpired,
    /// A route that exists, asked with another method (405 `method_not_allowed`).
    MethodNotAllowed,
    /// A webhook body that is not one of Z-API's connection callbacks (400 `invalid_webhook`).
    InvalidWebhook,
    /// A request body over the route's cap (413 `payload_too_large`).
    PayloadTooLarge,
    /// Replicas share events through Redis, which cannot be reached now: no event stream opens
    /// and no callback is taken until it returns (503 `events_unavailable`). Widgets poll
    /// meanwhile; Z-API retries its callbacks.
    EventsUnavailable,
    /// The client asked too often (429 `rate_limited`, with `Retry-After`).
    RateLimited { retry_after_secs: u64 },
    /// Any other non-2xx answer (502 `upstream_error`). `message` is Z-API's `error` text, kept
    /// only when it contains no secret.
    UpstreamError {
        status: u16,
        message: Option<String>,
    },
}

impl RelayError {
    pub fn code(&self) -> &'static str {
        match self {
            RelayError::NotFound => "not_found",
            RelayError::InvalidPhone => "invalid_phone",
            RelayError::Unauthorized => "unauthorized",
            RelayError::OriginNotAllowed => "origin_not_allowed",
            RelayError::CrossSiteRequest => "cross_site_request",
            RelayError::HostNotAllowed => "host_not_allowed",
            RelayError::AuthUnavailable => "auth_unavailable",
            RelayError::UpstreamUnreachable => "upstream_unreachable",
            RelayError::UpstreamTimeout => "upstream_timeout",
            RelayError::UpstreamMalformed => "upstream_malformed",
            RelayError::AccessDenied => "access_denied",
            RelayError::SubscriptionExpired => "subscription_expired",
            RelayError::UpstreamError { .. } => "upstream_error",
            RelayError::RateLimited { .. } => "rate_limited",
            RelayError::MethodNotAllowed => "method_not_allowed",
            RelayError::InvalidWebhook => "invalid_webhook",
            RelayError::PayloadTooLarge => "payload_too_large",
            RelayError::EventsUnavailable => "events_unavailable",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            RelayError::NotFound => StatusCode::NOT_FOUND,
            RelayError::InvalidPhone => StatusCode::BAD_REQUEST,
            RelayError::Unauthorized => StatusCode::UNAUTHORIZED,
            RelayError::OriginNotAllowed | RelayError::CrossSiteRequest => StatusCode::FORBIDDEN,
            RelayError::HostNotAllowed => StatusCode::MISDIRECTED_REQUEST,
            RelayError::AuthUnavailable | RelayError::EventsUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            RelayError::UpstreamUnreachable
            | RelayError::UpstreamMalformed
            | RelayError::UpstreamError { .. } => StatusCode::BAD_GATEWAY,
            RelayError::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            RelayError::AccessDenied => StatusCode::FORBIDDEN,
            RelayError::SubscriptionExpired => StatusCode::PAYMENT_REQUIRED,
            RelayError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            RelayError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            RelayError::InvalidWebhook => StatusCode::BAD_REQUEST,
            RelayError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// Whether trying again later may succeed without anyone changing anything.
    pub fn retryable(&self) -> bool {
        match self {
            RelayError::UpstreamUnreachable
            | RelayError::UpstreamTimeout
            | RelayError::UpstreamMalformed
            | RelayError::AuthUnavailable
            | RelayError::EventsUnavailable
            | RelayError::RateLimited { .. } => true,
            RelayError::UpstreamError { status, .. } => *status >= 500 || *status == 429,
            RelayError::NotFound
            | RelayError::InvalidPhone
            | RelayError::Unauthorized
            | RelayError::OriginNotAllowed
            | RelayError::CrossSiteRequest
            | RelayError::HostNotAllowed
            | RelayError::AccessDenied
            | RelayError::SubscriptionExpired
            | RelayError::MethodNotAllowed
            | RelayError::InvalidWebhook
            | RelayError::PayloadTooLarge => false,
        }
    }

    /// The human message of the envelope.
    pub fn message(&self) -> String {
        match self {
            RelayError::NotFound => "Not found.".to_owned(),
            RelayError::InvalidPhone => {
                "The phone number must be 8 to 15 digits, country code first.".to_owned()
            }
            RelayError::Unauthorized => {
                "The relay needs a valid, unexpired ticket (or your app's sign-in).".to_owned()
            }
            RelayError::OriginNotAllowed => "This page's origin may not use the relay.".to_owned(),
            RelayError::CrossSiteRequest => {
                "The relay only answers its widget, not requests another site could make."
                    .to_owned()
            }
            RelayError::HostNotAllowed => "The relay does not serve this host name.".to_owned(),
            RelayError::AuthUnavailable => {
                "The sign-in check did not answer; try again in a moment.".to_owned()
            }
            RelayError::UpstreamUnreachable => "Z-API could not be reached.".to_owned(),
            RelayError::UpstreamTimeout => "Z-API did not answer in time.".to_owned(),
            RelayError::UpstreamMalformed => {
                "Z-API sent an answer the relay cannot use.".to_owned()
            }
            RelayError::AccessDenied => {
                "Z-API refused the relay's credentials (Client-Token or IP allow-list).".to_owned()
            }
            RelayError::SubscriptionExpired => {
                "The Z-API instance must be subscribed again.".to_owned()
            }
            RelayError::RateLimited { retry_after_secs } => {
                format!("Too many requests; try again in {retry_after_secs} s.")
            }
            RelayError::MethodNotAllowed => "This route does not take that method.".to_owned(),
            RelayError::InvalidWebhook => {
                "Expected Z-API's ConnectedCallback or DisconnectedCallback as JSON.".to_owned()
            }
            RelayError::PayloadTooLarge => "The request body is too large.".to_owned(),
            RelayError::EventsUnavailable => {
                "Events are unavailable for now; poll the status meanwhile.".to_owned()
            }
            RelayError::UpstreamError {
                status,
                message: Some(message),
            } => format!("Z-API answered {status}: {message}"),
            RelayError::UpstreamError {
                status,
                message: None,
            } => format!("Z-API answered {status}."),
        }
    }
}

impl std::fmt::Display for RelayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for RelayError {}

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "code": self.code(),
            "error": self.message(),
            "retryable": self.retryable(),
        });
        if let RelayError::UpstreamError { status, .. } = &self {
            body["upstreamStatus"] = json!(status);
        }
        let mut response = (self.status(), Json(body)).into_response();
        if let RelayError::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        // The metrics count refusals by code; the status alone does not tell them apart.
        response.extensions_mut().insert(self);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_are_stable() {
        let cases = [
            (RelayError::NotFound, "not_found", 404, false),
            (RelayError::InvalidPhone, "invalid_phone", 400, false),
            (RelayError::Unauthorized, "unauthorized", 401, false),
            (
                RelayError::OriginNotAllowed,
                "origin_not_allowed",
                403,
                false,
            ),
            (
                RelayError::UpstreamUnreachable,
                "upstream_unreachable",
                502,
                true,
            ),
            (RelayError::UpstreamTimeout, "upstream_timeout", 504, true),
            (
                RelayError::UpstreamMalformed,
                "upstream_malformed",
                502,
                true,
            ),
            (
                RelayError::CrossSiteRequest,
                "cross_site_request",
                403,
                false,
            ),
            (RelayError::HostNotAllowed, "host_not_allowed", 421, false),
            (RelayError::AuthUnavailable, "auth_unavailable", 503, true),
            (RelayError::AccessDenied, "access_denied", 403, false),
            (
                RelayError::SubscriptionExpired,
                "subscription_expired",
                402,
                false,
            ),
            (
                RelayError::UpstreamError {
                    status: 500,
                    message: None,
                },
                "upstream_error",
                502,
                true,
            ),
            (
                RelayError::UpstreamError {
                    status: 409,
                    message: None,
                },
                "upstream_error",
                502,
                false,
            ),
            (
                RelayError::RateLimited {
                    retry_after_secs: 5,
                },
                "rate_limited",
                429,
                true,
            ),
        ];
        let cases = cases.into_iter().chain([
            (
                RelayError::MethodNotAllowed,
                "method_not_allowed",
                405,
                false,
            ),
            (RelayError::InvalidWebhook, "invalid_webhook", 400, false),
            (RelayError::PayloadTooLarge, "payload_too_large", 413, false),
            (
                RelayError::EventsUnavailable,
                "events_unavailable",
                503,
                true,
            ),
        ]);
        for (error, code, status, retryable) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.status().as_u16(), status);
            assert_eq!(error.retryable(), retryable, "{code}");
        }
    }
}
