//! The relay's configuration: a TOML file (`--config FILE` or `RELAY_CONFIG`) with environment
//! overrides, or the environment alone for a single instance. See `relay/relay.example.toml`.

mod access;
mod env;
mod error;
mod file;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::Url;
use serde::Deserialize;

pub use crate::forward_auth::ForwardAuthConfig;
pub use env::{EnvVar, ENV_VARS};

pub use error::ConfigError;

/// Z-API's public endpoint.
pub const DEFAULT_UPSTREAM: &str = "https://api.z-api.io";

/// Where the relay listens unless told otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8787";

/// The alias of the instance the environment alone configures (`ZAPI_INSTANCE_ID`, `ZAPI_TOKEN`).
pub const DEFAULT_ALIAS: &str = "default";

/// HS256 keys shorter than this are refused: the secret is all that stands between a forger
/// and every instance.
pub const MIN_TICKET_SECRET_BYTES: usize = 32;

/// The shared proxy secret of `header` mode: at least this many characters, at least
/// [`MIN_PROXY_SECRET_DISTINCT`] of them different.
pub const MIN_PROXY_SECRET_CHARS: usize = 32;

/// Fewer distinct characters than this is a pattern (`aaaa…`, `abab…`), not a random secret.
pub const MIN_PROXY_SECRET_DISTINCT: usize = 10;

/// The header that carries the shared proxy secret in `header` mode unless `[auth] header` says
/// otherwise.
pub const DEFAULT_PROXY_SECRET_HEADER: &str = "X-Relay-Proxy-Secret";

/// One Z-API instance, under the alias that tickets name.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// The Z-API instance id.
    pub id: String,
    /// The Z-API instance token (part of the upstream URL path).
    pub token: String,
}

impl Instance {
    pub fn new(id: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            token: token.into(),
        }
    }
}

impl fmt::Debug for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instance")
            .field("id", &self.id)
            .field("token", &"***")
            .finish()
    }
}

/// Who may use the relay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// Anyone who reaches the relay; one instance. Put it behind your own authentication.
    #[default]
    None,
    /// `Authorization: Bearer <ticket>`: a short-lived HS256 JWT naming an instance alias.
    Ticket,
    /// The reverse proxy in front of the relay authenticated the user and adds a secret it
    /// shares with the relay in a header; the relay compares its value in constant time. One
    /// instance.
    Header,
    /// The relay asks the app's session endpoint about each request's `Cookie` and
    /// `Authorization` ([`ForwardAuthConfig`]); the endpoint may name the alias.
    Forward,
}

impl AuthMode {
    fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Self::None),
            "ticket" => Some(Self::Ticket),
            "header" => Some(Self::Header),
            "forward" => Some(Self::Forward),
            _ => None,
        }
    }

    /// The modes where the browser's cookies are the credential, so that any page can make
    /// the browser send it.
    pub fn uses_cookies(self) -> bool {
        matches!(self, Self::Header | Self::Forward)
    }
}

#[derive(Clone)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// The HS256 key tickets are signed with (`ticket` mode), at least 32 bytes.
    pub ticket_secret: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`. Default 5 s.
    pub leeway: Duration,
    /// Tickets whose `exp` lies further ahead are refused. Default 1 h.
    pub max_ticket_ttl: Duration,
    /// `header` mode: the request header that carries the proxy secret. Default
    /// [`DEFAULT_PROXY_SECRET_HEADER`].
    pub header: Option<String>,
    /// `header` mode: the secret the reverse proxy puts in `header` once it has authenticated
    /// the user. At least 32 characters, random (see [`RelayConfig::validate`]).
    pub proxy_secret: Option<String>,
    /// `none` mode on an address other than loopback: the operator says that something in
    /// front authenticates every request. Default `false`: such a relay does not start.
    pub allow_unauthenticated: bool,
    /// `forward` mode: the session endpoint, its timeout and the answer cache.
    pub forward: ForwardAuthConfig,
}

impl AuthConfig {
    /// The header `header` mode reads.
    pub fn proxy_secret_header(&self) -> &str {
        self.header
            .as_deref()
            .unwrap_or(DEFAULT_PROXY_SECRET_HEADER)
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            mode: AuthMode::None,
            ticket_secret: None,
            leeway: Duration::from_secs(5),
            max_ticket_ttl: Duration::from_secs(3600),
            header: None,
            proxy_secret: None,
            allow_unauthenticated: false,
            forward: ForwardAuthConfig::default(),
        }
    }
}

/// Browsers on other origins that may call the relay. Empty (the default): no CORS headers,
/// only the relay's own origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsConfig {
    /// Exact origins, `scheme://host[:port]`.
    pub allowed_origins: Vec<String>,
    /// `Access-Control-Allow-Credentials: true`, for cookies sent with `credentials="include"`.
    pub allow_credentials: bool,
}

/// Requests per client address and per ticket on the Z-API routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Sustained rate; `0` turns the limits off.
    pub per_minute: u32,
    /// Requests allowed at once on top of an idle bucket.
    pub burst: u32,
}

impl RateLimitConfig {
    pub const OFF: Self = Self {
        per_minute: 0,
        burst: 0,
    };
    /// A widget makes about 16 requests a minute (a `/status` poll every 5 s, at most 3 QR
    /// calls per 10–20 s cycle); this leaves room for four of them per address.
    pub const PRODUCTION: Self = Self {
        per_minute: 60,
        burst: 10,
    };

    pub fn enabled(&self) -> bool {
        self.per_minute > 0
    }
}

/// Bounds on the connections the relay holds (see `serve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A client must send a request's head within this time; the same bound closes an idle
    /// keep-alive connection. Default 10 s, 100 ms to 60 s.
    pub header_read_timeout: Duration,
    /// Connections open at once. At the cap a new one replaces the connection idle longest; only
    /// if every connection has a request in progress is it closed as soon as it is accepted.
    /// Default 1024, 1 to 100 000.
    pub max_connections: usize,
    /// On SIGTERM or Ctrl-C, how long open connections may finish their requests before they
    /// are dropped. Default 10 s, at most 5 min.
    pub shutdown_grace: Duration,
}

impl ConnectionLimits {
    pub const HEADER_READ_TIMEOUT: std::ops::RangeInclusive<Duration> =
        Duration::from_millis(100)..=Duration::from_secs(60);
    pub const MAX_CONNECTIONS: std::ops::RangeInclusive<usize> = 1..=100_000;
    pub const MAX_SHUTDOWN_GRACE: Duration = Duration::from_secs(300);
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// `GET /metrics` on a listener of its own. Off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsConfig {
    /// Listen address of the metrics listener; `None` (the default): no metrics listener.
    pub bind: Option<String>,
    /// The operator says that an address other than loopback may serve the metrics (something
    /// in front keeps strangers out). Default `false`: such a relay does not start.
    pub public: bool,
}

/// Z-API's connection callbacks and the event stream they feed (`POST {base}/webhooks/{secret}`,
/// `GET {base}/events`). Without a secret neither route exists.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// The secret in the callback URL. At least 32 characters, random, URL-safe
    /// (letters, digits, `-`, `_`, `.`, `~`).
    pub secret: Option<String>,
    /// The relay's public origin, which `zapi-relay webhooks register` gives Z-API.
    pub public_url: Option<Url>,
    /// A comment line on every stream this often. Default 15 s, 100 ms to 5 min.
    pub heartbeat: Duration,
    /// Streams open at once for one alias. Default 1000, 1 to 100 000.
    pub max_streams_per_alias: usize,
    /// Streams open at once from one client address. Default 8, 1 to 10 000.
    pub max_streams_per_address: usize,
}

impl WebhookConfig {
    pub const HEARTBEAT: std::ops::RangeInclusive<Duration> =
        Duration::from_millis(100)..=Duration::from_secs(300);
    pub const MAX_STREAMS_PER_ALIAS: std::ops::RangeInclusive<usize> = 1..=100_000;
    pub const MAX_STREAMS_PER_ADDRESS: std::ops::RangeInclusive<usize> = 1..=10_000;
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            secret: None,
            public_url: None,
            heartbeat: Duration::from_secs(15),
            max_streams_per_alias: 1000,
            max_streams_per_address: 8,
        }
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("public_url", &self.public_url.as_ref().map(Url::as_str))
            .field("heartbeat", &self.heartbeat)
            .field("max_streams_per_alias", &self.max_streams_per_alias)
            .field("max_streams_per_address", &self.max_streams_per_address)
            .finish()
    }
}

/// Replicas sharing one Redis: event fan-out through pub/sub, event ids and rate limits counted
/// there. Unset (the default): everything stays in this process.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RedisConfig {
    /// `redis://[user:password@]host[:port][/db]` or `rediss://` for TLS.
    pub url: Option<Url>,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &self.url.as_ref().map(masked_url))
            .finish()
    }
}

/// The URL with its password, if any, replaced by `***`.
fn masked_url(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

/// Everything the relay needs. The secrets live only here and in upstream requests.
#[derive(Clone)]
pub struct RelayConfig {
    /// Listen address. Default `127.0.0.1:8787`.
    pub bind: String,
    /// `Host` values the relay answers (`host[:port]`, as browsers send them), against DNS
    /// rebinding; `"*"` allows any. Empty (the default): [`crate::default_hosts`] of `bind`.
    pub allowed_hosts: Vec<String>,
    /// Z-API's base URL. Default `https://api.z-api.io`.
    pub upstream: Url,
    /// The account's `Client-Token`, sent as a header when set.
    pub client_token: Option<String>,
    /// The instances, by alias.
    pub instances: BTreeMap<String, Instance>,
    pub auth: AuthConfig,
    pub cors: CorsConfig,
    pub rate_limit: RateLimitConfig,
    /// Peers whose `X-Forwarded-For` is believed (load balancers, reverse proxies). Empty: the
    /// TCP peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Where the widget paths live. Default `/zapi`; `""` or `/` puts them at the root.
    pub base_path: String,
    /// A folder served at `/` (with `index.html`), so a demo page can be same-origin.
    pub static_dir: Option<PathBuf>,
    /// Whole upstream request, body included. Default 10 s.
    pub upstream_timeout: Duration,
    /// TCP + TLS connect to upstream. Default 3 s.
    pub connect_timeout: Duration,
    /// Largest upstream body accepted. Default 1 MiB.
    pub max_upstream_body: usize,
    /// Serve `POST {base}/disconnect`, which unlinks the phone from the instance. Default
    /// `false`: the route answers 404 and never reaches Z-API.
    pub allow_disconnect: bool,
    /// Header-read timeout, connection cap, shutdown deadline.
    pub connections: ConnectionLimits,
    /// The Prometheus metrics listener.
    pub metrics: MetricsConfig,
    /// Z-API's connection callbacks and the event stream.
    pub webhooks: WebhookConfig,
    /// Redis shared by the relay's replicas.
    pub redis: RedisConfig,
}

impl RelayConfig {
    /// One instance under the alias `default`, no authentication, no rate limit, every other
    /// field at its default.
    pub fn new(instance_id: impl Into<String>, instance_token: impl Into<String>) -> Self {
        Self {
            bind: DEFAULT_BIND.to_owned(),
            allowed_hosts: Vec::new(),
            upstream: Url::parse(DEFAULT_UPSTREAM).expect("the default upstream is a valid URL"),
            client_token: None,
            instances: BTreeMap::from([(
                DEFAULT_ALIAS.to_owned(),
                Instance::new(instance_id, instance_token),
            )]),
            auth: AuthConfig::default(),
            cors: CorsConfig::default(),
            rate_limit: RateLimitConfig::OFF,
            trusted_proxies: Vec::new(),
            base_path: "/zapi".to_owned(),
            static_dir: None,
            upstream_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            max_upstream_body: 1024 * 1024,
            allow_disconnect: false,
            connections: ConnectionLimits::default(),
            metrics: MetricsConfig::default(),
            webhooks: WebhookConfig::default(),
            redis: RedisConfig::default(),
        }
    }

    /// The configuration from the environment alone (see [`RelayConfig::from_sources`]).
    pub fn from_env() -> Result<ValidConfig, ConfigError> {
        Self::from_sources(None, |name| std::env::var(name).ok())
    }

    /// Reads the file, then the environment over it. A `static_dir` that holds the file is
    /// refused: the relay would serve its own secrets.
    pub fn load(file: &std::path::Path) -> Result<ValidConfig, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError::File {
            path: file.display().to_string(),
            reason: e.kind().to_string(),
        })?;
        let config = Self::from_sources(Some(&text), |name| std::env::var(name).ok())
            .map_err(|e| e.in_file(file))?;
        if let Some(dir) = &config.static_dir {
            validate::static_dir_excludes(dir, file)?;
        }
        Ok(config)
    }

    /// `base_path` with one leading slash and no trailing one; `""` for the root.
    pub fn normalized_base_path(&self) -> String {
        let trimmed = self.base_path.trim().trim_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        }
    }

    /// The values that must never leave the relay, for leak checks.
    pub(crate) fn secrets(&self) -> impl Iterator<Item = &str> {
        self.instances
            .values()
            .flat_map(|i| [i.token.as_str(), i.id.as_str()])
            .chain(self.client_token.as_deref())
            .chain(self.auth.ticket_secret.as_deref())
            .chain(self.auth.proxy_secret.as_deref())
            .chain(self.webhooks.secret.as_deref())
            .chain(self.redis.url.as_ref().and_then(Url::password))
            .filter(|secret| !secret.is_empty())
    }
}

/// A [`RelayConfig`] that passed [`RelayConfig::validate`]: what [`crate::app`] is built from,
/// so no relay runs on a configuration that was never checked.
#[derive(Clone, Debug)]
pub struct ValidConfig(RelayConfig);

impl ValidConfig {
    /// The configuration, to change and validate again.
    pub fn into_inner(self) -> RelayConfig {
        self.0
    }
}

impl std::ops::Deref for ValidConfig {
    type Target = RelayConfig;

    fn deref(&self) -> &RelayConfig {
        &self.0
    }
}

/// Keeps the secrets out of any `{:?}` that ends up in a log.
impl fmt::Debug for RelayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayConfig")
            .field("bind", &self.bind)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("upstream", &self.upstream.as_str())
            .field("client_token", &self.client_token.as_ref().map(|_| "***"))
            .field("instances", &self.instances)
            .field("auth_mode", &self.auth.mode)
            .field(
                "ticket_secret",
                &self.auth.ticket_secret.as_ref().map(|_| "***"),
            )
            .field("auth_header", &self.auth.header)
            .field(
                "proxy_secret",
                &self.auth.proxy_secret.as_ref().map(|_| "***"),
            )
            .field("allow_unauthenticated", &self.auth.allow_unauthenticated)
            .field("forward", &self.auth.forward)
            .field("cors", &self.cors)
            .field("rate_limit", &self.rate_limit)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("base_path", &self.base_path)
            .field("static_dir", &self.static_dir)
            .field("upstream_timeout", &self.upstream_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_upstream_body", &self.max_upstream_body)
            .field("allow_disconnect", &self.allow_disconnect)
            .field("connections", &self.connections)
            .field("metrics", &self.metrics)
            .field("webhooks", &self.webhooks)
            .field("redis", &self.redis)
            .finish()
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::collections::HashMap;

    use super::{ConfigError, RelayConfig, ValidConfig};

    pub const SECRET: &str = "0123456789abcdef0123456789abcdef";

    pub fn from(file: Option<&str>, vars: &[(&str, &str)]) -> Result<ValidConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RelayConfig::from_sources(file, |name| vars.get(name).cloned())
    }

    pub fn env(vars: &[(&str, &str)]) -> Result<ValidConfig, ConfigError> {
        from(None, vars)
    }

    pub const FILE: &str = r#"
        bind = "0.0.0.0:8787"
        trusted_proxies = ["10.0.0.0/8"]

        [zapi]
        client_token = "client-from-file"
        timeout_ms = 4000

        [instances.shop-a]
        id = "id-a"
        token = "token-a"

        [instances.shop-b]
        id = "id-b"
        token = "token-b"

        [auth]
        mode = "ticket"
        ticket_secret = "0123456789abcdef0123456789abcdef"
        leeway_secs = 2

        [cors]
        allowed_origins = ["https://app.example.com"]
    "#;
}

#[cfg(test)]
mod tests {
    use super::test_support::SECRET;
    use super::*;

    #[test]
    fn debug_hides_the_secrets() {
        let mut config = RelayConfig::new("instance-1", "secret-token-value");
        config.client_token = Some("secret-client-token".to_owned());
        config.auth.ticket_secret = Some(SECRET.to_owned());
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret-token-value"));
        assert!(!shown.contains("secret-client-token"));
        assert!(!shown.contains(SECRET));
        assert!(shown.contains("instance-1"));
    }

    #[test]
    fn root_base_path_normalizes_to_empty() {
        let mut config = RelayConfig::new("i", "t");
        for base in ["", "/", " // "] {
            config.base_path = base.to_owned();
            assert_eq!(config.normalized_base_path(), "");
        }
    }
}
