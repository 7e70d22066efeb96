use crate::error::WidgetError;
use crate::machine::{Method, Methods, Phase, PhoneProblem, QrImage};
use crate::messages::{Key, Texts};
use crate::phone;

/// What the `data-action` of a clicked button asks for.
pub const ACTION_RETRY: &str = "retry";
pub const ACTION_NEW_CODE: &str = "new-code";
pub const ACTION_START: &str = "start";
pub const ACTION_METHOD_QR: &str = "method-qr";
pub const ACTION_METHOD_PHONE: &str = "method-phone";
pub const ACTION_GET_CODE: &str = "get-code";
pub const ACTION_CHANGE_NUMBER: &str = "change-number";
pub const ACTION_COPY: &str = "copy";
pub const ACTION_SUBMIT_PHONE: &str = "submit-phone";

const ICON_CHECK: &str = r##"<svg class="zc-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M7 12.5l3.2 3.2L17 9" fill="none" stroke="#fff" stroke-width="2.2"/></svg>"##;
const ICON_ALERT: &str = r##"<svg class="zc-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M12 6.5v7M12 16.5v1" stroke="#fff" stroke-width="2.4"/></svg>"##;

/// What the markup needs besides the phase.
pub struct Context<'a> {
    pub texts: &'a Texts,
    pub methods: Methods,
    /// The method in use, whose tab is selected.
    pub method: Method,
    /// The calling code added to numbers without one.
    pub country: &'a str,
}

/// The inside of the widget for `phase` (the countdown is rendered apart, as it ticks).
pub fn body(phase: &Phase, cx: &Context) -> String {
    let t = cx.texts;
    let mut html = String::with_capacity(512);
    let h = &mut html;
    let tabs = cx.methods.both()
        && matches!(
            phase,
            Phase::Qr { .. }
                | Phase::Paused
                | Phase::PhoneInput { .. }
                | Phase::PhoneConfirm { .. }
                | Phase::PhoneCode { .. }
                | Phase::CodeExpired { .. }
        );
    if tabs {
        methods(h, cx);
        h.push_str(r#"<div role="tabpanel" id="zc-panel" part="panel" class="zc-panel" aria-labelledby="zc-tab-"#);
        h.push_str(cx.method.as_str());
        h.push_str(r#"">"#);
    }
    match phase {
        Phase::Idle => {
            p(h, "zc-text", t.get(Key::Stopped));
            button(h, "start-button", ACTION_START, t.get(Key::Start), true);
        }
        Phase::Loading => {
            h.push_str(r#"<div class="zc-spin" aria-hidden="true"></div>"#);
            p(h, "zc-text", t.get(Key::Loading));
        }
        Phase::Qr { code, .. } => {
            p(h, "zc-title", t.get(Key::QrTitle));
            p(h, "zc-steps", t.get(Key::QrSteps));
            h.push_str(r#"<div class="zc-tile">"#);
            qr(h, code, t.get(Key::QrAlt));
            h.push_str("</div>");
        }
        Phase::Paused => new_code_prompt(h, t, Key::PausedText),
        Phase::PhoneInput { value, problem } => {
            h.push_str(r#"<form class="zc-form" part="phone-form" novalidate><label for="zc-phone" class="zc-label">"#);
            escape(h, t.get(Key::PhoneLabel));
            h.push_str(r#"</label><input id="zc-phone" part="phone-input" name="phone" type="tel" inputmode="tel" autocomplete="tel" data-autofocus value=""#);
            escape(h, value);
            h.push_str(r#"" aria-describedby="zc-hint"#);
            if problem.is_some() {
                h.push_str(r#" zc-phone-error" aria-invalid="true"#);
            }
            h.push_str(r#""><p id="zc-hint" class="zc-hint">"#);
            escape(h, &t.fill(Key::PhoneHint, cx.country));
            h.push_str("</p>");
            if let Some(problem) = problem {
                h.push_str(r#"<p id="zc-phone-error" part="phone-error" class="zc-invalid" data-code="invalid_phone">"#);
                escape(
                    h,
                    t.get(match problem {
                        PhoneProblem::Format => Key::PhoneInvalid,
                        PhoneProblem::Refused => Key::ErrInvalidPhone,
                    }),
                );
                h.push_str("</p>");
            }
            h.push_str(r#"<button type="submit" part="phone-submit" data-action="submit-phone">"#);
            escape(h, t.get(Key::PhoneContinue));
            h.push_str("</button></form>");
        }
        Phase::PhoneConfirm { phone } => {
            h.push_str(r#"<p class="zc-text" part="phone-number">"#);
            escape(h, &t.fill(Key::PhoneConfirm, &phone.display));
            h.push_str("</p>");
            button(
                h,
                "get-code-button",
                ACTION_GET_CODE,
                t.get(Key::GetCode),
                true,
            );
            change_number(h, t);
        }
        Phase::PhoneCode { code, phone, .. } => {
            p(h, "zc-title", t.get(Key::CodeTitle));
            h.push_str(r#"<p part="code" class="zc-code" translate="no">"#);
            escape(h, &phone::group_code(code));
            h.push_str("</p>");
            h.push_str(r#"<button type="button" part="copy-button" class="zc-secondary" data-action="copy" data-autofocus>"#);
            escape(h, t.get(Key::Copy));
            h.push_str(r#"</button><p part="copy-status" class="zc-hint" role="status"></p><ol class="zc-list">"#);
            for key in [
                Key::CodeStep1,
                Key::CodeStep2,
                Key::CodeStep3,
                Key::CodeStep4,
            ] {
                h.push_str("<li>");
                escape(h, &t.fill(key, &phone.display));
                h.push_str("</li>");
            }
            h.push_str("</ol>");
            change_number(h, t);
        }
        Phase::CodeExpired { .. } => {
            new_code_prompt(h, t, Key::ExpiredText);
            change_number(h, t);
        }
        Phase::Connected | Phase::AlreadyConnected => {
            h.push_str(r#"<div part="connected" class="zc-done">"#);
            h.push_str(ICON_CHECK);
            p(h, "zc-title", t.get(Key::ConnectedTitle));
            let text = if matches!(phase, Phase::Connected) {
                Key::ConnectedText
            } else {
                Key::AlreadyText
            };
            p(h, "zc-text", t.get(text));
            h.push_str("</div>");
        }
        Phase::RestoreSession => {
            h.push_str(r#"<div part="restore-session" class="zc-error">"#);
            h.push_str(ICON_ALERT);
            p(h, "zc-title", t.get(Key::RestoreTitle));
            p(h, "zc-text", t.get(Key::RestoreText));
            button(
                h,
                "check-button",
                ACTION_RETRY,
                t.get(Key::CheckAgain),
                true,
            );
            h.push_str("</div>");
        }
        Phase::Error(error) => error_view(h, error, t),
    }
    if tabs {
        h.push_str("</div>");
    }
    html
}

fn error_view(h: &mut String, error: &WidgetError, t: &Texts) {
    h.push_str(r#"<div part="error" class="zc-error" role="alert" data-code=""#);
    h.push_str(error.code.as_str());
    h.push_str(r#"">"#);
    h.push_str(ICON_ALERT);
    p(h, "zc-title", t.get(Key::ErrorTitle));
    p(h, "zc-text", &t.error(error));
    if !error.retryable {
        p(h, "zc-hint", t.get(Key::RetryNo));
    }
    if error.offers_retry() {
        button(h, "retry-button", ACTION_RETRY, t.get(Key::Retry), true);
    }
    h.push_str("</div>");
}

/// The QR / phone tabs, in the host's order.
fn methods(h: &mut String, cx: &Context) {
    h.push_str(r#"<div role="tablist" part="methods" class="zc-tabs" aria-label=""#);
    escape(h, cx.texts.get(Key::Methods));
    h.push_str(r#"">"#);
    let first = cx.methods.first();
    let second = match first {
        Method::Qr => Method::Phone,
        Method::Phone => Method::Qr,
    };
    for method in [first, second] {
        let selected = method == cx.method;
        h.push_str(r#"<button type="button" role="tab" part="method-tab" id="zc-tab-"#);
        h.push_str(method.as_str());
        h.push_str(r#"" aria-controls="zc-panel" aria-selected=""#);
        h.push_str(if selected {
            r#"true" tabindex="0""#
        } else {
            r#"false" tabindex="-1""#
        });
        h.push_str(r#" data-action=""#);
        h.push_str(match method {
            Method::Qr => ACTION_METHOD_QR,
            Method::Phone => ACTION_METHOD_PHONE,
        });
        h.push_str(r#"">"#);
        escape(
            h,
            cx.texts.get(match method {
                Method::Qr => Key::MethodQr,
                Method::Phone => Key::MethodPhone,
            }),
        );
        h.push_str("</button>");
    }
    h.push_str("</div>");
}

/// No code is shown until the user asks: why, and the "Get new code" button.
fn new_code_prompt(h: &mut String, t: &Texts, why: Key) {
    p(h, "zc-title", t.get(Key::PausedTitle));
    p(h, "zc-text", t.get(why));
    button(
        h,
        "new-code-button",
        ACTION_NEW_CODE,
        t.get(Key::NewCode),
        true,
    );
}

fn change_number(h: &mut String, t: &Texts) {
    h.push_str(r#"<button type="button" part="change-number-button" class="zc-link" data-action="change-number">"#);
    escape(h, t.get(Key::ChangeNumber));
    h.push_str("</button>");
}

fn qr(h: &mut String, code: &QrImage, alt: &str) {
    match code {
        QrImage::Svg(svg) => {
            h.push_str(r#"<svg part="qr" class="zc-qr" xmlns="http://www.w3.org/2000/svg" role="img" shape-rendering="crispEdges" viewBox=""#);
            h.push_str(&svg.view_box());
            h.push_str(r#"" aria-label=""#);
            escape(h, alt);
            h.push_str(
                r##""><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##,
            );
            escape(h, &svg.path);
            h.push_str(r#""/></svg>"#);
        }
        QrImage::Src(src) => {
            h.push_str(r#"<img part="qr" class="zc-qr" alt=""#);
            escape(h, alt);
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

/// `primary`: the control that takes focus when the user's own action led to this screen.
fn button(h: &mut String, part: &str, action: &str, label: &str, primary: bool) {
    h.push_str(r#"<button type="button" part=""#);
    h.push_str(part);
    h.push_str(r#"" data-action=""#);
    h.push_str(action);
    h.push_str(if primary {
        r#"" data-autofocus>"#
    } else {
        r#"">"#
    });
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
    use crate::error::ErrorCode;
    use crate::phone::normalize;
    use crate::qr_svg;

    fn body(phase: &Phase) -> String {
        body_in(phase, Methods::QrOnly, Method::Qr)
    }

    fn body_in(phase: &Phase, methods: Methods, method: Method) -> String {
        let texts = Texts::default();
        super::body(
            phase,
            &Context {
                texts: &texts,
                methods,
                method,
                country: "55",
            },
        )
    }

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
            r#"<button type="button" part="new-code-button" data-action="new-code" data-autofocus>Get new code</button>"#
        ));
        assert!(!html.contains(r#"part="qr""#));
    }

    #[test]
    fn errors_carry_their_code_role_and_retry() {
        let html = body(&Phase::Error(WidgetError::new(ErrorCode::RelayUnreachable)));
        assert!(html.contains(
            r#"<div part="error" class="zc-error" role="alert" data-code="relay_unreachable">"#
        ));
        assert!(html.contains(
            r#"part="retry-button" data-action="retry" data-autofocus>Try again</button>"#
        ));
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
    fn tabs_follow_the_methods_order_and_selection() {
        let html = body_in(&Phase::Paused, Methods::PhoneQr, Method::Qr);
        let phone = html.find(r#"id="zc-tab-phone""#).unwrap();
        let qr = html.find(r#"id="zc-tab-qr""#).unwrap();
        assert!(phone < qr, "phone first");
        assert!(html.contains(
            r#"id="zc-tab-qr" aria-controls="zc-panel" aria-selected="true" tabindex="0""#
        ));
        assert!(html.contains(r#"aria-selected="false" tabindex="-1""#));
        assert!(html.contains(r#"role="tabpanel" id="zc-panel" part="panel" class="zc-panel" aria-labelledby="zc-tab-qr""#));
        assert!(!body_in(&Phase::Paused, Methods::QrOnly, Method::Qr).contains("tablist"));
    }

    #[test]
    fn the_phone_input_is_labelled_and_marks_a_bad_number() {
        let typed = Phase::PhoneInput {
            value: "12\"3".into(),
            problem: None,
        };
        let html = body(&typed);
        assert!(html.contains(r#"<label for="zc-phone""#));
        assert!(html.contains(r#"id="zc-phone""#));
        assert!(html.contains(r#"value="12&quot;3""#));
        assert!(!html.contains("aria-invalid"));
        let bad = Phase::PhoneInput {
            value: "1".into(),
            problem: Some(PhoneProblem::Format),
        };
        let html = body(&bad);
        assert!(html.contains(r#"aria-describedby="zc-hint zc-phone-error" aria-invalid="true""#));
        assert!(html.contains(r#"id="zc-phone-error" part="phone-error""#));
    }

    #[test]
    fn the_phone_code_is_grouped_with_copy_and_steps() {
        let phone = normalize("11 91234 5678", "55").unwrap();
        let html = body(&Phase::PhoneCode {
            code: "ABCD1234".into(),
            phone,
            deadline_ms: 0.0,
        });
        assert!(html.contains(r#"<p part="code" class="zc-code" translate="no">ABCD-1234</p>"#));
        assert!(html.contains(r#"data-action="copy""#));
        assert!(html.contains("+55 11 91234-5678"));
        assert!(html.contains("Link with phone number instead"));
        assert!(html.contains(r#"data-action="change-number""#));
        assert_eq!(html.matches("<li>").count(), 4);
    }

    #[test]
    fn the_normalized_number_is_shown_before_asking() {
        let phone = normalize("+55 (11) 91234-5678", "55").unwrap();
        let html = body(&Phase::PhoneConfirm { phone });
        assert!(html.contains("+55 11 91234-5678"));
        assert!(html.contains(r#"data-action="get-code""#));
    }

    #[test]
    fn text_is_escaped() {
        let mut h = String::new();
        escape(&mut h, r#"a<b>&"c""#);
        assert_eq!(h, "a&lt;b&gt;&amp;&quot;c&quot;");
    }
}
