//! The Rust side agrees with the API table ([`crate::api`]): error codes, states, link methods,
//! attribute names and numeric ranges. The message keys are checked in `messages`.

use crate::api;
use crate::error::{ErrorCode, WidgetError};
use crate::machine::{self, CodeKind, StateName};
use crate::options::{self, Options};

const ALL_ERROR_CODES: [ErrorCode; 11] = [
    ErrorCode::RelayUnreachable,
    ErrorCode::Timeout,
    ErrorCode::AccessDenied,
    ErrorCode::Unauthorized,
    ErrorCode::SubscriptionExpired,
    ErrorCode::MalformedResponse,
    ErrorCode::RateLimited,
    ErrorCode::UpstreamError,
    ErrorCode::RelayError,
    ErrorCode::InvalidPhone,
    ErrorCode::InvalidConfig,
];

/// Does not compile when a code is added until it is listed in [`ALL_ERROR_CODES`] too.
fn error_code_position(code: ErrorCode) -> usize {
    match code {
        ErrorCode::RelayUnreachable => 0,
        ErrorCode::Timeout => 1,
        ErrorCode::AccessDenied => 2,
        ErrorCode::Unauthorized => 3,
        ErrorCode::SubscriptionExpired => 4,
        ErrorCode::MalformedResponse => 5,
        ErrorCode::RateLimited => 6,
        ErrorCode::UpstreamError => 7,
        ErrorCode::RelayError => 8,
        ErrorCode::InvalidPhone => 9,
        ErrorCode::InvalidConfig => 10,
    }
}

const ALL_STATES: [StateName; 13] = [
    StateName::Loading,
    StateName::Qr,
    StateName::Paused,
    StateName::PhoneInput,
    StateName::PhoneCode,
    StateName::CodeExpired,
    StateName::Connected,
    StateName::AlreadyConnected,
    StateName::RestoreSession,
    StateName::Offline,
    StateName::Error,
    StateName::ExtensionCode,
    StateName::ExtensionExpired,
];

/// Does not compile when a state is added until it is listed in [`ALL_STATES`] too.
fn state_position(state: StateName) -> usize {
    match state {
        StateName::Loading => 0,
        StateName::Qr => 1,
        StateName::Paused => 2,
        StateName::PhoneInput => 3,
        StateName::PhoneCode => 4,
        StateName::CodeExpired => 5,
        StateName::Connected => 6,
        StateName::AlreadyConnected => 7,
        StateName::RestoreSession => 8,
        StateName::Offline => 9,
        StateName::Error => 10,
        StateName::ExtensionCode => 11,
        StateName::ExtensionExpired => 12,
    }
}

#[test]
fn error_codes_agree_both_ways() {
    for (position, code) in ALL_ERROR_CODES.into_iter().enumerate() {
        assert_eq!(error_code_position(code), position);
        let row = api::ERROR_CODES
            .iter()
            .find(|row| row.code == code.as_str());
        let row =
            row.unwrap_or_else(|| panic!("{} is missing from api::ERROR_CODES", code.as_str()));
        assert_eq!(
            row.retryable,
            WidgetError::new(code).retryable,
            "{}",
            row.code
        );
    }
    for row in api::ERROR_CODES {
        assert!(
            ALL_ERROR_CODES.iter().any(|code| code.as_str() == row.code),
            "api::ERROR_CODES has {}, ErrorCode does not",
            row.code
        );
    }
    assert_eq!(api::ERROR_CODES.len(), ALL_ERROR_CODES.len());
}

#[test]
fn every_error_code_has_its_message() {
    let texts = crate::messages::Texts::default();
    for code in ALL_ERROR_CODES {
        let key = crate::messages::concat(&["err-", &code.as_str().replace('_', "-")]);
        let row = api::MESSAGES.iter().find(|message| message.key == key);
        let shown = texts.error(&WidgetError::new(code));
        assert_eq!(row.map(|message| message.en), Some(shown.as_str()), "{key}");
    }
}

#[test]
fn states_agree_both_ways() {
    for (position, state) in ALL_STATES.into_iter().enumerate() {
        assert_eq!(state_position(state), position);
        assert!(
            api::STATES
                .iter()
                .any(|row| row.event && row.name == state.as_str()),
            "{} is missing from api::STATES",
            state.as_str()
        );
    }
    for row in api::STATES {
        let in_machine = ALL_STATES.iter().any(|state| state.as_str() == row.name);
        // `stopped` is only a `data-state`: the page stopped the widget, no event says so.
        assert_eq!(in_machine, row.event, "{}", row.name);
    }
    let data_only: Vec<&str> = api::STATES
        .iter()
        .filter(|row| !row.event)
        .map(|row| row.name)
        .collect();
    assert_eq!(data_only, ["stopped"]);
}

#[test]
fn link_methods_agree() {
    let kinds = [
        CodeKind::Qr.as_str(),
        CodeKind::Phone.as_str(),
        CodeKind::Extension.as_str(),
    ];
    assert_eq!(api::LINK_METHODS, kinds);
    // Does not compile when a kind is added until it is listed above too.
    let _ = |kind: CodeKind| match kind {
        CodeKind::Qr | CodeKind::Phone | CodeKind::Extension => (),
    };
}

#[test]
fn every_attribute_but_relay_is_read_into_the_options() {
    let names: Vec<&str> = api::ATTRIBUTES.iter().map(|a| a.name).collect();
    assert_eq!(names[0], "relay");
    assert_eq!(options::ATTRIBUTES[..], names[1..]);
    // Each one changes something, or warns about its value.
    for name in options::ATTRIBUTES {
        let value = match name {
            "interval" => "12",
            "code-ttl" => "45",
            "qr-format" => "image",
            "methods" => "phone",
            "default-country" => "351",
            "lang" => "es",
            "theme" => "dark",
            "token" => "t",
            "credentials" => "include",
            "extension-url" => "https://example.com/install",
            "allow-disconnect" => "",
            other => panic!("{other}: give it a value here"),
        };
        let mut options = Options::default();
        assert_eq!(options.set_attribute(name, Some(value)), None, "{name}");
        assert_ne!(options, Options::default(), "{name}");
    }
}

#[test]
fn numbers_and_their_descriptions_agree() {
    assert_eq!(machine::choose_interval(None).0, api::INTERVAL_SECS.default);
    assert_eq!(Options::default().interval_secs, api::INTERVAL_SECS.default);
    assert_eq!(Options::default().code_ttl_secs, api::CODE_TTL_SECS.default);
    for attribute in api::ATTRIBUTES {
        let Some(range) = attribute.number else {
            assert_ne!(attribute.ty, "number", "{}", attribute.name);
            continue;
        };
        assert_eq!(attribute.ty, "number", "{}", attribute.name);
        let default = range.default.to_string();
        assert!(
            matches!(attribute.default, api::Fallback::Value(value) if value == default),
            "{}",
            attribute.name
        );
        let span = format!("{}–{}", range.min, range.max);
        assert!(attribute.description.contains(&span), "{}", attribute.name);
        for (text, expected) in [
            (range.min.to_string(), range.min),
            (range.max.to_string(), range.max),
            ((range.min - 1).to_string(), range.default),
            ((range.max + 1).to_string(), range.default),
        ] {
            let mut options = Options::default();
            options.set_attribute(attribute.name, Some(&text));
            let in_use = match attribute.name {
                "interval" => options.interval_secs,
                "code-ttl" => options.code_ttl_secs,
                other => panic!("{other}: read its number here"),
            };
            assert_eq!(in_use, expected, "{}={text}", attribute.name);
        }
    }
}
