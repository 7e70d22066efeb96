//! `GET /healthz`: the relay is up. Does not call Z-API.

use axum::Json;
use serde_json::{json, Value};

pub async fn get() -> Json<Value> {
    Json(json!({ "ok": true }))
}
