//! Property tests over everything a client or an operator writes that the relay parses: the
//! config file and environment, tickets, the proxy-secret header, `X-Forwarded-For` and the
//! phone segment. Nothing panics, and every refusal is a documented error.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::body::{to_bytes, Body};
use axum::http::{HeaderValue, Request};
use axum::Router;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::client::{forwarded_address, ClientAddress};
use crate::config::{AuthMode, ConfigError, RelayConfig, ENV_VARS};
use crate::error::RelayError;
use crate::upstream::{masked_path, Phone};

const CASES: u32 = 256;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// The error codes of `docs/relay-contract.md`, with their statuses.
fn documented(status: u16, body: &Value) -> bool {
    let codes = [
        RelayError::NotFound,
        RelayError::InvalidPhone,
        RelayError::Unauthorized,
        RelayError::OriginNotAllowed,
        RelayError::UpstreamUnreachable,
        RelayError::UpstreamTimeout,
        RelayError::UpstreamMalformed,
        RelayError::AccessDenied,
        RelayError::SubscriptionExpired,
        RelayError::UpstreamError {
            status: 500,
            message: None,
        },
        RelayError::RateLimited {
            retry_after_secs: 1,
        },
    ];
    codes
        .iter()
        .any(|e| e.code() == body["code"] && e.status().as_u16() == status)
}

// ---- config: TOML and environment ----

const SECTIONS: [(&str, &[&str]); 7] = [
    ("", &["bind", "base_path", "static_dir", "trusted_proxies"]),
    (
        "zapi",
        &[
            "upstream",
            "client_token",
            "timeout_ms",
            "connect_timeout_ms",
            "max_body_bytes",
            "allow_disconnect",
        ],
    ),
    (
        "auth",
        &[
            "mode",
            "ticket_secret",
            "leeway_secs",
            "max_ticket_ttl_secs",
            "header",
            "proxy_secret",
            "cookie",
        ],
    ),
    ("cors", &["allowed_origins", "allow_credentials"]),
    ("rate_limit", &["per_minute", "burst"]),
    (
        "connections",
        &["header_read_timeout_ms", "max", "shutdown_grace_ms"],
    ),
    ("instances.a", &["id", "token"]),
];

const SECRET_KEYS: [&str; 4] = ["client_token", "ticket_secret", "proxy_secret", "token"];

/// A TOML value of any type. Secret keys get values no message could contain by chance:
/// `zq…` strings and ten-digit numbers, which nothing else generates.
fn toml_value(secret: bool) -> BoxedStrategy<String> {
    if secret {
        prop_oneof![
            "zq[a-z0-9]{10,30}".prop_map(|s| format!("\"{s}\"")),
            (7_000_000_000i64..8_000_000_000).prop_map(|n| n.to_string()),
            (7_000_000_000i64..8_000_000_000).prop_map(|n| format!("-{n}")),
        ]
        .boxed()
    } else {
        prop_oneof![
            (-1_000_000i64..1_000_000).prop_map(|n| n.to_string()),
            "[ -!#-\\[\\]-~]{0,24}".prop_map(|s| format!("\"{s}\"")),
            Just("\"ticket\"".to_owned()),
            Just("\"header\"".to_owned()),
            Just("true".to_owned()),
            Just("1.5".to_owned()),
            Just("1979-05-27T07:32:00Z".to_owned()),
            prop::collection::vec(-1000i64..1000, 0..3).prop_map(|v| format!("{v:?}")),
            Just("[\"10.0.0.1\", \"::1\"]".to_owned()),
            Just("[\"https://a.example\"]".to_owned()),
        ]
        .boxed()
    }
}

fn toml_entry() -> impl Strategy<Value = (usize, String, String, bool)> {
    (0..SECTIONS.len())
        .prop_flat_map(|section| {
            let keys = SECTIONS[section].1;
            (Just(section), 0..keys.len())
        })
        .prop_flat_map(|(section, key)| {
            let key = SECTIONS[section].1[key];
            let secret = SECRET_KEYS.contains(&key);
            (
                Just(section),
                Just(key.to_owned()),
                toml_value(secret),
                Just(secret),
            )
        })
}

fn toml_file(entries: &[(usize, String, String, bool)]) -> String {
    let mut text = String::new();
    for (index, (section, keys)) in SECTIONS.iter().enumerate() {
        let lines: Vec<String> = entries
            .iter()
            .filter(|(s, ..)| *s == index)
            .map(|(_, key, value, _)| format!("{key} = {value}\n"))
            .collect();
        if section.is_empty() {
            text = lines.concat() + &text;
        } else if !lines.is_empty() || keys.contains(&"id") {
            text.push_str(&format!("[{section}]\n{}", lines.concat()));
        }
    }
    text
}

/// The variables, secret ones with unmistakable values.
fn env_entry() -> impl Strategy<Value = (&'static str, String, bool)> {
    (0..ENV_VARS.len()).prop_flat_map(|index| {
        let name = ENV_VARS[index].name;
        let secret = [
            "ZAPI_TOKEN",
            "ZAPI_CLIENT_TOKEN",
            "RELAY_TICKET_SECRET",
            "RELAY_PROXY_SECRET",
        ]
        .contains(&name);
        let value = if secret {
            "zq[a-z0-9]{10,30}".boxed()
        } else {
            prop_oneof![
                "[ -~]{0,30}",
                (0u64..10_000_000).prop_map(|n| n.to_string()),
                Just("ticket".to_owned()),
                Just("10.0.0.0/8, ::1".to_owned()),
            ]
            .boxed()
        };
        (Just(name), value, Just(secret))
    })
}

/// What a config error may be: a variable or setting that is missing or invalid, or a line of
/// the file, never a file error (only `load` reads files).
fn check_config_error(error: &ConfigError, secrets: &[&str]) -> Result<(), TestCaseError> {
    let setting = |name: &str| {
        ENV_VARS.iter().any(|v| v.name == name)
            || name == "RELAY_AUTH_COOKIE"
            || (!name.is_empty()
                && name.split('.').all(|part| {
                    !part.is_empty()
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                }))
    };
    match error {
        ConfigError::Missing(name) => prop_assert!(setting(name), "{error:?}"),
        ConfigError::Invalid { name, .. } => prop_assert!(setting(name), "{error:?}"),
        ConfigError::Syntax { .. } => {}
        ConfigError::File { .. } => prop_assert!(false, "{error:?}"),
    }
    let shown = error.to_string();
    for secret in secrets {
        prop_assert!(!shown.contains(secret), "{shown:?} shows {secret:?}");
    }
    Ok(())
}

fn secret_text(value: &str) -> String {
    value.trim_matches('"').trim_start_matches('-').to_owned()
}

#[test]
fn any_config_file_and_environment_loads_or_is_refused_with_a_named_setting() {
    let strategy = (
        prop::collection::vec(toml_entry(), 0..12),
        prop::collection::vec(env_entry(), 0..6),
        any::<bool>(),
    );
    runner(CASES)
        .run(&strategy, |(entries, vars, with_file)| {
            let file = toml_file(&entries);
            let env: HashMap<&str, String> = vars
                .iter()
                .map(|(name, value, _)| (*name, value.clone()))
                .collect();
            let mut secrets: Vec<String> = entries
                .iter()
                .filter(|(.., secret)| *secret)
                .map(|(_, _, value, _)| secret_text(value))
                .collect();
            secrets.extend(vars.iter().filter(|(.., s)| *s).map(|(_, v, _)| v.clone()));
            let result = RelayConfig::from_sources(with_file.then_some(file.as_str()), |name| {
                env.get(name).cloned()
            });
            match result {
                Ok(config) => {
                    let shown = format!("{:?}", *config);
                    for secret in &secrets {
                        prop_assert!(!shown.contains(secret.as_str()), "{shown}");
                    }
                    prop_assert!(config.clone().into_inner().validate().is_ok());
                }
                Err(error) => {
                    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
                    check_config_error(&error, &secrets)?;
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn any_text_as_a_config_file_is_refused_without_a_panic() {
    runner(CASES)
        .run(&"\\PC{0,200}", |text| {
            if let Err(error) = RelayConfig::from_sources(Some(&text), |_| None) {
                check_config_error(&error, &[])?;
            }
            Ok(())
        })
        .unwrap();
}

// ---- requests through app(): tickets and the proxy secret ----

const TICKET_SECRET: &str = "3f786850e387550fdab836ed7e6dc881de23001b";
const PROXY_SECRET: &str = "a9993e364706816aba3e25717850c26c9cd0d89d";

/// The relay in front of a closed port: an admitted request answers `upstream_unreachable`.
fn closed_upstream(adjust: impl FnOnce(&mut RelayConfig)) -> Router {
    let mut config = RelayConfig::new("instance", "token");
    config.upstream = "http://127.0.0.1:9".parse().unwrap();
    adjust(&mut config);
    crate::app(config.validate().unwrap())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Sends the request; `true` when it was admitted (it reached the closed upstream). Any other
/// answer must be a documented error.
fn admitted(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    request: Request<Body>,
) -> Result<bool, TestCaseError> {
    let response = runtime.block_on(app.clone().oneshot(request)).unwrap();
    let status = response.status().as_u16();
    let bytes = runtime
        .block_on(to_bytes(response.into_body(), 64 * 1024))
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    prop_assert!(documented(status, &body), "{status} {body}");
    Ok(body["code"] == "upstream_unreachable")
}

fn ticket_claims() -> impl Strategy<Value = Value> {
    let now = jsonwebtoken::get_current_timestamp() as i64;
    let offset = prop_oneof![-100_000i64..100_000, -10i64..10, Just(i64::MIN / 2)];
    (
        prop_oneof![
            Just(json!("default")),
            Just(json!("other")),
            "\\PC{0,10}".prop_map(Value::from),
            Just(json!(7)),
            Just(Value::Null),
        ],
        prop::option::of(offset.clone()),
        prop::option::of(offset.clone()),
        prop::option::of(offset),
        prop::option::of(prop_oneof![
            "\\PC{0,10}".prop_map(Value::from),
            Just(json!(42))
        ]),
    )
        .prop_map(move |(alias, exp, iat, nbf, sub)| {
            let mut claims = json!({ "alias": alias });
            let at = |offset: i64| json!(now.saturating_add(offset).max(0));
            if let Some(exp) = exp {
                claims["exp"] = at(exp);
            }
            if let Some(iat) = iat {
                claims["iat"] = at(iat);
            }
            if let Some(nbf) = nbf {
                claims["nbf"] = at(nbf);
            }
            if let Some(sub) = sub {
                claims["sub"] = sub;
            }
            claims
        })
}

#[test]
fn only_a_ticket_signed_with_the_secret_for_a_known_alias_is_admitted() {
    let runtime = runtime();
    let app = closed_upstream(|config| {
        config.auth.mode = AuthMode::Ticket;
        config.auth.ticket_secret = Some(TICKET_SECRET.to_owned());
    });
    let signed = (ticket_claims(), any::<bool>()).prop_map(|(claims, right_key)| {
        let key = if right_key { TICKET_SECRET } else { "" };
        let ticket = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
        )
        .unwrap();
        (format!("Bearer {ticket}"), Some((claims, right_key)))
    });
    let forged = prop_oneof![
        "[A-Za-z]{0,8} [A-Za-z0-9_=.-]{0,80}",
        "Bearer [A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,40}",
        "[ -~]{0,60}",
    ]
    .prop_map(|header| (header, None));
    runner(CASES)
        .run(&prop_oneof![signed, forged], |(authorization, signed)| {
            let mut request = Request::get("/zapi/status");
            if let Ok(value) = HeaderValue::from_str(&authorization) {
                request = request.header("authorization", value);
            }
            let admitted = admitted(&runtime, &app, request.body(Body::empty()).unwrap())?;
            if admitted {
                let Some((claims, right_key)) = signed else {
                    return Err(TestCaseError::fail("a forged ticket was admitted"));
                };
                prop_assert!(right_key, "{claims}");
                prop_assert_eq!(&claims["alias"], "default");
                prop_assert!(claims["exp"].as_u64().is_some(), "{}", claims);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn only_the_exact_proxy_secret_once_is_admitted() {
    let runtime = runtime();
    let app = closed_upstream(|config| {
        config.auth.mode = AuthMode::Header;
        config.auth.proxy_secret = Some(PROXY_SECRET.to_owned());
    });
    let value = prop_oneof![
        Just(PROXY_SECRET.as_bytes().to_vec()),
        (0..PROXY_SECRET.len(), any::<u8>()).prop_map(|(at, byte)| {
            let mut bytes = PROXY_SECRET.as_bytes().to_vec();
            bytes[at] = byte;
            bytes
        }),
        (0..PROXY_SECRET.len()).prop_map(|end| PROXY_SECRET.as_bytes()[..end].to_vec()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    let headers = (
        prop::collection::vec(value, 0..3),
        prop::option::of("[ -~]{0,40}"),
    );
    runner(CASES)
        .run(&headers, |(values, cookie)| {
            // The widget's own header, which header mode requires of every request.
            let mut request = Request::get("/zapi/status").header("x-zapi-connect", "1");
            let mut sent = Vec::new();
            for bytes in &values {
                if let Ok(value) = HeaderValue::from_bytes(bytes) {
                    request = request.header("x-relay-proxy-secret", value);
                    sent.push(bytes.clone());
                }
            }
            if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
                request = request.header("cookie", cookie);
            }
            let admitted = admitted(&runtime, &app, request.body(Body::empty()).unwrap())?;
            let exact_once = sent.len() == 1 && sent[0] == PROXY_SECRET.as_bytes();
            prop_assert_eq!(admitted, exact_once, "{:?}", sent);
            Ok(())
        })
        .unwrap();
}

// ---- X-Forwarded-For ----

fn written(ip: IpAddr, port: Option<u16>, brackets: bool) -> String {
    match (ip, port) {
        (ip, Some(port)) => SocketAddr::new(ip, port).to_string(),
        (IpAddr::V6(v6), None) if brackets => format!("[{v6}]"),
        (ip, None) => ip.to_string(),
    }
}

#[test]
fn forwarded_entries_parse_to_their_address_and_junk_to_nothing_else() {
    let entry = (
        any::<IpAddr>(),
        prop::option::of(any::<u16>()),
        any::<bool>(),
    );
    runner(CASES)
        .run(&entry, |(ip, port, brackets)| {
            let text = written(ip, port, brackets);
            prop_assert_eq!(forwarded_address(&text), Some(ip), "{}", text);
            prop_assert_eq!(forwarded_address(&format!(" {text} ")), Some(ip));
            Ok(())
        })
        .unwrap();
    runner(CASES)
        .run(&"\\PC{0,40}", |text| {
            if let Some(ip) = forwarded_address(&text) {
                let trimmed = text.trim();
                prop_assert!(
                    trimmed.contains(&ip.to_string()) || trimmed.starts_with('['),
                    "{text:?} -> {ip}"
                );
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_client_address_is_the_peer_or_one_the_trusted_hops_forwarded() {
    let clients = ClientAddress::new(vec!["10.0.0.0/8".parse().unwrap()]);
    let hop = prop_oneof![
        (
            any::<IpAddr>(),
            prop::option::of(any::<u16>()),
            any::<bool>()
        )
            .prop_map(|(ip, port, brackets)| written(ip, port, brackets)),
        (0u8..4, prop::option::of(any::<u16>())).prop_map(|(last, port)| written(
            IpAddr::from([10, 0, 0, last]),
            port,
            false
        )),
        "[ -+.-~]{0,12}",
    ];
    let case = (
        prop_oneof![Just("10.0.0.2".parse().unwrap()), any::<IpAddr>()],
        prop::collection::vec(prop::collection::vec(hop, 0..4), 0..3),
    );
    runner(CASES)
        .run(&case, |(peer, headers)| {
            let mut map = axum::http::HeaderMap::new();
            for hops in &headers {
                if let Ok(value) = HeaderValue::from_str(&hops.join(", ")) {
                    map.append("x-forwarded-for", value);
                }
            }
            let client = clients.resolve(Some(peer), &map);
            let forwarded: Vec<IpAddr> = headers
                .iter()
                .flatten()
                .filter_map(|hop| forwarded_address(hop))
                .collect();
            let canonical = |ip: IpAddr| match ip {
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
                v4 => v4,
            };
            prop_assert!(
                client == canonical(peer) || forwarded.iter().any(|ip| canonical(*ip) == client),
                "{peer} {headers:?} -> {client}"
            );
            if !clients.is_trusted_peer(Some(peer)) {
                prop_assert_eq!(client, canonical(peer));
            }
            Ok(())
        })
        .unwrap();
}

// ---- the phone segment ----

#[test]
fn a_phone_is_8_to_15_ascii_digits_and_logs_never_show_it_whole() {
    let raw = prop_oneof!["[0-9]{0,20}", "\\PC{0,20}", "[0-9+ ()-]{6,20}"];
    runner(CASES)
        .run(&raw, |raw| {
            let valid = (8..=15).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit());
            match Phone::parse(&raw) {
                Ok(phone) => {
                    prop_assert!(valid, "{raw:?}");
                    prop_assert_eq!(phone.as_str(), raw.as_str());
                    let masked = phone.masked();
                    prop_assert_eq!(masked.chars().count(), raw.len());
                    prop_assert_eq!(masked.bytes().filter(u8::is_ascii_digit).count(), 4);
                }
                Err(error) => {
                    prop_assert!(!valid, "{raw:?}");
                    prop_assert_eq!(error.code(), "invalid_phone");
                }
            }
            if !raw.contains(['/', '*']) {
                let shown = masked_path(&format!("/zapi/phone-code/{raw}")).into_owned();
                let segment = shown.strip_prefix("/zapi/phone-code/").unwrap();
                let middle: String = raw.chars().skip(2).collect();
                if middle.chars().count() > 2 {
                    prop_assert!(!segment.contains(&middle), "{raw:?} -> {shown}");
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_phone_path_through_app_is_a_code_or_a_documented_error() {
    let runtime = runtime();
    let app = closed_upstream(|_| {});
    let segment = prop_oneof!["[0-9]{0,20}", "[A-Za-z0-9+._~-]{0,30}"];
    runner(64)
        .run(&segment, |segment| {
            let Ok(request) =
                Request::get(format!("/zapi/phone-code/{segment}")).body(Body::empty())
            else {
                return Ok(());
            };
            let reached = admitted(&runtime, &app, request)?;
            let valid = Phone::parse(&segment).is_ok();
            prop_assert_eq!(reached, valid, "{}", segment);
            Ok(())
        })
        .unwrap();
}
