//! The environment overlay: variables laid over the file's settings, or the whole
//! configuration of a single instance.

use std::path::PathBuf;
use std::time::Duration;

use super::access::parse_forward_url;
use super::error::invalid;
use super::file::FileConfig;
use super::validate::{
    parse_proxies, parse_public_url, parse_redis_url, parse_upstream, COOKIE_REFUSED,
};
use super::{
    AuthMode, ConfigError, Instance, RateLimitConfig, RelayConfig, ValidConfig, DEFAULT_ALIAS,
};

/// One environment variable the relay reads: its name, the file setting it overrides (as the
/// README's reference table writes it) and what it means.
pub struct EnvVar {
    pub name: &'static str,
    pub setting: &'static str,
    pub meaning: &'static str,
    apply: Apply,
}

enum Apply {
    /// Parses the value into the setting; the reason names neither the variable nor the value.
    Setting(fn(&mut RelayConfig, String) -> Result<(), String>),
    /// `ZAPI_INSTANCE_ID` and `ZAPI_TOKEN`, which only make sense together.
    DefaultInstance,
    /// Read by the binary before any configuration exists.
    ConfigFile,
}

/// Every variable the relay reads, in the order the overlay applies them.
pub const ENV_VARS: &[EnvVar] = &[
    EnvVar {
        name: "RELAY_CONFIG",
        setting: "",
        meaning: "the TOML configuration file (same as --config)",
        apply: Apply::ConfigFile,
    },
    EnvVar {
        name: "ZAPI_INSTANCE_ID",
        setting: "[instances.ALIAS] id",
        meaning: "with ZAPI_TOKEN, the instance under the alias `default`",
        apply: Apply::DefaultInstance,
    },
    EnvVar {
        name: "ZAPI_TOKEN",
        setting: "[instances.ALIAS] token",
        meaning: "with ZAPI_INSTANCE_ID, the instance under the alias `default`",
        apply: Apply::DefaultInstance,
    },
    EnvVar {
        name: "ZAPI_CLIENT_TOKEN",
        setting: "[zapi] client_token",
        meaning: "the account's security token, sent as Client-Token",
        apply: Apply::Setting(|config, token| {
            config.client_token = Some(token);
            Ok(())
        }),
    },
    EnvVar {
        name: "ZAPI_UPSTREAM",
        setting: "[zapi] upstream",
        meaning: "Z-API's base URL",
        apply: Apply::Setting(|config, url| {
            config.upstream = parse_upstream(&url)?;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_UPSTREAM_TIMEOUT_MS",
        setting: "[zapi] timeout_ms",
        meaning: "bound on each Z-API call, in milliseconds",
        apply: Apply::Setting(|config, ms| {
            config.upstream_timeout = Duration::from_millis(parse_number(&ms, "milliseconds")?);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_ALLOW_DISCONNECT",
        setting: "[zapi] allow_disconnect",
        meaning: "true to serve POST {base}/disconnect, which unlinks the phone",
        apply: Apply::Setting(|config, flag| {
            config.allow_disconnect = parse_bool(&flag)?;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_BIND",
        setting: "bind",
        meaning: "listen address",
        apply: Apply::Setting(|config, bind| {
            config.bind = bind.trim().to_owned();
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_BASE_PATH",
        setting: "base_path",
        meaning: "where the widget paths live",
        apply: Apply::Setting(|config, base| {
            config.base_path = base;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_STATIC_DIR",
        setting: "static_dir",
        meaning: "a folder also served at /",
        apply: Apply::Setting(|config, dir| {
            config.static_dir = Some(PathBuf::from(dir));
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_AUTH_MODE",
        setting: "[auth] mode",
        meaning: "none, ticket, header or forward",
        apply: Apply::Setting(|config, mode| {
            if mode.trim().eq_ignore_ascii_case("cookie") {
                return Err(COOKIE_REFUSED.to_owned());
            }
            config.auth.mode = AuthMode::parse(&mode)
                .ok_or("expected none, ticket, header or forward".to_owned())?;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_TICKET_SECRET",
        setting: "[auth] ticket_secret",
        meaning: "the HS256 key tickets are signed with",
        apply: Apply::Setting(|config, secret| {
            config.auth.ticket_secret = Some(secret);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_AUTH_HEADER",
        setting: "[auth] header",
        meaning: "header mode: the header that carries the proxy secret",
        apply: Apply::Setting(|config, header| {
            config.auth.header = Some(header.trim().to_owned());
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_PROXY_SECRET",
        setting: "[auth] proxy_secret",
        meaning: "header mode: the secret the auth proxy adds",
        apply: Apply::Setting(|config, secret| {
            config.auth.proxy_secret = Some(secret);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_CORS_ORIGINS",
        setting: "[cors] allowed_origins",
        meaning: "other origins allowed, comma-separated",
        apply: Apply::Setting(|config, origins| {
            config.cors.allowed_origins = split_list(&origins);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_CORS_CREDENTIALS",
        setting: "[cors] allow_credentials",
        meaning: "true to allow cookies from those origins",
        apply: Apply::Setting(|config, flag| {
            config.cors.allow_credentials = parse_bool(&flag)?;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_RATE_LIMIT_PER_MIN",
        setting: "[rate_limit] per_minute",
        meaning: "sustained requests per minute per client address and per ticket; 0 turns the limits off",
        apply: Apply::Setting(|config, limit| {
            config.rate_limit.per_minute = parse_number(&limit, "requests")?;
            if config.rate_limit.burst == 0 {
                config.rate_limit.burst = RateLimitConfig::PRODUCTION.burst;
            }
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_RATE_LIMIT_BURST",
        setting: "[rate_limit] burst",
        meaning: "requests allowed at once on top of an idle bucket",
        apply: Apply::Setting(|config, burst| {
            config.rate_limit.burst = parse_number(&burst, "requests")?;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_TRUSTED_PROXIES",
        setting: "trusted_proxies",
        meaning: "IPs or CIDRs whose X-Forwarded-For is believed, comma-separated",
        apply: Apply::Setting(|config, proxies| {
            config.trusted_proxies = parse_proxies(&split_list(&proxies))?;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_HEADER_READ_TIMEOUT_MS",
        setting: "[connections] header_read_timeout_ms",
        meaning: "a request's head must arrive within this many milliseconds",
        apply: Apply::Setting(|config, ms| {
            config.connections.header_read_timeout =
                Duration::from_millis(parse_number(&ms, "milliseconds")?);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_MAX_CONNECTIONS",
        setting: "[connections] max",
        meaning: "connections open at once; at the cap the one idle longest is closed",
        apply: Apply::Setting(|config, max| {
            config.connections.max_connections = parse_number(&max, "connections")?;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_SHUTDOWN_GRACE_MS",
        setting: "[connections] shutdown_grace_ms",
        meaning: "on SIGTERM, how long open connections may finish, in milliseconds",
        apply: Apply::Setting(|config, ms| {
            config.connections.shutdown_grace =
                Duration::from_millis(parse_number(&ms, "milliseconds")?);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_ALLOWED_HOSTS",
        setting: "allowed_hosts",
        meaning: "Host values served, comma-separated; * for any",
        apply: Apply::Setting(|config, hosts| {
            config.allowed_hosts = split_list(&hosts);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_ALLOW_UNAUTHENTICATED",
        setting: "[auth] allow_unauthenticated",
        meaning: "true to run mode none on an address other than loopback",
        apply: Apply::Setting(|config, flag| {
            config.auth.allow_unauthenticated = parse_bool(&flag)?;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_FORWARD_URL",
        setting: "[auth] forward_url",
        meaning: "forward mode: the app's session endpoint",
        apply: Apply::Setting(|config, url| {
            config.auth.forward.url = Some(parse_forward_url(&url)?);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_FORWARD_ALIAS_HEADER",
        setting: "[auth] forward_alias_header",
        meaning: "forward mode: the response header that names the alias",
        apply: Apply::Setting(|config, header| {
            config.auth.forward.alias_header = Some(header.trim().to_owned());
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_FORWARD_TIMEOUT_MS",
        setting: "[auth] forward_timeout_ms",
        meaning: "forward mode: bound on each session check, in milliseconds",
        apply: Apply::Setting(|config, ms| {
            config.auth.forward.timeout = Duration::from_millis(parse_number(&ms, "milliseconds")?);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_FORWARD_CACHE_TTL_MS",
        setting: "[auth] forward_cache_ttl_ms",
        meaning: "forward mode: how long a session check's answer is reused, in milliseconds",
        apply: Apply::Setting(|config, ms| {
            config.auth.forward.cache_ttl =
                Duration::from_millis(parse_number(&ms, "milliseconds")?);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_METRICS_BIND",
        setting: "[metrics] bind",
        meaning: "listen address of GET /metrics (Prometheus); unset: no metrics listener",
        apply: Apply::Setting(|config, bind| {
            config.metrics.bind = Some(bind.trim().to_owned());
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_METRICS_PUBLIC",
        setting: "[metrics] public",
        meaning: "true to serve the metrics on an address other than loopback",
        apply: Apply::Setting(|config, flag| {
            config.metrics.public = parse_bool(&flag)?;
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_WEBHOOK_SECRET",
        setting: "[webhooks] secret",
        meaning: "the secret in Z-API's callback URL; set, it serves the webhook and events routes",
        apply: Apply::Setting(|config, secret| {
            config.webhooks.secret = Some(secret);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_PUBLIC_URL",
        setting: "[webhooks] public_url",
        meaning: "the relay's public origin, for `zapi-relay webhooks register`",
        apply: Apply::Setting(|config, url| {
            config.webhooks.public_url = Some(parse_public_url(&url)?);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_HEARTBEAT_MS",
        setting: "[webhooks] heartbeat_ms",
        meaning: "a comment line on each event stream this often, in milliseconds",
        apply: Apply::Setting(|config, ms| {
            config.webhooks.heartbeat = Duration::from_millis(parse_number(&ms, "milliseconds")?);
            Ok(())
        }),
    },
    EnvVar {
        name: "RELAY_REDIS_URL",
        setting: "[redis] url",
        meaning: "redis:// or rediss:// URL shared by the relay's replicas (events, rate limits)",
        apply: Apply::Setting(|config, url| {
            config.redis.url = Some(parse_redis_url(&url)?);
            Ok(())
        }),
    },
];

/// Variables that used to configure something unsafe: refused with the reason, never ignored.
const REFUSED_VARS: [(&str, &str); 1] = [("RELAY_AUTH_COOKIE", COOKIE_REFUSED)];

impl RelayConfig {
    /// The configuration from a TOML text (if any) with the variables of [`ENV_VARS`], read
    /// through `lookup`, laid over it. Empty variables count as unset.
    ///
    /// Without a file, `ZAPI_INSTANCE_ID` and `ZAPI_TOKEN` are required. The production rate
    /// limits apply with or without a file unless `RELAY_RATE_LIMIT_PER_MIN=0` turns them off.
    pub fn from_sources(
        file: Option<&str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ValidConfig, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let mut config = match file {
            Some(text) => FileConfig::parse(text)?.into_config()?,
            None => {
                let id = var("ZAPI_INSTANCE_ID").ok_or(ConfigError::Missing("ZAPI_INSTANCE_ID"))?;
                let token = var("ZAPI_TOKEN").ok_or(ConfigError::Missing("ZAPI_TOKEN"))?;
                let mut config = Self::new(id, token);
                config.rate_limit = RateLimitConfig::PRODUCTION;
                config
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
        for (name, reason) in REFUSED_VARS {
            if var(name).is_some() {
                return Err(invalid(name)(reason.to_owned()));
            }
        }
        for env_var in ENV_VARS {
            if let (Apply::Setting(apply), Some(value)) = (&env_var.apply, var(env_var.name)) {
                apply(&mut config, value).map_err(invalid(env_var.name))?;
            }
        }
        config.validate()
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
    use super::ENV_VARS;

    /// The settings a cell of the README's reference table names: `[zapi] timeout_ms`,
    /// `connect_timeout_ms` is `[zapi] timeout_ms` and `[zapi] connect_timeout_ms`.
    fn settings_in(cell: &str) -> Vec<String> {
        let mut section = String::new();
        let mut settings = Vec::new();
        for code in cell.split('`').skip(1).step_by(2) {
            let key = match code.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
                Some((name, key)) => {
                    section = format!("[{name}]");
                    key.trim()
                }
                None => code.trim(),
            };
            if !key.is_empty() {
                settings.push(format!("{section} {key}").trim().to_owned());
            }
        }
        settings
    }

    #[test]
    fn the_readme_documents_every_variable_and_its_setting() {
        let readme = include_str!("../../../README.md");
        let reference = readme
            .split("\n### Reference\n")
            .nth(1)
            .and_then(|rest| rest.split("\n#").next())
            .expect("the README has a relay reference section");
        let mut documented = std::collections::BTreeMap::new();
        for row in reference
            .lines()
            .filter(|line| line.starts_with('|'))
            .skip(2)
        {
            let cells: Vec<&str> = row.split('|').collect();
            let (keys, variables) = (cells[1], cells[2]);
            for name in variables.split('`').skip(1).step_by(2) {
                assert!(
                    documented.insert(name, settings_in(keys)).is_none(),
                    "{name} is documented twice"
                );
            }
        }
        for env_var in ENV_VARS {
            let settings = documented.remove(env_var.name).unwrap_or_else(|| {
                panic!(
                    "the README's reference table lacks {}; add a row: | `{}` | `{}` | ... | {} |",
                    env_var.name, env_var.setting, env_var.name, env_var.meaning
                )
            });
            if env_var.setting.is_empty() {
                assert!(settings.is_empty(), "{}: {settings:?}", env_var.name);
            } else {
                assert!(
                    settings.iter().any(|setting| setting == env_var.setting),
                    "the README maps {} to {settings:?}, the relay to {}",
                    env_var.name,
                    env_var.setting
                );
            }
        }
        assert!(
            documented.is_empty(),
            "the README documents variables the relay does not read: {:?}",
            documented.keys()
        );
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
    fn the_environment_alone_is_one_open_instance_with_the_default_limits() {
        let config = env(&[("ZAPI_INSTANCE_ID", "i"), ("ZAPI_TOKEN", "t")]).unwrap();
        assert_eq!(config.instances[DEFAULT_ALIAS], Instance::new("i", "t"));
        assert_eq!(config.auth.mode, AuthMode::None);
        assert_eq!(config.rate_limit, RateLimitConfig::PRODUCTION);
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
        assert!(!config.allow_disconnect);
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
            ("RELAY_ALLOW_DISCONNECT", "true"),
        ])
        .unwrap();
        assert!(config.allow_disconnect);
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
