//! Requests another site can make a browser send. An `<img>`, a link or a form aimed at the
//! relay carries the visitor's cookies but no `Origin`, so the origin guard cannot see it.
//!
//! - In every mode, a request that `Sec-Fetch-Site` marks as `cross-site` or `same-site` must
//!   carry an `Origin`, which the origin guard has already checked against the relay's own and
//!   the listed origins. A sibling subdomain is `same-site` but not trusted for that: it may be
//!   listed like any other origin.
//! - In the modes where cookies are the credential (`forward`, and `header` behind an auth
//!   proxy), every request must also carry the header [`WIDGET_HEADER`], which the widget sends
//!   and which no page can add to a cross-origin request without a CORS preflight that the
//!   relay answers only for listed origins. Browsers too old to send `Sec-Fetch-Site` are
//!   covered by this header alone.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::RelayError;

/// The widget's own request header (`X-Zapi-Connect: 1`).
pub const WIDGET_HEADER: HeaderName = HeaderName::from_static("x-zapi-connect");

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

#[derive(Clone, Copy)]
pub(crate) struct CrossSite {
    /// The credential is a cookie: require [`WIDGET_HEADER`].
    pub require_widget_header: bool,
}

impl CrossSite {
    fn check(self, headers: &HeaderMap) -> Result<(), &'static str> {
        let site = headers
            .get(SEC_FETCH_SITE)
            .map(|value| value.as_bytes().to_ascii_lowercase());
        let from_another_site = matches!(site.as_deref(), Some(b"cross-site" | b"same-site"));
        if from_another_site && !headers.contains_key(header::ORIGIN) {
            return Err("Sec-Fetch-Site names another site and there is no Origin");
        }
        if self.require_widget_header
            && headers
                .get(WIDGET_HEADER)
                .is_none_or(|value| value.is_empty())
        {
            return Err("the X-Zapi-Connect header is missing");
        }
        Ok(())
    }
}

/// Route middleware on the Z-API routes, before authentication: a forged request costs neither
/// a session check nor a Z-API call.
pub(crate) async fn guard(
    State(cross_site): State<CrossSite>,
    request: Request,
    next: Next,
) -> Response {
    match cross_site.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(reason) => {
            tracing::info!(reason, "cross-site request refused");
            RelayError::CrossSiteRequest.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        headers
    }

    #[test]
    fn another_site_needs_an_origin_and_cookie_modes_need_the_widget_header() {
        let open = CrossSite {
            require_widget_header: false,
        };
        let cookie = CrossSite {
            require_widget_header: true,
        };
        let widget = ("X-Zapi-Connect", "1");
        for site in ["cross-site", "same-site", "Cross-Site"] {
            let img = headers(&[("Sec-Fetch-Site", site)]);
            assert!(open.check(&img).is_err(), "{site}");
            let with_origin = headers(&[("Sec-Fetch-Site", site), ("Origin", "https://a.example")]);
            assert!(open.check(&with_origin).is_ok(), "{site}");
        }
        for fine in [
            vec![],
            vec![("Sec-Fetch-Site", "same-origin")],
            vec![("Sec-Fetch-Site", "none")],
        ] {
            assert!(open.check(&headers(&fine)).is_ok(), "{fine:?}");
            assert!(cookie.check(&headers(&fine)).is_err(), "{fine:?}");
            let mut with_widget = fine.clone();
            with_widget.push(widget);
            assert!(cookie.check(&headers(&with_widget)).is_ok(), "{fine:?}");
        }
        assert!(cookie.check(&headers(&[("X-Zapi-Connect", "")])).is_err());
        assert!(cookie
            .check(&headers(&[("Sec-Fetch-Site", "cross-site"), widget]))
            .is_err());
    }
}
