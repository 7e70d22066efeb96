//! zapi-connect: link a WhatsApp phone to a Z-API instance by scanning a QR code.
//!
//! The widget talks only to a backend relay (see the repository's `relay/`), never to Z-API.
//! Use it as the Leptos component [`ZapiConnect`] or, from the npm package, as the
//! `<zapi-connect>` custom element.

pub mod error;
pub mod machine;
pub mod messages;
pub mod qr_svg;
pub mod relay;

pub use error::{ErrorCode, WidgetError};
pub use machine::{QrFormat, StateName, WidgetEvent};
mod component;
mod fetch;

pub use component::ZapiConnect;
mod element;

pub use element::ZapiConnectElement;
