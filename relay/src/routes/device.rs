//! `GET {base}/device`: the linked phone (number, name, picture, app), passed through.

use axum::extract::State;
use axum::response::Response;
use axum::Extension;

use crate::auth::Tenant;
use crate::error::RelayError;
use crate::upstream::{Upstream, ZapiPath};

pub async fn get(
    State(upstream): State<Upstream>,
    Extension(tenant): Extension<Tenant>,
) -> Result<Response, RelayError> {
    upstream.get(&tenant.instance, &ZapiPath::Device).await
}
