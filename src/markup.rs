//! The widget's markup for each state, built as an HTML string. One string per state costs far
//! less bundle size than a typed view tree per state; everything dynamic is escaped.

use crate::machine::{Phase, QrImage};
use crate::messages as msg;

/// What the `data-action` of a clicked button asks for.
pub const ACTION_RETRY: &str = "retry";
pub const ACTION_NEW_CODE: &str = "new-code";

const ICON_CHECK: &str = r##"<svg class="zc-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M7 12.5l3.2 3.2L17 9" fill="none" stroke="#fff" stroke-width="2.2"/></svg>"##;
const ICON_ALERT: &str = r##"<svg class="zc-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M12 6.5v7M12 16.5v1" stroke="#fff" stroke-width="2.4"/></svg>"##;

/// The inside of the widget for `phase` (the countdown is rendered apart, as it ticks).
pub fn body(phase: &Phase) -> String {
    let mut html = String::with_capacity(256);
    let h = &mut html;
    match phase {
        Phase::Idle | Phase::Loading => {
            h.push_str(r#"<div class="zc-spin" aria-hidden="true"></div>"#);
            p(h, "zc-text", msg::LOADING);
        }
        Phase::Qr { code, .. } => {
            p(h, "zc-title", msg::QR_TITLE);
            p(h, "zc-steps", msg::QR_STEPS);
            h.push_str(r#"<div class="zc-tile">"#);
            qr(h, code);
            h.push_str("</div>");
        }
        Phase::Paused => {
            p(h, "zc-title", msg::PAUSED_TITLE);
            p(h, "zc-text", msg::PAUSED_TEXT);
            button(h, "new-code-button", ACTION_NEW_CODE, msg::NEW_CODE_BUTTON);
        }
        Phase::Connected | Phase::AlreadyConnected => {
            h.push_str(r#"<div part="connected" class="zc-done">"#);
            h.push_str(ICON_CHECK);
            p(h, "zc-title", msg::CONNECTED_TITLE);
            let text = if *phase == Phase::Connected {
                msg::CONNECTED_TEXT
            } else {
                msg::ALREADY_CONNECTED_TEXT
            };
            p(h, "zc-text", text);
            h.push_str("</div>");
        }
        Phase::RestoreSession => {
            h.push_str(r#"<div part="restore-session" class="zc-error">"#);
            h.push_str(ICON_ALERT);
            p(h, "zc-title", msg::RESTORE_TITLE);
            p(h, "zc-text", msg::RESTORE_TEXT);
            button(h, "check-button", ACTION_RETRY, msg::CHECK_AGAIN_BUTTON);
            h.push_str("</div>");
        }
        Phase::Error(error) => {
            h.push_str(r#"<div part="error" class="zc-error" role="alert" data-code=""#);
            h.push_str(error.code.as_str());
            h.push_str(r#"">"#);
            h.push_str(ICON_ALERT);
            p(h, "zc-title", msg::ERROR_TITLE);
            p(h, "zc-text", &error.message);
            if error.offers_retry() {
                button(h, "retry-button", ACTION_RETRY, msg::RETRY_BUTTON);
            }
            h.push_str("</div>");
        }
    }
    html
}

fn qr(h: &mut String, code: &QrImage) {
    match code {
        QrImage::Svg(svg) => {
            h.push_str(r#"<svg part="qr" class="zc-qr" xmlns="http://www.w3.org/2000/svg" role="img" shape-rendering="crispEdges" viewBox=""#);
            h.push_str(&svg.view_box());
            h.push_str(r#"" aria-label=""#);
            escape(h, msg::QR_ALT);
            h.push_str(
                r##""><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##,
            );
            escape(h, &svg.path);
            h.push_str(r#""/></svg>"#);
        }
        QrImage::Src(src) => {
            h.push_str(r#"<img part="qr" class="zc-qr" alt=""#);
            escape(h, msg::QR_ALT);
            h.push_str(r#"" src=""#);
            escape(h, src);
            h.push_str(r#"">"#);
        }
    }
}

fn p(h: &mut String, class: &str, text: &str) {
    h.push_str(r#"<p class=""#);
    h.push_str(class);
    h.push_str(r#"">"#);
    escape(h, text);
    h.push_str("</p>");
}

fn button(h: &mut String, part: &str, action: &str, label: &str) {
    h.push_str(r#"<button type="button" part=""#);
    h.push_str(part);
    h.push_str(r#"" data-action=""#);
    h.push_str(action);
    h.push_str(r#"">"#);
    escape(h, label);
    h.push_str("</button>");
}

/// Escapes text for both element content and quoted attribute values.
fn escape(h: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => h.push_str("&amp;"),
            '<' => h.push_str("&lt;"),
            '>' => h.push_str("&gt;"),
            '"' => h.push_str("&quot;"),
            c => h.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorCode, WidgetError};
    use crate::qr_svg;

    fn qr_phase(code: QrImage) -> Phase {
        Phase::Qr {
            code,
            shown_at_ms: 0.0,
            deadline_ms: 15_000.0,
            last: false,
            refreshing: false,
        }
    }

    #[test]
    fn the_svg_qr_has_its_part_label_and_no_payload() {
        let payload = "2@payload,abc,def,ghi";
        let html = body(&qr_phase(QrImage::Svg(qr_svg::encode(payload).unwrap())));
        assert!(html.contains(r#"<svg part="qr""#));
        assert!(html.contains(r#"role="img""#));
        assert!(html.contains(r#"aria-label="QR code to link WhatsApp""#));
        assert!(html.contains(r##"<rect width="100%" height="100%" fill="#fff"/>"##));
        assert!(!html.contains(payload));
        assert!(!html.contains("data-payload"));
    }

    #[test]
    fn the_image_qr_has_alt_text_and_an_escaped_src() {
        let html = body(&qr_phase(QrImage::Src(
            "data:image/png;base64,\"><x".into(),
        )));
        assert!(html.contains(r#"<img part="qr" class="zc-qr" alt="QR code to link WhatsApp""#));
        assert!(html.contains(r#"src="data:image/png;base64,&quot;&gt;&lt;x""#));
    }

    #[test]
    fn paused_offers_a_new_code() {
        let html = body(&Phase::Paused);
        assert!(html.contains(
            r#"<button type="button" part="new-code-button" data-action="new-code">Get new code</button>"#
        ));
        assert!(!html.contains(r#"part="qr""#));
    }

    #[test]
    fn errors_carry_their_code_role_and_retry() {
        let html = body(&Phase::Error(WidgetError::new(ErrorCode::RelayUnreachable)));
        assert!(html.contains(
            r#"<div part="error" class="zc-error" role="alert" data-code="relay_unreachable">"#
        ));
        assert!(html.contains(r#"part="retry-button" data-action="retry">Try again</button>"#));
        let html = body(&Phase::Error(WidgetError::new(ErrorCode::InvalidConfig)));
        assert!(html.contains(r#"data-code="invalid_config""#));
        assert!(
            !html.contains("retry-button"),
            "a retry cannot fix a missing relay"
        );
    }

    #[test]
    fn connected_states_show_the_connected_part() {
        for phase in [Phase::Connected, Phase::AlreadyConnected] {
            assert!(body(&phase).contains(r#"<div part="connected""#));
        }
        assert!(body(&Phase::RestoreSession).contains(r#"data-action="retry""#));
        assert!(body(&Phase::Loading).contains("zc-spin"));
    }

    #[test]
    fn text_is_escaped() {
        let mut h = String::new();
        escape(&mut h, r#"a<b>&"c""#);
        assert_eq!(h, "a&lt;b&gt;&amp;&quot;c&quot;");
    }
}
