//! One module per route. The Z-API routes are thin: validation, then [`Upstream::get`].
//!
//! [`Upstream::get`]: crate::upstream::Upstream::get

pub mod device;
pub mod disconnect;
pub mod events;
pub mod extension_token;
pub mod healthz;
pub mod phone_code;
pub mod qr_code;
pub mod qr_code_image;
pub mod status;
pub mod webhooks;

use crate::error::RelayError;

/// Every unknown path and method.
pub async fn not_found() -> RelayError {
    RelayError::NotFound
}
