//! GET requests to the relay, read into [`Body`] values for [`crate::relay`].

use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestCache, RequestCredentials, RequestInit, Response};

use crate::error::WidgetError;
use crate::relay::{self, Body, Fields};

/// A response that arrived, whatever its status.
pub struct Reply {
    pub status: u16,
    pub body: Body,
    pub retry_after: Option<String>,
}

impl Reply {
    /// The body of a 2xx answer, or the error a non-2xx answer stands for (`is_code`: the
    /// answer is from the phone-code route).
    pub fn success(&self, is_code: bool) -> Result<&Body, WidgetError> {
        if (200..300).contains(&self.status) {
            Ok(&self.body)
        } else {
            Err(relay::read_error(
                self.status,
                &self.body,
                self.retry_after.as_deref(),
                is_code,
            ))
        }
    }
}

/// How the page proves to the relay that it may ask for a code.
#[derive(Clone, Default)]
pub struct Credentials {
    /// Sent as `Authorization: Bearer <ticket>`.
    pub ticket: Option<String>,
    /// The page's cookies go to a relay on another origin too.
    pub include_cookies: bool,
}

/// `Err(())` when the request is rejected: network failure, CORS, or an abort.
// web-sys directly rather than gloo-net: the same calls; gloo-net's builder and error types
// measured 2.3 KB brotli more in the bundle.
pub async fn get(url: &str, signal: &AbortSignal, credentials: &Credentials) -> Result<Reply, ()> {
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(signal));
    if let Some(ticket) = &credentials.ticket {
        let headers = Headers::new().map_err(drop)?;
        headers
            .set("authorization", &["Bearer ", ticket].concat())
            .map_err(drop)?;
        init.set_headers(&headers);
    }
    if credentials.include_cookies {
        init.set_credentials(RequestCredentials::Include);
    }
    let window = web_sys::window().ok_or(())?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(drop)?
        .unchecked_into();
    let status = response.status();
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let text = JsFuture::from(response.text().map_err(drop)?)
        .await
        .map_err(drop)?
        .as_string()
        .unwrap_or_default();
    Ok(Reply {
        status,
        body: parse_body(&text),
        retry_after,
    })
}

fn parse_body(text: &str) -> Body {
    let Ok(value) = JSON::parse(text) else {
        return Body::Text(text.into());
    };
    if let Some(text) = value.as_string() {
        return Body::Text(text);
    }
    if !value.is_object() || Array::is_array(&value) {
        return Body::Other;
    }
    let field = |name: &str| Reflect::get(&value, &JsValue::from_str(name)).unwrap_or_default();
    Body::Json(Fields {
        connected: field("connected").as_bool(),
        error: field("error").as_string(),
        value: field("value").as_string(),
        image: field("image").as_string(),
        code: field("code").as_string(),
        retryable: field("retryable").as_bool(),
    })
}
