//! What makes a configuration unworkable or unsafe: missing or weak secrets, malformed origins,
//! upstreams and proxy ranges, and settings out of range.

use std::fmt::Display;
use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::path::Path;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::Url;

use super::error::invalid;
use super::{
    AuthMode, ConfigError, ConnectionLimits, RelayConfig, ValidConfig, WebhookConfig,
    MIN_PROXY_SECRET_CHARS, MIN_PROXY_SECRET_DISTINCT,
};

/// `[zapi] timeout_ms`: a Z-API call that has not answered within two minutes will not.
pub const UPSTREAM_TIMEOUT_MS: RangeInclusive<u64> = 100..=120_000;
/// `[zapi] connect_timeout_ms`.
pub const CONNECT_TIMEOUT_MS: RangeInclusive<u64> = 100..=30_000;
/// `[zapi] max_body_bytes`: at least a status or error answer; the QR image needs a few kilobytes.
pub const MAX_BODY_BYTES: RangeInclusive<usize> = 1024..=16 * 1024 * 1024;
/// `[auth] leeway_secs`: clock skew, not a grace period.
pub const LEEWAY_SECS: RangeInclusive<u64> = 0..=300;
/// `[auth] max_ticket_ttl_secs`: tickets are meant to be short-lived.
pub const MAX_TICKET_TTL_SECS: RangeInclusive<u64> = 10..=86_400;
/// `[rate_limit] per_minute`; `0` turns the limits off.
pub const RATE_PER_MINUTE: RangeInclusive<u32> = 0..=60_000;
/// `[rate_limit] burst`, when a limit is set.
pub const RATE_BURST: RangeInclusive<u32> = 1..=10_000;

/// `name` must lie in `range`; the message gives the range and the value (never a secret).
fn check_range<T: PartialOrd + Display>(
    name: &str,
    value: T,
    range: RangeInclusive<T>,
    unit: &str,
) -> Result<(), ConfigError> {
    if range.contains(&value) {
        return Ok(());
    }
    Err(invalid(name)(format!(
        "must be {} to {} {unit}, not {value}",
        range.start(),
        range.end()
    )))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn millis_range(range: &RangeInclusive<Duration>) -> RangeInclusive<u64> {
    millis(*range.start())..=millis(*range.end())
}

impl RelayConfig {
    /// Refuses configurations that would start a relay that cannot work, or works unsafely;
    /// what passes is the only thing [`crate::app`] accepts.
    pub fn validate(self) -> Result<ValidConfig, ConfigError> {
        self.check()?;
        Ok(ValidConfig(self))
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.instances.is_empty() {
            return Err(invalid("instances")("no instance is configured".to_owned()));
        }
        for (alias, instance) in &self.instances {
            if !valid_alias(alias) {
                return Err(invalid("instances")(format!(
                    "alias {alias:?} must be 1 to 64 letters, digits, '.', '_' or '-'"
                )));
            }
            if instance.id.trim().is_empty() || instance.token.trim().is_empty() {
                return Err(invalid("instances")(format!(
                    "{alias} needs an id and a token"
                )));
            }
        }
        let single = self.instances.len() == 1;
        match self.auth.mode {
            AuthMode::None | AuthMode::Header if !single => {
                return Err(invalid("auth.mode")(
                    "modes none and header serve one instance; use ticket for several".to_owned(),
                ))
            }
            AuthMode::Ticket => match &self.auth.ticket_secret {
                None => return Err(ConfigError::Missing("auth.ticket_secret")),
                Some(secret) => check_secret(secret).map_err(invalid("auth.ticket_secret"))?,
            },
            AuthMode::Header => {
                let name = self.auth.proxy_secret_header();
                if axum::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                    return Err(invalid("auth.header")(format!(
                        "{name:?} is not a valid header name"
                    )));
                }
                let secret = self
                    .auth
                    .proxy_secret
                    .as_deref()
                    .ok_or(ConfigError::Missing("auth.proxy_secret"))?;
                check_secret(secret).map_err(invalid("auth.proxy_secret"))?;
            }
            AuthMode::None | AuthMode::Forward => {}
        }
        self.validate_access()?;
        for origin in &self.cors.allowed_origins {
            check_origin(origin).map_err(invalid("cors.allowed_origins"))?;
        }
        let connections = &self.connections;
        check_range(
            "connections.header_read_timeout_ms",
            millis(connections.header_read_timeout),
            millis_range(&ConnectionLimits::HEADER_READ_TIMEOUT),
            "milliseconds",
        )?;
        check_range(
            "connections.max",
            connections.max_connections,
            ConnectionLimits::MAX_CONNECTIONS,
            "connections",
        )?;
        check_range(
            "connections.shutdown_grace_ms",
            millis(connections.shutdown_grace),
            0..=millis(ConnectionLimits::MAX_SHUTDOWN_GRACE),
            "milliseconds",
        )?;
        check_range(
            "zapi.timeout_ms",
            millis(self.upstream_timeout),
            UPSTREAM_TIMEOUT_MS,
            "milliseconds",
        )?;
        check_range(
            "zapi.connect_timeout_ms",
            millis(self.connect_timeout),
            CONNECT_TIMEOUT_MS,
            "milliseconds",
        )?;
        check_range(
            "zapi.max_body_bytes",
            self.max_upstream_body,
            MAX_BODY_BYTES,
            "bytes",
        )?;
        check_range(
            "auth.leeway_secs",
            self.auth.leeway.as_secs(),
            LEEWAY_SECS,
            "seconds",
        )?;
        check_range(
            "auth.max_ticket_ttl_secs",
            self.auth.max_ticket_ttl.as_secs(),
            MAX_TICKET_TTL_SECS,
            "seconds",
        )?;
        self.check_webhooks()?;
        check_range(
            "rate_limit.per_minute",
            self.rate_limit.per_minute,
            RATE_PER_MINUTE,
            "requests",
        )?;
        if self.rate_limit.enabled() {
            check_range(
                "rate_limit.burst",
                self.rate_limit.burst,
                RATE_BURST,
                "requests",
            )?;
        }
        Ok(())
    }
}

impl RelayConfig {
    fn check_webhooks(&self) -> Result<(), ConfigError> {
        let webhooks = &self.webhooks;
        if let Some(secret) = &webhooks.secret {
            check_secret(secret).map_err(invalid("webhooks.secret"))?;
            if !secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
            {
                return Err(invalid("webhooks.secret")(
                    "must be URL-safe (letters, digits, '-', '_', '.', '~'): it is part of the \
                     callback URL; generate one with `openssl rand -hex 32`"
                        .to_owned(),
                ));
            }
        }
        check_range(
            "webhooks.heartbeat_ms",
            millis(webhooks.heartbeat),
            millis_range(&WebhookConfig::HEARTBEAT),
            "milliseconds",
        )?;
        check_range(
            "webhooks.max_streams_per_alias",
            webhooks.max_streams_per_alias,
            WebhookConfig::MAX_STREAMS_PER_ALIAS,
            "streams",
        )?;
        check_range(
            "webhooks.max_streams_per_address",
            webhooks.max_streams_per_address,
            WebhookConfig::MAX_STREAMS_PER_ADDRESS,
            "streams",
        )?;
        Ok(())
    }
}

/// `static_dir` serves every file under it: the config file must not be one of them. Both
/// paths are resolved (symlinks, `..`) as the file server would; a folder that does not exist
/// yet holds nothing.
pub(super) fn static_dir_excludes(
    static_dir: &Path,
    config_file: &Path,
) -> Result<(), ConfigError> {
    let (Ok(dir), Ok(file)) = (static_dir.canonicalize(), config_file.canonicalize()) else {
        return Ok(());
    };
    if file.starts_with(&dir) {
        return Err(invalid("static_dir")(
            "holds the config file, which it would serve with every secret in it; \
             move the config file out of the folder"
                .to_owned(),
        ));
    }
    Ok(())
}

fn valid_alias(alias: &str) -> bool {
    (1..=64).contains(&alias.len())
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Why a cookie alone can no longer configure `header` mode.
pub(super) const COOKIE_REFUSED: &str =
    "a cookie is not a credential the relay can verify: anyone can send \
     `Cookie: session=anything`. Put an auth proxy in front that checks the session and adds \
     the shared [auth] proxy_secret header (mode header), or use tickets (mode ticket)";

/// Words that mark a value copied from documentation rather than generated.
const PLACEHOLDER_WORDS: [&str; 8] = [
    "change",
    "replace",
    "placeholder",
    "example",
    "your",
    "random",
    "secret",
    "xxxx",
];

/// A shared secret (the proxy's, or the key tickets are signed with) must look generated
/// (`openssl rand -hex 32`): long, varied, and not one of the documentation's placeholders. The
/// reason never repeats the value.
fn check_secret(secret: &str) -> Result<(), String> {
    const HOW: &str = "generate one with `openssl rand -hex 32`";
    if secret.chars().count() < MIN_PROXY_SECRET_CHARS {
        return Err(format!(
            "use at least {MIN_PROXY_SECRET_CHARS} random characters; {HOW}"
        ));
    }
    if secret.chars().any(|c| c.is_control() || c == ' ') || !secret.is_ascii() {
        return Err(format!(
            "must be printable ASCII without spaces (it travels in a header); {HOW}"
        ));
    }
    let distinct = secret
        .bytes()
        .collect::<std::collections::BTreeSet<u8>>()
        .len();
    if distinct < MIN_PROXY_SECRET_DISTINCT {
        return Err(format!(
            "is a pattern, not a random value ({distinct} distinct characters); {HOW}"
        ));
    }
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|word| lower.contains(word)) {
        return Err(format!("looks like a placeholder; {HOW}"));
    }
    Ok(())
}

/// An origin as browsers send it: `scheme://host[:port]`, lowercase, no path.
fn check_origin(origin: &str) -> Result<(), String> {
    let url = Url::parse(origin).map_err(|_| format!("{origin:?} is not an origin"))?;
    let serialized = url.origin().ascii_serialization();
    if !matches!(url.scheme(), "http" | "https") || serialized != origin {
        return Err(format!(
            "{origin:?} must be written as scheme://host[:port] (e.g. {serialized:?})"
        ));
    }
    Ok(())
}

/// `[webhooks] public_url`: the relay's public origin (a path is kept, as a prefix).
pub(super) fn parse_public_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|_| "is not a URL".to_owned())?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err("must be an http(s) URL with a host".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must have no query or fragment".to_owned());
    }
    Ok(url)
}

/// A Redis URL, checked without echoing it: it may hold a password.
pub(super) fn parse_redis_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|_| "is not a URL".to_owned())?;
    if !matches!(url.scheme(), "redis" | "rediss") || url.host().is_none() {
        return Err(
            "must be a redis:// or rediss:// URL with a host (redis://host:6379)".to_owned(),
        );
    }
    if url.fragment().is_some() {
        return Err("must have no fragment".to_owned());
    }
    redis::IntoConnectionInfo::into_connection_info(url.as_str()).map_err(|_| {
        "is not a Redis URL the client accepts (check the database number)".to_owned()
    })?;
    Ok(url)
}

pub(super) fn parse_upstream(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err("expected an http:// or https:// URL".to_owned());
    }
    Ok(url)
}

pub(super) fn parse_proxies(entries: &[String]) -> Result<Vec<IpNet>, String> {
    entries
        .iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{entry:?} is not an IP address or CIDR range"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::test_support::{env, from, FILE, SECRET};
    use super::super::*;

    #[test]
    fn unsafe_or_unworkable_setups_are_refused() {
        let base = [("ZAPI_INSTANCE_ID", "i"), ("ZAPI_TOKEN", "t")];
        let with = |extra: &[(&str, &str)]| {
            let mut vars = base.to_vec();
            vars.extend_from_slice(extra);
            env(&vars).unwrap_err().to_string()
        };
        assert_eq!(
            with(&[("RELAY_AUTH_MODE", "ticket")]),
            "auth.ticket_secret is not set"
        );
        for weak in [
            "short".to_owned(),
            "a".repeat(36),
            "change-me-to-a-long-random-value-please".to_owned(),
        ] {
            let refused = with(&[
                ("RELAY_AUTH_MODE", "ticket"),
                ("RELAY_TICKET_SECRET", weak.as_str()),
            ]);
            assert!(
                refused.starts_with("auth.ticket_secret is invalid"),
                "{refused}"
            );
            assert!(
                !refused.contains(weak.as_str()),
                "the reason never shows the secret"
            );
        }
        assert_eq!(
            with(&[("RELAY_AUTH_MODE", "header")]),
            "auth.proxy_secret is not set"
        );
        assert!(with(&[("RELAY_AUTH_MODE", "sometimes")]).starts_with("RELAY_AUTH_MODE"));
        for origin in [
            "https://a.example/",
            "https://a.example/app",
            "*",
            "a.example",
        ] {
            assert!(
                with(&[("RELAY_CORS_ORIGINS", origin)]).starts_with("cors.allowed_origins"),
                "{origin}"
            );
        }
        assert!(with(&[("RELAY_TRUSTED_PROXIES", "lb")]).starts_with("RELAY_TRUSTED_PROXIES"));
        assert!(with(&[("ZAPI_UPSTREAM", "ftp://x")]).starts_with("ZAPI_UPSTREAM is invalid"));
        assert!(with(&[("RELAY_UPSTREAM_TIMEOUT_MS", "10s")])
            .starts_with("RELAY_UPSTREAM_TIMEOUT_MS is invalid"));

        let two_open = FILE.replace("mode = \"ticket\"", "mode = \"none\"");
        assert!(from(Some(&two_open), &[])
            .unwrap_err()
            .to_string()
            .starts_with("auth.mode is invalid"));
        let bad_alias = FILE.replace("shop-b", "shop/b");
        assert!(from(Some(&bad_alias), &[]).is_err());
    }

    fn one_setting(section: &str, key: &str, value: i64) -> String {
        let setting = format!("{key} = {value}\n");
        let (auth_extra, other) = if section == "auth" {
            (setting, String::new())
        } else {
            (String::new(), format!("[{section}]\n{setting}"))
        };
        format!(
            "[instances.a]\nid = \"i\"\ntoken = \"t\"\n[auth]\nmode = \"ticket\"\n\
             ticket_secret = \"{SECRET}\"\n{auth_extra}{other}"
        )
    }

    // Regression: durations, sizes and counts were taken as written, so `timeout_ms = 0` made
    // every Z-API call fail at once and `max_body_bytes = 0` refused every answer.
    #[test]
    fn every_duration_size_and_count_is_range_checked() {
        const MIB: i64 = 1024 * 1024;
        // Section, key, refused values, the range's ends (accepted), unit.
        type Case = (
            &'static str,
            &'static str,
            &'static [i64],
            [i64; 2],
            &'static str,
        );
        let cases: [Case; 13] = [
            (
                "zapi",
                "timeout_ms",
                &[0, 99, 120_001],
                [100, 120_000],
                "milliseconds",
            ),
            (
                "zapi",
                "connect_timeout_ms",
                &[0, 99, 30_001],
                [100, 30_000],
                "milliseconds",
            ),
            (
                "zapi",
                "max_body_bytes",
                &[0, 1023, 16 * MIB + 1],
                [1024, 16 * MIB],
                "bytes",
            ),
            ("auth", "leeway_secs", &[301, i64::MAX], [0, 300], "seconds"),
            (
                "auth",
                "max_ticket_ttl_secs",
                &[0, 9, 86_401],
                [10, 86_400],
                "seconds",
            ),
            (
                "rate_limit",
                "per_minute",
                &[60_001],
                [0, 60_000],
                "requests",
            ),
            ("rate_limit", "burst", &[0, 10_001], [1, 10_000], "requests"),
            (
                "connections",
                "header_read_timeout_ms",
                &[0, 99, 60_001],
                [100, 60_000],
                "milliseconds",
            ),
            (
                "connections",
                "max",
                &[0, 100_001],
                [1, 100_000],
                "connections",
            ),
            (
                "connections",
                "shutdown_grace_ms",
                &[300_001],
                [0, 300_000],
                "milliseconds",
            ),
            (
                "webhooks",
                "heartbeat_ms",
                &[0, 99, 300_001],
                [100, 300_000],
                "milliseconds",
            ),
            (
                "webhooks",
                "max_streams_per_alias",
                &[0, 100_001],
                [1, 100_000],
                "streams",
            ),
            (
                "webhooks",
                "max_streams_per_address",
                &[0, 10_001],
                [1, 10_000],
                "streams",
            ),
        ];
        for (section, key, bad, [low, high], unit) in cases {
            for value in bad {
                let refused = from(Some(&one_setting(section, key, *value)), &[])
                    .unwrap_err()
                    .to_string();
                assert_eq!(
                    refused,
                    format!(
                        "{section}.{key} is invalid: must be {low} to {high} {unit}, not {value}"
                    ),
                );
            }
            for value in [low, high] {
                let file = one_setting(section, key, value);
                assert!(from(Some(&file), &[]).is_ok(), "{section}.{key} = {value}");
            }
        }
        let zero_timeout = env(&[
            ("ZAPI_INSTANCE_ID", "i"),
            ("ZAPI_TOKEN", "t"),
            ("RELAY_UPSTREAM_TIMEOUT_MS", "0"),
        ])
        .unwrap_err();
        assert!(zero_timeout
            .to_string()
            .starts_with("zapi.timeout_ms is invalid"));
    }

    #[test]
    fn the_webhook_secret_is_random_url_safe_and_never_shown() {
        let vars = |secret: &'static str| {
            [
                ("ZAPI_INSTANCE_ID", "i"),
                ("ZAPI_TOKEN", "t"),
                ("RELAY_WEBHOOK_SECRET", secret),
                ("RELAY_PUBLIC_URL", "https://relay.example.com"),
            ]
        };
        let accepted = env(&vars("4e9b1c7d2a8f6035b9d4c1e7a2f8b603")).unwrap();
        assert_eq!(
            accepted.webhooks.public_url.as_ref().map(|u| u.as_str()),
            Some("https://relay.example.com/")
        );
        for weak in [
            "too-short-1234567890",
            "abababababababababababababababababab",
            "replace-me-with-a-long-random-value-please",
            "4e9b1c7d2a8f6035/b9d4c1e7a2f8b603?x",
            "4e9b1c7d2a8f6035%2Fb9d4c1e7a2f8b603",
        ] {
            let refused = env(&vars(weak)).unwrap_err().to_string();
            assert!(
                refused.starts_with("webhooks.secret is invalid"),
                "{refused}"
            );
            assert!(!refused.contains(weak), "the reason never shows the secret");
        }
        let refused = env(&[
            ("ZAPI_INSTANCE_ID", "i"),
            ("ZAPI_TOKEN", "t"),
            ("RELAY_PUBLIC_URL", "ftp://relay.example.com"),
        ])
        .unwrap_err();
        assert!(
            refused.to_string().contains("RELAY_PUBLIC_URL"),
            "{refused}"
        );
        let shown = format!("{accepted:?}");
        assert!(!shown.contains("4e9b1c7d2a8f6035b9d4c1e7a2f8b603"));
    }

    // Regression: `app()` took any `RelayConfig`, so ticket mode without a secret verified
    // tickets against an empty HMAC key, which jsonwebtoken accepts (see tests/validated_app.rs).
    #[test]
    fn ticket_mode_without_a_usable_secret_does_not_validate() {
        let mut config = RelayConfig::new("i", "t");
        config.auth.mode = AuthMode::Ticket;
        assert_eq!(
            config.clone().validate().unwrap_err(),
            ConfigError::Missing("auth.ticket_secret")
        );
        config.auth.ticket_secret = Some(String::new());
        assert!(config
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("auth.ticket_secret is invalid"));
    }

    const PROXY_SECRET: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";

    fn header_mode(extra: &[(&str, &str)]) -> Result<ValidConfig, ConfigError> {
        let mut vars = vec![
            ("ZAPI_INSTANCE_ID", "i"),
            ("ZAPI_TOKEN", "t"),
            ("RELAY_AUTH_MODE", "header"),
        ];
        vars.extend_from_slice(extra);
        env(&vars)
    }

    #[test]
    fn header_mode_takes_a_generated_proxy_secret() {
        let config = header_mode(&[("RELAY_PROXY_SECRET", PROXY_SECRET)]).unwrap();
        assert_eq!(config.auth.proxy_secret.as_deref(), Some(PROXY_SECRET));
        assert_eq!(
            config.auth.proxy_secret_header(),
            DEFAULT_PROXY_SECRET_HEADER
        );
        let config = header_mode(&[
            ("RELAY_PROXY_SECRET", PROXY_SECRET),
            ("RELAY_AUTH_HEADER", "X-From-Proxy"),
        ])
        .unwrap();
        assert_eq!(config.auth.proxy_secret_header(), "X-From-Proxy");
        assert!(!format!("{config:?}").contains(PROXY_SECRET));
        assert!(config.secrets().any(|s| s == PROXY_SECRET));
    }

    // Regression: header mode used to admit any request that carried a configured header or
    // cookie, whatever its value. Now it needs a proxy secret that looks generated.
    #[test]
    fn weak_or_placeholder_proxy_secrets_are_refused() {
        let example_placeholder = include_str!("../../relay.example.toml")
            .lines()
            .find_map(|line| {
                line.trim_start_matches('#')
                    .trim()
                    .strip_prefix("proxy_secret = ")
            })
            .expect("the example documents proxy_secret")
            .trim_matches('"')
            .to_owned();
        let cases = [
            ("short", "0123456789abcdef0123456789abcde".to_owned()),
            ("one character", "a".repeat(64)),
            ("a pattern", "ab".repeat(32)),
            ("nine characters", "012345678".repeat(4)),
            (
                "placeholder",
                "change-me-to-a-long-random-value-please".to_owned(),
            ),
            ("the example's", example_placeholder),
            ("a space", format!("{PROXY_SECRET} x")),
            ("non-ASCII", format!("{PROXY_SECRET}é")),
        ];
        for (what, secret) in &cases {
            let err = header_mode(&[("RELAY_PROXY_SECRET", secret)]).unwrap_err();
            let shown = err.to_string();
            assert!(
                shown.starts_with("auth.proxy_secret is invalid: "),
                "{what}: {shown}"
            );
            assert!(shown.contains("openssl rand -hex 32"), "{what}: {shown}");
            assert!(!shown.contains(secret.as_str()), "{what}: {shown}");
        }
        let err = header_mode(&[
            ("RELAY_PROXY_SECRET", PROXY_SECRET),
            ("RELAY_AUTH_HEADER", "X Bad"),
        ])
        .unwrap_err();
        assert!(
            err.to_string().starts_with("auth.header is invalid"),
            "{err}"
        );
    }

    // Regression: `cookie = "session"` made the relay admit any request with a `session` cookie,
    // a value nothing checked. The setting is now refused, with the reason.
    #[test]
    fn a_cookie_is_refused_with_the_reason() {
        for vars in [
            &[
                ("RELAY_PROXY_SECRET", PROXY_SECRET),
                ("RELAY_AUTH_COOKIE", "session"),
            ][..],
            &[("RELAY_AUTH_MODE", "cookie")],
        ] {
            let err = header_mode(vars).unwrap_err().to_string();
            assert!(
                err.contains("not a credential the relay can verify"),
                "{err}"
            );
        }
        let file = format!(
            "[instances.a]\nid = \"i\"\ntoken = \"t\"\n[auth]\nmode = \"header\"\n\
             proxy_secret = \"{PROXY_SECRET}\"\ncookie = \"session\"\n"
        );
        let err = from(Some(&file), &[]).unwrap_err().to_string();
        assert!(err.starts_with("auth.cookie is invalid"), "{err}");
        assert!(err.contains("proxy_secret"), "{err}");
    }

    fn instance(alias: &str, id: &str, token: &str) -> String {
        format!("[instances.\"{alias}\"]\nid = \"{id}\"\ntoken = \"{token}\"\n")
    }

    // Without an id or a token every call would go to `/instances//token/…` and fail upstream.
    #[test]
    fn an_instance_needs_both_an_id_and_a_token() {
        for (id, token) in [("", "t"), ("i", ""), (" ", "t"), ("i", " ")] {
            assert_eq!(
                from(Some(&instance("shop", id, token)), &[])
                    .unwrap_err()
                    .to_string(),
                "instances is invalid: shop needs an id and a token",
                "id {id:?}, token {token:?}"
            );
        }
        assert!(from(Some(&instance("shop", "i", "t")), &[]).is_ok());
    }

    // Tickets name the alias and logs show it: a plain, bounded name, nothing a path or a log
    // line could misread.
    #[test]
    fn aliases_are_1_to_64_letters_digits_dots_underscores_or_dashes() {
        let longest = "a".repeat(64);
        for alias in ["a", "shop-a", "Shop_B.2", longest.as_str()] {
            assert!(
                from(Some(&instance(alias, "i", "t")), &[]).is_ok(),
                "{alias}"
            );
        }
        let too_long = "a".repeat(65);
        for alias in ["", "shop/b", "../a", "shop b", "shöp", too_long.as_str()] {
            let refused = from(Some(&instance(alias, "i", "t")), &[])
                .unwrap_err()
                .to_string();
            assert!(
                refused.starts_with("instances is invalid: alias")
                    && refused.ends_with("must be 1 to 64 letters, digits, '.', '_' or '-'"),
                "{alias}: {refused}"
            );
        }
    }

    // Modes none and header cannot say which instance a request is for.
    #[test]
    fn several_instances_need_a_mode_that_names_the_alias() {
        let two = format!("{}{}", instance("a", "i", "t"), instance("b", "j", "u"));
        for auth in [
            "mode = \"none\"".to_owned(),
            format!("mode = \"header\"\nproxy_secret = \"{PROXY_SECRET}\""),
        ] {
            let one = format!("{}[auth]\n{auth}\n", instance("a", "i", "t"));
            assert!(from(Some(&one), &[]).is_ok(), "{auth}");
            assert_eq!(
                from(Some(&format!("{two}[auth]\n{auth}\n")), &[])
                    .unwrap_err()
                    .to_string(),
                "auth.mode is invalid: modes none and header serve one instance; \
                 use ticket for several",
                "{auth}"
            );
        }
    }

    // 40 random decimal digits: ten distinct characters, the fewest a random secret of that
    // length is likely to have, and enough.
    #[test]
    fn a_random_decimal_secret_is_accepted() {
        const DIGITS: &str = "3141592653589793238462643383279502884197";
        let config = header_mode(&[("RELAY_PROXY_SECRET", DIGITS)]).unwrap();
        assert_eq!(config.auth.proxy_secret.as_deref(), Some(DIGITS));
        let config = env(&[
            ("ZAPI_INSTANCE_ID", "i"),
            ("ZAPI_TOKEN", "t"),
            ("RELAY_AUTH_MODE", "ticket"),
            ("RELAY_TICKET_SECRET", DIGITS),
        ])
        .unwrap();
        assert_eq!(config.auth.ticket_secret.as_deref(), Some(DIGITS));
    }

    #[test]
    fn a_static_dir_that_holds_the_config_file_is_refused() {
        use super::super::validate::static_dir_excludes;

        let dir =
            std::env::temp_dir().join(format!("zapi-relay-static-dir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let site = dir.join("site");
        std::fs::create_dir_all(site.join("assets")).unwrap();
        let inside = site.join("relay.toml");
        let beside = dir.join("relay.toml");
        std::fs::write(&inside, "").unwrap();
        std::fs::write(&beside, "").unwrap();
        let mut serving_it = vec![site.clone(), dir.clone(), site.join("assets/..")];
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&site, dir.join("public")).unwrap();
            serving_it.push(dir.join("public"));
        }
        for static_dir in &serving_it {
            let refused = static_dir_excludes(static_dir, &inside)
                .unwrap_err()
                .to_string();
            assert!(
                refused.starts_with("static_dir is invalid: holds the config file"),
                "{static_dir:?}: {refused}"
            );
        }
        assert_eq!(static_dir_excludes(&site, &beside), Ok(()));
        assert_eq!(static_dir_excludes(&site.join("assets"), &inside), Ok(()));
        // A folder that does not exist yet serves nothing.
        assert_eq!(static_dir_excludes(&dir.join("later"), &inside), Ok(()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn connection_limits_are_read_and_range_checked() {
        let base = [("ZAPI_INSTANCE_ID", "i"), ("ZAPI_TOKEN", "t")];
        let with = |extra: &[(&str, &str)]| {
            let mut vars = base.to_vec();
            vars.extend_from_slice(extra);
            env(&vars)
        };
        assert_eq!(with(&[]).unwrap().connections, ConnectionLimits::default());
        let config = with(&[
            ("RELAY_HEADER_READ_TIMEOUT_MS", "300"),
            ("RELAY_MAX_CONNECTIONS", "2"),
            ("RELAY_SHUTDOWN_GRACE_MS", "0"),
        ])
        .unwrap();
        assert_eq!(
            config.connections,
            ConnectionLimits {
                header_read_timeout: Duration::from_millis(300),
                max_connections: 2,
                shutdown_grace: Duration::ZERO,
            }
        );
        let file = format!(
            "{FILE}\n[connections]\nheader_read_timeout_ms = 5000\nmax = 64\nshutdown_grace_ms = 2000\n"
        );
        let config = from(Some(&file), &[]).unwrap();
        assert_eq!(
            config.connections.header_read_timeout,
            Duration::from_secs(5)
        );
        assert_eq!(config.connections.max_connections, 64);
        assert_eq!(config.connections.shutdown_grace, Duration::from_secs(2));

        for (name, value, error) in [
            (
                "RELAY_HEADER_READ_TIMEOUT_MS",
                "0",
                "connections.header_read_timeout_ms",
            ),
            (
                "RELAY_HEADER_READ_TIMEOUT_MS",
                "99",
                "connections.header_read_timeout_ms",
            ),
            (
                "RELAY_HEADER_READ_TIMEOUT_MS",
                "60001",
                "connections.header_read_timeout_ms",
            ),
            (
                "RELAY_HEADER_READ_TIMEOUT_MS",
                "10s",
                "RELAY_HEADER_READ_TIMEOUT_MS",
            ),
            ("RELAY_MAX_CONNECTIONS", "0", "connections.max"),
            ("RELAY_MAX_CONNECTIONS", "100001", "connections.max"),
            ("RELAY_MAX_CONNECTIONS", "-1", "RELAY_MAX_CONNECTIONS"),
            (
                "RELAY_SHUTDOWN_GRACE_MS",
                "300001",
                "connections.shutdown_grace_ms",
            ),
        ] {
            let err = with(&[(name, value)]).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("{error} is invalid")),
                "{name}={value}: {err}"
            );
        }
        for edge in [
            ("RELAY_HEADER_READ_TIMEOUT_MS", "100"),
            ("RELAY_HEADER_READ_TIMEOUT_MS", "60000"),
            ("RELAY_MAX_CONNECTIONS", "1"),
            ("RELAY_MAX_CONNECTIONS", "100000"),
            ("RELAY_SHUTDOWN_GRACE_MS", "300000"),
        ] {
            assert!(with(&[edge]).is_ok(), "{edge:?}");
        }
    }

    #[test]
    fn the_redis_url_is_checked_and_its_password_never_shown() {
        let with = |vars: &[(&str, &str)]| {
            env(&[&[("ZAPI_INSTANCE_ID", "i"), ("ZAPI_TOKEN", "t")], vars].concat())
        };
        assert_eq!(with(&[]).unwrap().redis.url, None);
        for url in [
            "redis://127.0.0.1:6379",
            "rediss://cache.internal:6380/2",
            "redis://relay:s3cr3t-pa55@cache.internal",
        ] {
            let config = with(&[("RELAY_REDIS_URL", url)]).unwrap();
            assert_eq!(
                config
                    .redis
                    .url
                    .as_ref()
                    .map(Url::as_str)
                    .map(|u| u.trim_end_matches('/')),
                Some(url)
            );
        }
        let config = with(&[(
            "RELAY_REDIS_URL",
            "redis://relay:s3cr3t-pa55@cache.internal",
        )])
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t-pa55"), "{shown}");
        assert!(
            shown.contains("redis://relay:***@cache.internal"),
            "{shown}"
        );
        assert!(config.secrets().any(|secret| secret == "s3cr3t-pa55"));
        let not_redis = "must be a redis:// or rediss:// URL with a host (redis://host:6379)";
        for (bad, reason) in [
            ("http://s3cr3t@cache:6379", not_redis),
            ("cache:6379", not_redis),
            ("redis://", not_redis),
            ("redis:///0", not_redis),
            ("s3cr3t", "is not a URL"),
            (
                "redis://s3cr3t@cache/notadb",
                "is not a Redis URL the client accepts (check the database number)",
            ),
            ("redis://s3cr3t@cache#frag", "must have no fragment"),
        ] {
            let err = with(&[("RELAY_REDIS_URL", bad)]).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("RELAY_REDIS_URL is invalid: {reason}"),
                "{bad}"
            );
        }
        let file = format!("{FILE}\n[redis]\nurl = \"ftp://s3cr3t@cache\"\n");
        let err = from(Some(&file), &[]).unwrap_err().to_string();
        assert!(err.starts_with("redis.url is invalid"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        let file = format!("{FILE}\n[redis]\nurl = \"redis://cache:6379\"\n");
        assert!(from(Some(&file), &[]).unwrap().redis.url.is_some());
    }
}
