//! The connection callbacks the simulated instance posts, and the URLs it accepts for them.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use crate::state::Callback;

/// A receiver that does not answer within this is abandoned; the Z-API answers never wait.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Why `update-webhook-*` refused a URL.
pub(crate) const URL_REFUSED: &str =
    "Invalid URL: use https://, or http:// on a loopback address (simulator only)";

/// Z-API posts only to HTTPS. The simulator also takes `http://` on a loopback host, so that
/// tests need no TLS.
pub(crate) fn acceptable_url(value: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(value) else {
        return false;
    };
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => match url.host() {
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => false,
        },
        _ => false,
    }
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(CALLBACK_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// Fire and forget: posted from a task of its own, the answer only logged. Outside a Tokio
/// runtime (a plain unit test) nothing can be posted.
pub(crate) fn post(callback: Option<Callback>) {
    let Some(Callback { url, body }) = callback else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no runtime to post the callback on");
        return;
    };
    runtime.spawn(async move {
        let sent = client()
            .post(&url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        match sent {
            Ok(response) => tracing::info!(status = %response.status(), "callback posted"),
            Err(error) => tracing::warn!(%error, "callback not delivered"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_on_loopback_only() {
        assert!(acceptable_url("https://relay.example.com/webhooks/x"));
        assert!(acceptable_url("http://127.0.0.1:8080/webhooks/x"));
        assert!(acceptable_url("http://[::1]:8080/x"));
        assert!(acceptable_url("http://localhost:3000/x"));
        assert!(!acceptable_url("http://relay.example.com/x"));
        assert!(!acceptable_url("http://10.0.0.1/x"));
        assert!(!acceptable_url("ftp://127.0.0.1/x"));
        assert!(!acceptable_url("not a url"));
    }
}
