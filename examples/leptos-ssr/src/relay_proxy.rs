//! `/zapi/*` on the app's own origin, forwarded to the relay. The browser only ever talks to
//! this server; the relay, which holds the Z-API secrets, need not be reachable from outside.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The relay's base URL and one pooled client for it.
#[derive(Clone)]
pub struct Relay {
    base: String,
    client: reqwest::Client,
}

impl Relay {
    pub fn new(base: &str) -> Result<Relay, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            // Longer than the widget's own 10 s, so that the widget reports the timeout.
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Relay {
            base: base.trim_end_matches('/').to_owned(),
            client,
        })
    }
}

pub fn routes(relay: Relay) -> Router {
    Router::new()
        .route("/{*path}", get(forward))
        .with_state(relay)
}

/// What travels from the browser to the relay: the widget's ticket, if it has one.
const REQUEST_HEADERS: [HeaderName; 1] = [header::AUTHORIZATION];
/// What travels back.
const ANSWER_HEADERS: [HeaderName; 3] = [
    header::CONTENT_TYPE,
    header::CACHE_CONTROL,
    header::RETRY_AFTER,
];

/// GETs the same path (below the base) from the relay and hands its answer back as it is.
async fn forward(State(relay): State<Relay>, uri: Uri, headers: HeaderMap) -> Response {
    // Inside the nested router `uri` is the path below `/zapi`, still percent-encoded.
    let mut request = relay.client.get(format!("{}{}", relay.base, uri.path()));
    for name in REQUEST_HEADERS {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value);
        }
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(error) => return unreachable(error),
    };
    let status = answer.status();
    let mut kept = HeaderMap::new();
    for name in ANSWER_HEADERS {
        if let Some(value) = answer.headers().get(&name) {
            kept.insert(name, value.clone());
        }
    }
    match answer.bytes().await {
        Ok(body) => (status, kept, body).into_response(),
        Err(error) => unreachable(error),
    }
}

/// The relay did not answer: the same envelope the relay uses when Z-API does not.
fn unreachable(error: reqwest::Error) -> Response {
    let (status, code) = if error.is_timeout() {
        (StatusCode::GATEWAY_TIMEOUT, "upstream_timeout")
    } else {
        (StatusCode::BAD_GATEWAY, "upstream_unreachable")
    };
    // Without the URL: its last segment may be the user's phone number.
    eprintln!("zapi-connect-ssr-example: relay: {}", error.without_url());
    let body =
        format!(r#"{{"code":"{code}","error":"The relay did not answer.","retryable":true}}"#);
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
