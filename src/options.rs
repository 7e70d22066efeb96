//! What a host can set besides the relay, and how `<zapi-connect>` reads it from attribute text.
//! Unusable values fall back to the default and say so once in the console; they never break
//! the widget.

use crate::api;
use crate::machine::{
    choose_interval, Methods, QrFormat, DEFAULT_CODE_TTL_SECS, DEFAULT_INTERVAL_SECS,
};
use crate::messages::Lang;
use crate::phone::{self, DEFAULT_COUNTRY};

/// Shortest and longest `code-ttl`, in seconds.
pub const MIN_CODE_TTL_SECS: u32 = api::CODE_TTL_SECS.min;
pub const MAX_CODE_TTL_SECS: u32 = api::CODE_TTL_SECS.max;

/// Light or dark colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Follows `prefers-color-scheme`.
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// The widget's settings. `Options::default()` is what a bare `<zapi-connect relay=…>` uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Seconds between QR codes, 10–20 (Z-API's advice); other values fall back to 15.
    pub interval_secs: u32,
    pub qr_format: QrFormat,
    /// Which ways to link are offered, and which comes first. On a small touch screen
    /// (`(pointer: coarse) and (max-width: 600px)`) the phone code comes first when both are
    /// offered.
    pub methods: Methods,
    /// Calling code added to numbers typed without one (digits, such as `55`).
    pub default_country: String,
    /// Seconds a phone code is shown as valid, 30–600 (default 180).
    pub code_ttl_secs: u32,
    /// `None`: the page's `<html lang>`.
    pub lang: Option<Lang>,
    pub theme: Theme,
    /// Replacements for the widget's texts, as `(key, text)`; keys are listed in the README.
    pub messages: Vec<(String, String)>,
    /// A ticket from the page's backend, sent to the relay as `Authorization: Bearer`. A new
    /// one is used from the next request on, without restarting the flow.
    pub token: Option<String>,
    /// Send the page's cookies to a relay on another origin (`credentials="include"`).
    pub include_credentials: bool,
    /// Where users install Z-API's Chrome extension; only `https:` URLs (default: Z-API
    /// Conector's Chrome Web Store page, [`api::DEFAULT_EXTENSION_URL`]).
    pub extension_url: String,
    /// The connected screens offer "Not your number? Disconnect", which asks for confirmation
    /// and then calls `POST {relay}/disconnect` (the relay must allow it).
    pub allow_disconnect: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            interval_secs: DEFAULT_INTERVAL_SECS,
            qr_format: QrFormat::Svg,
            methods: Methods::QrPhone,
            default_country: DEFAULT_COUNTRY.into(),
            code_ttl_secs: DEFAULT_CODE_TTL_SECS,
            lang: None,
            theme: Theme::Auto,
            messages: Vec::new(),
            token: None,
            include_credentials: false,
            extension_url: api::DEFAULT_EXTENSION_URL.into(),
            allow_disconnect: false,
        }
    }
}

/// What the console says when `default-country` (or the component's `default_country`) is not
/// a calling code.
pub const COUNTRY_WARNING: &str =
    "zapi-connect: default-country must be a calling code such as 55; using 55.";

/// The calling code in `text` (`55` or `+55`); `None` when it is not one.
pub fn country_code(text: &str) -> Option<String> {
    let text = text.trim();
    let code = text.strip_prefix('+').unwrap_or(text);
    phone::is_country_code(code).then(|| code.to_owned())
}

/// What the console says when `extension-url` (or the component's `extension_url`) is not an
/// `https:` URL.
pub const EXTENSION_URL_WARNING: &str =
    "zapi-connect: extension-url must be an https: URL; using Z-API Conector's Chrome Web Store page.";

/// `text` when it is an absolute `https:` URL with a host, fit for a link; `None` otherwise
/// (`javascript:`, `http:`, relative or broken URLs).
pub fn extension_url(text: &str) -> Option<String> {
    let text = text.trim();
    let scheme = text.get(..8)?;
    let rest = &text[8..];
    let fits = scheme.eq_ignore_ascii_case("https://")
        && rest
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && !rest
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b"\\\"<>`".contains(&b));
    fits.then(|| text.to_owned())
}

/// The attributes `<zapi-connect>` reads into [`Options`]: those of [`api::ATTRIBUTES`] but
/// `relay`, which is read apart.
pub const ATTRIBUTES: [&str; api::ATTRIBUTES.len() - 1] = {
    let mut names = [""; api::ATTRIBUTES.len() - 1];
    let (mut from, mut to) = (0, 0);
    while from < api::ATTRIBUTES.len() {
        let name = api::ATTRIBUTES[from].name;
        // `name != "relay"`, written for a const context.
        if !matches!(name.as_bytes(), b"relay") {
            names[to] = name;
            to += 1;
        }
        from += 1;
    }
    names
};

impl Options {
    /// Applies attribute `name`'s text (`None`: removed). Returns the console warning when the
    /// text was unusable and the default is used instead.
    pub fn set_attribute(&mut self, name: &str, text: Option<&str>) -> Option<&'static str> {
        // A boolean attribute: present, with any text or none, means yes.
        if name == "allow-disconnect" {
            self.allow_disconnect = text.is_some();
            return None;
        }
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        let defaults = Self::default();
        macro_rules! field {
            ($field:ident, $parse:expr, $warning:expr) => {{
                match text.map($parse) {
                    None => self.$field = defaults.$field,
                    Some(Some(value)) => self.$field = value,
                    Some(None) => {
                        self.$field = defaults.$field;
                        return Some($warning);
                    }
                }
            }};
        }
        match name {
            "interval" => field!(
                interval_secs,
                |t: &str| t
                    .parse()
                    .ok()
                    .filter(|secs| !choose_interval(Some(*secs)).1),
                "zapi-connect: interval must be a whole number of seconds from 10 to 20; using 15."
            ),
            "qr-format" => field!(
                qr_format,
                QrFormat::parse,
                "zapi-connect: qr-format must be \"svg\" or \"image\"; using \"svg\"."
            ),
            "methods" => field!(
                methods,
                Methods::parse,
                "zapi-connect: methods must be \"qr,phone\", \"phone,qr\", \"qr\" or \"phone\"; using \"qr,phone\"."
            ),
            "default-country" => field!(default_country, country_code, COUNTRY_WARNING),
            "code-ttl" => field!(
                code_ttl_secs,
                |t: &str| t
                    .parse()
                    .ok()
                    .filter(|secs| (MIN_CODE_TTL_SECS..=MAX_CODE_TTL_SECS).contains(secs)),
                "zapi-connect: code-ttl must be a whole number of seconds from 30 to 600; using 180."
            ),
            "lang" => self.lang = text.map(Lang::from_tag),
            "token" => self.token = text.map(str::to_owned),
            "credentials" => field!(
                include_credentials,
                |t: &str| match t.to_ascii_lowercase().as_str() {
                    "include" => Some(true),
                    "same-origin" => Some(false),
                    _ => None,
                },
                "zapi-connect: credentials must be \"include\" or \"same-origin\"; using \"same-origin\"."
            ),
            "extension-url" => field!(extension_url, extension_url, EXTENSION_URL_WARNING),
            "theme" => field!(
                theme,
                |t: &str| match t.to_ascii_lowercase().as_str() {
                    "auto" => Some(Theme::Auto),
                    "light" => Some(Theme::Light),
                    "dark" => Some(Theme::Dark),
                    _ => None,
                },
                "zapi-connect: theme must be \"light\", \"dark\" or \"auto\"; using \"auto\"."
            ),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, text: Option<&str>) -> (Options, Option<&'static str>) {
        let mut options = Options::default();
        let warning = options.set_attribute(name, text);
        (options, warning)
    }

    #[test]
    fn good_values_are_taken() {
        assert_eq!(set("interval", Some(" 10 ")).0.interval_secs, 10);
        assert_eq!(set("qr-format", Some("IMAGE")).0.qr_format, QrFormat::Image);
        assert_eq!(
            set("methods", Some("phone, qr")).0.methods,
            Methods::PhoneQr
        );
        assert_eq!(set("methods", Some("phone")).0.methods, Methods::PhoneOnly);
        assert_eq!(
            set("default-country", Some("+351")).0.default_country,
            "351"
        );
        assert_eq!(set("code-ttl", Some("60")).0.code_ttl_secs, 60);
        assert_eq!(set("lang", Some("es-AR")).0.lang, Some(Lang::Es));
        assert_eq!(set("theme", Some("dark")).0.theme, Theme::Dark);
        assert_eq!(
            set("extension-url", Some(" HTTPS://example.com/install?x=1 "))
                .0
                .extension_url,
            "HTTPS://example.com/install?x=1"
        );
    }

    #[test]
    fn the_ticket_and_cookie_mode_are_read_as_given() {
        let (options, warning) = set("token", Some(" eyJhbGciOiJIUzI1NiJ9.e30.sig "));
        assert_eq!(
            options.token.as_deref(),
            Some("eyJhbGciOiJIUzI1NiJ9.e30.sig")
        );
        assert_eq!(warning, None);
        assert_eq!(set("token", Some("")).0.token, None);
        assert!(set("credentials", Some("Include")).0.include_credentials);
        assert!(
            !set("credentials", Some("same-origin"))
                .0
                .include_credentials
        );
        let (options, warning) = set("credentials", Some("omit-please"));
        assert!(!options.include_credentials);
        assert!(warning.is_some());
    }

    #[test]
    fn bad_values_fall_back_with_a_warning() {
        for (name, text) in [
            ("interval", "3"),
            ("interval", "fifteen"),
            ("qr-format", "png"),
            ("methods", "qr,sms"),
            ("methods", "qr,phone,qr"),
            ("default-country", "brazil"),
            ("code-ttl", "abc"),
            ("code-ttl", "5"),
            ("theme", "blue"),
            ("extension-url", "javascript:alert(1)"),
            ("extension-url", "http://example.com/extension"),
            ("extension-url", "/install"),
            ("extension-url", "https://"),
            ("extension-url", "https:///path"),
            ("extension-url", "https://example.com/a b"),
            ("extension-url", "https://example.com/\"onmouseover=\"x"),
        ] {
            let (options, warning) = set(name, Some(text));
            assert_eq!(options, Options::default(), "{name}={text}");
            let warning = warning.unwrap_or_else(|| panic!("{name}={text} warns"));
            assert!(warning.starts_with("zapi-connect: ") && warning.contains(name));
        }
    }

    #[test]
    fn allow_disconnect_is_a_boolean_by_presence() {
        for text in ["", "allow-disconnect", "false"] {
            let (options, warning) = set("allow-disconnect", Some(text));
            assert!(options.allow_disconnect, "{text:?}");
            assert_eq!(warning, None);
        }
        let mut options = set("allow-disconnect", Some("")).0;
        options.set_attribute("allow-disconnect", None);
        assert!(!options.allow_disconnect);
        assert!(!Options::default().allow_disconnect);
    }

    #[test]
    fn absent_or_empty_means_the_default_silently() {
        // A boolean attribute is on when present, even empty: it has a test of its own.
        for name in ATTRIBUTES
            .into_iter()
            .filter(|name| *name != "allow-disconnect")
        {
            let mut options = Options::default();
            options.set_attribute(name, Some("phone"));
            assert_eq!(options.set_attribute(name, None), None, "{name}");
            assert_eq!(options.set_attribute(name, Some("  ")), None, "{name}");
            assert_eq!(options, Options::default(), "{name}");
        }
    }
}
