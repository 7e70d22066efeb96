//! `GET {base}/qr-code/image`: the QR code as a PNG data URL.

use axum::extract::State;
use axum::response::Response;

use crate::error::RelayError;
use crate::upstream::{Upstream, ZapiPath};

pub async fn get(State(upstream): State<Upstream>) -> Result<Response, RelayError> {
    upstream.get(&ZapiPath::QrCodeImage).await
}
