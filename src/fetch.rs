//! Requests to the relay, read into [`Body`] values for [`crate::relay`].

use gloo_net::http::{Request, Response};
use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::JsValue;
use web_sys::{AbortSignal, Headers, RequestCache, RequestCredentials, RequestInit};

use crate::error::WidgetError;
use crate::messages::concat;
use crate::relay::{self, Body, Fields};

/// A response that arrived, whatever its status.
pub struct Reply {
    pub status: u16,
    pub body: Body,
    pub retry_after: Option<String>,
    /// The relay's clock when it answered (its `Date` header, exposed to cross-origin pages by
    /// the relay), in milliseconds since the epoch.
    pub date_ms: Option<f64>,
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

/// Sent as `X-Zapi-Connect: 1` on every request to the relay.
pub const WIDGET_HEADER: &str = "x-zapi-connect";

/// Whether `ticket` (surrounding whitespace aside) can go in `Authorization: Bearer`: RFC 6750's
/// token characters. A line break or a non-ASCII letter would make the browser refuse to send
/// the request at all.
pub fn is_bearer_token(ticket: &str) -> bool {
    let token = ticket.trim().trim_end_matches('=');
    !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// Sends `method` (`GET`, or `POST` without a body) to `url`. `Err(())` when the request is
/// rejected: network failure, CORS, or an abort.
pub async fn send(
    method: &str,
    url: &str,
    signal: &AbortSignal,
    credentials: &Credentials,
) -> Result<Reply, ()> {
    let response = start(method, url, signal, credentials, &[]).await?;
    let status = response.status();
    let retry_after = response.headers().get("retry-after");
    let date_ms = response
        .headers()
        .get("date")
        .map(|date| js_sys::Date::parse(&date))
        .filter(|ms| ms.is_finite());
    // Text, then the browser's JSON.parse: no JSON parser in the bundle.
    let text = response.text().await.map_err(drop)?;
    Ok(Reply {
        status,
        body: parse_body(&text),
        retry_after,
        date_ms,
    })
}

/// Asks for the relay's event stream; the response's body is the stream, read by the caller
/// until `signal` aborts it. No `Last-Event-ID`: a header the relay's CORS does not allow would
/// fail every cross-origin stream, and `/status` covers the gap between two streams.
pub async fn open_stream(
    url: &str,
    signal: &AbortSignal,
    credentials: &Credentials,
) -> Result<Response, ()> {
    let accept = ("accept", "text/event-stream");
    start("GET", url, signal, credentials, &[accept]).await
}

/// Sends a request with the headers and credentials every call to the relay carries, and
/// `extra` headers.
async fn start(
    method: &str,
    url: &str,
    signal: &AbortSignal,
    credentials: &Credentials,
    extra: &[(&str, &str)],
) -> Result<Response, ()> {
    // The request is built here and only sent by gloo-net: its builder parses the URL to merge
    // query parameters, which the relay's paths never have, at 1.5 KB of bundle.
    let init = RequestInit::new();
    init.set_method(method);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(signal));
    let headers = Headers::new().map_err(drop)?;
    // A header no simple request carries: a relay that requires it (cookie modes) makes every
    // cross-origin caller pass a CORS preflight first.
    headers.set(WIDGET_HEADER, "1").map_err(drop)?;
    if let Some(ticket) = &credentials.ticket {
        headers
            .set("authorization", &concat(&["Bearer ", ticket.trim()]))
            .map_err(drop)?;
    }
    for (name, value) in extra {
        headers.set(name, value).map_err(drop)?;
    }
    init.set_headers(&headers);
    if credentials.include_cookies {
        init.set_credentials(RequestCredentials::Include);
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(drop)?;
    Request::from(request).send().await.map_err(drop)
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
    let get = |object: &JsValue, name: &str| {
        Reflect::get(object, &JsValue::from_str(name)).unwrap_or_default()
    };
    let field = |name: &str| get(&value, name);
    Body::Json(Box::new(Fields {
        connected: field("connected").as_bool(),
        error: field("error").as_string(),
        value: field("value").as_string(),
        image: field("image").as_string(),
        code: field("code").as_string(),
        retryable: field("retryable").as_bool(),
        token: field("token").as_string(),
        expires_at: field("expiresAt").as_f64(),
        value_flag: field("value").as_bool(),
        phone: field("phone").as_string(),
        name: field("name").as_string(),
        img_url: field("imgUrl").as_string(),
        // Reflect.get throws, and so gives nothing, when `device` is not an object.
        session_name: get(&field("device"), "sessionName").as_string(),
        original_device: field("originalDevice").as_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::is_bearer_token;

    #[test]
    fn tickets_that_fit_a_bearer_header() {
        for ticket in [
            "eyJhbGciOiJIUzI1NiJ9.eyJhbGlhcyI6ImEifQ.c2ln-_",
            " abc+/~.= \n",
            "a==",
        ] {
            assert!(is_bearer_token(ticket), "{ticket:?}");
        }
    }

    #[test]
    fn tickets_the_browser_would_refuse_to_send() {
        for ticket in [
            "",
            "  ",
            "==",
            "abc\ndef",
            "abc\r\nX-Other: 1",
            "abc def",
            "abc\0",
            "tíquete",
            "a=b",
        ] {
            assert!(!is_bearer_token(ticket), "{ticket:?}");
        }
    }
}
