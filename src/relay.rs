//! Reading the relay's answers, tolerantly. The browser side turns a response into a [`Body`];
//! everything here is plain Rust so that it is tested natively.

use crate::error::{ErrorCode, WidgetError};
use crate::machine::{
    CodeAnswer, Device, DeviceKind, ExtensionAnswer, QrAnswer, QrFormat, QrImage, StatusAnswer,
};
use crate::qr_svg;

/// The fields the widget reads from a JSON object; non-string values count as absent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields {
    pub connected: Option<bool>,
    pub error: Option<String>,
    pub value: Option<String>,
    pub image: Option<String>,
    /// A QR payload in a success body, the relay's error code in an error body.
    pub code: Option<String>,
    pub retryable: Option<bool>,
    /// An extension code.
    pub token: Option<String>,
    /// When the extension code expires; non-numbers count as absent.
    pub expires_at: Option<f64>,

    // `/device` and `/disconnect`.
    /// `value` when it is a boolean, as in `/disconnect`'s `{"value": true}`.
    pub value_flag: Option<bool>,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub img_url: Option<String>,
    /// `device.sessionName`.
    pub session_name: Option<String>,
    pub original_device: Option<String>,
}

/// A response body as far as the widget cares.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// A JSON object, boxed: its fields outweigh the other variants many times over.
    Json(Box<Fields>),
    /// Not JSON, or a JSON string: the text itself.
    Text(String),
    /// JSON that is neither an object nor a string.
    Other,
}

const PNG: &str = "data:image/png;base64,";
const JPEG: &str = "data:image/jpeg;base64,";

/// `needle` is lower-case ASCII. A byte scan is plenty for short error texts and keeps the
/// general string searcher out of the bundle.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Errors Z-API reports in its `error` text, whatever the HTTP status.
fn error_from_text(text: &str) -> Option<ErrorCode> {
    if contains_ignore_case(text, "not allowed") {
        Some(ErrorCode::AccessDenied)
    } else if contains_ignore_case(text, "subscribe to this instance again") {
        Some(ErrorCode::SubscriptionExpired)
    } else {
        None
    }
}

/// Reads a successful `GET {relay}/status`.
pub fn read_status(body: &Body) -> Result<StatusAnswer, WidgetError> {
    let Body::Json(fields) = body else {
        return Err(WidgetError::new(ErrorCode::MalformedResponse));
    };
    let error = fields.error.as_deref().unwrap_or("");
    if fields.connected == Some(true) {
        return Ok(StatusAnswer::Connected);
    }
    if contains_ignore_case(error, "restore the session") {
        return Ok(StatusAnswer::RestoreSession);
    }
    if let Some(code) = error_from_text(error) {
        return Err(WidgetError::new(code));
    }
    if fields.connected == Some(false) || contains_ignore_case(error, "not connected") {
        return Ok(StatusAnswer::NotConnected);
    }
    Err(WidgetError::new(ErrorCode::MalformedResponse))
}

/// Reads a successful `GET {relay}/qr-code` (`Svg`) or `GET {relay}/qr-code/image` (`Image`).
pub fn read_qr(body: &Body, format: QrFormat) -> Result<QrAnswer, WidgetError> {
    let payload = match body {
        Body::Json(fields) => {
            let error = fields.error.as_deref().unwrap_or("");
            if fields.connected == Some(true) || contains_ignore_case(error, "already connected") {
                return Ok(QrAnswer::Connected);
            }
            let payload = [&fields.value, &fields.image, &fields.code]
                .into_iter()
                .flatten()
                .map(|s| s.trim())
                .find(|s| !s.is_empty());
            match payload {
                Some(payload) => payload,
                None if !error.is_empty() => {
                    let code = error_from_text(error).unwrap_or(ErrorCode::UpstreamError);
                    return Err(WidgetError::new(code));
                }
                None => return Ok(QrAnswer::Connected),
            }
        }
        Body::Text(text) if !text.trim().is_empty() => text.trim(),
        _ => return Err(WidgetError::new(ErrorCode::MalformedResponse)),
    };
    let data_url = payload
        .strip_prefix(PNG)
        .or_else(|| payload.strip_prefix(JPEG));
    let image = if let Some(data) = data_url {
        // Only base64 after the prefix: the value ends up in an attribute.
        if !is_base64(data) {
            return Err(WidgetError::new(ErrorCode::MalformedResponse));
        }
        QrImage::Src(payload.into())
    } else if payload.starts_with("data:") {
        return Err(WidgetError::new(ErrorCode::MalformedResponse));
    } else if format == QrFormat::Image {
        if !is_base64(payload) {
            return Err(WidgetError::new(ErrorCode::MalformedResponse));
        }
        let mut src = String::with_capacity(PNG.len() + payload.len());
        src.push_str(PNG);
        src.push_str(payload);
        QrImage::Src(src)
    } else {
        match qr_svg::encode(payload) {
            Some(svg) => QrImage::Svg(svg),
            None => return Err(WidgetError::new(ErrorCode::MalformedResponse)),
        }
    };
    Ok(QrAnswer::Code(image))
}

/// Reads a successful `GET {relay}/phone-code/{phone}`: the code is the first of `value`, `code`
/// or a plain-text body, up to 16 letters, digits or dashes.
pub fn read_phone_code(body: &Body) -> Result<CodeAnswer, WidgetError> {
    let code = match body {
        Body::Json(fields) => {
            let error = fields.error.as_deref().unwrap_or("");
            if fields.connected == Some(true) || contains_ignore_case(error, "already connected") {
                return Ok(CodeAnswer::Connected);
            }
            let code = [&fields.value, &fields.code]
                .into_iter()
                .flatten()
                .map(|s| s.trim())
                .find(|s| !s.is_empty());
            match code {
                Some(code) => code,
                None if !error.is_empty() => {
                    let code = error_from_text(error).unwrap_or(ErrorCode::UpstreamError);
                    return Err(WidgetError::new(code));
                }
                None => return Err(WidgetError::new(ErrorCode::MalformedResponse)),
            }
        }
        Body::Text(text) => text.trim(),
        Body::Other => "",
    };
    let readable = (4..=16).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !readable {
        return Err(WidgetError::new(ErrorCode::MalformedResponse));
    }
    Ok(CodeAnswer::Code(code.to_ascii_uppercase()))
}

/// Reads a successful `GET {relay}/extension-token`: `{"token": "FA48-HS63", "expiresAt": <ms>}`.
/// `relay_now_ms` is the relay's `Date`, when the page could read it.
pub fn read_extension_token(
    body: &Body,
    relay_now_ms: Option<f64>,
) -> Result<ExtensionAnswer, WidgetError> {
    let Body::Json(fields) = body else {
        return Err(WidgetError::new(ErrorCode::MalformedResponse));
    };
    let error = fields.error.as_deref().unwrap_or("");
    if fields.connected == Some(true) || contains_ignore_case(error, "already connected") {
        return Ok(ExtensionAnswer::Connected);
    }
    let token = fields.token.as_deref().map(str::trim);
    match (token, fields.expires_at) {
        (Some(token), Some(expires_at_ms))
            if is_extension_token(token) && expires_at_ms.is_finite() && expires_at_ms > 0.0 =>
        {
            Ok(ExtensionAnswer::Code {
                token: token.into(),
                expires_at_ms,
                relay_now_ms,
            })
        }
        (None, None) if !error.is_empty() => {
            let code = error_from_text(error).unwrap_or(ErrorCode::UpstreamError);
            Err(WidgetError::new(code))
        }
        _ => Err(WidgetError::new(ErrorCode::MalformedResponse)),
    }
}

/// Shaped like Z-API's `XXXX-XXXX`: two or three groups of 3 to 8 letters or digits, joined by
/// dashes. Anything else is not shown: the user would type it into the extension.
fn is_extension_token(token: &str) -> bool {
    let groups = token.split('-');
    let count = groups.clone().count();
    (2..=3).contains(&count)
        && groups.into_iter().all(|group| {
            (3..=8).contains(&group.len()) && group.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

fn is_base64(text: &str) -> bool {
    let data = text.trim_end_matches('=');
    !data.is_empty()
        && text.len() - data.len() <= 2
        && data
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Maps a non-2xx answer to a widget error. `retry_after` is the raw `Retry-After` header; a
/// bare 400 from `/phone-code/{phone}` means the number was refused. Without a relay's `code`,
/// an `error` text is Z-API's own, passed on by a plain proxy, and a 5xx is Z-API or a load
/// balancer failing: both are an `upstream_error`, worth a retry.
pub fn read_error(
    status: u16,
    body: &Body,
    retry_after: Option<&str>,
    is_phone_route: bool,
) -> WidgetError {
    let fields = match body {
        Body::Json(fields) => Some(fields),
        _ => None,
    };
    let relay_code = fields.and_then(|f| f.code.as_deref()).unwrap_or("");
    if status == 429 || relay_code == "rate_limited" {
        // Only the delta-seconds form; an HTTP date is rare enough to ignore.
        let secs = retry_after.and_then(|v| v.trim().parse::<u32>().ok());
        return WidgetError::rate_limited(secs);
    }
    let text = fields.and_then(|f| f.error.as_deref()).unwrap_or("");
    // Z-API's refusal of a number comes through a relay as an upstream error about the phone.
    if is_phone_route && (relay_code == "invalid_phone" || contains_ignore_case(text, "phone")) {
        return WidgetError::new(ErrorCode::InvalidPhone);
    }
    if status == 401 || relay_code == "unauthorized" {
        return WidgetError::new(ErrorCode::Unauthorized);
    }
    let code = match relay_code {
        "upstream_timeout" | "timeout" => Some(ErrorCode::Timeout),
        "access_denied" => Some(ErrorCode::AccessDenied),
        "subscription_expired" => Some(ErrorCode::SubscriptionExpired),
        "upstream_malformed" | "malformed_response" => Some(ErrorCode::MalformedResponse),
        "upstream_error" | "upstream_unreachable" => Some(ErrorCode::UpstreamError),
        _ => None,
    }
    .or_else(|| error_from_text(text))
    .unwrap_or(if status == 400 && is_phone_route {
        ErrorCode::InvalidPhone
    } else if relay_code.is_empty() && (!text.is_empty() || (500..600).contains(&status)) {
        ErrorCode::UpstreamError
    } else {
        // Also `invalid_phone` from a route that has no phone: the relay is misconfigured,
        // and the user's retry follows an administrator's fix.
        ErrorCode::RelayError
    });
    let mut error = WidgetError::new(code);
    if let Some(retryable) = fields.and_then(|f| f.retryable) {
        error.retryable = retryable;
    }
    error
}

/// Longest profile or session name shown, in characters; longer ones end in `…`.
pub const MAX_NAME_CHARS: usize = 60;
/// Longest picture URL taken.
const MAX_URL_BYTES: usize = 2048;

/// Reads a successful `GET {relay}/device`. Every field comes from the phone's owner or from
/// Z-API, so each is checked: the number must be one, texts lose control characters and are
/// bounded, and a picture is kept only from an `https:` URL. Without a number the answer is
/// unreadable.
pub fn read_device(body: &Body) -> Result<Device, WidgetError> {
    let malformed = || WidgetError::new(ErrorCode::MalformedResponse);
    let Body::Json(fields) = body else {
        return Err(malformed());
    };
    let phone = fields
        .phone
        .as_deref()
        .map(|phone| phone.trim().trim_start_matches('+'))
        .filter(|digits| {
            (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        })
        .ok_or_else(malformed)?;
    let kind = fields.original_device.as_deref().and_then(|text| {
        let is = |name: &str| text.trim().eq_ignore_ascii_case(name);
        if is("iphone") {
            Some(DeviceKind::Iphone)
        } else if is("android") {
            Some(DeviceKind::Android)
        } else if is("smbi") || is("smba") {
            Some(DeviceKind::Business)
        } else {
            None
        }
    });
    Ok(Device {
        phone: phone.into(),
        name: fields.name.as_deref().and_then(plain_text),
        kind,
        session_name: fields.session_name.as_deref().and_then(plain_text),
        picture: fields.img_url.as_deref().and_then(picture_url),
    })
}

/// `text` as one line for people: line breaks and tabs become spaces, other control and
/// bidirectional-override characters go, and at most [`MAX_NAME_CHARS`] characters stay.
/// `None` when nothing is left.
pub fn plain_text(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = 0;
    for c in text.trim().chars() {
        let c = match c {
            '\t' | '\n' | '\r' => ' ',
            // Bidirectional controls would let a name reorder the text around it.
            '\u{061c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => continue,
            c if c.is_control() => continue,
            c => c,
        };
        if chars == MAX_NAME_CHARS {
            out.push('…');
            break;
        }
        out.push(c);
        chars += 1;
    }
    let kept = out.trim();
    (!kept.is_empty()).then(|| kept.into())
}

/// `url` when it is an `https:` URL of printable ASCII with a host, as Z-API's picture links
/// are; anything else (`http:`, `data:`, `javascript:`, spaces) is dropped.
fn picture_url(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .and_then(|_| url.get(8..))?;
    let usable = url.len() <= MAX_URL_BYTES
        && !rest.is_empty()
        && !rest.starts_with(['/', '\\'])
        && url.bytes().all(|b| (0x21..0x7f).contains(&b));
    usable.then(|| url.into())
}

/// Reads a successful `POST {relay}/disconnect`: `{"value": true}` and nothing else means the
/// phone was unlinked.
pub fn read_disconnect(body: &Body) -> Result<(), WidgetError> {
    let Body::Json(fields) = body else {
        return Err(WidgetError::new(ErrorCode::MalformedResponse));
    };
    if fields.value_flag == Some(true) {
        return Ok(());
    }
    let error = fields.error.as_deref().unwrap_or("");
    let code = match error_from_text(error) {
        Some(code) => code,
        None if fields.value_flag == Some(false) || !error.is_empty() => ErrorCode::UpstreamError,
        None => ErrorCode::MalformedResponse,
    };
    Err(WidgetError::new(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(f: impl FnOnce(&mut Fields)) -> Body {
        let mut fields = Fields::default();
        f(&mut fields);
        Body::Json(Box::new(fields))
    }

    fn code(result: Result<impl std::fmt::Debug, WidgetError>) -> ErrorCode {
        result.unwrap_err().code
    }

    #[test]
    fn status_not_connected() {
        let body = json(|f| {
            f.connected = Some(false);
            f.error = Some("You are not connected.".into());
        });
        assert_eq!(read_status(&body), Ok(StatusAnswer::NotConnected));
    }

    #[test]
    fn status_connected() {
        let body = json(|f| {
            f.connected = Some(true);
            f.error = Some("You are already connected.".into());
        });
        assert_eq!(read_status(&body), Ok(StatusAnswer::Connected));
    }

    #[test]
    fn status_restore_session_is_a_state_not_an_error() {
        let body = json(|f| {
            f.connected = Some(false);
            f.error = Some("You need to restore the session.".into());
        });
        assert_eq!(read_status(&body), Ok(StatusAnswer::RestoreSession));
    }

    #[test]
    fn status_errors_in_the_text() {
        let denied = json(|f| f.error = Some("null not allowed".into()));
        assert_eq!(code(read_status(&denied)), ErrorCode::AccessDenied);
        let expired = json(|f| {
            f.error = Some(
                "To continue sending a message, you must subscribe to this instance again".into(),
            )
        });
        assert_eq!(code(read_status(&expired)), ErrorCode::SubscriptionExpired);
    }

    #[test]
    fn status_not_connected_from_either_field() {
        let flag = json(|f| f.connected = Some(false));
        assert_eq!(read_status(&flag), Ok(StatusAnswer::NotConnected));
        let text = json(|f| f.error = Some("You are NOT connected.".into()));
        assert_eq!(read_status(&text), Ok(StatusAnswer::NotConnected));
    }

    #[test]
    fn status_unreadable() {
        for body in [Body::Text("ok".into()), Body::Other, json(|_| {})] {
            assert_eq!(code(read_status(&body)), ErrorCode::MalformedResponse);
        }
    }

    #[test]
    fn qr_payload_is_encoded_to_svg() {
        let body = json(|f| f.value = Some("2@abc,def,ghi,jkl".into()));
        match read_qr(&body, QrFormat::Svg) {
            Ok(QrAnswer::Code(QrImage::Svg(svg))) => assert!(svg.size > 21),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn qr_payload_from_image_code_or_plain_text() {
        for body in [
            json(|f| f.image = Some("2@abc".into())),
            json(|f| f.code = Some("2@abc".into())),
            Body::Text("2@abc\n".into()),
        ] {
            assert!(matches!(
                read_qr(&body, QrFormat::Svg),
                Ok(QrAnswer::Code(QrImage::Svg(_)))
            ));
        }
    }

    #[test]
    fn qr_connected_answers() {
        for body in [
            json(|f| f.connected = Some(true)),
            json(|f| f.error = Some("Instance ALREADY CONNECTED".into())),
            json(|_| {}),
            json(|f| f.value = Some("  ".into())),
        ] {
            assert_eq!(read_qr(&body, QrFormat::Svg), Ok(QrAnswer::Connected));
            assert_eq!(read_qr(&body, QrFormat::Image), Ok(QrAnswer::Connected));
        }
    }

    #[test]
    fn qr_image_values() {
        let png = "data:image/png;base64,iVBORw0KGgo=";
        let jpeg = "data:image/jpeg;base64,/9j/4AAQ";
        for src in [png, jpeg] {
            let body = json(|f| f.value = Some(src.into()));
            assert_eq!(
                read_qr(&body, QrFormat::Image),
                Ok(QrAnswer::Code(QrImage::Src(src.into())))
            );
        }
        let bare = json(|f| f.value = Some("iVBORw0KGgo=".into()));
        assert_eq!(
            read_qr(&bare, QrFormat::Image),
            Ok(QrAnswer::Code(QrImage::Src(png.into())))
        );
    }

    #[test]
    fn qr_image_values_that_are_not_png_or_jpeg_are_malformed() {
        for value in [
            "data:image/svg+xml;base64,PHN2Zz4=",
            "data:text/html,<b>x</b>",
            "2@abc,def",
            "https://example.com/qr.png",
            "data:image/png;base64,AAA\" onerror=\"alert(1)",
            "data:image/png;base64,iVBORw0KGgo===",
            "data:image/png;base64,",
            "iVBORw0KGgo===",
        ] {
            let body = json(|f| f.value = Some(value.into()));
            assert_eq!(
                code(read_qr(&body, QrFormat::Image)),
                ErrorCode::MalformedResponse,
                "{value}"
            );
        }
    }

    #[test]
    fn qr_image_from_the_raw_route_is_shown_as_an_image() {
        let png = "data:image/png;base64,iVBORw0KGgo=";
        let body = json(|f| f.value = Some(png.into()));
        assert_eq!(
            read_qr(&body, QrFormat::Svg),
            Ok(QrAnswer::Code(QrImage::Src(png.into())))
        );
    }

    #[test]
    fn qr_unreadable_or_failing() {
        assert_eq!(
            code(read_qr(&Body::Other, QrFormat::Svg)),
            ErrorCode::MalformedResponse
        );
        assert_eq!(
            code(read_qr(&Body::Text(" ".into()), QrFormat::Svg)),
            ErrorCode::MalformedResponse
        );
        let too_long = json(|f| f.value = Some("x".repeat(5000)));
        assert_eq!(
            code(read_qr(&too_long, QrFormat::Svg)),
            ErrorCode::MalformedResponse
        );
        let denied = json(|f| f.error = Some("1.2.3.4 not allowed".into()));
        assert_eq!(
            code(read_qr(&denied, QrFormat::Svg)),
            ErrorCode::AccessDenied
        );
        let other = json(|f| f.error = Some("Something broke".into()));
        assert_eq!(
            code(read_qr(&other, QrFormat::Svg)),
            ErrorCode::UpstreamError
        );
    }

    #[test]
    fn phone_code_from_value_code_or_text() {
        for body in [
            json(|f| f.value = Some("ABCD1234".into())),
            json(|f| f.code = Some(" abcd1234 ".into())),
            Body::Text("ABCD1234\n".into()),
        ] {
            assert_eq!(
                read_phone_code(&body),
                Ok(CodeAnswer::Code("ABCD1234".into()))
            );
        }
        assert_eq!(
            read_phone_code(&json(|f| f.code = Some("ABCD-EF".into()))),
            Ok(CodeAnswer::Code("ABCD-EF".into()))
        );
        assert_eq!(
            read_phone_code(&json(|f| f.connected = Some(true))),
            Ok(CodeAnswer::Connected)
        );
    }

    #[test]
    fn phone_code_unreadable_or_failing() {
        for body in [
            Body::Other,
            Body::Text("<html>".into()),
            json(|_| {}),
            json(|f| f.value = Some("x".repeat(40))),
            json(|f| f.value = Some("AB\"<x".into())),
        ] {
            assert_eq!(code(read_phone_code(&body)), ErrorCode::MalformedResponse);
        }
        let denied = json(|f| f.error = Some("null not allowed".into()));
        assert_eq!(code(read_phone_code(&denied)), ErrorCode::AccessDenied);
    }

    #[test]
    fn a_refused_phone_is_invalid_phone() {
        let relay = relay_error("invalid_phone", false);
        assert_eq!(
            read_error(400, &relay, None, true).code,
            ErrorCode::InvalidPhone
        );
        let bare = json(|f| f.error = Some("Invalid phone number".into()));
        assert_eq!(
            read_error(400, &bare, None, true).code,
            ErrorCode::InvalidPhone
        );
        // Off the phone route the text is Z-API's own, passed on by a plain proxy.
        assert_eq!(
            read_error(400, &bare, None, false).code,
            ErrorCode::UpstreamError
        );
        assert_eq!(
            read_error(400, &Body::Text("Bad Request".into()), None, false).code,
            ErrorCode::RelayError
        );
    }

    #[test]
    fn a_bare_400_is_a_refused_number_on_the_phone_route_only() {
        let bare = Body::Text("Bad Request".into());
        assert_eq!(
            read_error(400, &bare, None, true).code,
            ErrorCode::InvalidPhone
        );
        assert_eq!(
            read_error(404, &bare, None, true).code,
            ErrorCode::RelayError
        );
        assert_eq!(
            read_error(422, &bare, None, true).code,
            ErrorCode::RelayError
        );
        // The relay's code alone says so, whatever its text and status.
        let coded = json(|f| {
            f.code = Some("invalid_phone".into());
            f.error = Some("Refused.".into());
        });
        assert_eq!(
            read_error(422, &coded, None, true).code,
            ErrorCode::InvalidPhone
        );
    }

    #[test]
    fn the_relays_code_decides_whatever_the_status() {
        let limited = read_error(503, &relay_error("rate_limited", true), Some("9"), false);
        assert_eq!(limited.code, ErrorCode::RateLimited);
        assert_eq!(limited.retry_after_secs, Some(9));
        let refused = read_error(403, &relay_error("unauthorized", false), None, false);
        assert_eq!(refused.code, ErrorCode::Unauthorized);
    }

    #[test]
    fn invalid_phone_from_a_route_without_a_phone_offers_a_retry() {
        // It used to be `invalid_phone` on the error screen, which has no retry: a dead end.
        for retryable in [false, true] {
            let error = read_error(400, &relay_error("invalid_phone", retryable), None, false);
            assert_eq!(error.code, ErrorCode::RelayError);
            assert!(error.offers_retry());
        }
    }

    #[test]
    fn a_gateway_or_upstream_failure_is_an_upstream_error_worth_a_retry() {
        // A load balancer's page for a 502/503/504, or Z-API's own 5xx behind a plain proxy,
        // used to be `relay_error`: "trying again will not help".
        let page = Body::Text("<html><body><h1>502 Bad Gateway</h1></body></html>".into());
        let raw = json(|f| f.error = Some("Internal Server Error".into()));
        for status in [500, 502, 503, 504] {
            for body in [&page, &Body::Text(String::new()), &Body::Other, &raw] {
                for is_phone_route in [false, true] {
                    let error = read_error(status, body, None, is_phone_route);
                    assert_eq!(error.code, ErrorCode::UpstreamError, "{status} {body:?}");
                    assert!(error.retryable && error.offers_retry());
                }
            }
        }
        // A relay's own code still decides.
        let relay = read_error(502, &relay_error("invalid_request", false), None, false);
        assert_eq!(relay.code, ErrorCode::RelayError);
    }

    fn extension(token: Option<&str>, expires_at: Option<f64>) -> Body {
        json(|f| {
            f.token = token.map(str::to_owned);
            f.expires_at = expires_at;
        })
    }

    #[test]
    fn extension_token_with_its_expiry() {
        let body = extension(Some(" FA48-HS63 "), Some(1_782_851_138_085.0));
        assert_eq!(
            read_extension_token(&body, Some(1_782_850_838_000.0)),
            Ok(ExtensionAnswer::Code {
                token: "FA48-HS63".into(),
                expires_at_ms: 1_782_851_138_085.0,
                relay_now_ms: Some(1_782_850_838_000.0),
            })
        );
        for token in ["ABC-DEF", "ABCDE-FGHIJ-K2M", "abcd-1234"] {
            let body = extension(Some(token), Some(1.0));
            assert!(read_extension_token(&body, None).is_ok(), "{token}");
        }
    }

    #[test]
    fn extension_token_when_already_linked() {
        let body = json(|f| {
            f.connected = Some(true);
            f.error = Some("You are already connected.".into());
        });
        assert_eq!(
            read_extension_token(&body, None),
            Ok(ExtensionAnswer::Connected)
        );
    }

    #[test]
    fn a_hostile_or_malformed_extension_token_is_never_shown() {
        let at = Some(1_782_851_138_085.0);
        for body in [
            extension(None, at),
            extension(Some(""), at),
            extension(Some("FA48HS63"), at),
            extension(Some("FA48-HS63-"), at),
            extension(Some("FA48--HS63"), at),
            extension(Some("FA48 HS63"), at),
            extension(Some("<img src=x onerror=alert(1)>-AAAA"), at),
            extension(Some("FA48-HS63\nCall +55 11 5555-0000 for help"), at),
            extension(Some("ABCDEFGHI-JKLMNOPQR"), at),
            extension(Some("FÁ48-HS63"), at),
            extension(Some("FA48-HS63"), None),
            extension(Some("FA48-HS63"), Some(f64::NAN)),
            extension(Some("FA48-HS63"), Some(f64::INFINITY)),
            extension(Some("FA48-HS63"), Some(-1.0)),
            extension(Some("FA48-HS63"), Some(0.0)),
            json(|_| {}),
            Body::Text("<!doctype html><html><body>Login</body></html>".into()),
            Body::Text("FA48-HS63".into()),
            Body::Other,
        ] {
            assert_eq!(
                code(read_extension_token(&body, None)),
                ErrorCode::MalformedResponse,
                "{body:?}"
            );
        }
    }

    #[test]
    fn extension_token_errors_in_the_text() {
        let denied = json(|f| f.error = Some("1.2.3.4 not allowed".into()));
        assert_eq!(
            code(read_extension_token(&denied, None)),
            ErrorCode::AccessDenied
        );
        let other = json(|f| f.error = Some("Something broke".into()));
        assert_eq!(
            code(read_extension_token(&other, None)),
            ErrorCode::UpstreamError
        );
    }

    fn relay_error(code: &str, retryable: bool) -> Body {
        json(|f| {
            f.code = Some(code.into());
            f.error = Some("text".into());
            f.retryable = Some(retryable);
        })
    }

    #[test]
    fn relay_error_codes() {
        for (relay, ours) in [
            ("upstream_timeout", ErrorCode::Timeout),
            ("access_denied", ErrorCode::AccessDenied),
            ("subscription_expired", ErrorCode::SubscriptionExpired),
            ("upstream_malformed", ErrorCode::MalformedResponse),
            ("upstream_error", ErrorCode::UpstreamError),
            ("upstream_unreachable", ErrorCode::UpstreamError),
            ("invalid_request", ErrorCode::RelayError),
        ] {
            let error = read_error(502, &relay_error(relay, true), None, false);
            assert_eq!(error.code, ours, "{relay}");
            assert!(error.retryable, "the relay's retryable wins");
            assert!(!read_error(502, &relay_error(relay, false), None, false).retryable);
        }
    }

    #[test]
    fn raw_zapi_errors_from_a_plain_proxy() {
        let denied = json(|f| f.error = Some("203.0.113.9 not allowed".into()));
        assert_eq!(
            read_error(403, &denied, None, false).code,
            ErrorCode::AccessDenied
        );
        let expired = json(|f| {
            f.error = Some("you must subscribe to this instance again".into());
        });
        assert_eq!(
            read_error(400, &expired, None, false).code,
            ErrorCode::SubscriptionExpired
        );
    }

    #[test]
    fn rate_limiting_keeps_retry_after() {
        let error = read_error(429, &Body::Text("slow down".into()), Some(" 30 "), false);
        assert_eq!(error.code, ErrorCode::RateLimited);
        assert_eq!(error.retry_after_secs, Some(30));
        let dated = read_error(
            429,
            &Body::Other,
            Some("Wed, 21 Oct 2015 07:28:00 GMT"),
            false,
        );
        assert_eq!(dated.retry_after_secs, None);
        assert!(dated.retryable);
    }

    #[test]
    fn a_refused_ticket_is_unauthorized_and_worth_a_retry_with_a_new_one() {
        let refused = relay_error("unauthorized", false);
        let error = read_error(401, &refused, None, false);
        assert_eq!(error.code, ErrorCode::Unauthorized);
        assert!(!error.retryable);
        assert!(error.offers_retry());
        // A relay of another make may answer a bare 401.
        let bare = read_error(401, &Body::Text("Unauthorized".into()), None, true);
        assert_eq!(bare.code, ErrorCode::Unauthorized);
    }

    #[test]
    fn anything_else_is_a_relay_error() {
        let not_found = read_error(404, &Body::Text("Not Found".into()), None, false);
        assert_eq!(not_found.code, ErrorCode::RelayError);
        let relay_not_found = read_error(404, &relay_error("not_found", false), None, true);
        assert_eq!(relay_not_found.code, ErrorCode::RelayError);
        assert!(!relay_not_found.retryable);
    }

    // The linked phone, and unlinking it.

    fn device_body() -> Fields {
        Fields {
            phone: Some("5511987654321".into()),
            name: Some("Loja Centro".into()),
            img_url: Some("https://pps.whatsapp.net/v/t61/abc.jpg?oh=1&oe=2".into()),
            session_name: Some("Z-API".into()),
            original_device: Some("iphone".into()),
            ..Fields::default()
        }
    }

    fn device(f: impl FnOnce(&mut Fields)) -> Result<Device, WidgetError> {
        let mut fields = device_body();
        f(&mut fields);
        read_device(&Body::Json(Box::new(fields)))
    }

    #[test]
    fn a_device_answer_is_read_whole() {
        assert_eq!(
            device(|_| {}),
            Ok(Device {
                phone: "5511987654321".into(),
                name: Some("Loja Centro".into()),
                kind: Some(DeviceKind::Iphone),
                session_name: Some("Z-API".into()),
                picture: Some("https://pps.whatsapp.net/v/t61/abc.jpg?oh=1&oe=2".into()),
            })
        );
    }

    #[test]
    fn the_device_kind_comes_from_original_device() {
        for (original, kind) in [
            ("iphone", Some(DeviceKind::Iphone)),
            ("android", Some(DeviceKind::Android)),
            ("smbi", Some(DeviceKind::Business)),
            ("smba", Some(DeviceKind::Business)),
            (" Android ", Some(DeviceKind::Android)),
            ("web", None),
            ("", None),
        ] {
            let read = device(|f| f.original_device = Some(original.into())).unwrap();
            assert_eq!(read.kind, kind, "{original:?}");
        }
        assert_eq!(device(|f| f.original_device = None).unwrap().kind, None);
    }

    #[test]
    fn a_device_answer_without_a_usable_number_is_malformed() {
        for phone in [
            None,
            Some(""),
            Some("1234567"),
            Some("5511987654321000"),
            Some("55 11 98765-4321"),
            Some("5511987654321@c.us"),
            Some("<b>5511987654321</b>"),
        ] {
            let result = device(|f| f.phone = phone.map(Into::into));
            assert_eq!(
                code(result.map(|_| ())),
                ErrorCode::MalformedResponse,
                "{phone:?}"
            );
        }
        assert_eq!(
            device(|f| f.phone = Some("+5511987654321".into()))
                .unwrap()
                .phone,
            "5511987654321"
        );
        for body in [Body::Text("5511987654321".into()), Body::Other] {
            assert_eq!(code(read_device(&body)), ErrorCode::MalformedResponse);
        }
    }

    #[test]
    fn a_picture_comes_only_from_an_https_url() {
        for url in [
            "http://pps.whatsapp.net/a.jpg",
            "data:image/png;base64,iVBORw0KGgo=",
            "javascript:alert(1)",
            "//pps.whatsapp.net/a.jpg",
            "https://",
            "https:///a.jpg",
            "https:\\\\evil.example/a.jpg",
            "https://evil.example/a b.jpg",
            "https://evil.example/\u{202e}gpj.exe",
            "ftp://pps.whatsapp.net/a.jpg",
            "",
        ] {
            assert_eq!(
                device(|f| f.img_url = Some(url.into())).unwrap().picture,
                None,
                "{url:?}"
            );
        }
        let long = format!("https://pps.whatsapp.net/{}", "a".repeat(MAX_URL_BYTES));
        assert_eq!(device(|f| f.img_url = Some(long)).unwrap().picture, None);
        let upper = device(|f| f.img_url = Some(" HTTPS://pps.whatsapp.net/a.jpg ".into()));
        assert_eq!(
            upper.unwrap().picture.as_deref(),
            Some("HTTPS://pps.whatsapp.net/a.jpg")
        );
    }

    #[test]
    fn names_lose_control_characters_and_are_bounded() {
        assert_eq!(
            plain_text("  Loja\nCentro\t1 "),
            Some("Loja Centro 1".into())
        );
        assert_eq!(
            plain_text("a\u{0}b\u{7f}c\u{1b}[31m"),
            Some("abc[31m".into())
        );
        assert_eq!(
            plain_text("\u{202e}lanigiro\u{202c} \u{2066}x\u{2069}\u{200f}"),
            Some("lanigiro x".into())
        );
        assert_eq!(plain_text(" \u{0}\u{202e} "), None);
        assert_eq!(plain_text(""), None);
        let long = "é".repeat(MAX_NAME_CHARS + 40);
        let bounded = plain_text(&long).unwrap();
        assert_eq!(bounded.chars().count(), MAX_NAME_CHARS + 1);
        assert!(bounded.ends_with('…'));
        let exact = "x".repeat(MAX_NAME_CHARS);
        assert_eq!(plain_text(&exact), Some(exact));
        // Markup stays text: the view escapes it.
        assert_eq!(
            device(|f| f.name = Some("<img src=x onerror=alert(1)>".into()))
                .unwrap()
                .name
                .as_deref(),
            Some("<img src=x onerror=alert(1)>")
        );
        let read = device(|f| {
            f.name = Some("\u{0}".into());
            f.session_name = Some("Z-API\r\n".into());
        })
        .unwrap();
        assert_eq!(
            (read.name, read.session_name.as_deref()),
            (None, Some("Z-API"))
        );
    }

    #[test]
    fn a_disconnect_succeeds_only_on_value_true() {
        assert_eq!(
            read_disconnect(&json(|f| f.value_flag = Some(true))),
            Ok(())
        );
        assert_eq!(
            code(read_disconnect(&json(|f| f.value_flag = Some(false)))),
            ErrorCode::UpstreamError
        );
        assert_eq!(
            code(read_disconnect(&json(
                |f| f.error = Some("null not allowed".into())
            ))),
            ErrorCode::AccessDenied
        );
        for body in [
            json(|_| {}),
            json(|f| f.value = Some("true".into())),
            Body::Text("true".into()),
            Body::Other,
        ] {
            assert_eq!(
                code(read_disconnect(&body)),
                ErrorCode::MalformedResponse,
                "{body:?}"
            );
        }
    }
}

// proptest is a native dev-dependency: the wasm32 test build (tests/web.rs) has no copy.
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Codes the reference relay sends, and anything else.
    fn relay_code() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "rate_limited",
                "unauthorized",
                "invalid_phone",
                "upstream_timeout",
                "access_denied",
                "subscription_expired",
                "upstream_malformed",
                "upstream_error",
                "upstream_unreachable",
                "origin_not_allowed",
                "not_found",
            ])
            .prop_map(str::to_owned),
            any::<String>(),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "You are not connected.",
                "You are already connected.",
                "You need to restore the session.",
                "null not allowed",
                "you must subscribe to this instance again",
                "Invalid phone",
                "2@abc,def",
                "data:image/png;base64,iVBORw0KGgo=",
                "ABCD1234",
            ])
            .prop_map(str::to_owned),
            any::<String>(),
        ]
    }

    fn body() -> impl Strategy<Value = Body> {
        let fields = (
            any::<Option<bool>>(),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(prop_oneof![relay_code(), text()]),
            any::<Option<bool>>(),
            prop::option::of(prop_oneof![Just("FA48-HS63".to_owned()), text()]),
            any::<Option<f64>>(),
        )
            .prop_map(
                |(connected, error, value, image, code, retryable, token, expires_at)| Fields {
                    connected,
                    error,
                    value,
                    image,
                    code,
                    retryable,
                    token,
                    expires_at,
                    ..Fields::default()
                },
            );
        let device = (
            prop::option::of(prop_oneof![
                Just("5511987654321".to_owned()),
                "[+ 0-9]{0,18}",
                any::<String>(),
            ]),
            prop::option::of(text()),
            prop::option::of(prop_oneof![
                Just("https://pps.whatsapp.net/a.jpg".to_owned()),
                "(https?|HTTPS|data|javascript):[ -~]{0,20}",
                any::<String>(),
            ]),
            prop::option::of(text()),
            prop::option::of(prop_oneof![
                prop::sample::select(vec!["iphone", "android", "smbi", "smba"])
                    .prop_map(str::to_owned),
                any::<String>(),
            ]),
            any::<Option<bool>>(),
        );
        let fields = (fields, device).prop_map(
            |(fields, (phone, name, img_url, session_name, original_device, value_flag))| Fields {
                phone,
                name,
                img_url,
                session_name,
                original_device,
                value_flag,
                ..fields
            },
        );
        prop_oneof![
            fields.prop_map(|fields| Body::Json(Box::new(fields))),
            text().prop_map(Body::Text),
            Just(Body::Other),
        ]
    }

    fn documented(error: &WidgetError) -> bool {
        crate::api::ERROR_CODES
            .iter()
            .any(|documented| documented.code == error.code.as_str())
    }

    proptest! {
        // A failure is shrunk for a few seconds at most: a mutant's run stays short.
        #![proptest_config(ProptestConfig {
            max_shrink_time: 5_000,
            ..ProptestConfig::default()
        })]

        #[test]
        fn any_error_answer_is_a_documented_code(
            status in prop_oneof![100u16..200, 300u16..600, any::<u16>()],
            body in body(),
            retry_after in prop::option::of(prop_oneof![
                (0u64..100_000).prop_map(|secs| secs.to_string()),
                any::<String>(),
            ]),
            is_phone_route in any::<bool>(),
        ) {
            let error = read_error(status, &body, retry_after.as_deref(), is_phone_route);
            prop_assert!(documented(&error), "{:?}", error.code);
            // Only the browser or the widget itself know of these.
            prop_assert!(!matches!(
                error.code,
                ErrorCode::RelayUnreachable | ErrorCode::InvalidConfig
            ));
            if error.code == ErrorCode::InvalidPhone {
                prop_assert!(is_phone_route, "invalid_phone off the phone route");
            } else {
                prop_assert!(error.offers_retry(), "{:?} is a dead end", error.code);
            }
            if error.retry_after_secs.is_some() {
                prop_assert_eq!(error.code, ErrorCode::RateLimited);
            }
            if (500..600).contains(&status) && error.code == ErrorCode::RelayError {
                prop_assert!(
                    matches!(&body, Body::Json(f) if f.code.as_deref().is_some_and(|c| !c.is_empty())),
                    "a 5xx without a relay's code is upstream_error"
                );
            }
        }

        #[test]
        fn any_success_answer_is_read_or_a_documented_code(body in body()) {
            let results = [
                read_status(&body).err(),
                read_qr(&body, QrFormat::Svg).err(),
                read_qr(&body, QrFormat::Image).err(),
                read_phone_code(&body).err(),
                read_extension_token(&body, None).err(),
                read_device(&body).err(),
                read_disconnect(&body).err(),
            ];
            for error in results.iter().flatten() {
                prop_assert!(documented(error), "{:?}", error.code);
            }
            if let Ok(QrAnswer::Code(QrImage::Src(src))) = read_qr(&body, QrFormat::Image) {
                // The value ends up in an attribute.
                prop_assert!(src.starts_with("data:image/"));
                prop_assert!(!src.contains(['"', '<', '>', ' ']));
            }
            if let Ok(ExtensionAnswer::Code { token, expires_at_ms, .. }) =
                read_extension_token(&body, None)
            {
                // Shown as it is, and typed by the user into the extension.
                prop_assert!(token.len() <= 26);
                prop_assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
                prop_assert!(expires_at_ms.is_finite() && expires_at_ms > 0.0);
            }
            if let Ok(device) = read_device(&body) {
                prop_assert!((8..=15).contains(&device.phone.len()));
                prop_assert!(device.phone.bytes().all(|b| b.is_ascii_digit()));
                for text in [&device.name, &device.session_name].into_iter().flatten() {
                    prop_assert!(!text.is_empty() && text.chars().count() <= MAX_NAME_CHARS + 1);
                    prop_assert!(!text.chars().any(char::is_control), "{:?}", text);
                }
                if let Some(url) = &device.picture {
                    prop_assert!(url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")));
                    prop_assert!(!url.contains(['"', '<', '>', ' ']));
                }
            }
            if let Ok(CodeAnswer::Code(code)) = read_phone_code(&body) {
                prop_assert!((4..=16).contains(&code.len()));
                prop_assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'));
            }
        }
    }
}
