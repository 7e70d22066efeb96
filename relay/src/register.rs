//! `zapi-relay webhooks register`: gives Z-API the relay's callback URL,
//! `{public_url}{base}/webhooks/{secret}`, as both the connected and the disconnected webhook of
//! every alias's instance.

use reqwest::Url;
use serde_json::json;

use crate::config::{Instance, ValidConfig};
use crate::upstream::zapi_client;

/// Z-API's two connection webhooks, by the path that sets each.
pub const WEBHOOK_SETTINGS: [&str; 2] = ["update-webhook-connected", "update-webhook-disconnected"];

/// What registering one alias came to. The reasons name no secret, token or URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub alias: String,
    pub result: Result<(), String>,
}

/// Why nothing could be registered at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterError {
    NoSecret,
    NoPublicUrl,
}

impl std::fmt::Display for RegisterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RegisterError::NoSecret => {
                "no webhook secret (set [webhooks] secret or RELAY_WEBHOOK_SECRET)"
            }
            RegisterError::NoPublicUrl => {
                "no public URL (set [webhooks] public_url or RELAY_PUBLIC_URL)"
            }
        })
    }
}

/// The callback URL Z-API is given.
pub fn callback_url(config: &ValidConfig) -> Result<String, RegisterError> {
    let secret = config
        .webhooks
        .secret
        .as_deref()
        .ok_or(RegisterError::NoSecret)?;
    let public = config
        .webhooks
        .public_url
        .as_ref()
        .ok_or(RegisterError::NoPublicUrl)?;
    Ok(format!(
        "{}{}/webhooks/{secret}",
        public.as_str().trim_end_matches('/'),
        config.normalized_base_path()
    ))
}

/// Sets both webhooks of every alias, one alias after the other.
pub async fn register_webhooks(config: &ValidConfig) -> Result<Vec<Registration>, RegisterError> {
    let callback = callback_url(config)?;
    let http = zapi_client(config);
    let mut registrations = Vec::new();
    for (alias, instance) in &config.instances {
        let mut result = Ok(());
        for setting in WEBHOOK_SETTINGS {
            let url = setting_url(&config.upstream, instance, setting);
            let mut request = http
                .put(url)
                .header("content-type", "application/json")
                .body(json!({ "value": callback }).to_string());
            if let Some(client_token) = &config.client_token {
                request = request.header("Client-Token", client_token);
            }
            let answer = match request.send().await {
                Ok(response) if response.status().is_success() => Ok(()),
                Ok(response) => Err(format!("{setting}: Z-API answered {}", response.status())),
                // Without the URL, which holds the instance token.
                Err(error) => Err(format!("{setting}: {}", error.without_url())),
            };
            if answer.is_err() {
                result = answer;
                break;
            }
        }
        registrations.push(Registration {
            alias: alias.clone(),
            result,
        });
    }
    Ok(registrations)
}

fn setting_url(upstream: &Url, instance: &Instance, setting: &str) -> Url {
    let mut url = upstream.clone();
    url.path_segments_mut()
        .expect("the upstream URL was checked to be a base")
        .pop_if_empty()
        .extend([
            "instances",
            instance.id.as_str(),
            "token",
            instance.token.as_str(),
            setting,
        ]);
    url
}
