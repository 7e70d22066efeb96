//! The client's address: the TCP peer, or, when the peer is a trusted proxy, the address that
//! proxy saw (`X-Forwarded-For`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

pub(crate) struct ClientAddress {
    trusted: Vec<IpNet>,
}

impl ClientAddress {
    pub fn new(trusted: Vec<IpNet>) -> Self {
        Self { trusted }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// Whether the TCP peer is one of the trusted proxies (never, without a peer address).
    pub fn is_trusted_peer(&self, peer: Option<IpAddr>) -> bool {
        peer.is_some_and(|ip| self.is_trusted(canonical(ip)))
    }

    /// Walks `X-Forwarded-For` from the right (the entries our own proxies appended) and stops
    /// at the first address that is not a trusted proxy: entries left of it are whatever the
    /// client chose to send.
    pub fn resolve(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
        let peer = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), canonical);
        if !self.is_trusted(peer) {
            return peer;
        }
        let mut client = peer;
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for entry in forwarded.into_iter().rev() {
            let Some(ip) = forwarded_address(entry) else {
                break;
            };
            client = canonical(ip);
            if !self.is_trusted(client) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, or an address with a port as some load balancers
/// write it (`203.0.113.5:41234`, `[2001:db8::1]:41234`), or a bracketed IPv6 address.
pub fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = entry.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let bracketed = entry.strip_prefix('[')?.strip_suffix(']')?;
    bracketed.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The key a client is limited under: the address, or its /64 for IPv6, since one subscriber
/// usually holds a whole /64 and can hop between its addresses at will.
pub(crate) fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in xff {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let clients = ClientAddress::new(vec![]);
        assert_eq!(
            clients.resolve(Some(ip("192.0.2.9")), &headers(&["203.0.113.5"])),
            ip("192.0.2.9")
        );
        assert_eq!(clients.resolve(None, &HeaderMap::new()), ip("0.0.0.0"));
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let clients = ClientAddress::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let lb = Some(ip("10.0.0.2"));
        assert_eq!(
            clients.resolve(lb, &headers(&["203.0.113.5"])),
            ip("203.0.113.5")
        );
        // A client cannot pick its address by sending its own X-Forwarded-For.
        assert_eq!(
            clients.resolve(lb, &headers(&["198.51.100.1, 203.0.113.5"])),
            ip("203.0.113.5")
        );
        assert_eq!(
            clients.resolve(lb, &headers(&["198.51.100.1", "203.0.113.5, 10.1.2.3"])),
            ip("203.0.113.5")
        );
        assert_eq!(clients.resolve(lb, &headers(&["junk"])), ip("10.0.0.2"));
        assert_eq!(clients.resolve(lb, &HeaderMap::new()), ip("10.0.0.2"));
        // An untrusted peer's header is ignored.
        assert_eq!(
            clients.resolve(Some(ip("192.0.2.9")), &headers(&["203.0.113.5"])),
            ip("192.0.2.9")
        );
    }

    // Regression: entries with a port (Azure Application Gateway writes `ip:port`) or in
    // brackets stopped the walk, so every client behind such a proxy got the proxy's address
    // and all of them shared one rate-limit bucket.
    #[test]
    fn forwarded_entries_with_ports_or_brackets_give_the_address() {
        let clients = ClientAddress::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let lb = Some(ip("10.0.0.2"));
        for (entry, client) in [
            ("203.0.113.5:41234", "203.0.113.5"),
            ("[2001:db8::7]", "2001:db8::7"),
            ("[2001:db8::7]:41234", "2001:db8::7"),
            (" 203.0.113.5:1 ", "203.0.113.5"),
            ("[::ffff:203.0.113.5]:80", "203.0.113.5"),
        ] {
            assert_eq!(
                clients.resolve(lb, &headers(&[entry])),
                ip(client),
                "{entry}"
            );
        }
        assert_eq!(
            clients.resolve(lb, &headers(&["198.51.100.1:5, 10.1.2.3:443"])),
            ip("198.51.100.1")
        );
        for junk in [
            "[2001:db8::7",
            "203.0.113.5:",
            "203.0.113.5:99999",
            "[203.0.113.5]",
            "host:80",
        ] {
            assert_eq!(
                clients.resolve(lb, &headers(&[junk])),
                ip("10.0.0.2"),
                "{junk}"
            );
        }
    }

    #[test]
    fn only_a_trusted_peer_is_a_trusted_peer() {
        let clients = ClientAddress::new(vec!["10.0.0.0/8".parse().unwrap()]);
        assert!(clients.is_trusted_peer(Some(ip("10.0.0.2"))));
        assert!(clients.is_trusted_peer(Some(ip("::ffff:10.0.0.2"))));
        assert!(!clients.is_trusted_peer(Some(ip("192.0.2.9"))));
        assert!(!clients.is_trusted_peer(None));
    }

    #[test]
    fn ipv6_clients_are_limited_per_64() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa::1")),
            limit_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_key(ip("192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(canonical(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}
