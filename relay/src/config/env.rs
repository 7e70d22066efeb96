//! The environment overlay: variables laid over the file's settings, or the whole
//! configuration of a single instance.

use std::path::PathBuf;
use std::time::Duration;

use super::error::invalid;
use super::file::FileConfig;
use super::validate::{parse_proxies, parse_upstream, COOKIE_REFUSED};
use super::{AuthMode, ConfigError, Instance, RateLimitConfig, RelayConfig, DEFAULT_ALIAS};

impl RelayConfig {
    /// The configuration from a TOML text (if any) with the variables read through `lookup`
    /// laid over it. Empty variables count as unset.
    ///
    /// Without a file, `ZAPI_INSTANCE_ID` and `ZAPI_TOKEN` are required and rate limits are off
    /// unless `RELAY_RATE_LIMIT_PER_MIN` is set (the development setup). A file turns the
    /// production limits on by default.
    ///
    /// | variable | overrides |
    /// |---|---|
    /// | `ZAPI_INSTANCE_ID`, `ZAPI_TOKEN` | the instance `default` (both or neither) |
    /// | `ZAPI_CLIENT_TOKEN`, `ZAPI_UPSTREAM` | `[zapi] client_token`, `upstream` |
    /// | `RELAY_UPSTREAM_TIMEOUT_MS` | `[zapi] timeout_ms` |
    /// | `RELAY_BIND`, `RELAY_BASE_PATH`, `RELAY_STATIC_DIR` | `bind`, `base_path`, `static_dir` |
    /// | `RELAY_AUTH_MODE`, `RELAY_TICKET_SECRET` | `[auth] mode`, `ticket_secret` |
    /// | `RELAY_AUTH_HEADER`, `RELAY_PROXY_SECRET` | `[auth] header`, `proxy_secret` |
    /// | `RELAY_CORS_ORIGINS` (comma-separated), `RELAY_CORS_CREDENTIALS` | `[cors]` |
    /// | `RELAY_RATE_LIMIT_PER_MIN`, `RELAY_RATE_LIMIT_BURST` | `[rate_limit]` |
    /// | `RELAY_TRUSTED_PROXIES` (comma-separated) | `trusted_proxies` |
    /// | `RELAY_HEADER_READ_TIMEOUT_MS`, `RELAY_MAX_CONNECTIONS`, `RELAY_SHUTDOWN_GRACE_MS` | `[connections]` |
    pub fn from_sources(
        file: Option<&str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let mut config = match file {
            Some(text) => FileConfig::parse(text)?.into_config()?,
            None => {
                let id = var("ZAPI_INSTANCE_ID").ok_or(ConfigError::Missing("ZAPI_INSTANCE_ID"))?;
                let token = var("ZAPI_TOKEN").ok_or(ConfigError::Missing("ZAPI_TOKEN"))?;
                Self::new(id, token)
            }
        };

        match (var("ZAPI_INSTANCE_ID"), var("ZAPI_TOKEN")) {
            (Some(id), Some(token)) => {
                config
                    .instances
                    .insert(DEFAULT_ALIAS.to_owned(), Instance::new(id, token));
            }
            (None, None) => {}
            (None, Some(_)) => return Err(ConfigError::Missing("ZAPI_INSTANCE_ID")),
            (Some(_), None) => return Err(ConfigError::Missing("ZAPI_TOKEN")),
        }
        if let Some(token) = var("ZAPI_CLIENT_TOKEN") {
            config.client_token = Some(token);
        }
        if let Some(upstream) = var("ZAPI_UPSTREAM") {
            config.upstream = parse_upstream(&upstream).map_err(invalid("ZAPI_UPSTREAM"))?;
        }
        if let Some(ms) = var("RELAY_UPSTREAM_TIMEOUT_MS") {
            config.upstream_timeout = Duration::from_millis(
                parse_number(&ms, "milliseconds").map_err(invalid("RELAY_UPSTREAM_TIMEOUT_MS"))?,
            );
        }
        if let Some(bind) = var("RELAY_BIND") {
            config.bind = bind.trim().to_owned();
        }
        if let Some(base) = var("RELAY_BASE_PATH") {
            config.base_path = base;
        }
        if let Some(dir) = var("RELAY_STATIC_DIR") {
            config.static_dir = Some(PathBuf::from(dir));
        }
        if let Some(mode) = var("RELAY_AUTH_MODE") {
            if mode.trim().eq_ignore_ascii_case("cookie") {
                return Err(invalid("RELAY_AUTH_MODE")(COOKIE_REFUSED.to_owned()));
            }
            config.auth.mode = AuthMode::parse(&mode).ok_or_else(|| ConfigError::Invalid {
                name: "RELAY_AUTH_MODE".to_owned(),
                reason: "expected none, ticket or header".to_owned(),
            })?;
        }
        if let Some(secret) = var("RELAY_TICKET_SECRET") {
            config.auth.ticket_secret = Some(secret);
        }
        if let Some(header) = var("RELAY_AUTH_HEADER") {
            config.auth.header = Some(header.trim().to_owned());
        }
        if var("RELAY_AUTH_COOKIE").is_some() {
            return Err(invalid("RELAY_AUTH_COOKIE")(COOKIE_REFUSED.to_owned()));
        }
        if let Some(secret) = var("RELAY_PROXY_SECRET") {
            config.auth.proxy_secret = Some(secret);
        }
        if let Some(origins) = var("RELAY_CORS_ORIGINS") {
            config.cors.allowed_origins = split_list(&origins);
        }
        if let Some(flag) = var("RELAY_CORS_CREDENTIALS") {
            config.cors.allow_credentials =
                parse_bool(&flag).map_err(invalid("RELAY_CORS_CREDENTIALS"))?;
        }
        if let Some(limit) = var("RELAY_RATE_LIMIT_PER_MIN") {
            config.rate_limit.per_minute =
                parse_number(&limit, "requests").map_err(invalid("RELAY_RATE_LIMIT_PER_MIN"))?;
            if config.rate_limit.burst == 0 {
                config.rate_limit.burst = RateLimitConfig::PRODUCTION.burst;
            }
        }
        if let Some(burst) = var("RELAY_RATE_LIMIT_BURST") {
            config.rate_limit.burst =
                parse_number(&burst, "requests").map_err(invalid("RELAY_RATE_LIMIT_BURST"))?;
        }
        if let Some(proxies) = var("RELAY_TRUSTED_PROXIES") {
            config.trusted_proxies =
                parse_proxies(&split_list(&proxies)).map_err(invalid("RELAY_TRUSTED_PROXIES"))?;
        }
        if let Some(ms) = var("RELAY_HEADER_READ_TIMEOUT_MS") {
            config.connections.header_read_timeout = Duration::from_millis(
                parse_number(&ms, "milliseconds")
                    .map_err(invalid("RELAY_HEADER_READ_TIMEOUT_MS"))?,
            );
        }
        if let Some(max) = var("RELAY_MAX_CONNECTIONS") {
            config.connections.max_connections =
                parse_number(&max, "connections").map_err(invalid("RELAY_MAX_CONNECTIONS"))?;
        }
        if let Some(ms) = var("RELAY_SHUTDOWN_GRACE_MS") {
            config.connections.shutdown_grace = Duration::from_millis(
                parse_number(&ms, "milliseconds").map_err(invalid("RELAY_SHUTDOWN_GRACE_MS"))?,
            );
        }
        config.validate()?;
        Ok(config)
    }
}

fn parse_number<T: std::str::FromStr>(value: &str, unit: &str) -> Result<T, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number of {unit}"))
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err("expected true or false".to_owned()),
    }
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::super::test_support::{env, from, FILE, SECRET};
    use super::super::*;

    #[test]
    fn id_and_token_are_required_and_named() {
        assert_eq!(
            env(&[]).unwrap_err(),
            ConfigError::Missing("ZAPI_INSTANCE_ID")
        );
        let err = env(&[("ZAPI_INSTANCE_ID", "i"), ("ZAPI_TOKEN", " ")]).unwrap_err();
        assert_eq!(err.to_string(), "ZAPI_TOKEN is not set");
    }

    #[test]
    fn the_environment_alone_is_one_open_instance_without_limits() {
        let config = env(&[("ZAPI_INSTANCE_ID", "i"), ("ZAPI_TOKEN", "t")]).unwrap();
        assert_eq!(config.instances[DEFAULT_ALIAS], Instance::new("i", "t"));
        assert_eq!(config.auth.mode, AuthMode::None);
        assert_eq!(config.rate_limit, RateLimitConfig::OFF);
        assert_eq!(config.bind, DEFAULT_BIND);
        assert_eq!(config.upstream.as_str(), "https://api.z-api.io/");
        assert_eq!(config.client_token, None);
        assert_eq!(config.normalized_base_path(), "/zapi");
        assert_eq!(config.static_dir, None);
        assert_eq!(config.cors, CorsConfig::default());
        assert!(config.trusted_proxies.is_empty());
        assert_eq!(config.upstream_timeout, Duration::from_secs(10));
        assert_eq!(config.connect_timeout, Duration::from_secs(3));
        assert_eq!(config.max_upstream_body, 1 << 20);
        assert_eq!(config.auth.leeway, Duration::from_secs(5));
    }

    #[test]
    fn every_variable_is_read() {
        let config = env(&[
            ("ZAPI_INSTANCE_ID", "i"),
            ("ZAPI_TOKEN", "t"),
            ("ZAPI_CLIENT_TOKEN", "c"),
            ("ZAPI_UPSTREAM", "http://127.0.0.1:8790"),
            ("RELAY_BIND", "0.0.0.0:9000"),
            ("RELAY_BASE_PATH", "api/zapi/"),
            ("RELAY_STATIC_DIR", "www"),
            ("RELAY_UPSTREAM_TIMEOUT_MS", "2500"),
            ("RELAY_RATE_LIMIT_PER_MIN", "30"),
            ("RELAY_AUTH_MODE", "ticket"),
            ("RELAY_TICKET_SECRET", SECRET),
            (
                "RELAY_CORS_ORIGINS",
                "https://a.example, http://localhost:5173",
            ),
            ("RELAY_CORS_CREDENTIALS", "true"),
            ("RELAY_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
        ])
        .unwrap();
        assert_eq!(config.client_token.as_deref(), Some("c"));
        assert_eq!(config.upstream.as_str(), "http://127.0.0.1:8790/");
        assert_eq!(config.bind, "0.0.0.0:9000");
        assert_eq!(config.normalized_base_path(), "/api/zapi");
        assert_eq!(config.static_dir, Some(PathBuf::from("www")));
        assert_eq!(config.upstream_timeout, Duration::from_millis(2500));
        assert_eq!(
            config.rate_limit,
            RateLimitConfig {
                per_minute: 30,
                burst: 10
            }
        );
        assert_eq!(config.auth.mode, AuthMode::Ticket);
        assert_eq!(config.auth.ticket_secret.as_deref(), Some(SECRET));
        assert_eq!(
            config.cors.allowed_origins,
            ["https://a.example", "http://localhost:5173"]
        );
        assert!(config.cors.allow_credentials);
        assert_eq!(config.trusted_proxies.len(), 2);
        assert!(config.trusted_proxies[1].contains(&IpAddr::from([127, 0, 0, 1])));
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let config = from(
            Some(FILE),
            &[
                ("ZAPI_CLIENT_TOKEN", "client-from-env"),
                ("RELAY_TICKET_SECRET", "fedcba9876543210fedcba9876543210"),
                ("RELAY_RATE_LIMIT_PER_MIN", "0"),
                ("ZAPI_INSTANCE_ID", "id-d"),
                ("ZAPI_TOKEN", "token-d"),
            ],
        )
        .unwrap();
        assert_eq!(config.client_token.as_deref(), Some("client-from-env"));
        assert_eq!(
            config.auth.ticket_secret.as_deref(),
            Some("fedcba9876543210fedcba9876543210")
        );
        assert!(!config.rate_limit.enabled());
        assert_eq!(config.instances.len(), 3);
        assert_eq!(config.instances[DEFAULT_ALIAS].id, "id-d");
    }
}
