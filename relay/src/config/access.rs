//! Who may reach the relay, and by which name: an open relay only on loopback unless the
//! operator says otherwise, the session endpoint of `forward` mode and its bounds, and the
//! `Host` names served.

use std::net::SocketAddr;

use axum::http::uri::Authority;
use axum::http::HeaderName;
use reqwest::Url;

use super::error::invalid;
use super::{AuthMode, ConfigError, ForwardAuthConfig, RelayConfig};
use crate::hosts::ANY_HOST;

impl RelayConfig {
    pub(super) fn validate_access(&self) -> Result<(), ConfigError> {
        if self.auth.mode == AuthMode::None
            && !self.auth.allow_unauthenticated
            && !is_loopback(&self.bind)
        {
            return Err(invalid("auth.mode")(format!(
                "none on {} lets anyone who reaches that address link a phone to the instance; \
                 use ticket, header or forward, or, if something in front authenticates every \
                 request, set [auth] allow_unauthenticated = true \
                 (RELAY_ALLOW_UNAUTHENTICATED=true)",
                self.bind
            )));
        }
        if self.auth.mode == AuthMode::Forward {
            self.validate_forward()?;
        }
        for host in &self.allowed_hosts {
            check_host(host).map_err(invalid("allowed_hosts"))?;
        }
        if let Some(bind) = &self.metrics.bind {
            self.validate_metrics_bind(bind)?;
        }
        Ok(())
    }

    /// The metrics tell request counts by route and status: not secret, but not for strangers
    /// either, and a scrape costs the relay work.
    fn validate_metrics_bind(&self, bind: &str) -> Result<(), ConfigError> {
        let port = bind
            .rsplit_once(':')
            .filter(|(host, _)| !host.is_empty())
            .and_then(|(_, port)| port.parse::<u16>().ok());
        let Some(port) = port else {
            return Err(invalid("metrics.bind")(format!(
                "{bind:?} must be host:port, such as 127.0.0.1:9464"
            )));
        };
        if port != 0 && bind.eq_ignore_ascii_case(self.bind.trim()) {
            return Err(invalid("metrics.bind")(format!(
                "{bind} is the relay's own bind address; give the metrics a port of their own"
            )));
        }
        if !self.metrics.public && !is_loopback(bind) {
            return Err(invalid("metrics.bind")(format!(
                "{bind} would show the relay's metrics to anyone who reaches that address; bind \
                 them to loopback (127.0.0.1:9464) or, if something in front keeps strangers \
                 out, set [metrics] public = true (RELAY_METRICS_PUBLIC=true)"
            )));
        }
        Ok(())
    }

    fn validate_forward(&self) -> Result<(), ConfigError> {
        let forward = &self.auth.forward;
        if forward.url.is_none() {
            return Err(ConfigError::Missing("auth.forward_url"));
        }
        match &forward.alias_header {
            Some(name) if HeaderName::from_bytes(name.as_bytes()).is_err() => {
                return Err(invalid("auth.forward_alias_header")(format!(
                    "{name:?} is not a valid header name"
                )));
            }
            None if self.instances.len() > 1 => {
                return Err(invalid("auth.forward_alias_header")(
                    "is needed for several instances: the session endpoint names the alias in it"
                        .to_owned(),
                ));
            }
            _ => {}
        }
        if !ForwardAuthConfig::TIMEOUT.contains(&forward.timeout) {
            return Err(invalid("auth.forward_timeout_ms")(
                "must be 100 to 30000 milliseconds".to_owned(),
            ));
        }
        if forward.cache_ttl > ForwardAuthConfig::MAX_CACHE_TTL {
            return Err(invalid("auth.forward_cache_ttl_ms")(
                "must be 0 to 60000 milliseconds".to_owned(),
            ));
        }
        if !ForwardAuthConfig::CACHE_ENTRIES.contains(&forward.cache_entries) {
            return Err(invalid("auth.forward_cache_entries")(
                "must be 1 to 1000000".to_owned(),
            ));
        }
        Ok(())
    }
}

/// An `http` or `https` URL without user info (the relay sends the visitor's credentials, never
/// its own).
pub(super) fn parse_forward_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err("expected an http:// or https:// URL".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold a user name or password".to_owned());
    }
    Ok(url)
}

/// Addresses only this machine can reach. A host name other than `localhost` may resolve to
/// anything, so it counts as public.
fn is_loopback(bind: &str) -> bool {
    match bind.trim().parse::<SocketAddr>() {
        Ok(addr) => addr.ip().is_loopback(),
        Err(_) => bind
            .trim()
            .rsplit_once(':')
            .is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost")),
    }
}

/// `host[:port]` as browsers send it in `Host`, or `*`.
fn check_host(host: &str) -> Result<(), String> {
    let host = host.trim();
    if host == ANY_HOST {
        return Ok(());
    }
    match host.parse::<Authority>() {
        Ok(authority) if !host.is_empty() && !host.contains('@') && authority.host() != "" => {
            Ok(())
        }
        _ => Err(format!(
            "{host:?} must be host or host:port as browsers send it in Host (no scheme, no path), or \"*\""
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::test_support::{env, from, SECRET};
    use super::super::{RateLimitConfig, ValidConfig};
    use super::*;

    fn open_on(bind: &str, extra: &[(&str, &str)]) -> Result<ValidConfig, ConfigError> {
        let mut vars = vec![
            ("ZAPI_INSTANCE_ID", "i"),
            ("ZAPI_TOKEN", "t"),
            ("RELAY_BIND", bind),
        ];
        vars.extend_from_slice(extra);
        env(&vars)
    }

    // Regression: `none`, the default, started on any address without a word.
    #[test]
    fn no_authentication_on_a_public_address_must_be_asked_for() {
        for public in [
            "0.0.0.0:8787",
            "[::]:8787",
            "192.168.1.20:8787",
            "relay.lan:8787",
        ] {
            let err = open_on(public, &[]).unwrap_err().to_string();
            assert!(err.starts_with("auth.mode is invalid"), "{public}: {err}");
            assert!(err.contains("RELAY_ALLOW_UNAUTHENTICATED=true"), "{err}");
            let config = open_on(public, &[("RELAY_ALLOW_UNAUTHENTICATED", "true")]).unwrap();
            assert!(config.auth.allow_unauthenticated);
        }
        for loopback in [
            "127.0.0.1:8787",
            "127.0.0.2:0",
            "[::1]:8787",
            "localhost:8787",
        ] {
            assert!(open_on(loopback, &[]).is_ok(), "{loopback}");
        }
        assert!(
            open_on("0.0.0.0:8787", &[("RELAY_ALLOW_UNAUTHENTICATED", "maybe")])
                .unwrap_err()
                .to_string()
                .starts_with("RELAY_ALLOW_UNAUTHENTICATED is invalid")
        );
        // With a credential to check, any address is fine.
        let ticket = [
            ("RELAY_AUTH_MODE", "ticket"),
            ("RELAY_TICKET_SECRET", SECRET),
        ];
        assert!(open_on("0.0.0.0:8787", &ticket).is_ok());

        let file = "bind = \"0.0.0.0:8787\"\n[instances.a]\nid = \"i\"\ntoken = \"t\"\n";
        assert!(from(Some(file), &[]).is_err());
        let asked = format!("{file}[auth]\nallow_unauthenticated = true\n");
        assert!(from(Some(&asked), &[]).unwrap().auth.allow_unauthenticated);
    }

    // Regression: the environment alone ran the relay without a rate limit.
    #[test]
    fn the_environment_alone_has_the_default_rate_limit_unless_turned_off() {
        assert_eq!(
            open_on("127.0.0.1:8787", &[]).unwrap().rate_limit,
            RateLimitConfig::PRODUCTION
        );
        let off = open_on("127.0.0.1:8787", &[("RELAY_RATE_LIMIT_PER_MIN", "0")]).unwrap();
        assert!(!off.rate_limit.enabled());
        let custom = open_on("127.0.0.1:8787", &[("RELAY_RATE_LIMIT_PER_MIN", "30")]).unwrap();
        assert_eq!(custom.rate_limit.per_minute, 30);
        assert_eq!(custom.rate_limit.burst, RateLimitConfig::PRODUCTION.burst);
    }

    const TWO_INSTANCES: &str = "[instances.a]\nid = \"i\"\ntoken = \"t\"\n\
                                 [instances.b]\nid = \"j\"\ntoken = \"u\"\n";

    #[test]
    fn forward_mode_is_read_from_the_file_and_the_environment() {
        let file = format!(
            "{TWO_INSTANCES}[auth]\nmode = \"forward\"\n\
             forward_url = \"https://app.example.com/api/session\"\n\
             forward_alias_header = \"X-Relay-Alias\"\nforward_timeout_ms = 1500\n\
             forward_cache_ttl_ms = 0\nforward_cache_entries = 50\n"
        );
        let config = from(Some(&file), &[]).unwrap();
        assert_eq!(config.auth.mode, AuthMode::Forward);
        assert!(config.auth.mode.uses_cookies());
        let forward = &config.auth.forward;
        assert_eq!(
            forward.url.as_ref().map(Url::as_str),
            Some("https://app.example.com/api/session")
        );
        assert_eq!(forward.alias_header.as_deref(), Some("X-Relay-Alias"));
        assert_eq!(forward.timeout, Duration::from_millis(1500));
        assert_eq!(forward.cache_ttl, Duration::ZERO);
        assert_eq!(forward.cache_entries, 50);

        let config = open_on(
            "0.0.0.0:8787",
            &[
                ("RELAY_AUTH_MODE", "Forward"),
                ("RELAY_FORWARD_URL", "http://127.0.0.1:3000/session"),
                ("RELAY_FORWARD_ALIAS_HEADER", "X-Alias"),
                ("RELAY_FORWARD_TIMEOUT_MS", "250"),
                ("RELAY_FORWARD_CACHE_TTL_MS", "60000"),
            ],
        )
        .unwrap();
        let forward = &config.auth.forward;
        assert_eq!(
            forward.url.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:3000/session")
        );
        assert_eq!(forward.alias_header.as_deref(), Some("X-Alias"));
        assert_eq!(forward.timeout, Duration::from_millis(250));
        assert_eq!(forward.cache_ttl, Duration::from_secs(60));
        assert_eq!(forward.cache_entries, 10_000);
        assert!(!format!("{config:?}").contains("?"), "{config:?}");
    }

    #[test]
    fn forward_mode_settings_out_of_bounds_are_refused() {
        let forward = |extra: &[(&str, &str)]| {
            let mut vars = vec![
                ("RELAY_AUTH_MODE", "forward"),
                ("RELAY_FORWARD_URL", "https://app.example.com/session"),
            ];
            vars.extend_from_slice(extra);
            open_on("127.0.0.1:8787", &vars).map_err(|e| e.to_string())
        };
        assert!(forward(&[]).is_ok());
        assert_eq!(
            open_on("127.0.0.1:8787", &[("RELAY_AUTH_MODE", "forward")])
                .unwrap_err()
                .to_string(),
            "auth.forward_url is not set"
        );
        for (name, value, error) in [
            (
                "RELAY_FORWARD_URL",
                "ftp://app.example.com/",
                "RELAY_FORWARD_URL",
            ),
            ("RELAY_FORWARD_URL", "/session", "RELAY_FORWARD_URL"),
            (
                "RELAY_FORWARD_URL",
                "https://user:pw@app.example.com/session",
                "RELAY_FORWARD_URL",
            ),
            (
                "RELAY_FORWARD_URL",
                "https://user@app.example.com/session",
                "RELAY_FORWARD_URL",
            ),
            (
                "RELAY_FORWARD_URL",
                "https://:pw@app.example.com/session",
                "RELAY_FORWARD_URL",
            ),
            (
                "RELAY_FORWARD_ALIAS_HEADER",
                "X Alias",
                "auth.forward_alias_header",
            ),
            ("RELAY_FORWARD_TIMEOUT_MS", "0", "auth.forward_timeout_ms"),
            ("RELAY_FORWARD_TIMEOUT_MS", "99", "auth.forward_timeout_ms"),
            (
                "RELAY_FORWARD_TIMEOUT_MS",
                "30001",
                "auth.forward_timeout_ms",
            ),
            ("RELAY_FORWARD_TIMEOUT_MS", "2s", "RELAY_FORWARD_TIMEOUT_MS"),
            (
                "RELAY_FORWARD_CACHE_TTL_MS",
                "60001",
                "auth.forward_cache_ttl_ms",
            ),
        ] {
            let err = forward(&[(name, value)]).unwrap_err();
            assert!(
                err.starts_with(&format!("{error} is invalid")),
                "{name}={value}: {err}"
            );
            assert!(!err.contains("pw@"), "{err}");
        }
        for edge in [
            ("RELAY_FORWARD_TIMEOUT_MS", "100"),
            ("RELAY_FORWARD_TIMEOUT_MS", "30000"),
            ("RELAY_FORWARD_CACHE_TTL_MS", "0"),
        ] {
            assert!(forward(&[edge]).is_ok(), "{edge:?}");
        }
        let file = |entries: u64| {
            format!(
                "[instances.a]\nid = \"i\"\ntoken = \"t\"\n[auth]\nmode = \"forward\"\n\
                 forward_url = \"https://app.example.com/s\"\nforward_cache_entries = {entries}\n"
            )
        };
        assert!(from(Some(&file(1)), &[]).is_ok());
        assert!(from(Some(&file(0)), &[])
            .unwrap_err()
            .to_string()
            .starts_with("auth.forward_cache_entries is invalid"));
        // Several instances: the session endpoint must say which.
        let several = format!(
            "{TWO_INSTANCES}[auth]\nmode = \"forward\"\nforward_url = \"https://app.example.com/s\"\n"
        );
        assert!(from(Some(&several), &[])
            .unwrap_err()
            .to_string()
            .starts_with("auth.forward_alias_header is invalid"));
    }

    // Regression guard: the metrics listener on a public address must be asked for, as an
    // open relay must.
    #[test]
    fn the_metrics_listener_is_off_by_default_and_public_only_when_asked() {
        assert_eq!(open_on("127.0.0.1:8787", &[]).unwrap().metrics.bind, None);
        for loopback in ["127.0.0.1:9464", "[::1]:0", "localhost:9464"] {
            let config = open_on("127.0.0.1:8787", &[("RELAY_METRICS_BIND", loopback)]).unwrap();
            assert_eq!(config.metrics.bind.as_deref(), Some(loopback));
        }
        for public in [
            "0.0.0.0:9464",
            "[::]:9464",
            "10.0.0.5:9464",
            "metrics.lan:9464",
        ] {
            let err = open_on("127.0.0.1:8787", &[("RELAY_METRICS_BIND", public)])
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("metrics.bind is invalid"),
                "{public}: {err}"
            );
            assert!(err.contains("RELAY_METRICS_PUBLIC=true"), "{err}");
            let config = open_on(
                "127.0.0.1:8787",
                &[
                    ("RELAY_METRICS_BIND", public),
                    ("RELAY_METRICS_PUBLIC", "true"),
                ],
            )
            .unwrap();
            assert!(config.metrics.public);
        }
        for malformed in [
            "9464",
            ":9464",
            "127.0.0.1",
            "127.0.0.1:65536",
            "127.0.0.1:http",
        ] {
            let err = open_on("127.0.0.1:8787", &[("RELAY_METRICS_BIND", malformed)])
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("metrics.bind is invalid"),
                "{malformed}: {err}"
            );
        }
        let same = open_on(
            "127.0.0.1:8787",
            &[("RELAY_METRICS_BIND", "127.0.0.1:8787")],
        );
        assert!(same.unwrap_err().to_string().contains("port of their own"));
        assert!(
            open_on("127.0.0.1:8787", &[("RELAY_METRICS_PUBLIC", "maybe")])
                .unwrap_err()
                .to_string()
                .starts_with("RELAY_METRICS_PUBLIC is invalid")
        );

        let file = "[instances.a]\nid = \"i\"\ntoken = \"t\"\n[metrics]\n";
        assert_eq!(from(Some(file), &[]).unwrap().metrics, Default::default());
        let on = format!("{file}bind = \"127.0.0.1:9464\"\n");
        assert_eq!(
            from(Some(&on), &[]).unwrap().metrics.bind.as_deref(),
            Some("127.0.0.1:9464")
        );
        let public = format!("{file}bind = \"0.0.0.0:9464\"\n");
        assert!(from(Some(&public), &[]).is_err());
        let asked = format!("{public}public = true\n");
        assert!(from(Some(&asked), &[]).unwrap().metrics.public);
    }

    #[test]
    fn allowed_hosts_are_read_and_checked() {
        let config = open_on(
            "127.0.0.1:8787",
            &[("RELAY_ALLOWED_HOSTS", "relay.example.com, localhost:8787")],
        )
        .unwrap();
        assert_eq!(
            config.allowed_hosts,
            ["relay.example.com", "localhost:8787"]
        );
        let file = "allowed_hosts = [\"*\"]\n[instances.a]\nid = \"i\"\ntoken = \"t\"\n";
        assert_eq!(from(Some(file), &[]).unwrap().allowed_hosts, ["*"]);
        for bad in [
            "https://relay.example.com",
            "relay.example.com/zapi",
            "user@relay.example.com",
            "relay example",
            ":8787",
        ] {
            let err = open_on("127.0.0.1:8787", &[("RELAY_ALLOWED_HOSTS", bad)])
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("allowed_hosts is invalid"), "{bad}: {err}");
        }
    }
}
