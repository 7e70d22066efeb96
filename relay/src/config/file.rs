//! The TOML file's shape and its mapping onto [`RelayConfig`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::access::parse_forward_url;
use super::error::{invalid, without_quoted_values};
use super::validate::{
    parse_proxies, parse_public_url, parse_redis_url, parse_upstream, COOKIE_REFUSED,
};
use super::{AuthMode, ConfigError, CorsConfig, Instance, RateLimitConfig, RelayConfig};

/// The file's shape; every section and key is optional except the instances.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    bind: Option<String>,
    #[serde(default)]
    allowed_hosts: Vec<String>,
    base_path: Option<String>,
    static_dir: Option<PathBuf>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    #[serde(default)]
    zapi: FileZapi,
    #[serde(default)]
    instances: BTreeMap<String, Instance>,
    #[serde(default)]
    auth: FileAuth,
    #[serde(default)]
    cors: FileCors,
    #[serde(default)]
    rate_limit: FileRateLimit,
    #[serde(default)]
    connections: FileConnections,
    #[serde(default)]
    metrics: FileMetrics,
    #[serde(default)]
    webhooks: FileWebhooks,
    #[serde(default)]
    redis: FileRedis,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRedis {
    url: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMetrics {
    bind: Option<String>,
    #[serde(default)]
    public: bool,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWebhooks {
    secret: Option<String>,
    public_url: Option<String>,
    heartbeat_ms: Option<u64>,
    max_streams_per_alias: Option<usize>,
    max_streams_per_address: Option<usize>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConnections {
    header_read_timeout_ms: Option<u64>,
    max: Option<usize>,
    shutdown_grace_ms: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileZapi {
    upstream: Option<String>,
    client_token: Option<String>,
    timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    max_body_bytes: Option<usize>,
    #[serde(default)]
    allow_disconnect: bool,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAuth {
    mode: Option<AuthMode>,
    ticket_secret: Option<String>,
    leeway_secs: Option<u64>,
    max_ticket_ttl_secs: Option<u64>,
    header: Option<String>,
    proxy_secret: Option<String>,
    /// Refused with an explanation rather than as an unknown key: it used to be accepted.
    cookie: Option<String>,
    #[serde(default)]
    allow_unauthenticated: bool,
    forward_url: Option<String>,
    forward_alias_header: Option<String>,
    forward_timeout_ms: Option<u64>,
    forward_cache_ttl_ms: Option<u64>,
    forward_cache_entries: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCors {
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    allow_credentials: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileRateLimit {
    per_minute: u32,
    burst: u32,
}

impl Default for FileRateLimit {
    fn default() -> Self {
        Self {
            per_minute: RateLimitConfig::PRODUCTION.per_minute,
            burst: RateLimitConfig::PRODUCTION.burst,
        }
    }
}

impl FileConfig {
    pub(super) fn parse(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
            ConfigError::Syntax {
                line,
                reason: without_quoted_values(e.message()),
            }
        })
    }

    pub(super) fn into_config(self) -> Result<RelayConfig, ConfigError> {
        let mut config = RelayConfig::new("", "");
        config.instances = self.instances;
        if let Some(bind) = self.bind {
            config.bind = bind;
        }
        config.allowed_hosts = self.allowed_hosts;
        if let Some(base) = self.base_path {
            config.base_path = base;
        }
        config.static_dir = self.static_dir;
        config.trusted_proxies =
            parse_proxies(&self.trusted_proxies).map_err(invalid("trusted_proxies"))?;
        if let Some(upstream) = self.zapi.upstream {
            config.upstream = parse_upstream(&upstream).map_err(invalid("zapi.upstream"))?;
        }
        config.client_token = self.zapi.client_token.filter(|t| !t.is_empty());
        if let Some(ms) = self.zapi.timeout_ms {
            config.upstream_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = self.zapi.connect_timeout_ms {
            config.connect_timeout = Duration::from_millis(ms);
        }
        if let Some(bytes) = self.zapi.max_body_bytes {
            config.max_upstream_body = bytes;
        }
        config.allow_disconnect = self.zapi.allow_disconnect;
        let auth = &mut config.auth;
        auth.mode = self.auth.mode.unwrap_or_default();
        auth.ticket_secret = self.auth.ticket_secret.filter(|s| !s.is_empty());
        if let Some(secs) = self.auth.leeway_secs {
            auth.leeway = Duration::from_secs(secs);
        }
        if let Some(secs) = self.auth.max_ticket_ttl_secs {
            auth.max_ticket_ttl = Duration::from_secs(secs);
        }
        if self.auth.cookie.is_some() {
            return Err(invalid("auth.cookie")(COOKIE_REFUSED.to_owned()));
        }
        auth.header = self.auth.header;
        auth.proxy_secret = self.auth.proxy_secret.filter(|s| !s.is_empty());
        auth.allow_unauthenticated = self.auth.allow_unauthenticated;
        let forward = &mut auth.forward;
        if let Some(url) = self.auth.forward_url.filter(|url| !url.is_empty()) {
            forward.url = Some(parse_forward_url(&url).map_err(invalid("auth.forward_url"))?);
        }
        forward.alias_header = self.auth.forward_alias_header;
        if let Some(ms) = self.auth.forward_timeout_ms {
            forward.timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = self.auth.forward_cache_ttl_ms {
            forward.cache_ttl = Duration::from_millis(ms);
        }
        if let Some(entries) = self.auth.forward_cache_entries {
            forward.cache_entries = entries;
        }
        config.cors = CorsConfig {
            allowed_origins: self.cors.allowed_origins,
            allow_credentials: self.cors.allow_credentials,
        };
        config.rate_limit = RateLimitConfig {
            per_minute: self.rate_limit.per_minute,
            burst: self.rate_limit.burst,
        };
        let connections = &mut config.connections;
        if let Some(ms) = self.connections.header_read_timeout_ms {
            connections.header_read_timeout = Duration::from_millis(ms);
        }
        if let Some(max) = self.connections.max {
            connections.max_connections = max;
        }
        if let Some(ms) = self.connections.shutdown_grace_ms {
            connections.shutdown_grace = Duration::from_millis(ms);
        }
        config.metrics.bind = self
            .metrics
            .bind
            .map(|bind| bind.trim().to_owned())
            .filter(|bind| !bind.is_empty());
        config.metrics.public = self.metrics.public;
        let webhooks = &mut config.webhooks;
        webhooks.secret = self.webhooks.secret.filter(|s| !s.is_empty());
        if let Some(url) = self.webhooks.public_url.filter(|url| !url.is_empty()) {
            webhooks.public_url =
                Some(parse_public_url(&url).map_err(invalid("webhooks.public_url"))?);
        }
        if let Some(ms) = self.webhooks.heartbeat_ms {
            webhooks.heartbeat = Duration::from_millis(ms);
        }
        if let Some(max) = self.webhooks.max_streams_per_alias {
            webhooks.max_streams_per_alias = max;
        }
        if let Some(max) = self.webhooks.max_streams_per_address {
            webhooks.max_streams_per_address = max;
        }
        if let Some(url) = self.redis.url.filter(|url| !url.trim().is_empty()) {
            config.redis.url = Some(parse_redis_url(&url).map_err(invalid("redis.url"))?);
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{from, FILE, SECRET};
    use super::super::*;

    #[test]
    fn a_file_maps_aliases_to_instances_and_turns_limits_on() {
        let config = from(Some(FILE), &[]).unwrap();
        assert_eq!(config.instances.len(), 2);
        assert_eq!(config.instances["shop-b"], Instance::new("id-b", "token-b"));
        assert_eq!(config.client_token.as_deref(), Some("client-from-file"));
        assert_eq!(config.upstream_timeout, Duration::from_secs(4));
        assert_eq!(config.auth.mode, AuthMode::Ticket);
        assert_eq!(config.auth.leeway, Duration::from_secs(2));
        assert_eq!(config.rate_limit, RateLimitConfig::PRODUCTION);
        assert_eq!(config.cors.allowed_origins, ["https://app.example.com"]);
        assert!(!config.cors.allow_credentials);
        assert!(!config.allow_disconnect);
    }

    #[test]
    fn disconnect_is_allowed_only_when_the_file_says_so() {
        let with =
            |zapi: &str| format!("[zapi]\n{zapi}\n[instances.a]\nid = \"i\"\ntoken = \"t\"\n");
        assert!(!from(Some(&with("")), &[]).unwrap().allow_disconnect);
        let allowed = from(Some(&with("allow_disconnect = true")), &[]).unwrap();
        assert!(allowed.allow_disconnect);
        let refused = from(Some(&with("allow_disconnect = \"yes\"")), &[]).unwrap_err();
        assert!(
            refused.to_string().starts_with("config line 2"),
            "{refused}"
        );
    }

    // Regression: the example's placeholder ticket secret used to be accepted as it stood.
    #[test]
    fn the_example_file_is_valid_once_its_ticket_secret_is_real() {
        let example = include_str!("../../relay.example.toml");
        let refused = from(Some(example), &[]).unwrap_err().to_string();
        assert!(
            refused.starts_with("auth.ticket_secret is invalid"),
            "{refused}"
        );
        let config = from(Some(example), &[("RELAY_TICKET_SECRET", SECRET)]).unwrap();
        assert_eq!(config.instances.len(), 2);
        assert_eq!(config.auth.mode, AuthMode::Ticket);
        assert_eq!(config.rate_limit, RateLimitConfig::PRODUCTION);
        // Regression: the example trusted all of 10.0.0.0/8 to say who the client is.
        assert!(config.trusted_proxies.is_empty());
    }

    // Regression: serde quotes an unexpected number, date or boolean in backticks
    // (`invalid type: integer `123…``), which the redaction did not strip, so a numeric secret
    // in the config file was printed at startup.
    #[test]
    fn file_errors_never_echo_a_value_of_the_wrong_type() {
        for value in [
            "918273645546372819",
            "-918273645546372819",
            "9182736455.46372819",
            "1979-05-27T07:32:00.918273Z",
            "[918273645546372819]",
            "{ x = 918273645546372819 }",
        ] {
            for key in ["proxy_secret", "ticket_secret", "mode"] {
                let file =
                    format!("[instances.a]\nid = \"i\"\ntoken = \"t\"\n[auth]\n{key} = {value}\n");
                let shown = from(Some(&file), &[]).unwrap_err().to_string();
                assert!(
                    shown.starts_with("config line 5"),
                    "{key} = {value}: {shown}"
                );
                for part in ["918273", "1979-05-27", "46372819"] {
                    assert!(!shown.contains(part), "{key} = {value}: {shown}");
                }
            }
        }
    }

    #[test]
    fn file_errors_give_the_line_but_not_the_values() {
        let err = from(Some("[instances.a]\nid = \"i\"\ntoken = 42\n"), &[]).unwrap_err();
        assert!(err.to_string().starts_with("config line 3"), "{err}");
        let err = from(
            Some("[instances.a]\nid = \"i\"\ntoken = \"t\"\ntokn = \"leaked-value\"\n"),
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("tokn"), "{err}");
        assert!(!err.to_string().contains("leaked-value"), "{err}");
        let err = from(
            Some("[auth]\nmode = \"ticket\"\nleeway_secs = \"very-secret\"\n[instances.a]\nid = \"i\"\ntoken = \"t\"\n"),
            &[],
        )
        .unwrap_err();
        assert!(!err.to_string().contains("very-secret"), "{err}");
    }
}
