//! What operators watch: `GET /metrics` in Prometheus' text format (0.0.4), served on a listener
//! of its own (`[metrics] bind`), never on the widget's.
//!
//! Every label value comes from a fixed set: a route is named by its template (`phone_code`,
//! never the number in the path), a refusal by its error code. Nothing a client sends, and no
//! alias, instance or secret, becomes a label.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::{prometheus_text, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::error::RelayError;
use crate::hosts::{self, AllowedHosts};
use crate::upstream::Upstream;

/// The path the metrics listener serves.
pub const METRICS_PATH: &str = "/metrics";

/// Requests that matched no route: unknown paths, static files.
const UNMATCHED: &str = "unmatched";

/// The codes of the checks that refuse a request before it reaches Z-API: host, origin,
/// cross-site and authentication. Their series exist from the start, at zero.
const REFUSAL_CODES: [&str; 5] = [
    "host_not_allowed",
    "origin_not_allowed",
    "cross_site_request",
    "unauthorized",
    "auth_unavailable",
];

/// Z-API calls take tens of milliseconds to a few seconds; the timeout is at most two minutes.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatus {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: &'static str,
}

/// The relay's counters, shared by the app and the metrics listener. Cloning shares them.
///
/// Each thing the relay counts has a method here, called where it happens; the routes that
/// count something new (event streams, webhooks) add their series and methods next to these.
#[derive(Clone)]
pub struct Metrics(Arc<Series>);

struct Series {
    registry: Registry,
    requests: Family<RouteStatus, Counter>,
    upstream_latency: Family<RouteLabel, Histogram, fn() -> Histogram>,
    rate_limited: Family<RouteLabel, Counter>,
    refused: Family<CodeLabel, Counter>,
    push: PushSeries,
    redis_up: Family<NoLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("zapi_relay");
        let requests = Family::<RouteStatus, Counter>::default();
        registry.register(
            "requests",
            "Requests answered, by route and HTTP status",
            requests.clone(),
        );
        let upstream_latency: Family<RouteLabel, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register_with_unit(
            "upstream_request_duration",
            "Time for Z-API to answer, or to fail, by route",
            Unit::Seconds,
            upstream_latency.clone(),
        );
        let rate_limited = Family::<RouteLabel, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused by the rate limits (429 rate_limited), by route",
            rate_limited.clone(),
        );
        let refused = Family::<CodeLabel, Counter>::default();
        registry.register(
            "refused",
            "Requests refused by the host, origin, cross-site and authentication checks, by \
             error code",
            refused.clone(),
        );
        for code in REFUSAL_CODES {
            drop(refused.get_or_create(&CodeLabel { code }));
        }
        let push = PushSeries::register(&mut registry);
        let redis_up = register_redis_up(&mut registry);
        Self(Arc::new(Series {
            registry,
            requests,
            upstream_latency,
            rate_limited,
            refused,
            push,
            redis_up,
        }))
    }

    /// Everything counted so far, in Prometheus' text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.0.registry)
            .expect("writing to a String does not fail");
        text
    }

    /// The metrics listener's routes: `GET /metrics` for the `Host` names of `bind` (loopback
    /// names with its port) or, for a public bind the operator opted into, any `Host`.
    pub fn router(&self, bind: &str, public: bool) -> Router {
        let listed = if public {
            vec![hosts::ANY_HOST.to_owned()]
        } else {
            Vec::new()
        };
        Router::new()
            .route(METRICS_PATH, get(scrape))
            .fallback(crate::routes::not_found)
            .with_state(self.clone())
            .layer(middleware::from_fn_with_state(
                AllowedHosts::new(&listed, bind),
                hosts::guard,
            ))
    }

    /// One answered request: its route's name, its status, and what refused it, if anything.
    fn request_answered(&self, route: String, status: StatusCode, error: Option<&RelayError>) {
        match error {
            Some(RelayError::RateLimited { .. }) => {
                self.0
                    .rate_limited
                    .get_or_create(&RouteLabel {
                        route: route.clone(),
                    })
                    .inc();
            }
            Some(error) if REFUSAL_CODES.contains(&error.code()) => {
                self.0
                    .refused
                    .get_or_create(&CodeLabel { code: error.code() })
                    .inc();
            }
            _ => {}
        }
        self.0
            .requests
            .get_or_create(&RouteStatus {
                route,
                status: status.as_u16(),
            })
            .inc();
    }

    /// One Z-API call, from sending it to its answer read or its failure.
    pub(crate) fn upstream_answered(&self, route: &str, elapsed: Duration) {
        self.0
            .upstream_latency
            .get_or_create(&RouteLabel {
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }
}

// The event streams and Z-API's callbacks.

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabel {
    outcome: &'static str,
    /// The refusal's error code; `none` for an accepted callback.
    code: &'static str,
}

struct PushSeries {
    event_streams: Gauge,
    webhooks: Family<WebhookLabel, Counter>,
}

impl PushSeries {
    fn register(registry: &mut Registry) -> Self {
        let event_streams = Gauge::default();
        registry.register(
            "event_streams",
            "Event streams open now",
            event_streams.clone(),
        );
        let webhooks = Family::<WebhookLabel, Counter>::default();
        registry.register(
            "webhooks",
            "Z-API callbacks answered, by outcome (accepted, refused) and the refusal's error code",
            webhooks.clone(),
        );
        drop(webhooks.get_or_create(&WebhookLabel {
            outcome: "accepted",
            code: "none",
        }));
        Self {
            event_streams,
            webhooks,
        }
    }
}

/// One open event stream, counted in `zapi_relay_event_streams` until it is dropped with the
/// stream, however the stream ends.
pub(crate) struct OpenStream(Gauge);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Metrics {
    /// An event stream opened: held by the stream, so that its end is counted too.
    pub(crate) fn stream_opened(&self) -> OpenStream {
        let gauge = self.0.push.event_streams.clone();
        gauge.inc();
        OpenStream(gauge)
    }

    /// One callback answered: accepted, or refused with `error`'s code.
    pub(crate) fn webhook_answered(&self, error: Option<&RelayError>) {
        let label = match error {
            None => WebhookLabel {
                outcome: "accepted",
                code: "none",
            },
            Some(error) => WebhookLabel {
                outcome: "refused",
                code: error.code(),
            },
        };
        self.0.push.webhooks.get_or_create(&label).inc();
    }
}

// Redis reachability, for replicas sharing one Redis.

/// A series without labels that shows only once set: `zapi_relay_redis_up` is absent from a
/// relay without `[redis]`.
type NoLabels = Vec<(&'static str, &'static str)>;

fn register_redis_up(registry: &mut Registry) -> Family<NoLabels, Gauge> {
    let redis_up = Family::<NoLabels, Gauge>::default();
    registry.register(
        "redis_up",
        "1 while the Redis shared by the replicas is reachable, 0 while not",
        redis_up.clone(),
    );
    redis_up
}

impl Metrics {
    /// Whether the shared Redis is reachable now.
    pub(crate) fn redis_up(&self, up: bool) {
        self.0
            .redis_up
            .get_or_create(&Vec::new())
            .set(i64::from(up));
    }
}

impl FromRef<Upstream> for Metrics {
    fn from_ref(upstream: &Upstream) -> Self {
        upstream.metrics().clone()
    }
}

async fn scrape(State(metrics): State<Metrics>) -> Response {
    (
        [(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)],
        metrics.encode(),
    )
        .into_response()
}

/// The outermost layer of the app: counts every answer, the guards' refusals included.
#[derive(Clone)]
pub(crate) struct Recorder {
    metrics: Metrics,
    base: Arc<str>,
}

impl Recorder {
    pub fn new(metrics: Metrics, base: &str) -> Self {
        Self {
            metrics,
            base: base.into(),
        }
    }

    pub fn layer(self, router: Router) -> Router {
        router.layer(middleware::from_fn_with_state(self, record))
    }
}

async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || UNMATCHED.to_owned(),
        |matched| route_name(matched.as_str(), &recorder.base),
    );
    let response = next.run(request).await;
    let error = response.extensions().get::<RelayError>();
    recorder
        .metrics
        .request_answered(route, response.status(), error);
    response
}

/// A route template's name: the base path dropped, the parameters dropped, the rest joined with
/// `_` (`/zapi/phone-code/{phone}` is `phone_code`), the same names as the route modules and
/// [`crate::ZapiPath::route`].
fn route_name(template: &str, base: &str) -> String {
    let relative = template.strip_prefix(base).unwrap_or(template);
    let name = relative
        .split('/')
        .filter(|segment| !segment.is_empty() && !segment.starts_with('{'))
        .collect::<Vec<_>>()
        .join("_")
        .replace('-', "_");
    if name.is_empty() {
        "root".to_owned()
    } else {
        name
    }
}

/// Where the metrics listener is, once bound: printed at start.
pub fn url(addr: SocketAddr) -> String {
    format!("http://{addr}{METRICS_PATH}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_named_by_their_templates_without_base_or_parameters() {
        for (template, base, name) in [
            ("/zapi/status", "/zapi", "status"),
            ("/zapi/qr-code/image", "/zapi", "qr_code_image"),
            ("/zapi/phone-code/{phone}", "/zapi", "phone_code"),
            ("/api/zapi/extension-token", "/api/zapi", "extension_token"),
            ("/device", "", "device"),
            ("/healthz", "/zapi", "healthz"),
            ("/zapi/webhooks/{secret}", "/zapi", "webhooks"),
            ("/", "", "root"),
        ] {
            assert_eq!(route_name(template, base), name, "{template}");
        }
    }

    #[test]
    fn the_refusal_series_start_at_zero_and_count_by_code() {
        let metrics = Metrics::new();
        let text = metrics.encode();
        for code in REFUSAL_CODES {
            assert!(
                text.contains(&format!("zapi_relay_refused_total{{code=\"{code}\"}} 0\n")),
                "{text}"
            );
        }
        metrics.request_answered(
            "status".into(),
            StatusCode::UNAUTHORIZED,
            Some(&RelayError::Unauthorized),
        );
        metrics.request_answered(
            "qr_code".into(),
            StatusCode::TOO_MANY_REQUESTS,
            Some(&RelayError::RateLimited {
                retry_after_secs: 1,
            }),
        );
        // An upstream failure is no refusal.
        metrics.request_answered(
            "status".into(),
            StatusCode::GATEWAY_TIMEOUT,
            Some(&RelayError::UpstreamTimeout),
        );
        let text = metrics.encode();
        for line in [
            "zapi_relay_refused_total{code=\"unauthorized\"} 1\n",
            "zapi_relay_rate_limited_total{route=\"qr_code\"} 1\n",
            "zapi_relay_requests_total{route=\"status\",status=\"401\"} 1\n",
            "zapi_relay_requests_total{route=\"status\",status=\"504\"} 1\n",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        assert!(!text.contains("upstream_timeout"), "{text}");
    }

    #[test]
    fn redis_up_shows_only_once_set() {
        let metrics = Metrics::new();
        assert!(!metrics.encode().contains("zapi_relay_redis_up "));
        metrics.redis_up(true);
        assert!(metrics.encode().contains("\nzapi_relay_redis_up 1\n"));
        metrics.redis_up(false);
        assert!(metrics.encode().contains("\nzapi_relay_redis_up 0\n"));
    }
}
