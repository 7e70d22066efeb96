//! The relay's configuration: a TOML file (`--config FILE` or `RELAY_CONFIG`) with environment
//! overrides, or the environment alone for a single instance. See `relay/relay.example.toml`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::Url;
use serde::Deserialize;

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
}

impl AuthMode {
    fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Self::None),
            "ticket" => Some(Self::Ticket),
            "header" => Some(Self::Header),
            _ => None,
        }
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
    /// Connections served at once; more are closed as soon as they are accepted. Default 1024,
    /// 1 to 100 000.
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

/// Everything the relay needs. The secrets live only here and in upstream requests.
#[derive(Clone)]
pub struct RelayConfig {
    /// Listen address. Default `127.0.0.1:8787`.
    pub bind: String,
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
    /// Where the four widget paths live. Default `/zapi`; `""` or `/` puts them at the root.
    pub base_path: String,
    /// A folder served at `/` (with `index.html`), so a demo page can be same-origin.
    pub static_dir: Option<PathBuf>,
    /// Whole upstream request, body included. Default 10 s.
    pub upstream_timeout: Duration,
    /// TCP + TLS connect to upstream. Default 3 s.
    pub connect_timeout: Duration,
    /// Largest upstream body accepted. Default 1 MiB.
    pub max_upstream_body: usize,
    /// Header-read timeout, connection cap, shutdown deadline.
    pub connections: ConnectionLimits,
}

impl RelayConfig {
    /// One instance under the alias `default`, no authentication, no rate limit, every other
    /// field at its default.
    pub fn new(instance_id: impl Into<String>, instance_token: impl Into<String>) -> Self {
        Self {
            bind: DEFAULT_BIND.to_owned(),
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
            connections: ConnectionLimits::default(),
        }
    }

    /// The configuration from the environment alone (see [`RelayConfig::from_sources`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_sources(None, |name| std::env::var(name).ok())
    }

    /// Reads the file, then the environment over it.
    pub fn load(file: &std::path::Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError::File {
            path: file.display().to_string(),
            reason: e.kind().to_string(),
        })?;
        Self::from_sources(Some(&text), |name| std::env::var(name).ok())
            .map_err(|e| e.in_file(file))
    }

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

    /// Refuses configurations that would start a relay that cannot work, or works unsafely.
    pub fn validate(&self) -> Result<(), ConfigError> {
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
            AuthMode::None => {}
        }
        for origin in &self.cors.allowed_origins {
            check_origin(origin).map_err(invalid("cors.allowed_origins"))?;
        }
        let connections = &self.connections;
        if !ConnectionLimits::HEADER_READ_TIMEOUT.contains(&connections.header_read_timeout) {
            return Err(invalid("connections.header_read_timeout_ms")(
                "must be 100 to 60000 milliseconds".to_owned(),
            ));
        }
        if !ConnectionLimits::MAX_CONNECTIONS.contains(&connections.max_connections) {
            return Err(invalid("connections.max")(
                "must be 1 to 100000 connections".to_owned(),
            ));
        }
        if connections.shutdown_grace > ConnectionLimits::MAX_SHUTDOWN_GRACE {
            return Err(invalid("connections.shutdown_grace_ms")(
                "must be 0 to 300000 milliseconds".to_owned(),
            ));
        }
        if self.rate_limit.enabled() && self.rate_limit.burst == 0 {
            return Err(invalid("rate_limit.burst")(
                "must be at least 1 when a limit is set".to_owned(),
            ));
        }
        Ok(())
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
            .filter(|secret| !secret.is_empty())
    }
}

/// Keeps the secrets out of any `{:?}` that ends up in a log.
impl fmt::Debug for RelayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayConfig")
            .field("bind", &self.bind)
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
            .field("cors", &self.cors)
            .field("rate_limit", &self.rate_limit)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("base_path", &self.base_path)
            .field("static_dir", &self.static_dir)
            .field("upstream_timeout", &self.upstream_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_upstream_body", &self.max_upstream_body)
            .field("connections", &self.connections)
            .finish()
    }
}

/// The file's shape; every section and key is optional except the instances.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
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
    fn parse(text: &str) -> Result<Self, ConfigError> {
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

    fn into_config(self) -> Result<RelayConfig, ConfigError> {
        let mut config = RelayConfig::new("", "");
        config.instances = self.instances;
        if let Some(bind) = self.bind {
            config.bind = bind;
        }
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
        Ok(config)
    }
}

fn valid_alias(alias: &str) -> bool {
    (1..=64).contains(&alias.len())
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Why a cookie alone can no longer configure `header` mode.
const COOKIE_REFUSED: &str = "a cookie is not a credential the relay can verify: anyone can send \
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

fn parse_upstream(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err("expected an http:// or https:// URL".to_owned());
    }
    Ok(url)
}

fn parse_proxies(entries: &[String]) -> Result<Vec<IpNet>, String> {
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

/// serde quotes the offending value in some messages; it may be a secret in the wrong place.
fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out.trim_end().to_owned()
}

fn invalid(name: &str) -> impl Fn(String) -> ConfigError + '_ {
    move |reason| ConfigError::Invalid {
        name: name.to_owned(),
        reason,
    }
}

/// A configuration problem found at startup. Names the setting, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    Missing(&'static str),
    Invalid { name: String, reason: String },
    Syntax { line: Option<usize>, reason: String },
    File { path: String, reason: String },
}

impl ConfigError {
    fn in_file(self, file: &std::path::Path) -> Self {
        match self {
            ConfigError::Syntax { line, reason } => ConfigError::File {
                path: file.display().to_string(),
                reason: match line {
                    Some(line) => format!("line {line}: {reason}"),
                    None => reason,
                },
            },
            other => other,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(name) => write!(f, "{name} is not set"),
            ConfigError::Invalid { name, reason } => write!(f, "{name} is invalid: {reason}"),
            ConfigError::Syntax {
                line: Some(line),
                reason,
            } => write!(f, "config line {line}: {reason}"),
            ConfigError::Syntax { line: None, reason } => write!(f, "config: {reason}"),
            ConfigError::File { path, reason } => write!(f, "{path}: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn from(file: Option<&str>, vars: &[(&str, &str)]) -> Result<RelayConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RelayConfig::from_sources(file, |name| vars.get(name).cloned())
    }

    fn env(vars: &[(&str, &str)]) -> Result<RelayConfig, ConfigError> {
        from(None, vars)
    }

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

    const FILE: &str = r#"
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
    }

    // Regression: the example's placeholder ticket secret used to be accepted as it stood.
    #[test]
    fn the_example_file_is_valid_once_its_ticket_secret_is_real() {
        let example = include_str!("../relay.example.toml");
        let refused = from(Some(example), &[]).unwrap_err().to_string();
        assert!(
            refused.starts_with("auth.ticket_secret is invalid"),
            "{refused}"
        );
        let config = from(Some(example), &[("RELAY_TICKET_SECRET", SECRET)]).unwrap();
        assert_eq!(config.instances.len(), 2);
        assert_eq!(config.auth.mode, AuthMode::Ticket);
        assert_eq!(config.rate_limit, RateLimitConfig::PRODUCTION);
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

    const PROXY_SECRET: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";

    fn header_mode(extra: &[(&str, &str)]) -> Result<RelayConfig, ConfigError> {
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
        let example_placeholder = include_str!("../relay.example.toml")
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
