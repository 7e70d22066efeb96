//! The `Host` names the relay answers to. A page on `http://attacker.example:8787` whose name
//! the attacker re-points at the relay's address (DNS rebinding) is same-origin with the relay
//! in the browser's eyes, so neither CORS nor the origin guard stops it; its requests still
//! carry `Host: attacker.example:8787`, which is not on this list. Other hosts get 421
//! `host_not_allowed` before anything else runs. `/healthz` answers any host, so that probes
//! which address the relay by a pod's IP keep working; it tells nothing.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::RelayError;

/// Every `Host` is allowed: for a relay behind a proxy that checks the host itself.
pub const ANY_HOST: &str = "*";

#[derive(Clone)]
pub(crate) struct AllowedHosts {
    /// Lowercase `host[:port]` as browsers send it; `None` allows any.
    hosts: Option<Arc<[String]>>,
}

impl AllowedHosts {
    /// `listed` as configured; empty means [`default_hosts`] of `bind`.
    pub fn new(listed: &[String], bind: &str) -> Self {
        if listed.iter().any(|host| host.trim() == ANY_HOST) {
            return Self { hosts: None };
        }
        let hosts: Vec<String> = if listed.is_empty() {
            default_hosts(bind)
        } else {
            listed
                .iter()
                .map(|host| host.trim().to_ascii_lowercase())
                .collect()
        };
        Self {
            hosts: Some(hosts.into()),
        }
    }

    fn allows(&self, host: &str) -> bool {
        match &self.hosts {
            None => true,
            Some(hosts) => hosts
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(host)),
        }
    }

    /// `Err` names what is wrong, for the log. A request without `Host` (HTTP/1.0, or a test
    /// calling the router directly) is no rebinding attempt: browsers always send one.
    fn check(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), &'static str> {
        let mut values = headers.get_all(header::HOST).iter();
        let host = values.next();
        if values.next().is_some() {
            return Err("the Host header is repeated");
        }
        if let Some(host) = host {
            let host = host.to_str().map_err(|_| "the Host header is not ASCII")?;
            if !self.allows(host.trim()) {
                return Err("the Host is not an allowed host");
            }
        }
        // An absolute-form request line names a host too; both must be allowed.
        if let Some(authority) = uri.authority() {
            if !self.allows(authority.as_str()) {
                return Err("the request line names a host that is not allowed");
            }
        }
        Ok(())
    }
}

/// The bind address as `host:port`, and the loopback names with the same port, since a relay
/// on loopback is reached by any of them. An unspecified address (`0.0.0.0`, `[::]`) names no
/// host a browser would send: only the loopback names remain, and other names must be listed.
pub fn default_hosts(bind: &str) -> Vec<String> {
    let bind = bind.trim().to_ascii_lowercase();
    let port = match bind.parse::<SocketAddr>() {
        Ok(addr) => addr.port(),
        Err(_) => match bind.rsplit_once(':').map(|(_, port)| port.parse::<u16>()) {
            Some(Ok(port)) => port,
            _ => return vec![bind],
        },
    };
    let mut hosts = Vec::with_capacity(4);
    let unspecified = bind
        .parse::<SocketAddr>()
        .is_ok_and(|addr| addr.ip().is_unspecified());
    if !unspecified {
        hosts.push(bind.clone());
    }
    for loopback in ["localhost", "127.0.0.1", "[::1]"] {
        let host = format!("{loopback}:{port}");
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

pub(crate) async fn guard(
    State(hosts): State<AllowedHosts>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    match hosts.check(request.headers(), request.uri()) {
        Ok(()) => next.run(request).await,
        Err(reason) => {
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            tracing::info!(reason, host, "host not allowed");
            RelayError::HostNotAllowed.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(hosts: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for host in hosts {
            headers.append(header::HOST, host.parse().unwrap());
        }
        headers
    }

    #[test]
    fn the_default_is_the_bind_address_and_loopback_with_its_port() {
        assert_eq!(
            default_hosts("127.0.0.1:8787"),
            ["127.0.0.1:8787", "localhost:8787", "[::1]:8787"]
        );
        assert_eq!(
            default_hosts("0.0.0.0:9000"),
            ["localhost:9000", "127.0.0.1:9000", "[::1]:9000"]
        );
        assert_eq!(
            default_hosts("[::]:9000"),
            ["localhost:9000", "127.0.0.1:9000", "[::1]:9000"]
        );
        assert_eq!(
            default_hosts("Relay.Internal:8787"),
            [
                "relay.internal:8787",
                "localhost:8787",
                "127.0.0.1:8787",
                "[::1]:8787"
            ]
        );
    }

    #[test]
    fn only_listed_hosts_pass() {
        let hosts = AllowedHosts::new(&[], "127.0.0.1:8787");
        let uri = Uri::from_static("/zapi/status");
        for allowed in ["127.0.0.1:8787", "LOCALHOST:8787", "[::1]:8787"] {
            assert_eq!(hosts.check(&headers(&[allowed]), &uri), Ok(()), "{allowed}");
        }
        assert_eq!(hosts.check(&HeaderMap::new(), &uri), Ok(()));
        for refused in [
            "attacker.example:8787",
            "attacker.example",
            "127.0.0.1",
            "127.0.0.1:8788",
            "localhost",
            "localhost.:8787",
            "127.0.0.1:8787.attacker.example",
            "",
        ] {
            assert!(
                hosts.check(&headers(&[refused]), &uri).is_err(),
                "{refused}"
            );
        }
        assert_eq!(
            hosts.check(&headers(&["127.0.0.1:8787", "attacker.example"]), &uri),
            Err("the Host header is repeated")
        );
        let absolute = Uri::from_static("http://attacker.example:8787/zapi/status");
        assert!(hosts
            .check(&headers(&["127.0.0.1:8787"]), &absolute)
            .is_err());

        let listed = AllowedHosts::new(&["Relay.Example.com".into()], "0.0.0.0:8787");
        assert!(listed.check(&headers(&["relay.example.com"]), &uri).is_ok());
        assert!(listed.check(&headers(&["localhost:8787"]), &uri).is_err());
        let any = AllowedHosts::new(&[ANY_HOST.into()], "127.0.0.1:8787");
        assert!(any.check(&headers(&["anything:1"]), &uri).is_ok());
    }
}
