//! `GET {base}/extension-token`: a code for the Z-API Conector extension, for accounts whose
//! phone asks for a passkey (`{"token":"FA48-HS63","expiresAt":<unix ms>}`, passed through).

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
    upstream
        .get(&tenant.instance, &ZapiPath::ExtensionToken)
        .await
}
