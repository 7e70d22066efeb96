//! zapi-connect: link a WhatsApp phone to a Z-API instance by scanning a QR code or typing a
//! pairing code.
//!
//! The widget talks only to a backend relay (see the repository's `relay/`), never to Z-API.
//! Use it as the Leptos component [`ZapiConnect`] or, from the npm package, as the
//! `<zapi-connect>` custom element ([`ZapiConnectElement`] is its Rust side).

pub mod api;
pub mod error;
pub mod machine;
pub mod messages;
pub mod options;
pub mod phone;
pub mod qr_svg;
pub mod relay;

#[cfg(test)]
mod api_checks;
mod control;
#[cfg(feature = "element")]
mod element;
mod fetch;
mod runtime;
mod sse;
mod view;

pub use control::WidgetControl;
#[cfg(feature = "element")]
pub use element::ZapiConnectElement;
pub use error::{ErrorCode, WidgetError};
pub use machine::{CodeKind, Method, Methods, QrFormat, StateName, WidgetEvent};
pub use messages::Lang;
pub use options::{Options, Theme};
pub use view::ZapiConnect;
