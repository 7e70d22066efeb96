//! What the widget shows for a state of the machine: a pure function, tested natively. The
//! screens read it through memos, so a change redraws only what it touches.

use crate::error::WidgetError;
use crate::machine::{
    countdown_secs, DeviceInfo, DeviceKind, DisconnectStep, LinkedPhone, Method, Methods, Phase,
    PhoneProblem, QrImage,
};
use crate::messages::{push_u32, Key, Texts};
use crate::phone;

/// One screen of the widget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Stopped,
    Loading,
    Qr,
    Paused,
    PhoneInput,
    PhoneConfirm,
    PhoneCode,
    CodeExpired,
    Connected,
    AlreadyConnected,
    RestoreSession,
    Offline,
    Error,
    ExtensionCode,
    ExtensionExpired,
}

/// The method tabs: in the host's order, one of them selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tabs {
    pub order: [Method; 2],
    pub selected: Method,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub screen: Screen,
    /// `data-state` of the base part: the state's name, or `stopped`.
    pub state: &'static str,
    /// `None` when only one method is offered or the screen is not a method's.
    pub tabs: Option<Tabs>,
    /// "New code in 12 s" or "Code expires in 12 s"; empty without a code.
    pub countdown: String,
    /// What the polite live region announces.
    pub live: String,
    pub qr: Option<QrImage>,
    /// The calling code added to numbers typed without one.
    pub country: String,
    /// What the phone input holds when it is drawn.
    pub typed: String,
    pub phone_problem: Option<PhoneProblem>,
    /// The normalized number, as shown to the user.
    pub phone: String,
    /// The pairing code, grouped as `ABCD-1234`, or the extension code as sent.
    pub code: String,
    /// The pairing code as WhatsApp takes it, `ABCD1234`, or the extension code: what the copy
    /// button copies.
    pub code_to_copy: String,
    pub error: Option<WidgetError>,
    /// Where the back button of the extension code leads.
    pub back_to: Option<Method>,

    // The connected screens' card.
    /// The linked phone; `None` while `/device` is awaited, when it failed, and on every other
    /// screen.
    pub device: Option<DeviceCard>,
    pub disconnect: Disconnect,
    /// Why the last try to disconnect failed.
    pub disconnect_error: Option<WidgetError>,
}

/// The linked phone, as the card shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceCard {
    /// As the phone screens show numbers: `+55 11 98765-4321`.
    pub phone: String,
    pub name: Option<String>,
    /// iPhone, Android or WhatsApp Business.
    pub kind: Option<String>,
    /// The sentence that names the link in WhatsApp's "Linked devices" list.
    pub session: Option<String>,
    /// An `https:` URL.
    pub picture: Option<String>,
}

/// What the card offers for unlinking the phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disconnect {
    /// Nothing: no card, or no `allow-disconnect`.
    Unavailable,
    /// "Not your number? Disconnect" (again, after a failure).
    Offered,
    Confirming,
    Sending,
}

impl Shown {
    /// Before the widget starts, and what a server render sends: the loading screen.
    pub fn placeholder() -> Self {
        Self {
            screen: Screen::Loading,
            state: "loading",
            tabs: None,
            countdown: String::new(),
            live: String::new(),
            qr: None,
            country: String::new(),
            typed: String::new(),
            phone_problem: None,
            phone: String::new(),
            code: String::new(),
            code_to_copy: String::new(),
            error: None,
            back_to: None,
            device: None,
            disconnect: Disconnect::Unavailable,
            disconnect_error: None,
        }
    }
}

/// What is shown in `phase` at `now_ms`; `methods`, `method` and `country` as the machine has
/// them.
pub fn project(
    phase: &Phase,
    methods: Methods,
    method: Method,
    country: &str,
    texts: &Texts,
    now_ms: f64,
) -> Shown {
    let mut shown = Shown::placeholder();
    shown.state = phase.name().map_or("stopped", |name| name.as_str());
    let (screen, live) = match phase {
        Phase::Idle => (Screen::Stopped, Key::Stopped),
        Phase::Loading => (Screen::Loading, Key::Loading),
        Phase::Qr {
            code,
            deadline_ms,
            last,
            ..
        } => {
            shown.qr = Some(code.clone());
            let key = if *last { Key::CodeExpires } else { Key::QrNext };
            shown.countdown = texts.fill_number(key, countdown_secs(*deadline_ms, now_ms));
            (Screen::Qr, Key::QrTitle)
        }
        Phase::Paused => (Screen::Paused, Key::PausedTitle),
        Phase::PhoneInput { value, problem } => {
            shown.typed = value.clone();
            shown.country = country.into();
            shown.phone_problem = *problem;
            let live = match problem {
                Some(PhoneProblem::Format) => Key::PhoneInvalid,
                Some(PhoneProblem::Refused) => Key::ErrInvalidPhone,
                None => Key::PhoneLabel,
            };
            (Screen::PhoneInput, live)
        }
        Phase::PhoneConfirm { phone } => {
            shown.phone = phone.display.clone();
            (Screen::PhoneConfirm, Key::GetCode)
        }
        Phase::PhoneCode {
            code,
            phone,
            deadline_ms,
        } => {
            shown.code = phone::group_code(code);
            shown.code_to_copy = code.clone();
            shown.phone = phone.display.clone();
            shown.countdown =
                texts.fill_number(Key::CodeExpires, countdown_secs(*deadline_ms, now_ms));
            (Screen::PhoneCode, Key::CodeTitle)
        }
        Phase::CodeExpired { phone } => {
            shown.phone = phone.display.clone();
            (Screen::CodeExpired, Key::PausedTitle)
        }
        Phase::Connected => (Screen::Connected, Key::ConnectedTitle),
        Phase::AlreadyConnected => (Screen::AlreadyConnected, Key::ConnectedTitle),
        Phase::RestoreSession => (Screen::RestoreSession, Key::RestoreTitle),
        Phase::Offline => (Screen::Offline, Key::OfflineTitle),
        Phase::Error(error) => {
            shown.error = Some(error.clone());
            (Screen::Error, Key::ErrorTitle)
        }
        Phase::ExtensionCode { token, deadline_ms } => {
            shown.code = token.clone();
            shown.code_to_copy = token.clone();
            shown.back_to = Some(method);
            let left = minutes_and_seconds(countdown_secs(*deadline_ms, now_ms));
            shown.countdown = texts.fill(Key::ExtensionExpires, &left);
            (Screen::ExtensionCode, Key::ExtensionTitle)
        }
        Phase::ExtensionExpired => {
            shown.back_to = Some(method);
            (Screen::ExtensionExpired, Key::PausedTitle)
        }
    };
    shown.screen = screen;
    // An error speaks through its own `role="alert"`.
    if screen != Screen::Error {
        shown.live = texts.get(live).into();
    }
    let has_tabs = matches!(
        screen,
        Screen::Qr
            | Screen::Paused
            | Screen::PhoneInput
            | Screen::PhoneConfirm
            | Screen::PhoneCode
            | Screen::CodeExpired
    );
    if methods.both() && has_tabs {
        let first = methods.first();
        shown.tabs = Some(Tabs {
            order: [first, other(first)],
            selected: method,
        });
    }
    shown
}

/// `4:05` for 245 seconds.
fn minutes_and_seconds(secs: u32) -> String {
    let mut text = String::new();
    push_u32(&mut text, secs / 60);
    text.push(':');
    if secs % 60 < 10 {
        text.push('0');
    }
    push_u32(&mut text, secs % 60);
    text
}

/// Adds the connected screens' card to `shown`: the linked phone (`card`, `None` off those
/// screens) and, with `allow_disconnect`, the way to unlink it.
pub fn project_linked_phone(
    shown: &mut Shown,
    card: Option<&LinkedPhone>,
    allow_disconnect: bool,
    texts: &Texts,
) {
    let Some(LinkedPhone {
        device: DeviceInfo::Known(device),
        disconnect,
    }) = card
    else {
        return;
    };
    let phone = phone::display_international(&device.phone);
    let kind = device.kind.map(|kind| match kind {
        DeviceKind::Iphone => Key::DeviceIphone,
        DeviceKind::Android => Key::DeviceAndroid,
        DeviceKind::Business => Key::DeviceBusiness,
    });
    shown.live = texts.fill(Key::DeviceLive, &phone);
    if allow_disconnect {
        shown.disconnect = match disconnect {
            DisconnectStep::Offered => Disconnect::Offered,
            DisconnectStep::Confirming => {
                shown.live = texts.fill(Key::DisconnectQuestion, &phone);
                Disconnect::Confirming
            }
            DisconnectStep::Sending => {
                shown.live = texts.get(Key::Disconnecting).into();
                Disconnect::Sending
            }
            DisconnectStep::Failed(error) => {
                shown.disconnect_error = Some(error.clone());
                // The failure speaks through its own `role="alert"`.
                shown.live.clear();
                Disconnect::Offered
            }
        };
    }
    shown.device = Some(DeviceCard {
        phone,
        name: device.name.clone(),
        kind: kind.map(|key| texts.get(key).into()),
        session: (device.session_name.as_deref()).map(|name| texts.fill(Key::DeviceSession, name)),
        picture: device.picture.clone(),
    });
}

pub fn other(method: Method) -> Method {
    match method {
        Method::Qr => Method::Phone,
        Method::Phone => Method::Qr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::messages::Lang;
    use crate::phone::normalize;
    use crate::qr_svg;

    fn shown(phase: &Phase) -> Shown {
        project(
            phase,
            Methods::QrOnly,
            Method::Qr,
            "55",
            &Texts::default(),
            0.0,
        )
    }

    fn qr(deadline_ms: f64, last: bool) -> Phase {
        Phase::Qr {
            code: QrImage::Svg(qr_svg::encode("2@payload,abc,def,ghi").unwrap()),
            shown_at_ms: 0.0,
            deadline_ms,
            last,
            refreshing: false,
        }
    }

    #[test]
    fn a_tick_changes_only_the_countdown() {
        let phase = qr(15_000.0, false);
        let texts = Texts::default();
        let at = |now| project(&phase, Methods::QrPhone, Method::Qr, "55", &texts, now);
        let (before, after) = (at(0.0), at(1_000.0));
        assert_eq!(before.countdown, "New code in 15 s");
        assert_eq!(after.countdown, "New code in 14 s");
        assert_eq!(
            Shown {
                countdown: before.countdown.clone(),
                ..after
            },
            before
        );
    }

    #[test]
    fn the_last_qr_counts_down_to_its_expiry() {
        assert_eq!(shown(&qr(3_000.0, true)).countdown, "Code expires in 3 s");
    }

    #[test]
    fn every_phase_has_its_screen_and_state() {
        let phone = normalize("11 91234 5678", "55").unwrap();
        for (phase, screen, state) in [
            (Phase::Idle, Screen::Stopped, "stopped"),
            (Phase::Loading, Screen::Loading, "loading"),
            (qr(1.0, false), Screen::Qr, "qr"),
            (Phase::Paused, Screen::Paused, "paused"),
            (
                Phase::PhoneInput {
                    value: String::new(),
                    problem: None,
                },
                Screen::PhoneInput,
                "phone-input",
            ),
            (
                Phase::PhoneConfirm {
                    phone: phone.clone(),
                },
                Screen::PhoneConfirm,
                "phone-input",
            ),
            (
                Phase::PhoneCode {
                    code: "ABCD1234".into(),
                    phone: phone.clone(),
                    deadline_ms: 1.0,
                },
                Screen::PhoneCode,
                "phone-code",
            ),
            (
                Phase::CodeExpired { phone },
                Screen::CodeExpired,
                "code-expired",
            ),
            (Phase::Connected, Screen::Connected, "connected"),
            (
                Phase::AlreadyConnected,
                Screen::AlreadyConnected,
                "already-connected",
            ),
            (
                Phase::RestoreSession,
                Screen::RestoreSession,
                "restore-session",
            ),
            (Phase::Offline, Screen::Offline, "offline"),
            (
                Phase::Error(WidgetError::new(ErrorCode::Timeout)),
                Screen::Error,
                "error",
            ),
            (
                Phase::ExtensionCode {
                    token: "FA48-HS63".into(),
                    deadline_ms: 1.0,
                },
                Screen::ExtensionCode,
                "extension-code",
            ),
            (
                Phase::ExtensionExpired,
                Screen::ExtensionExpired,
                "extension-expired",
            ),
        ] {
            let shown = shown(&phase);
            assert_eq!((shown.screen, shown.state), (screen, state), "{phase:?}");
        }
    }

    #[test]
    fn tabs_follow_the_methods_order_and_only_on_a_methods_screen() {
        let texts = Texts::default();
        let tabs = project(
            &Phase::Paused,
            Methods::PhoneQr,
            Method::Qr,
            "55",
            &texts,
            0.0,
        )
        .tabs;
        assert_eq!(
            tabs,
            Some(Tabs {
                order: [Method::Phone, Method::Qr],
                selected: Method::Qr
            })
        );
        assert_eq!(shown(&Phase::Paused).tabs, None, "one method: no tabs");
        let error = Phase::Error(WidgetError::new(ErrorCode::Timeout));
        assert_eq!(
            project(&error, Methods::QrPhone, Method::Qr, "55", &texts, 0.0).tabs,
            None
        );
    }

    #[test]
    fn the_phone_code_is_grouped_and_counts_down() {
        let phone = normalize("+55 (11) 91234-5678", "55").unwrap();
        let shown = shown(&Phase::PhoneCode {
            code: "ABCD1234".into(),
            phone,
            deadline_ms: 180_000.0,
        });
        assert_eq!(shown.code, "ABCD-1234");
        assert_eq!(
            shown.code_to_copy, "ABCD1234",
            "WhatsApp takes it without the dash"
        );
        assert_eq!(shown.phone, "+55 11 91234-5678");
        assert_eq!(shown.countdown, "Code expires in 180 s");
    }

    #[test]
    fn the_extension_code_counts_down_in_minutes_and_leads_back_to_its_method() {
        let phase = Phase::ExtensionCode {
            token: "FA48-HS63".into(),
            deadline_ms: 300_000.0,
        };
        let texts = Texts::default();
        let at = |now| project(&phase, Methods::QrPhone, Method::Phone, "55", &texts, now);
        let fresh = at(0.0);
        assert_eq!(fresh.code, "FA48-HS63");
        assert_eq!(
            fresh.code_to_copy, "FA48-HS63",
            "copied as the extension takes it"
        );
        assert_eq!(fresh.countdown, "Code expires in 5:00");
        assert_eq!(at(54_500.0).countdown, "Code expires in 4:06");
        assert_eq!(at(295_000.0).countdown, "Code expires in 0:05");
        assert_eq!(fresh.back_to, Some(Method::Phone));
        assert_eq!(fresh.tabs, None, "the way back is the back button");
        assert_eq!(fresh.live, texts.get(Key::ExtensionTitle));
        let expired = project(
            &Phase::ExtensionExpired,
            Methods::QrOnly,
            Method::Qr,
            "55",
            &texts,
            0.0,
        );
        assert_eq!(expired.back_to, Some(Method::Qr));
        assert_eq!(expired.countdown, "");
        assert_eq!(expired.live, texts.get(Key::PausedTitle));
    }

    #[test]
    fn a_bad_number_keeps_what_was_typed_and_says_why() {
        let shown = shown(&Phase::PhoneInput {
            value: "12\"3".into(),
            problem: Some(PhoneProblem::Format),
        });
        assert_eq!(shown.typed, "12\"3");
        assert_eq!(shown.phone_problem, Some(PhoneProblem::Format));
        assert_eq!(shown.live, Texts::default().get(Key::PhoneInvalid));
    }

    #[test]
    fn errors_carry_their_error_and_leave_the_live_region_to_the_alert() {
        let shown = shown(&Phase::Error(WidgetError::new(ErrorCode::RelayUnreachable)));
        assert_eq!(
            shown.error.map(|e| e.code),
            Some(ErrorCode::RelayUnreachable)
        );
        assert_eq!(shown.live, "");
    }

    #[test]
    fn texts_follow_the_language() {
        let texts = Texts {
            lang: Lang::Pt,
            overrides: Vec::new(),
        };
        let shown = project(
            &Phase::Loading,
            Methods::QrOnly,
            Method::Qr,
            "55",
            &texts,
            0.0,
        );
        assert_eq!(shown.live, texts.get(Key::Loading));
        assert_ne!(shown.live, Texts::default().get(Key::Loading));
    }

    // The connected screens' card.

    fn linked(device: DeviceInfo, disconnect: DisconnectStep) -> LinkedPhone {
        LinkedPhone { device, disconnect }
    }

    fn known() -> DeviceInfo {
        DeviceInfo::Known(crate::machine::Device {
            phone: "5511987654321".into(),
            name: Some("Loja Centro".into()),
            kind: Some(DeviceKind::Business),
            session_name: Some("Z-API".into()),
            picture: Some("https://pps.whatsapp.net/a.jpg".into()),
        })
    }

    fn with_card(card: &LinkedPhone, allow_disconnect: bool, texts: &Texts) -> Shown {
        let mut shown = project(
            &Phase::Connected,
            Methods::QrPhone,
            Method::Qr,
            "55",
            texts,
            0.0,
        );
        project_linked_phone(&mut shown, Some(card), allow_disconnect, texts);
        shown
    }

    #[test]
    fn the_card_shows_the_linked_phone_in_the_widgets_words() {
        let texts = Texts::default();
        let shown = with_card(&linked(known(), DisconnectStep::Offered), false, &texts);
        assert_eq!(
            shown.device,
            Some(DeviceCard {
                phone: "+55 11 98765-4321".into(),
                name: Some("Loja Centro".into()),
                kind: Some("WhatsApp Business".into()),
                session: Some("Listed as “Z-API” under Linked devices in WhatsApp.".into()),
                picture: Some("https://pps.whatsapp.net/a.jpg".into()),
            })
        );
        assert_eq!(shown.live, "Linked to +55 11 98765-4321.");
        assert_eq!(shown.disconnect, Disconnect::Unavailable, "no opt-in");
        let pt = Texts {
            lang: Lang::Pt,
            overrides: vec![("device-business".into(), "Conta comercial".into())],
        };
        let shown = with_card(&linked(known(), DisconnectStep::Offered), false, &pt);
        let device = shown.device.unwrap();
        assert_eq!(device.kind.as_deref(), Some("Conta comercial"));
        assert!(device.session.unwrap().contains("Dispositivos conectados"));
    }

    #[test]
    fn no_card_until_the_phone_is_known_nor_off_the_connected_screens() {
        let texts = Texts::default();
        for device in [DeviceInfo::Loading, DeviceInfo::Unknown] {
            let shown = with_card(&linked(device, DisconnectStep::Offered), true, &texts);
            assert_eq!(shown.device, None);
            assert_eq!(shown.disconnect, Disconnect::Unavailable);
            assert_eq!(shown.live, texts.get(Key::ConnectedTitle));
        }
        let mut shown = shown(&Phase::Loading);
        project_linked_phone(&mut shown, None, true, &texts);
        assert_eq!(
            (shown.device, shown.disconnect),
            (None, Disconnect::Unavailable)
        );
    }

    #[test]
    fn each_step_of_disconnecting_is_shown_and_announced() {
        let texts = Texts::default();
        let at = |step| with_card(&linked(known(), step), true, &texts);
        assert_eq!(at(DisconnectStep::Offered).disconnect, Disconnect::Offered);
        let asking = at(DisconnectStep::Confirming);
        assert_eq!(asking.disconnect, Disconnect::Confirming);
        assert!(
            asking.live.starts_with("Disconnect +55 11 98765-4321?"),
            "{}",
            asking.live
        );
        let sending = at(DisconnectStep::Sending);
        assert_eq!(sending.disconnect, Disconnect::Sending);
        assert_eq!(sending.live, "Disconnecting…");
        let failed = at(DisconnectStep::Failed(WidgetError::new(
            ErrorCode::RelayError,
        )));
        assert_eq!(failed.disconnect, Disconnect::Offered, "offered again");
        assert_eq!(
            failed.disconnect_error.map(|error| error.code),
            Some(ErrorCode::RelayError)
        );
        assert_eq!(failed.live, "", "the alert speaks");
        assert!(failed.device.is_some(), "the card stays");
    }
}
