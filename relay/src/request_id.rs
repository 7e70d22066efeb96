//! Request ids: the relay makes one for every request, unless a trusted proxy in front already
//! did (one short, printable value). A client cannot choose what the logs say about it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use axum::Extension;

use crate::client::ClientAddress;

pub(crate) const HEADER: &str = "x-request-id";

/// Longer ids are replaced: a proxy's id is a UUID or similar, well under this.
pub(crate) const MAX_BYTES: usize = 128;

/// Visible ASCII only: no spaces, control characters or bytes a log reader could misread.
pub(crate) fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=MAX_BYTES).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_graphic)
}

/// Drops a supplied `x-request-id` unless it comes from a trusted proxy and is acceptable, so
/// the layer after this one generates a fresh id.
pub(crate) async fn only_from_trusted_proxies(
    State(clients): State<Arc<ClientAddress>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    let headers = request.headers_mut();
    let mut supplied = headers.get_all(HEADER).iter();
    let keep = match (supplied.next(), supplied.next()) {
        (Some(value), None) => clients.is_trusted_peer(peer) && acceptable(value),
        _ => false,
    };
    if !keep {
        headers.remove(HEADER);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(bytes: &[u8]) -> HeaderValue {
        HeaderValue::from_bytes(bytes).unwrap()
    }

    #[test]
    fn a_proxy_id_is_kept_only_when_short_and_visible_ascii() {
        let longest = "x".repeat(MAX_BYTES);
        for kept in [
            "lb-7f3a9c",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "!",
            longest.as_str(),
        ] {
            assert!(acceptable(&header(kept.as_bytes())), "{kept:?}");
        }
        let too_long = "x".repeat(MAX_BYTES + 1);
        for replaced in [
            &b""[..],
            too_long.as_bytes(),
            b"two words",
            b"tab\there",
            b"caf\xe9",
        ] {
            assert!(
                !acceptable(&header(replaced)),
                "{:?}",
                String::from_utf8_lossy(replaced)
            );
        }
    }
}
