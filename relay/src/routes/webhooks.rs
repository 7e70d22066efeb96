//! `POST {base}/webhooks/{secret}`: Z-API's `ConnectedCallback` and `DisconnectedCallback`.
//! Z-API signs nothing, so the secret in the registered URL is the only credential; a wrong one
//! answers like an unknown path. The callback is published to the streams of the aliases
//! configured with its `instanceId`, and to no other; for replicas sharing Redis, published
//! through Redis, and refused (503, so that Z-API retries) while Redis cannot be reached.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::error::RelayError;
use crate::events::{Bus, Event, EventKind};
use crate::metrics::Metrics;
use crate::replicas::Redis;
use crate::upstream::mask;

/// Z-API's callbacks are a few hundred bytes.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Clone)]
pub(crate) struct Webhooks {
    pub bus: Arc<Bus>,
    pub secret: Arc<str>,
    pub metrics: Metrics,
    pub redis: Option<Redis>,
}

impl Webhooks {
    fn knows(&self, given: &str) -> bool {
        bool::from(given.as_bytes().ct_eq(self.secret.as_bytes()))
    }
}

/// What the relay reads of a callback; Z-API's other fields are ignored.
#[derive(Deserialize)]
struct Callback {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "instanceId")]
    instance_id: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    momment: Option<u64>,
}

/// Counts each answer, by its error code when refused.
fn counted(webhooks: &Webhooks, response: Response) -> Response {
    webhooks
        .metrics
        .webhook_answered(response.extensions().get::<RelayError>());
    response
}

pub(crate) async fn post(
    State(webhooks): State<Webhooks>,
    Path(secret): Path<String>,
    request: Request,
) -> Response {
    let response = receive(&webhooks, &secret, request).await;
    counted(&webhooks, response)
}

async fn receive(webhooks: &Webhooks, secret: &str, request: Request) -> Response {
    if !webhooks.knows(secret) {
        return RelayError::NotFound.into_response();
    }
    let body = match axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => return RelayError::PayloadTooLarge.into_response(),
    };
    let Ok(callback) = serde_json::from_slice::<Callback>(&body) else {
        tracing::info!("webhook refused: not a connection callback");
        return RelayError::InvalidWebhook.into_response();
    };
    let kind = match callback.kind.as_str() {
        "ConnectedCallback" => EventKind::Connected,
        "DisconnectedCallback" => EventKind::Disconnected,
        _ => {
            tracing::info!("webhook refused: not a connection callback");
            return RelayError::InvalidWebhook.into_response();
        }
    };
    let aliases = webhooks.bus.aliases_of(&callback.instance_id);
    if aliases.is_empty() {
        tracing::info!("webhook refused: unknown instance");
        return RelayError::NotFound.into_response();
    }
    let phone = callback.phone.as_deref().map(mask);
    for alias in aliases {
        let published = match &webhooks.redis {
            Some(redis) => match redis.publish(alias, kind).await {
                Ok(id) => Some(Event { id, kind }),
                Err(_) => return RelayError::EventsUnavailable.into_response(),
            },
            None => webhooks.bus.publish(alias, kind),
        };
        if let Some(event) = published {
            tracing::info!(
                %alias,
                event = kind.name(),
                id = event.id,
                phone = phone.as_deref().unwrap_or("-"),
                momment = callback.momment,
                "the phone {} (webhook)",
                match kind {
                    EventKind::Connected => "linked",
                    EventKind::Disconnected => "unlinked",
                }
            );
        }
    }
    Json(json!({ "ok": true })).into_response()
}

/// Any other method: 405 to the holder of the secret, 404 to anyone else.
pub(crate) async fn other_method(
    State(webhooks): State<Webhooks>,
    Path(secret): Path<String>,
) -> Response {
    let response = if webhooks.knows(&secret) {
        RelayError::MethodNotAllowed.into_response()
    } else {
        RelayError::NotFound.into_response()
    };
    counted(&webhooks, response)
}
