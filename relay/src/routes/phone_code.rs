//! `GET {base}/phone-code/{phone}`: a pairing code for the phone number. The digits are the only
//! thing from the browser that reaches Z-API, and only after validation.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;

use crate::auth::Tenant;
use crate::error::RelayError;
use crate::upstream::{Phone, Upstream, ZapiPath};

pub async fn get(
    State(upstream): State<Upstream>,
    Extension(tenant): Extension<Tenant>,
    phone: Result<Path<String>, PathRejection>,
) -> Result<Response, RelayError> {
    // A rejection here is a segment that does not decode to UTF-8: not a phone number either.
    let Path(raw) = phone.map_err(|_| RelayError::InvalidPhone)?;
    let phone = Phone::parse(&raw)?;
    upstream
        .get(&tenant.instance, &ZapiPath::PhoneCode(phone))
        .await
}
