//! `forward` mode, as nginx's `auth_request` and Traefik's ForwardAuth work: for each request to
//! a Z-API route the relay sends the request's `Cookie` and `Authorization` headers, and nothing
//! else, to the app's session endpoint. A 2xx admits the request (and may name the instance
//! alias in a response header); 401, 403 or a redirect (to a sign-in page) refuses it; a
//! timeout, a refused connection or any other answer is [`RelayError::AuthUnavailable`], which
//! the widget may retry.
//!
//! Answers are cached briefly, keyed by the SHA-256 of the credentials, so a widget polling
//! `/status` does not call the app on every poll and the cache never holds a credential.
//!
//! [`RelayError::AuthUnavailable`]: crate::RelayError::AuthUnavailable

use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderName};
use moka::sync::Cache;
use reqwest::redirect::Policy;
use reqwest::{StatusCode, Url};
use sha2::{Digest, Sha256};

/// Where and how `forward` mode checks a request.
#[derive(Clone, PartialEq, Eq)]
pub struct ForwardAuthConfig {
    /// The app's session endpoint (`GET`), such as `https://app.example.com/api/session`.
    pub url: Option<Url>,
    /// A response header of the session endpoint that names the instance alias, such as
    /// `X-Relay-Alias`. Without it the relay serves its one instance.
    pub alias_header: Option<String>,
    /// The whole call to the session endpoint. Default 2 s, 100 ms to 30 s.
    pub timeout: Duration,
    /// How long an answer (admitted or refused) is reused for the same credentials. Default
    /// 5 s, at most 60 s; 0 asks the app every time.
    pub cache_ttl: Duration,
    /// Cached answers at most (least recently used go first). Default 10 000, 1 to 1 000 000.
    pub cache_entries: u64,
}

impl ForwardAuthConfig {
    pub const TIMEOUT: std::ops::RangeInclusive<Duration> =
        Duration::from_millis(100)..=Duration::from_secs(30);
    pub const MAX_CACHE_TTL: Duration = Duration::from_secs(60);
    pub const CACHE_ENTRIES: std::ops::RangeInclusive<u64> = 1..=1_000_000;
}

/// Without the URL's query or user info, which may hold a key.
impl std::fmt::Debug for ForwardAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self
            .url
            .as_ref()
            .map(|url| format!("{}{}", url.origin().ascii_serialization(), url.path()));
        f.debug_struct("ForwardAuthConfig")
            .field("url", &url)
            .field("alias_header", &self.alias_header)
            .field("timeout", &self.timeout)
            .field("cache_ttl", &self.cache_ttl)
            .field("cache_entries", &self.cache_entries)
            .finish()
    }
}

impl Default for ForwardAuthConfig {
    fn default() -> Self {
        Self {
            url: None,
            alias_header: None,
            timeout: Duration::from_secs(2),
            cache_ttl: Duration::from_secs(5),
            cache_entries: 10_000,
        }
    }
}

/// Why a request was not admitted. The reason is for the log only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 401 `unauthorized`.
    Unauthorized(&'static str),
    /// 503 `auth_unavailable`: nobody could say.
    Unavailable(&'static str),
}

impl From<&'static str> for Refusal {
    fn from(reason: &'static str) -> Self {
        Refusal::Unauthorized(reason)
    }
}

/// What the session endpoint said about one set of credentials.
#[derive(Debug, Clone)]
enum Verdict {
    /// Admitted, with the alias it named, if any.
    Admitted(Option<String>),
    Refused(&'static str),
}

pub(crate) struct ForwardAuth {
    http: reqwest::Client,
    url: Url,
    alias_header: Option<HeaderName>,
    answers: Option<Cache<[u8; 32], Verdict>>,
}

impl ForwardAuth {
    /// `None` without a URL (the config refuses that; an `app()` built anyway admits nobody).
    pub fn new(config: &ForwardAuthConfig) -> Option<Self> {
        let url = config.url.clone()?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(Policy::none())
            .build()
            .ok()?;
        let answers = (!config.cache_ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(config.cache_entries)
                .time_to_live(config.cache_ttl)
                .build()
        });
        Some(Self {
            http,
            url,
            alias_header: config
                .alias_header
                .as_deref()
                .and_then(|name| HeaderName::from_bytes(name.as_bytes()).ok()),
            answers,
        })
    }

    /// `Ok(alias)` when the app admits the request's credentials; the alias is the one the
    /// session endpoint named, if it names any.
    pub async fn check(&self, headers: &HeaderMap) -> Result<Option<String>, Refusal> {
        let authorization = {
            let mut values = headers.get_all(header::AUTHORIZATION).iter();
            let first = values.next();
            if values.next().is_some() {
                return Err("the Authorization header is repeated".into());
            }
            first
        };
        let cookies: Vec<_> = headers.get_all(header::COOKIE).iter().collect();
        if authorization.is_none() && cookies.is_empty() {
            return Err("no cookie and no Authorization header".into());
        }
        let key = credentials_hash(&cookies, authorization);
        if let Some(verdict) = self.answers.as_ref().and_then(|cache| cache.get(&key)) {
            return verdict.into_result();
        }

        let mut request = self.http.get(self.url.clone());
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        for value in cookies {
            request = request.header(header::COOKIE, value);
        }
        let verdict = match request.send().await {
            Ok(answer) => self.verdict(&answer)?,
            Err(error) => {
                let timed_out = error.is_timeout();
                tracing::warn!(error = %error.without_url(), "the session endpoint failed");
                return Err(Refusal::Unavailable(if timed_out {
                    "the session endpoint did not answer in time"
                } else {
                    "the session endpoint could not be reached"
                }));
            }
        };
        if let Some(cache) = &self.answers {
            cache.insert(key, verdict.clone());
        }
        verdict.into_result()
    }

    /// Only 2xx, 401, 403 and redirects are answers; anything else tells nothing about the user.
    fn verdict(&self, answer: &reqwest::Response) -> Result<Verdict, Refusal> {
        let status = answer.status();
        if status.is_success() {
            let Some(name) = &self.alias_header else {
                return Ok(Verdict::Admitted(None));
            };
            let mut values = answer.headers().get_all(name).iter();
            let alias = values.next().map(|value| value.to_str());
            return Ok(match (alias, values.next()) {
                (None, _) => Verdict::Admitted(None),
                (Some(Ok(alias)), None) => Verdict::Admitted(Some(alias.trim().to_owned())),
                (Some(Err(_)), _) => Verdict::Refused("the session endpoint's alias is not ASCII"),
                (Some(_), Some(_)) => Verdict::Refused("the session endpoint named two aliases"),
            });
        }
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            || status.is_redirection()
        {
            return Ok(Verdict::Refused(
                "the session endpoint refused the credentials",
            ));
        }
        tracing::warn!(status = status.as_u16(), "the session endpoint failed");
        Err(Refusal::Unavailable(
            "the session endpoint answered neither yes nor no",
        ))
    }
}

impl Verdict {
    fn into_result(self) -> Result<Option<String>, Refusal> {
        match self {
            Verdict::Admitted(alias) => Ok(alias),
            Verdict::Refused(reason) => Err(Refusal::Unauthorized(reason)),
        }
    }
}

/// One hash over every cookie value and the `Authorization` value, each length-prefixed so
/// that no two different sets of headers share a key.
fn credentials_hash(
    cookies: &[&axum::http::HeaderValue],
    authorization: Option<&axum::http::HeaderValue>,
) -> [u8; 32] {
    let mut hash = Sha256::new();
    match authorization {
        Some(value) => {
            hash.update([1]);
            hash.update((value.len() as u64).to_be_bytes());
            hash.update(value.as_bytes());
        }
        None => hash.update([0]),
    }
    for cookie in cookies {
        hash.update((cookie.len() as u64).to_be_bytes());
        hash.update(cookie.as_bytes());
    }
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn credentials_that_differ_anywhere_have_different_keys() {
        let value = |s: &str| HeaderValue::from_str(s).unwrap();
        let (a, b, ab) = (value("a"), value("b"), value("ab"));
        let keys = [
            credentials_hash(&[], Some(&a)),
            credentials_hash(&[&a], None),
            credentials_hash(&[&a, &b], None),
            credentials_hash(&[&ab], None),
            credentials_hash(&[&a], Some(&b)),
            credentials_hash(&[&b], Some(&a)),
        ];
        for (i, one) in keys.iter().enumerate() {
            for other in &keys[i + 1..] {
                assert_ne!(one, other);
            }
        }
        assert_eq!(keys[0], credentials_hash(&[], Some(&value("a"))));
    }
}
