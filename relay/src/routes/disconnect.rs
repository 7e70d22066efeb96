//! `POST {base}/disconnect`: unlinks the phone (Z-API's `GET /disconnect`, `{"value":true}`).
//! Routed only when the configuration allows it. A POST, so that neither a link, an image nor a
//! prefetch can trigger it, and a cross-origin page needs the CORS preflight, which only listed
//! origins pass.

use axum::extract::State;
use axum::response::Response;
use axum::Extension;

use crate::auth::Tenant;
use crate::error::RelayError;
use crate::upstream::{Upstream, ZapiPath};

pub async fn post(
    State(upstream): State<Upstream>,
    Extension(tenant): Extension<Tenant>,
) -> Result<Response, RelayError> {
    upstream.get(&tenant.instance, &ZapiPath::Disconnect).await
}
