//! The only place that talks to Z-API. Upstream URLs are built from [`ZapiPath`] alone, so the
//! relay can never be turned into an open proxy.

use std::sync::Arc;
use std::time::Instant;

use axum::http::{header, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use reqwest::redirect::Policy;
use reqwest::Url;
use serde_json::Value;

use crate::config::{Instance, RelayConfig};
use crate::error::RelayError;
use crate::metrics::Metrics;

/// A phone number as Z-API wants it: 8 to 15 ASCII digits, country code first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, RelayError> {
        if (8..=15).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(RelayError::InvalidPhone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as logs may show it: the first two digits (the country code, or most of it)
    /// and the last two, `55*********78`. The whole number is personal data.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Keeps two characters at each end of `text` and stars the rest; short texts are all stars.
pub(crate) fn mask(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let (head, rest) = chars.split_at(2);
    let (middle, tail) = rest.split_at(rest.len() - 2);
    format!(
        "{}{}{}",
        head.iter().collect::<String>(),
        "*".repeat(middle.len()),
        tail.iter().collect::<String>()
    )
}

/// A request path as logs may show it: every segment after a `phone-code` segment masked like
/// a [`Phone`], and every segment after a `webhooks` segment (the webhook secret, right or
/// wrong) replaced by stars, whether or not the path names a route.
pub(crate) fn masked_path(path: &str) -> std::borrow::Cow<'_, str> {
    let lower = path.to_ascii_lowercase();
    if !lower.contains("phone-code/") && !lower.contains("webhooks/") {
        return path.into();
    }
    let mut after_phone_code = false;
    let mut after_webhooks = false;
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| {
            let shown = if after_webhooks {
                "***".to_owned()
            } else if after_phone_code {
                mask(segment)
            } else {
                segment.to_owned()
            };
            after_phone_code = segment.eq_ignore_ascii_case("phone-code");
            after_webhooks = after_webhooks || segment.eq_ignore_ascii_case("webhooks");
            shown
        })
        .collect();
    segments.join("/").into()
}

/// The Z-API paths the relay forwards to, all as `GET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZapiPath {
    QrCode,
    QrCodeImage,
    PhoneCode(Phone),
    Status,
    ExtensionToken,
    Device,
    Disconnect,
}

impl ZapiPath {
    fn segments(&self) -> Vec<&str> {
        match self {
            ZapiPath::QrCode => vec!["qr-code"],
            ZapiPath::QrCodeImage => vec!["qr-code", "image"],
            ZapiPath::PhoneCode(phone) => vec!["phone-code", phone.as_str()],
            ZapiPath::Status => vec!["status"],
            ZapiPath::ExtensionToken => vec!["extension-token"],
            ZapiPath::Device => vec!["device"],
            ZapiPath::Disconnect => vec!["disconnect"],
        }
    }

    /// The route's name in the metrics: no phone number, the same for every instance.
    pub fn route(&self) -> &'static str {
        match self {
            ZapiPath::QrCode => "qr_code",
            ZapiPath::QrCodeImage => "qr_code_image",
            ZapiPath::PhoneCode(_) => "phone_code",
            ZapiPath::Status => "status",
            ZapiPath::ExtensionToken => "extension_token",
            ZapiPath::Device => "device",
            ZapiPath::Disconnect => "disconnect",
        }
    }

    /// The path for logs, the phone number masked.
    fn shown(&self) -> String {
        match self {
            ZapiPath::PhoneCode(phone) => format!("phone-code/{}", phone.masked()),
            other => other.segments().join("/"),
        }
    }
}

/// The Z-API client: connection pools plus the config that holds the secrets.
#[derive(Clone)]
pub struct Upstream {
    /// One client, and so one connection pool, per thread: a request and the task of the
    /// pooled connection it goes out on then run on the same thread, with no wake-up across
    /// threads between them.
    http: Arc<thread_local::ThreadLocal<ProxyClient>>,
    config: Arc<RelayConfig>,
    metrics: Metrics,
}

/// The client that proxies the widget's calls: hyper's, handed a ready `Uri`. It follows no
/// redirect, as a redirect would carry the Client-Token to wherever it points.
type ProxyClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

fn proxy_client(config: &RelayConfig) -> ProxyClient {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(config.connect_timeout));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new()).build(https)
}

const USER_AGENT: &str = concat!("zapi-relay/", env!("CARGO_PKG_VERSION"));

/// The HTTP client for `zapi-relay webhooks register`: the configured timeouts, no redirects
/// (as [`Upstream`]'s), the same user agent.
pub(crate) fn zapi_client(config: &RelayConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.upstream_timeout)
        .redirect(Policy::none())
        .user_agent(USER_AGENT)
        .build()
        .expect("the TLS backend initializes")
}

impl Upstream {
    pub fn new(config: RelayConfig) -> Self {
        Self {
            http: Arc::default(),
            config: Arc::new(config),
            metrics: Metrics::new(),
        }
    }

    /// Counts into `metrics` rather than series of its own.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    pub fn config(&self) -> &RelayConfig {
        &self.config
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn url(&self, instance: &Instance, path: &ZapiPath) -> Url {
        let mut url = self.config.upstream.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .expect("the upstream URL was checked to be a base");
            segments.pop_if_empty();
            segments.extend([
                "instances",
                instance.id.as_str(),
                "token",
                instance.token.as_str(),
            ]);
            segments.extend(path.segments());
        }
        url
    }

    /// The upstream path as it may appear in logs: the token replaced by `***`, a phone
    /// number masked.
    pub fn redacted(instance: &Instance, path: &ZapiPath) -> String {
        format!("/instances/{}/token/***/{}", instance.id, path.shown())
    }

    /// Calls Z-API and turns its answer into the relay's: a JSON object on success, a
    /// [`RelayError`] otherwise.
    pub async fn get(&self, instance: &Instance, path: &ZapiPath) -> Result<Response, RelayError> {
        let started = Instant::now();
        let exchange =
            tokio::time::timeout(self.config.upstream_timeout, self.exchange(instance, path)).await;
        let elapsed = started.elapsed();
        self.metrics.upstream_answered(path.route(), elapsed);
        let shown = || Self::redacted(instance, path);
        let (status, content_type, body) = match exchange {
            Err(_) => {
                tracing::warn!(upstream = %shown(), code = RelayError::UpstreamTimeout.code(), "upstream request timed out");
                return Err(RelayError::UpstreamTimeout);
            }
            Ok(Err(failure)) => {
                tracing::warn!(upstream = %shown(), error = %failure, code = RelayError::UpstreamUnreachable.code(), "upstream request failed");
                return Err(RelayError::UpstreamUnreachable);
            }
            Ok(Ok(answer)) => answer,
        };
        let elapsed_ms = elapsed.as_millis();
        let result = match body {
            Err(BodyError::TooLarge) if status.is_success() => Err(RelayError::UpstreamMalformed),
            Err(BodyError::TooLarge) => Err(error_answer(status.as_u16(), b"", &self.config)),
            Ok(body) if status.is_success() => {
                success_answer(content_type.as_deref(), &body, &self.config)
            }
            Ok(body) => Err(error_answer(status.as_u16(), &body, &self.config)),
        };
        match &result {
            Ok(_) => {
                tracing::info!(upstream = %shown(), status = status.as_u16(), elapsed_ms, "upstream answered")
            }
            Err(e) => {
                tracing::warn!(upstream = %shown(), status = status.as_u16(), elapsed_ms, code = e.code(), "upstream answer refused")
            }
        }
        result
    }

    /// One request and its whole answer, within no time limit of its own. `Err` when no answer
    /// arrived, or its body broke off: the reason, which names no secret.
    async fn exchange(&self, instance: &Instance, path: &ZapiPath) -> Result<Answer, String> {
        let uri = Uri::try_from(self.url(instance, path).as_str())
            .map_err(|_| "the upstream URL is not a valid URI".to_owned())?;
        let mut request = Request::get(uri).header(header::USER_AGENT, USER_AGENT);
        if let Some(client_token) = &self.config.client_token {
            request = request.header("Client-Token", client_token);
        }
        let request = request
            .body(Empty::new())
            .map_err(|_| "the Client-Token is not a valid header value".to_owned())?;
        let http = self.http.get_or(|| proxy_client(&self.config));
        let response = http.request(request).await.map_err(|e| failure(&e))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(response, self.config.max_upstream_body).await?;
        Ok((status, content_type, body))
    }
}

type Answer = (StatusCode, Option<String>, Result<Vec<u8>, BodyError>);

/// An error and its causes in one line: hyper's own text is only "client error (Connect)".
fn failure(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

enum BodyError {
    TooLarge,
}

/// The body, or `Ok(Err(TooLarge))` past `cap` bytes; `Err` when it broke off.
async fn read_capped(
    response: hyper::Response<Incoming>,
    cap: usize,
) -> Result<Result<Vec<u8>, BodyError>, String> {
    let cap_u64 = u64::try_from(cap).unwrap_or(u64::MAX);
    if response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|len| len.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|len| len > cap_u64)
    {
        return Ok(Err(BodyError::TooLarge));
    }
    let mut incoming = response.into_body();
    let mut body = Vec::new();
    while let Some(frame) = incoming.frame().await {
        let frame =
            frame.map_err(|e| format!("reading the upstream body failed: {}", failure(&e)))?;
        if let Ok(chunk) = frame.into_data() {
            if body.len() + chunk.len() > cap {
                return Ok(Err(BodyError::TooLarge));
            }
            body.extend_from_slice(&chunk);
        }
    }
    Ok(Ok(body))
}

fn contains_secret(text: &str, config: &RelayConfig) -> bool {
    config.secrets().any(|secret| text.contains(secret))
}

fn is_text_plain(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/plain"))
    })
}

/// A 2xx body becomes the relay's body: a JSON object as is, a plain-text payload wrapped as
/// `{"value": ...}`, anything else refused.
pub(crate) fn success_answer(
    content_type: Option<&str>,
    body: &[u8],
    config: &RelayConfig,
) -> Result<Response, RelayError> {
    let text = std::str::from_utf8(body).map_err(|_| RelayError::UpstreamMalformed)?;
    if contains_secret(text, config) {
        return Err(RelayError::UpstreamMalformed);
    }
    let json = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(_)) => text.to_owned(),
        Ok(_) => return Err(RelayError::UpstreamMalformed),
        Err(_) if is_text_plain(content_type) && !text.trim().is_empty() => {
            serde_json::json!({ "value": text.trim() }).to_string()
        }
        Err(_) => return Err(RelayError::UpstreamMalformed),
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// Longest upstream error text passed on to the browser.
const MAX_ERROR_TEXT: usize = 200;

/// A non-2xx answer becomes a [`RelayError`], by Z-API's `error` text.
pub(crate) fn error_answer(status: u16, body: &[u8], config: &RelayConfig) -> RelayError {
    let text = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|value| {
            ["error", "message"]
                .iter()
                .find_map(|key| value.get(key).and_then(Value::as_str).map(str::to_owned))
        });
    let lower = text.as_deref().unwrap_or_default().to_lowercase();
    if lower.contains("not allowed") {
        RelayError::AccessDenied
    } else if lower.contains("subscribe to this instance again") {
        RelayError::SubscriptionExpired
    } else {
        let message = text
            .filter(|text| !contains_secret(text, config))
            .map(|text| text.chars().take(MAX_ERROR_TEXT).collect());
        RelayError::UpstreamError { status, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    fn instance() -> Instance {
        Instance::new("inst-1", "tok-secret")
    }

    fn config() -> RelayConfig {
        let mut config = RelayConfig::new("inst-1", "tok-secret");
        config.client_token = Some("client-secret".to_owned());
        config.upstream = Url::parse("http://upstream.test:9000/base/").unwrap();
        config
    }

    #[test]
    fn phone_must_be_8_to_15_ascii_digits() {
        for ok in ["12345678", "5511999999999", "123456789012345"] {
            assert!(Phone::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1234567",
            "1234567890123456",
            "+5511999999",
            "55 11999999",
            "55/11999999",
            "..%2F..",
            "５５１１９９９９９９",
        ] {
            assert_eq!(Phone::parse(bad), Err(RelayError::InvalidPhone), "{bad}");
        }
    }

    #[test]
    fn urls_are_built_from_the_known_shapes_only() {
        let upstream = Upstream::new(config());
        let phone = ZapiPath::PhoneCode(Phone::parse("5511999999999").unwrap());
        assert_eq!(
            upstream.url(&instance(), &phone).as_str(),
            "http://upstream.test:9000/base/instances/inst-1/token/tok-secret/phone-code/5511999999999"
        );
        assert_eq!(
            upstream.url(&instance(), &ZapiPath::QrCodeImage).path(),
            "/base/instances/inst-1/token/tok-secret/qr-code/image"
        );
        assert_eq!(
            Upstream::redacted(&instance(), &ZapiPath::Status),
            "/instances/inst-1/token/***/status"
        );
        for (path, suffix) in [
            (ZapiPath::ExtensionToken, "extension-token"),
            (ZapiPath::Device, "device"),
            (ZapiPath::Disconnect, "disconnect"),
        ] {
            assert_eq!(
                upstream.url(&instance(), &path).path(),
                format!("/base/instances/inst-1/token/tok-secret/{suffix}")
            );
        }
    }

    #[test]
    fn odd_characters_in_credentials_stay_inside_their_segment() {
        let odd = Instance::new("inst-1", "a/../b?c#d");
        let url = Upstream::new(config()).url(&odd, &ZapiPath::Status);
        assert_eq!(
            url.path(),
            "/base/instances/inst-1/token/a%2F..%2Fb%3Fc%23d/status"
        );
        assert_eq!(url.query(), None);
    }

    async fn body_of(response: Response) -> String {
        String::from_utf8(
            to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn success_bodies() {
        let config = config();
        let ok = success_answer(Some("application/json"), br#"{"value":"2@x"}"#, &config).unwrap();
        assert_eq!(body_of(ok).await, r#"{"value":"2@x"}"#);
        let wrapped =
            success_answer(Some("text/plain; charset=utf-8"), b"2@abc,def\n", &config).unwrap();
        assert_eq!(body_of(wrapped).await, r#"{"value":"2@abc,def"}"#);

        for (ct, body) in [
            (Some("text/html"), &b"<html>oops</html>"[..]),
            (Some("application/json"), b"[1,2]"),
            (Some("application/json"), b"\"2@x\""),
            (None, b"2@x"),
            (Some("text/plain"), b"  "),
            (Some("application/json"), br#"{"value":"tok-secret"}"#),
            (Some("application/json"), b"\xff\xfe"),
        ] {
            assert_eq!(
                success_answer(ct, body, &config).unwrap_err(),
                RelayError::UpstreamMalformed,
                "{body:?}"
            );
        }
    }

    #[test]
    fn error_bodies() {
        let config = config();
        assert_eq!(
            error_answer(400, br#"{"error":"null not allowed"}"#, &config),
            RelayError::AccessDenied
        );
        assert_eq!(
            error_answer(403, br#"{"error":"203.0.113.7 not allowed"}"#, &config),
            RelayError::AccessDenied
        );
        assert_eq!(
            error_answer(
                400,
                br#"{"error":"To continue sending a message, you must subscribe to this instance again"}"#,
                &config
            ),
            RelayError::SubscriptionExpired
        );
        assert_eq!(
            error_answer(500, br#"{"error":"Internal server error"}"#, &config),
            RelayError::UpstreamError {
                status: 500,
                message: Some("Internal server error".to_owned())
            }
        );
        assert_eq!(
            error_answer(404, br#"{"error":"no instance inst-1"}"#, &config),
            RelayError::UpstreamError {
                status: 404,
                message: None
            }
        );
        assert_eq!(
            error_answer(502, b"<html>bad gateway</html>", &config),
            RelayError::UpstreamError {
                status: 502,
                message: None
            }
        );
    }
}
