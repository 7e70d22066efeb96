//! The Z-API connection endpoints, answering the way Z-API does (see ZAPI.md).

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Extension, Json, Router};
use serde_json::json;

use crate::state::{Endpoint, FailureMode, Sim, WebhookKind};
use crate::webhooks;

pub(crate) fn router(sim: &Sim) -> Router<Sim> {
    let admitted = |endpoint| {
        middleware::from_fn_with_state(
            Gate {
                sim: sim.clone(),
                endpoint,
            },
            admission,
        )
    };
    let instance = "/instances/{id}/token/{token}";
    Router::new()
        .route(
            &format!("{instance}/qr-code"),
            get(qr_code).route_layer(admitted(Some(Endpoint::QrCode))),
        )
        .route(
            &format!("{instance}/qr-code/image"),
            get(qr_code_image).route_layer(admitted(Some(Endpoint::QrCodeImage))),
        )
        .route(
            &format!("{instance}/phone-code/{{phone}}"),
            get(phone_code).route_layer(admitted(Some(Endpoint::PhoneCode))),
        )
        .route(
            &format!("{instance}/status"),
            get(status).route_layer(admitted(Some(Endpoint::Status))),
        )
        .route(
            &format!("{instance}/extension-token"),
            get(extension_token).route_layer(admitted(Some(Endpoint::ExtensionToken))),
        )
        .route(
            &format!("{instance}/device"),
            get(device).route_layer(admitted(Some(Endpoint::Device))),
        )
        .route(
            &format!("{instance}/disconnect"),
            get(disconnect).route_layer(admitted(Some(Endpoint::Disconnect))),
        )
        // Configuration, not connection traffic: `calls` does not count these.
        .route(
            &format!("{instance}/update-webhook-connected"),
            put(update_webhook_connected).route_layer(admitted(None)),
        )
        .route(
            &format!("{instance}/update-webhook-disconnected"),
            put(update_webhook_disconnected).route_layer(admitted(None)),
        )
        .route_layer(middleware::from_fn_with_state(sim.clone(), any_origin))
}

/// The `any_origin` switch: CORS headers on every answer of the instance, which relays must
/// strip so that Z-API can never grant a browser access to the relay's origin.
async fn any_origin(
    State(sim): State<Sim>,
    Path(params): Path<Vec<(String, String)>>,
    request: Request,
    next: Next,
) -> Response {
    let id = params
        .into_iter()
        .find_map(|(name, value)| (name == "id").then_some(value));
    let on = id
        .and_then(|id| sim.failure(&id))
        .is_some_and(|f| f.any_origin);
    let mut response = next.run(request).await;
    if on {
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    response
}

type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn already_connected() -> Response {
    Json(json!({"connected": true, "error": "You are already connected."})).into_response()
}

fn instance_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Instance not found")
}

/// Why a call does not get the instance's normal answer.
enum Rejection {
    InstanceNotFound,
    ClientTokenMissing,
    ClientTokenWrong,
    IpNotAllowed(String),
    Injected(FailureMode),
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::InstanceNotFound => instance_not_found(),
            Rejection::ClientTokenMissing => error(StatusCode::BAD_REQUEST, "null not allowed"),
            Rejection::ClientTokenWrong => error(StatusCode::FORBIDDEN, "Client-Token not allowed"),
            Rejection::IpNotAllowed(ip) => {
                error(StatusCode::FORBIDDEN, &format!("{ip} not allowed"))
            }
            Rejection::Injected(mode) => injected(mode),
        }
    }
}

/// The answer of a failure mode that replaces the normal one.
fn injected(mode: FailureMode) -> Response {
    match mode {
        FailureMode::SubscriptionExpired => error(
            StatusCode::BAD_REQUEST,
            "To continue sending a message, you must subscribe to this instance again",
        ),
        FailureMode::ClientTokenRejected => error(StatusCode::BAD_REQUEST, "null not allowed"),
        FailureMode::IpNotAllowed => error(StatusCode::FORBIDDEN, "203.0.113.7 not allowed"),
        FailureMode::Garbage => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<html>oops</html>",
        )
            .into_response(),
        FailureMode::Oversized => oversized(),
        FailureMode::ServerError
        | FailureMode::None
        | FailureMode::RestoreSession
        | FailureMode::Slow => error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
    }
}

/// Everything that happens before the instance's normal answer: counting, latency, the three
/// kinds of credential, and the injected failure.
/// `Ok(restore_session)` tells `/status` to report a dropped session.
async fn admit(
    sim: &Sim,
    endpoint: Option<Endpoint>,
    id: &str,
    token: &str,
    headers: &HeaderMap,
    peer: Peer,
) -> Result<bool, Rejection> {
    let start = sim
        .start_call(id, token, endpoint, header_names(headers))
        .ok_or(Rejection::InstanceNotFound)?;
    let failure = start.failure;
    if failure.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(failure.latency_ms)).await;
    }
    if !start.token_ok {
        return Err(Rejection::InstanceNotFound);
    }
    if let Some(expected) = &sim.config().client_token {
        match headers.get("client-token") {
            None => return Err(Rejection::ClientTokenMissing),
            Some(given) if given.as_bytes() != expected.as_bytes() => {
                return Err(Rejection::ClientTokenWrong)
            }
            Some(_) => {}
        }
    }
    if let Some(allowed) = &sim.config().allowed_ips {
        let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
        if !ip.is_some_and(|ip| allowed.contains(&ip)) {
            let shown = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
            return Err(Rejection::IpNotAllowed(shown));
        }
    }
    match failure.mode {
        FailureMode::None => Ok(false),
        FailureMode::RestoreSession => Ok(true),
        FailureMode::Slow => {
            tokio::time::sleep(Duration::from_millis(failure.delay_ms)).await;
            Ok(false)
        }
        mode => Err(Rejection::Injected(mode)),
    }
}

/// Which endpoint a route counts its calls under (`None`: not counted).
#[derive(Clone)]
struct Gate {
    sim: Sim,
    endpoint: Option<Endpoint>,
}

/// What a handler learns from its admission: `/status` reports a dropped session.
#[derive(Clone, Copy)]
struct Admitted {
    restore_session: bool,
}

/// Runs [`admit`] before every instance route's handler, which then only gives the answer.
async fn admission(
    State(gate): State<Gate>,
    Path(params): Path<Vec<(String, String)>>,
    peer: Peer,
    mut request: Request,
    next: Next,
) -> Response {
    let param = |wanted: &str| {
        params
            .iter()
            .find_map(|(name, value)| (name == wanted).then_some(value.as_str()))
            .unwrap_or_default()
    };
    let admitted = admit(
        &gate.sim,
        gate.endpoint,
        param("id"),
        param("token"),
        request.headers(),
        peer,
    )
    .await;
    match admitted {
        Err(rejection) => rejection.into_response(),
        Ok(restore_session) => {
            request
                .extensions_mut()
                .insert(Admitted { restore_session });
            next.run(request).await
        }
    }
}

fn header_names(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn oversized() -> Response {
    let filler = "A".repeat(3 * 1024 * 1024);
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!(r#"{{"value":"{filler}"}}"#),
    )
        .into_response()
}

type Instance = Path<(String, String)>;

async fn qr_code(State(sim): State<Sim>, Path((id, _)): Instance) -> Response {
    match sim.qr_answer(&id) {
        None => instance_not_found(),
        Some(answer) if answer.connected => already_connected(),
        Some(answer) => Json(json!({ "value": &*answer.value })).into_response(),
    }
}

async fn qr_code_image(State(sim): State<Sim>, Path((id, _)): Instance) -> Response {
    match sim.qr_image_answer(&id) {
        None => instance_not_found(),
        Some(answer) if answer.connected => already_connected(),
        Some(answer) => Json(json!({ "value": &*answer.value })).into_response(),
    }
}

/// Z-API wants country code + area code + number, digits only.
fn valid_phone(phone: &str) -> bool {
    (10..=15).contains(&phone.len()) && phone.bytes().all(|b| b.is_ascii_digit())
}

async fn phone_code(
    State(sim): State<Sim>,
    Path((id, _, phone)): Path<(String, String, String)>,
) -> Response {
    if !valid_phone(&phone) {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid phone number: use 10 to 15 digits, country code first",
        );
    }
    match sim.phone_code_answer(&id) {
        None => instance_not_found(),
        Some(answer) if answer.connected => already_connected(),
        Some(answer) => Json(json!({ "value": &*answer.value })).into_response(),
    }
}

async fn status(
    State(sim): State<Sim>,
    Path((id, _)): Instance,
    Extension(admitted): Extension<Admitted>,
) -> Response {
    let body = if admitted.restore_session {
        json!({"connected": false, "error": "You need to restore the session.", "smartphoneConnected": false})
    } else {
        match sim.is_connected(&id) {
            None => return instance_not_found(),
            Some(true) => {
                json!({"connected": true, "error": "You are already connected.", "smartphoneConnected": true})
            }
            Some(false) => {
                json!({"connected": false, "error": "You are not connected.", "smartphoneConnected": false})
            }
        }
    };
    Json(body).into_response()
}

async fn extension_token(State(sim): State<Sim>, Path((id, _)): Instance) -> Response {
    match sim.extension_token_answer(&id) {
        None => instance_not_found(),
        Some(None) => already_connected(),
        Some(Some(token)) => Json(token).into_response(),
    }
}

/// Z-API does not document its answer when nothing is linked; the simulator answers 400 with
/// the same text as `/status`.
async fn device(State(sim): State<Sim>, Path((id, _)): Instance) -> Response {
    match sim.device_answer(&id) {
        None => instance_not_found(),
        Some(None) => error(StatusCode::BAD_REQUEST, "You are not connected."),
        Some(Some(device)) => Json(device).into_response(),
    }
}

async fn disconnect(State(sim): State<Sim>, Path((id, _)): Instance) -> Response {
    match sim.disconnect(&id) {
        Err(_) => instance_not_found(),
        Ok(()) => Json(json!({ "value": true })).into_response(),
    }
}

#[derive(serde::Deserialize)]
struct WebhookUrl {
    value: String,
}

/// `update-webhook-*`: an empty value removes the URL.
fn update_webhook(sim: &Sim, kind: WebhookKind, id: &str, body: &[u8]) -> Response {
    let Ok(WebhookUrl { value }) = serde_json::from_slice(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid body: expected {\"value\": \"https://...\"}",
        );
    };
    let value = value.trim();
    let url = if value.is_empty() {
        None
    } else if webhooks::acceptable_url(value) {
        Some(value.to_owned())
    } else {
        return error(StatusCode::BAD_REQUEST, webhooks::URL_REFUSED);
    };
    match sim.set_webhook(id, kind, url) {
        Err(_) => instance_not_found(),
        Ok(()) => Json(json!({ "value": true })).into_response(),
    }
}

async fn update_webhook_connected(
    State(sim): State<Sim>,
    Path((id, _)): Instance,
    body: Bytes,
) -> Response {
    update_webhook(&sim, WebhookKind::Connected, &id, &body)
}

async fn update_webhook_disconnected(
    State(sim): State<Sim>,
    Path((id, _)): Instance,
    body: Bytes,
) -> Response {
    update_webhook(&sim, WebhookKind::Disconnected, &id, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_ten_to_fifteen_digits() {
        assert!(valid_phone("5511999999999"));
        assert!(valid_phone("1234567890"));
        assert!(valid_phone("123456789012345"));
        assert!(!valid_phone("123456789"));
        assert!(!valid_phone("1234567890123456"));
        assert!(!valid_phone("+5511999999999"));
        assert!(!valid_phone("55 11999999999"));
        assert!(!valid_phone("５５１１９９９９９９９９９"));
    }
}
