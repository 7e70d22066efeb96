//! The control API under `/__sim`, used by tests and by the demo page's "simulated phone".

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use tower_http::cors::{Any, CorsLayer};

use crate::device::DevicePatch;
use crate::state::{Failure, Mode, Sim, UnknownInstance};

pub(crate) fn router() -> Router<Sim> {
    // The demo page runs on another origin than the simulator.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers(Any);
    Router::new()
        .route("/__sim/instances/{id}", get(show))
        .route("/__sim/instances/{id}/scan", post(scan))
        .route("/__sim/instances/{id}/disconnect", post(disconnect))
        .route("/__sim/instances/{id}/reset", post(reset_instance))
        .route("/__sim/instances/{id}/failure", post(set_failure))
        .route("/__sim/instances/{id}/mode", post(set_mode))
        .route("/__sim/instances/{id}/device", post(set_device))
        .route("/__sim/instances/{id}/extension", post(extension))
        .route("/__sim/clock/advance", post(advance_clock))
        .route("/__sim/reset", post(reset_all))
        .route("/__sim/connections", get(connections))
        .layer(cors)
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

/// Accepts a JSON body whatever its content type, so `curl -d` works without a header.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

fn show_or_404(sim: &Sim, result: Result<(), UnknownInstance>, id: &str) -> Response {
    match result.ok().and_then(|()| sim.snapshot(id)) {
        Some(snapshot) => Json(snapshot).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "Instance not found"})),
        )
            .into_response(),
    }
}

/// The TCP connections the binary's listener accepted, so that tests can tell whether a relay
/// keeps its connections to Z-API alive.
async fn connections(State(sim): State<Sim>) -> Response {
    Json(json!({ "accepted": sim.connections_accepted() })).into_response()
}

async fn show(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    show_or_404(&sim, Ok(()), &id)
}

async fn scan(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    let result = sim.scan(&id);
    show_or_404(&sim, result, &id)
}

async fn disconnect(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    let result = sim.disconnect(&id);
    show_or_404(&sim, result, &id)
}

async fn reset_instance(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    let result = sim.reset_instance(&id);
    show_or_404(&sim, result, &id)
}

async fn set_failure(State(sim): State<Sim>, Path(id): Path<String>, body: Bytes) -> Response {
    let failure: Failure = match parse(&body) {
        Ok(failure) => failure,
        Err(message) => return bad_request(message),
    };
    let result = sim.set_failure(&id, failure);
    show_or_404(&sim, result, &id)
}

async fn set_mode(State(sim): State<Sim>, Path(id): Path<String>, body: Bytes) -> Response {
    let mode: Mode = match parse(&body) {
        Ok(mode) => mode,
        Err(message) => return bad_request(message),
    };
    let result = sim.set_mode(&id, mode);
    show_or_404(&sim, result, &id)
}

async fn set_device(State(sim): State<Sim>, Path(id): Path<String>, body: Bytes) -> Response {
    let patch: DevicePatch = match parse(&body) {
        Ok(patch) => patch,
        Err(message) => return bad_request(message),
    };
    let result = sim.set_device(&id, patch);
    show_or_404(&sim, result, &id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtensionCode {
    code: String,
}

/// The simulated Z-API Conector extension: the user typed `code` into it and confirmed.
async fn extension(State(sim): State<Sim>, Path(id): Path<String>, body: Bytes) -> Response {
    let ExtensionCode { code } = match parse(&body) {
        Ok(code) => code,
        Err(message) => return bad_request(message),
    };
    match sim.extension(&id, &code) {
        Ok(Err(refusal)) => (
            StatusCode::CONFLICT,
            Json(json!({ "error": refusal.to_string() })),
        )
            .into_response(),
        Ok(Ok(())) => show_or_404(&sim, Ok(()), &id),
        Err(unknown) => show_or_404(&sim, Err(unknown), &id),
    }
}

#[derive(Deserialize)]
struct Advance {
    ms: u64,
}

async fn advance_clock(State(sim): State<Sim>, body: Bytes) -> Response {
    let advance: Advance = match parse(&body) {
        Ok(advance) => advance,
        Err(message) => return bad_request(message),
    };
    sim.advance_clock(Duration::from_millis(advance.ms));
    let now_ms = u64::try_from(sim.now().as_millis()).unwrap_or(u64::MAX);
    Json(json!({ "ok": true, "nowMs": now_ms, "unixMs": sim.unix_ms() })).into_response()
}

async fn reset_all(State(sim): State<Sim>) -> Response {
    sim.reset();
    Json(json!({ "ok": true })).into_response()
}
