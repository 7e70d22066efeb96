//! Every string the widget shows, in English, Brazilian Portuguese and Spanish, each one
//! replaceable by the host through a key. The texts live in one table, [`MESSAGES`]; a `{}`
//! in a message stands for a number or a phone number.

use crate::api::MESSAGES;
use crate::error::{ErrorCode, WidgetError};

/// The widget's languages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    /// Brazilian Portuguese.
    Pt,
    Es,
}

impl Lang {
    /// `pt*` is Portuguese, `es*` Spanish, anything else English (ASCII case-insensitive).
    pub fn from_tag(tag: &str) -> Self {
        let tag = tag.trim().as_bytes();
        let prefix = |p: &[u8]| tag.len() >= 2 && tag[..2].eq_ignore_ascii_case(p);
        if prefix(b"pt") {
            Self::Pt
        } else if prefix(b"es") {
            Self::Es
        } else {
            Self::En
        }
    }

    /// The BCP 47 tag written on the widget, for screen readers.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Pt => "pt-BR",
            Self::Es => "es",
        }
    }
}

/// The messages in one language, with the host's overrides on top.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Texts {
    pub lang: Lang,
    /// `(key, text)` pairs; keys as in [`MESSAGES`].
    pub overrides: Vec<(String, String)>,
}

impl Texts {
    pub fn get(&self, key: Key) -> &str {
        let message = &MESSAGES[key as usize];
        if let Some((_, text)) = self.overrides.iter().find(|(k, _)| k == message.key) {
            return text;
        }
        match self.lang {
            Lang::En => message.en,
            Lang::Pt => message.pt_br,
            Lang::Es => message.es,
        }
    }

    /// The message with its `{}` replaced by `value`.
    pub fn fill(&self, key: Key, value: &str) -> String {
        let text = self.get(key);
        // A byte search rather than `replacen`, whose string searcher costs bundle size.
        let at = text.as_bytes().windows(2).position(|pair| pair == b"{}");
        match at.and_then(|at| Some((text.get(..at)?, text.get(at + 2..)?))) {
            Some((head, tail)) => concat(&[head, value, tail]),
            None => text.into(),
        }
    }

    /// The message with its `{}` replaced by `n`.
    pub fn fill_number(&self, key: Key, n: u32) -> String {
        let mut digits = String::new();
        push_u32(&mut digits, n);
        self.fill(key, &digits)
    }

    /// What the error view and the `zapi-error` event say about `error`.
    pub fn error(&self, error: &WidgetError) -> String {
        let key = match error.code {
            ErrorCode::RelayUnreachable => Key::ErrRelayUnreachable,
            ErrorCode::Timeout => Key::ErrTimeout,
            ErrorCode::AccessDenied => Key::ErrAccessDenied,
            ErrorCode::Unauthorized => Key::ErrUnauthorized,
            ErrorCode::SubscriptionExpired => Key::ErrSubscriptionExpired,
            ErrorCode::MalformedResponse => Key::ErrMalformedResponse,
            ErrorCode::RateLimited => match error.retry_after_secs {
                Some(secs) => return self.fill_number(Key::ErrRateLimitedWait, secs),
                None => Key::ErrRateLimited,
            },
            ErrorCode::UpstreamError => Key::ErrUpstreamError,
            ErrorCode::RelayError => Key::ErrRelayError,
            ErrorCode::InvalidPhone => Key::ErrInvalidPhone,
            ErrorCode::InvalidConfig => Key::ErrInvalidConfig,
        };
        self.get(key).into()
    }
}

pub const WARN_PREFIX: &str = "zapi-connect: ";

/// Decimal digits without the formatting machinery, which costs bundle size.
pub fn push_u32(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in digits[..len].iter().rev() {
        out.push(d as char);
    }
}

/// `parts` joined: `[..].concat()` brings the standard library's generic joiner, 1 KB of bundle.
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Every message, in the order of [`MESSAGES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Key {
    Loading,
    Methods,
    MethodQr,
    MethodPhone,
    QrTitle,
    QrSteps,
    QrAlt,
    QrNext,
    CodeExpires,
    PausedTitle,
    PausedText,
    NewCode,
    PhoneLabel,
    PhoneHint,
    PhoneInvalid,
    PhoneContinue,
    PhoneConfirm,
    GetCode,
    ChangeNumber,
    CodeTitle,
    CodeStep1,
    CodeStep2,
    CodeStep3,
    CodeStep4,
    Copy,
    Copied,
    CopyFailed,
    ExpiredText,
    ConnectedTitle,
    ConnectedText,
    AlreadyText,
    RestoreTitle,
    RestoreText,
    OfflineTitle,
    OfflineText,
    CheckAgain,
    Stopped,
    Start,
    ErrorTitle,
    Retry,
    RetryNo,
    ErrRelayUnreachable,
    ErrTimeout,
    ErrAccessDenied,
    ErrSubscriptionExpired,
    ErrMalformedResponse,
    ErrRateLimited,
    ErrRateLimitedWait,
    ErrUpstreamError,
    ErrRelayError,
    ErrInvalidPhone,
    ErrInvalidConfig,
    ErrUnauthorized,
    TroubleLink,
    ExtensionTitle,
    ExtensionText,
    ExtensionStep1,
    ExtensionStep2,
    ExtensionStep3,
    ExtensionStep4,
    NewTab,
    ExtensionExpires,
    ExtensionExpiredText,
    BackQr,
    BackPhone,

    // The linked phone on the connected screens, and unlinking it.
    DeviceLive,
    DevicePicture,
    DeviceIphone,
    DeviceAndroid,
    DeviceBusiness,
    DeviceSession,
    Disconnect,
    DisconnectQuestion,
    DisconnectConfirm,
    DisconnectCancel,
    Disconnecting,
    DisconnectFailed,
}

impl Key {
    /// The name hosts use in `messages` overrides, such as `qr-next`.
    pub fn name(self) -> &'static str {
        MESSAGES[self as usize].key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 15, 120, u32::MAX] {
            let mut s = String::new();
            push_u32(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn languages_come_from_tags() {
        assert_eq!(Lang::from_tag("pt-BR"), Lang::Pt);
        assert_eq!(Lang::from_tag("PT"), Lang::Pt);
        assert_eq!(Lang::from_tag("es-419"), Lang::Es);
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag("fr"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::En);
    }

    #[test]
    fn every_language_fills_its_placeholders() {
        for lang in [Lang::En, Lang::Pt, Lang::Es] {
            let texts = Texts {
                lang,
                overrides: Vec::new(),
            };
            assert!(texts.fill_number(Key::QrNext, 12).contains("12"));
            assert!(texts.fill(Key::PhoneConfirm, "+55 11").contains("+55 11"));
            let error = WidgetError::rate_limited(Some(30));
            assert!(texts.error(&error).contains("30"));
        }
    }

    #[test]
    fn every_message_has_its_three_languages() {
        for message in MESSAGES {
            let placeholders = message.en.matches("{}").count();
            assert!(placeholders <= 1, "{}", message.key);
            for (lang, text) in [
                ("en", message.en),
                ("pt-BR", message.pt_br),
                ("es", message.es),
            ] {
                assert!(!text.trim().is_empty(), "{} in {lang}", message.key);
                assert_eq!(
                    text.matches("{}").count(),
                    placeholders,
                    "{} in {lang}",
                    message.key
                );
            }
        }
    }

    /// Every variant of [`Key`], in order.
    const ALL_KEYS: [Key; 77] = [
        Key::Loading,
        Key::Methods,
        Key::MethodQr,
        Key::MethodPhone,
        Key::QrTitle,
        Key::QrSteps,
        Key::QrAlt,
        Key::QrNext,
        Key::CodeExpires,
        Key::PausedTitle,
        Key::PausedText,
        Key::NewCode,
        Key::PhoneLabel,
        Key::PhoneHint,
        Key::PhoneInvalid,
        Key::PhoneContinue,
        Key::PhoneConfirm,
        Key::GetCode,
        Key::ChangeNumber,
        Key::CodeTitle,
        Key::CodeStep1,
        Key::CodeStep2,
        Key::CodeStep3,
        Key::CodeStep4,
        Key::Copy,
        Key::Copied,
        Key::CopyFailed,
        Key::ExpiredText,
        Key::ConnectedTitle,
        Key::ConnectedText,
        Key::AlreadyText,
        Key::RestoreTitle,
        Key::RestoreText,
        Key::OfflineTitle,
        Key::OfflineText,
        Key::CheckAgain,
        Key::Stopped,
        Key::Start,
        Key::ErrorTitle,
        Key::Retry,
        Key::RetryNo,
        Key::ErrRelayUnreachable,
        Key::ErrTimeout,
        Key::ErrAccessDenied,
        Key::ErrSubscriptionExpired,
        Key::ErrMalformedResponse,
        Key::ErrRateLimited,
        Key::ErrRateLimitedWait,
        Key::ErrUpstreamError,
        Key::ErrRelayError,
        Key::ErrInvalidPhone,
        Key::ErrInvalidConfig,
        Key::ErrUnauthorized,
        Key::TroubleLink,
        Key::ExtensionTitle,
        Key::ExtensionText,
        Key::ExtensionStep1,
        Key::ExtensionStep2,
        Key::ExtensionStep3,
        Key::ExtensionStep4,
        Key::NewTab,
        Key::ExtensionExpires,
        Key::ExtensionExpiredText,
        Key::BackQr,
        Key::BackPhone,
        // The linked phone on the connected screens, and unlinking it.
        Key::DeviceLive,
        Key::DevicePicture,
        Key::DeviceIphone,
        Key::DeviceAndroid,
        Key::DeviceBusiness,
        Key::DeviceSession,
        Key::Disconnect,
        Key::DisconnectQuestion,
        Key::DisconnectConfirm,
        Key::DisconnectCancel,
        Key::Disconnecting,
        Key::DisconnectFailed,
    ];

    /// `ErrRelayUnreachable` → `err-relay-unreachable`, `CodeStep1` → `code-step1`.
    fn kebab(name: &str) -> String {
        let mut out = String::new();
        for c in name.chars() {
            if c.is_ascii_uppercase() && !out.is_empty() {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    #[test]
    fn the_key_enum_and_the_message_table_agree() {
        // Both directions: one variant per row, in the table's order, named after its key.
        assert_eq!(ALL_KEYS.len(), MESSAGES.len());
        for (index, (key, message)) in ALL_KEYS.iter().zip(MESSAGES).enumerate() {
            assert_eq!(*key as usize, index, "{key:?}");
            assert_eq!(kebab(&format!("{key:?}")), message.key);
            assert_eq!(key.name(), message.key);
        }
        let mut names: Vec<&str> = MESSAGES.iter().map(|m| m.key).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), MESSAGES.len(), "message keys are unique");
    }

    #[test]
    fn overrides_win_by_key() {
        let texts = Texts {
            lang: Lang::Pt,
            overrides: vec![("retry".into(), "De novo!".into())],
        };
        assert_eq!(texts.get(Key::Retry), "De novo!");
        assert_eq!(texts.get(Key::Start), "Iniciar");
        assert_eq!(Key::ErrInvalidConfig.name(), "err-invalid-config");
    }
}
