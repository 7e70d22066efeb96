use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

/// Z-API's public endpoint.
pub const DEFAULT_UPSTREAM: &str = "https://api.z-api.io";

/// Everything the relay needs. The three secrets live only here and in upstream requests.
#[derive(Clone)]
pub struct RelayConfig {
    /// Z-API's base URL. Default `https://api.z-api.io`.
    pub upstream: Url,
    /// The Z-API instance id.
    pub instance_id: String,
    /// The Z-API instance token (part of the upstream URL path).
    pub instance_token: String,
    /// The account's `Client-Token`, sent as a header when set.
    pub client_token: Option<String>,
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
    /// Requests per minute and client IP on the Z-API routes; `None` (the default) for no
    /// limit. Behind a reverse proxy every client shares the proxy's IP.
    pub rate_limit_per_minute: Option<u32>,
}

impl RelayConfig {
    /// A config for one instance with every other field at its default.
    pub fn new(instance_id: impl Into<String>, instance_token: impl Into<String>) -> Self {
        Self {
            upstream: Url::parse(DEFAULT_UPSTREAM).expect("the default upstream is a valid URL"),
            instance_id: instance_id.into(),
            instance_token: instance_token.into(),
            client_token: None,
            base_path: "/zapi".to_owned(),
            static_dir: None,
            upstream_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            max_upstream_body: 1024 * 1024,
            rate_limit_per_minute: None,
        }
    }

    /// Reads `ZAPI_INSTANCE_ID`, `ZAPI_TOKEN` (both required), `ZAPI_CLIENT_TOKEN`,
    /// `ZAPI_UPSTREAM`, `RELAY_BASE_PATH`, `RELAY_STATIC_DIR`, `RELAY_UPSTREAM_TIMEOUT_MS` and
    /// `RELAY_RATE_LIMIT_PER_MIN` (`0` or unset: no limit).
    /// Empty variables count as unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`RelayConfig::from_env`] with the variables read through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let required = |name: &'static str| var(name).ok_or(ConfigError::Missing(name));

        let mut config = Self::new(required("ZAPI_INSTANCE_ID")?, required("ZAPI_TOKEN")?);
        config.client_token = var("ZAPI_CLIENT_TOKEN");
        if let Some(upstream) = var("ZAPI_UPSTREAM") {
            config.upstream = parse_upstream(&upstream).map_err(|reason| ConfigError::Invalid {
                name: "ZAPI_UPSTREAM",
                reason,
            })?;
        }
        if let Some(base) = var("RELAY_BASE_PATH") {
            config.base_path = base;
        }
        config.static_dir = var("RELAY_STATIC_DIR").map(PathBuf::from);
        if let Some(ms) = var("RELAY_UPSTREAM_TIMEOUT_MS") {
            let ms: u64 = ms.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "RELAY_UPSTREAM_TIMEOUT_MS",
                reason: "expected a whole number of milliseconds".to_owned(),
            })?;
            config.upstream_timeout = Duration::from_millis(ms);
        }
        if let Some(limit) = var("RELAY_RATE_LIMIT_PER_MIN") {
            let limit: u32 = limit.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "RELAY_RATE_LIMIT_PER_MIN",
                reason: "expected a whole number of requests".to_owned(),
            })?;
            config.rate_limit_per_minute = (limit > 0).then_some(limit);
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
        [
            Some(self.instance_token.as_str()),
            self.client_token.as_deref(),
            Some(self.instance_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .filter(|secret| !secret.is_empty())
    }
}

fn parse_upstream(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err("expected an http:// or https:// URL".to_owned());
    }
    Ok(url)
}

/// Keeps the secrets out of any `{:?}` that ends up in a log.
impl fmt::Debug for RelayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayConfig")
            .field("upstream", &self.upstream.as_str())
            .field("instance_id", &self.instance_id)
            .field("instance_token", &"***")
            .field("client_token", &self.client_token.as_ref().map(|_| "***"))
            .field("base_path", &self.base_path)
            .field("static_dir", &self.static_dir)
            .field("upstream_timeout", &self.upstream_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_upstream_body", &self.max_upstream_body)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .finish()
    }
}

/// A configuration problem found at startup. Names the variable, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    Missing(&'static str),
    Invalid { name: &'static str, reason: String },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(name) => write!(f, "{name} is not set"),
            ConfigError::Invalid { name, reason } => write!(f, "{name} is invalid: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<RelayConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RelayConfig::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn id_and_token_are_required_and_named() {
        assert_eq!(
            from(&[]).unwrap_err(),
            ConfigError::Missing("ZAPI_INSTANCE_ID")
        );
        let err = from(&[("ZAPI_INSTANCE_ID", "i"), ("ZAPI_TOKEN", " ")]).unwrap_err();
        assert_eq!(err.to_string(), "ZAPI_TOKEN is not set");
    }

    #[test]
    fn defaults_apply() {
        let config = from(&[("ZAPI_INSTANCE_ID", "i"), ("ZAPI_TOKEN", "t")]).unwrap();
        assert_eq!(config.upstream.as_str(), "https://api.z-api.io/");
        assert_eq!(config.client_token, None);
        assert_eq!(config.normalized_base_path(), "/zapi");
        assert_eq!(config.static_dir, None);
        assert_eq!(config.upstream_timeout, Duration::from_secs(10));
        assert_eq!(config.connect_timeout, Duration::from_secs(3));
        assert_eq!(config.max_upstream_body, 1 << 20);
    }

    #[test]
    fn every_variable_is_read() {
        let config = from(&[
            ("ZAPI_INSTANCE_ID", "i"),
            ("ZAPI_TOKEN", "t"),
            ("ZAPI_CLIENT_TOKEN", "c"),
            ("ZAPI_UPSTREAM", "http://127.0.0.1:8790"),
            ("RELAY_BASE_PATH", "api/zapi/"),
            ("RELAY_STATIC_DIR", "www"),
            ("RELAY_UPSTREAM_TIMEOUT_MS", "2500"),
            ("RELAY_RATE_LIMIT_PER_MIN", "30"),
        ])
        .unwrap();
        assert_eq!(config.client_token.as_deref(), Some("c"));
        assert_eq!(config.upstream.as_str(), "http://127.0.0.1:8790/");
        assert_eq!(config.normalized_base_path(), "/api/zapi");
        assert_eq!(config.static_dir, Some(PathBuf::from("www")));
        assert_eq!(config.upstream_timeout, Duration::from_millis(2500));
        assert_eq!(config.rate_limit_per_minute, Some(30));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let base = [("ZAPI_INSTANCE_ID", "i"), ("ZAPI_TOKEN", "t")];
        let err = from(&[base[0], base[1], ("ZAPI_UPSTREAM", "ftp://x")]).unwrap_err();
        assert!(err.to_string().starts_with("ZAPI_UPSTREAM is invalid"));
        let err = from(&[base[0], base[1], ("RELAY_UPSTREAM_TIMEOUT_MS", "10s")]).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("RELAY_UPSTREAM_TIMEOUT_MS is invalid"));
    }

    #[test]
    fn debug_hides_the_secrets() {
        let mut config = RelayConfig::new("instance-1", "secret-token-value");
        config.client_token = Some("secret-client-token".to_owned());
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret-token-value"));
        assert!(!shown.contains("secret-client-token"));
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
