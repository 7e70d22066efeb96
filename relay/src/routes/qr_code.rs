//! `GET {base}/qr-code`: the raw QR payload (`{"value":"2@..."}`).

use axum::extract::State;
use axum::response::Response;

use crate::error::RelayError;
use crate::upstream::{Upstream, ZapiPath};

pub async fn get(State(upstream): State<Upstream>) -> Result<Response, RelayError> {
    upstream.get(&ZapiPath::QrCode).await
}
