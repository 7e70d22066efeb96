//! Who may use the relay, and for which instance. In `ticket` mode the customer's backend signs a
//! short-lived JWT (HS256) naming an instance alias; the widget sends it as
//! `Authorization: Bearer <ticket>` and the relay serves that alias only, until `exp`. In
//! `header` mode the reverse proxy in front of the relay authenticates the user and adds a
//! secret it shares with the relay; the relay compares that value in constant time. In
//! `forward` mode the relay asks the app's session endpoint ([`crate::forward_auth`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::config::{AuthMode, Instance, RelayConfig};
use crate::error::RelayError;
use crate::forward_auth::{ForwardAuth, Refusal};

/// Longer bearer values are refused unread.
const MAX_TICKET_BYTES: usize = 4096;

/// What a ticket says. `alias` and `exp` are required; `sub` (the customer's user) keys the
/// per-ticket rate limit, and a ticket without one is limited on its own. `iat`, when present,
/// may not lie in the future (beyond the leeway), nor `max_ticket_ttl` before `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClaims {
    /// The instance alias, as configured.
    pub alias: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// Signs a ticket for `alias` that expires `ttl` from now, as a customer's backend would.
pub fn mint_ticket(
    secret: &str,
    alias: &str,
    subject: Option<&str>,
    ttl: Duration,
) -> Result<String, jsonwebtoken::errors::Error> {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = TicketClaims {
        alias: alias.to_owned(),
        exp: now + ttl.as_secs(),
        sub: subject.map(str::to_owned),
        iat: Some(now),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
}

/// The instance a request may use, once authenticated.
#[derive(Clone)]
pub(crate) struct Tenant {
    pub alias: Arc<str>,
    /// `Some` for ticket holders: the rate-limit key within the alias, the ticket's `sub`, or
    /// the ticket itself when it names no subject (so such tickets never share a bucket).
    pub ticket_subject: Option<Arc<str>>,
    pub instance: Arc<Instance>,
}

enum Method {
    Open,
    Ticket(Box<TicketCheck>),
    ProxySecret {
        header: HeaderName,
        secret: Box<[u8]>,
    },
    /// `None` when no session endpoint is configured: nobody is admitted.
    Forward(Option<Box<ForwardAuth>>),
}

struct TicketCheck {
    key: DecodingKey,
    validation: Validation,
    leeway: Duration,
    max_ttl: Duration,
}

/// Decides, from the request headers alone, which instance a request may use.
pub(crate) struct Auth {
    method: Method,
    instances: BTreeMap<String, Arc<Instance>>,
}

impl Auth {
    pub fn new(config: &RelayConfig) -> Self {
        let auth = &config.auth;
        let method = match auth.mode {
            AuthMode::None => Method::Open,
            AuthMode::Ticket => {
                let secret = auth.ticket_secret.as_deref().unwrap_or_default();
                let mut validation = Validation::new(Algorithm::HS256);
                validation.leeway = auth.leeway.as_secs();
                validation.validate_nbf = true;
                validation.validate_aud = false;
                Method::Ticket(Box::new(TicketCheck {
                    key: DecodingKey::from_secret(secret.as_bytes()),
                    validation,
                    leeway: auth.leeway,
                    max_ttl: auth.max_ticket_ttl,
                }))
            }
            // The config refuses a missing or weak secret; an `app()` built around the check
            // still admits nobody rather than everybody (no value equals no secret).
            AuthMode::Header => Method::ProxySecret {
                header: HeaderName::from_bytes(auth.proxy_secret_header().as_bytes())
                    .unwrap_or(HeaderName::from_static("x-relay-proxy-secret")),
                secret: auth
                    .proxy_secret
                    .as_deref()
                    .unwrap_or_default()
                    .as_bytes()
                    .into(),
            },
            AuthMode::Forward => Method::Forward(ForwardAuth::new(&auth.forward).map(Box::new)),
        };
        let instances = config
            .instances
            .iter()
            .map(|(alias, instance)| (alias.clone(), Arc::new(instance.clone())))
            .collect();
        Self { method, instances }
    }

    fn is_ticket(&self) -> bool {
        matches!(self.method, Method::Ticket(_))
    }

    /// `Err` carries the reason for the log; the client only learns `unauthorized`, or
    /// `auth_unavailable` when the session endpoint could not say.
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Tenant, Refusal> {
        let (alias, ticket_subject) = match &self.method {
            Method::Open => (self.only_alias(), None),
            Method::ProxySecret { header, secret } => {
                proxy_secret(headers, header, secret)?;
                (self.only_alias(), None)
            }
            Method::Ticket(check) => {
                let ticket = bearer(headers)?;
                let claims = check.verify(ticket)?;
                let limit_key = match claims.sub {
                    Some(subject) => format!("sub:{subject}"),
                    None => format!("ticket:{}", signature(ticket)),
                };
                (claims.alias, Some(limit_key))
            }
            Method::Forward(None) => return Err("no session endpoint is configured".into()),
            Method::Forward(Some(forward)) => match forward.check(headers).await? {
                Some(alias) => (alias, None),
                None if self.instances.len() == 1 => (self.only_alias(), None),
                None => return Err("the session endpoint named no alias".into()),
            },
        };
        let (alias, instance) =
            self.instances
                .get_key_value(&alias)
                .ok_or(if self.is_ticket() {
                    "the ticket names an unknown alias"
                } else {
                    "the session endpoint named an unknown alias"
                })?;
        Ok(Tenant {
            alias: alias.as_str().into(),
            ticket_subject: ticket_subject.map(Into::into),
            instance: instance.clone(),
        })
    }

    /// Modes `none` and `header` have exactly one instance (checked by the config), and so
    /// does `forward` without an alias header.
    fn only_alias(&self) -> String {
        self.instances.keys().next().cloned().unwrap_or_default()
    }
}

fn bearer(headers: &HeaderMap) -> Result<&str, &'static str> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or("no Authorization header")?
        .to_str()
        .map_err(|_| "the Authorization header is not ASCII")?;
    let (scheme, ticket) = value
        .trim()
        .split_once(' ')
        .ok_or("the Authorization header is not a bearer ticket")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("the Authorization header is not a bearer ticket");
    }
    let ticket = ticket.trim();
    if ticket.is_empty() || ticket.len() > MAX_TICKET_BYTES {
        return Err("the ticket is empty or too long");
    }
    Ok(ticket)
}

/// A verified ticket's signature: unique to the ticket, and short.
fn signature(ticket: &str) -> &str {
    ticket.rsplit('.').next().unwrap_or(ticket)
}

impl TicketCheck {
    fn verify(&self, ticket: &str) -> Result<TicketClaims, &'static str> {
        let claims = jsonwebtoken::decode::<TicketClaims>(ticket, &self.key, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => "the ticket has expired",
                ErrorKind::ImmatureSignature => "the ticket is not valid yet",
                ErrorKind::InvalidSignature => "the ticket's signature is wrong",
                ErrorKind::InvalidAlgorithm => "the ticket is not HS256",
                _ => "the ticket is malformed",
            })?
            .claims;
        let now = jsonwebtoken::get_current_timestamp();
        let (leeway, max_ttl) = (self.leeway.as_secs(), self.max_ttl.as_secs());
        if claims.exp > now.saturating_add(max_ttl).saturating_add(leeway) {
            return Err("the ticket lives longer than max_ticket_ttl_secs");
        }
        if let Some(issued) = claims.iat {
            if issued > now.saturating_add(leeway) {
                return Err("the ticket was issued in the future");
            }
            if claims.exp.saturating_sub(issued) > max_ttl {
                return Err("the ticket lives longer than max_ticket_ttl_secs");
            }
        }
        Ok(claims)
    }
}

/// Exactly one `header`, equal to `secret`, compared in constant time (only the length can
/// show through the timing). Two values mean a proxy that appended instead of replacing the
/// client's own: refused.
fn proxy_secret(
    headers: &HeaderMap,
    header: &HeaderName,
    secret: &[u8],
) -> Result<(), &'static str> {
    let mut values = headers.get_all(header).iter();
    let value = values.next().ok_or("the proxy secret header is missing")?;
    if values.next().is_some() {
        return Err("the proxy secret header is repeated");
    }
    if secret.is_empty() || !bool::from(value.as_bytes().ct_eq(secret)) {
        return Err("the proxy secret is wrong");
    }
    Ok(())
}

/// Route middleware: puts the [`Tenant`] into the request, or answers 401.
pub(crate) async fn require(
    State(auth): State<Arc<Auth>>,
    mut request: Request,
    next: Next,
) -> Response {
    match auth.authenticate(request.headers()).await {
        Ok(tenant) => {
            tracing::Span::current().record("alias", &*tenant.alias);
            request.extensions_mut().insert(tenant);
            next.run(request).await
        }
        Err(Refusal::Unavailable(reason)) => {
            tracing::warn!(reason, "authentication unavailable");
            RelayError::AuthUnavailable.into_response()
        }
        Err(Refusal::Unauthorized(reason)) => {
            tracing::info!(reason, "unauthorized");
            let mut response = RelayError::Unauthorized.into_response();
            if auth.is_ticket() {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer realm="zapi-relay""#),
                );
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RelayConfig, DEFAULT_ALIAS};

    const SECRET: &str = "test-secret-test-secret-test-secret";

    fn auth() -> Auth {
        let mut config = RelayConfig::new("id-a", "token-a");
        config.instances.clear();
        config
            .instances
            .insert("a".into(), Instance::new("id-a", "token-a"));
        config
            .instances
            .insert("b".into(), Instance::new("id-b", "token-b"));
        config.auth.mode = AuthMode::Ticket;
        config.auth.ticket_secret = Some(SECRET.into());
        Auth::new(&config)
    }

    fn with_bearer(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    fn encode(claims: &serde_json::Value, alg: Algorithm, secret: &str) -> String {
        jsonwebtoken::encode(
            &Header::new(alg),
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_minted_ticket_opens_its_alias_only() {
        let auth = auth();
        let ticket = mint_ticket(SECRET, "b", Some("user-7"), Duration::from_secs(60)).unwrap();
        let tenant = auth
            .authenticate(&with_bearer(&format!("Bearer {ticket}")))
            .await
            .unwrap();
        assert_eq!(&*tenant.alias, "b");
        assert_eq!(tenant.instance.id, "id-b");
        assert_eq!(tenant.ticket_subject.as_deref(), Some("sub:user-7"));
        // The scheme is case-insensitive.
        assert!(auth
            .authenticate(&with_bearer(&format!("bearer {ticket}")))
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn bad_tickets_are_refused_with_a_reason() {
        let auth = auth();
        let now = jsonwebtoken::get_current_timestamp();
        let cases = [
            (
                encode(
                    &serde_json::json!({"alias": "a", "exp": now + 60}),
                    Algorithm::HS256,
                    "another-secret-another-secret-xx",
                ),
                "the ticket's signature is wrong",
            ),
            (
                encode(
                    &serde_json::json!({"alias": "a", "exp": now - 30}),
                    Algorithm::HS256,
                    SECRET,
                ),
                "the ticket has expired",
            ),
            (
                encode(
                    &serde_json::json!({"alias": "c", "exp": now + 60}),
                    Algorithm::HS256,
                    SECRET,
                ),
                "the ticket names an unknown alias",
            ),
            (
                encode(&serde_json::json!({"alias": "a"}), Algorithm::HS256, SECRET),
                "the ticket is malformed",
            ),
            (
                encode(
                    &serde_json::json!({"exp": now + 60}),
                    Algorithm::HS256,
                    SECRET,
                ),
                "the ticket is malformed",
            ),
            (
                encode(
                    &serde_json::json!({"alias": "a", "exp": now + 60}),
                    Algorithm::HS512,
                    SECRET,
                ),
                "the ticket is not HS256",
            ),
            (
                encode(
                    &serde_json::json!({"alias": "a", "exp": now + 60, "nbf": now + 600}),
                    Algorithm::HS256,
                    SECRET,
                ),
                "the ticket is not valid yet",
            ),
            (
                encode(
                    &serde_json::json!({"alias": "a", "exp": now + 86_400}),
                    Algorithm::HS256,
                    SECRET,
                ),
                "the ticket lives longer than max_ticket_ttl_secs",
            ),
        ];
        for (ticket, reason) in cases {
            let result = auth
                .authenticate(&with_bearer(&format!("Bearer {ticket}")))
                .await;
            assert_eq!(result.err(), Some(Refusal::Unauthorized(reason)));
        }
    }

    #[tokio::test]
    async fn small_clock_skew_is_tolerated() {
        let auth = auth();
        let now = jsonwebtoken::get_current_timestamp();
        let ticket = encode(
            &serde_json::json!({"alias": "a", "exp": now - 2}),
            Algorithm::HS256,
            SECRET,
        );
        assert!(auth
            .authenticate(&with_bearer(&format!("Bearer {ticket}")))
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn the_header_must_be_a_bearer_ticket() {
        let auth = auth();
        assert!(auth.authenticate(&HeaderMap::new()).await.is_err());
        for value in ["Bearer", "Bearer ", "Basic YTpi", "ticket", "Bearer a.b.c"] {
            assert!(
                auth.authenticate(&with_bearer(value)).await.is_err(),
                "{value}"
            );
        }
        let long = format!("Bearer {}", "a".repeat(MAX_TICKET_BYTES + 1));
        assert_eq!(
            auth.authenticate(&with_bearer(&long)).await.err(),
            Some(Refusal::Unauthorized("the ticket is empty or too long"))
        );
    }

    #[tokio::test]
    async fn header_mode_needs_the_proxy_secret_exactly() {
        const PROXY_SECRET: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";
        let mut config = RelayConfig::new("id", "token");
        config.auth.mode = AuthMode::Header;
        config.auth.proxy_secret = Some(PROXY_SECRET.into());
        let auth = Auth::new(&config);
        let with = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append("x-relay-proxy-secret", value.parse().unwrap());
            }
            headers
        };
        let tenant = auth.authenticate(&with(&[PROXY_SECRET])).await.unwrap();
        assert_eq!(&*tenant.alias, "default");
        assert_eq!(tenant.ticket_subject, None);
        let last_byte = format!("{}c", &PROXY_SECRET[..PROXY_SECRET.len() - 1]);
        let cases = [
            (vec![], "the proxy secret header is missing"),
            (vec![""], "the proxy secret is wrong"),
            (vec!["forged"], "the proxy secret is wrong"),
            (vec![last_byte.as_str()], "the proxy secret is wrong"),
            (vec![&PROXY_SECRET[1..]], "the proxy secret is wrong"),
            (
                vec![PROXY_SECRET, PROXY_SECRET],
                "the proxy secret header is repeated",
            ),
            (
                vec!["forged", PROXY_SECRET],
                "the proxy secret header is repeated",
            ),
        ];
        for (values, reason) in cases {
            assert_eq!(
                auth.authenticate(&with(&values)).await.err(),
                Some(Refusal::Unauthorized(reason)),
                "{values:?}"
            );
        }
    }

    #[tokio::test]
    async fn header_mode_without_a_secret_admits_nobody() {
        let mut config = RelayConfig::new("id", "token");
        config.auth.mode = AuthMode::Header;
        let auth = Auth::new(&config);
        let mut headers = HeaderMap::new();
        headers.insert("x-relay-proxy-secret", "".parse().unwrap());
        assert!(auth.authenticate(&headers).await.is_err());
        assert!(auth.authenticate(&HeaderMap::new()).await.is_err());
    }

    fn ticket_auth(leeway_secs: u64) -> Auth {
        let mut config = RelayConfig::new("id-a", "token-a");
        config.auth.mode = AuthMode::Ticket;
        config.auth.ticket_secret = Some(SECRET.into());
        config.auth.leeway = Duration::from_secs(leeway_secs);
        config.auth.max_ticket_ttl = Duration::from_secs(3600);
        Auth::new(&config)
    }

    async fn refusal(auth: &Auth, ticket: &str) -> Option<Refusal> {
        auth.authenticate(&with_bearer(&format!("Bearer {ticket}")))
            .await
            .err()
    }

    // With no leeway, a ticket used in the second it was minted, for the longest lifetime
    // allowed, is still good: `iat` equal to now is not the future, and a lifetime equal to
    // max_ticket_ttl_secs is not longer than it.
    #[tokio::test]
    async fn a_ticket_minted_for_the_longest_lifetime_is_admitted_at_once() {
        let auth = ticket_auth(0);
        let ticket = mint_ticket(SECRET, DEFAULT_ALIAS, None, Duration::from_secs(3600)).unwrap();
        assert_eq!(refusal(&auth, &ticket).await, None);
    }

    #[tokio::test]
    async fn iat_bounds_the_lifetime_and_may_not_lie_ahead() {
        let auth = ticket_auth(5);
        let now = jsonwebtoken::get_current_timestamp();
        let ticket = |iat: u64, exp: u64| {
            encode(
                &serde_json::json!({"alias": DEFAULT_ALIAS, "iat": iat, "exp": exp}),
                Algorithm::HS256,
                SECRET,
            )
        };
        assert_eq!(refusal(&auth, &ticket(now - 3000, now + 600)).await, None);
        assert_eq!(
            refusal(&auth, &ticket(now - 3001, now + 600)).await,
            Some(Refusal::Unauthorized(
                "the ticket lives longer than max_ticket_ttl_secs"
            ))
        );
        assert_eq!(
            refusal(&auth, &ticket(now + 60, now + 120)).await,
            Some(Refusal::Unauthorized("the ticket was issued in the future"))
        );
    }

    #[tokio::test]
    async fn a_ticket_of_the_largest_size_is_read() {
        let auth = auth();
        let largest = "a".repeat(MAX_TICKET_BYTES);
        assert_eq!(
            refusal(&auth, &largest).await,
            Some(Refusal::Unauthorized("the ticket is malformed"))
        );
    }

    // Regression: tickets without `sub` all shared one rate-limit bucket, so one busy page
    // could use up every other page's requests.
    #[tokio::test]
    async fn tickets_without_a_subject_are_limited_apart() {
        let auth = auth();
        let subject_of = |ticket: String| {
            let auth = &auth;
            async move {
                auth.authenticate(&with_bearer(&format!("Bearer {ticket}")))
                    .await
                    .unwrap()
                    .ticket_subject
                    .unwrap()
            }
        };
        let mint = |ttl: u64| mint_ticket(SECRET, "a", None, Duration::from_secs(ttl)).unwrap();
        let (one, other) = (mint(60), mint(61));
        let key = subject_of(one.clone()).await;
        assert_eq!(subject_of(one).await, key, "one ticket, one bucket");
        assert_ne!(subject_of(other).await, key);
        assert!(key.len() < 100, "a short key: {key}");
    }

    /// A session endpoint on a real socket that admits every request and names `alias`, if
    /// any, in `x-zapi-alias`. It lives as long as the test's runtime.
    async fn session_endpoint(alias: Option<&'static str>) -> reqwest::Url {
        let answer = move || async move {
            let mut response = "signed in".into_response();
            if let Some(alias) = alias {
                response
                    .headers_mut()
                    .insert("x-zapi-alias", HeaderValue::from_static(alias));
            }
            response
        };
        let app = axum::Router::new().route("/session", axum::routing::get(answer));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}/session").parse().unwrap()
    }

    // An endpoint that admits the visitor without naming an alias picks no instance: that is
    // the only one when there is one, and nobody's when there are several.
    #[tokio::test]
    async fn a_session_endpoint_that_names_no_alias_opens_a_single_instance_only() {
        let mut cookie = HeaderMap::new();
        cookie.insert(header::COOKIE, HeaderValue::from_static("session=1"));
        let mut config = RelayConfig::new("id-a", "token-a");
        config.auth.mode = AuthMode::Forward;
        config.auth.forward.url = Some(session_endpoint(None).await);
        let tenant = Auth::new(&config).authenticate(&cookie).await.unwrap();
        assert_eq!(&*tenant.alias, DEFAULT_ALIAS);

        config
            .instances
            .insert("b".into(), Instance::new("id-b", "token-b"));
        config.auth.forward.alias_header = Some("x-zapi-alias".into());
        assert_eq!(
            Auth::new(&config).authenticate(&cookie).await.err(),
            Some(Refusal::Unauthorized("the session endpoint named no alias"))
        );
        config.auth.forward.url = Some(session_endpoint(Some("shop-z")).await);
        assert_eq!(
            Auth::new(&config).authenticate(&cookie).await.err(),
            Some(Refusal::Unauthorized(
                "the session endpoint named an unknown alias"
            ))
        );
        config.auth.forward.url = Some(session_endpoint(Some("b")).await);
        let tenant = Auth::new(&config).authenticate(&cookie).await.unwrap();
        assert_eq!(tenant.instance.id, "id-b");
    }
}
