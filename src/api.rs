//! The public API of `<zapi-connect>` as plain data: attributes and properties, methods, events,
//! parts, CSS custom properties, states, error codes, and every message in every language.
//!
//! This table is the one source. The widget reads its texts and attribute names from it;
//! `cargo xtask api` writes the package's `custom-elements.json`, the declarations in
//! `index.d.ts`, `npm/src/api.js` and the README's tables from it, and `cargo xtask test` fails
//! when any of them differs. Native tests check that the Rust enums agree with it.
//!
//! xtask includes this file as it is (`#[path = "../../src/api.rs"] mod api;`), so it holds only
//! `&'static str`s, numbers, slices and the types below: no `use crate::…`.

/// The custom element.
pub const TAG: &str = "zapi-connect";
/// The class the package exports.
pub const CLASS: &str = "ZapiConnect";
pub const ELEMENT_DESCRIPTION: &str = "Connects a WhatsApp phone to a Z-API instance through your relay: QR code or pairing code by phone number.";
/// What the package's `index.js` exports besides the class.
pub const FUNCTIONS: &[&str] = &["ready", "define"];

/// A whole number of seconds in `min..=max`; anything else (or nothing) means `default`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WholeNumber {
    pub min: u32,
    pub max: u32,
    pub default: u32,
}

/// Seconds between QR codes (Z-API's advice).
pub const INTERVAL_SECS: WholeNumber = WholeNumber {
    min: 10,
    max: 20,
    default: 15,
};

/// Seconds a phone code is shown as valid (WhatsApp keeps a pairing code about 3 minutes).
pub const CODE_TTL_SECS: WholeNumber = WholeNumber {
    min: 30,
    max: 600,
    default: 180,
};

/// What an attribute means when it is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// There is no default: the widget shows an error without it.
    Required,
    /// Nothing is used.
    Absent,
    /// This value, as written in the attribute.
    Value(&'static str),
    /// A default that is not a value, described.
    Described(&'static str),
}

/// An attribute and the property that mirrors it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub name: &'static str,
    pub property: &'static str,
    /// The value's TypeScript type: `string`, `number` or a union of string literals. A text
    /// property is the attribute's text (`null` when absent); a `number` property is the value
    /// in use.
    pub ty: &'static str,
    /// For `number`s: what is accepted, and what is used otherwise.
    pub number: Option<WholeNumber>,
    pub default: Fallback,
    /// `HTMLElement`'s own property (such as `lang`): the element defines no accessor.
    pub builtin: bool,
    pub description: &'static str,
}

pub const ATTRIBUTES: &[Attribute] = &[
    Attribute {
        name: "relay",
        property: "relay",
        ty: "string",
        number: None,
        default: Fallback::Required,
        builtin: false,
        description: "Base URL of your relay, such as `/zapi`. Required: empty shows the `invalid_config` error.",
    },
    Attribute {
        name: "interval",
        property: "interval",
        ty: "number",
        number: Some(INTERVAL_SECS),
        default: Fallback::Value("15"),
        builtin: false,
        description: "Seconds between QR codes, 10–20 (Z-API's advice). Other values fall back to 15 with a console warning. The property is the number in use.",
    },
    Attribute {
        name: "qr-format",
        property: "qrFormat",
        ty: "\"svg\" | \"image\"",
        number: None,
        default: Fallback::Value("svg"),
        builtin: false,
        description: "`svg`: the raw value from `/qr-code`, drawn in the browser; `image`: the PNG from `/qr-code/image`.",
    },
    Attribute {
        name: "methods",
        property: "methods",
        ty: "\"qr,phone\" | \"phone,qr\" | \"qr\" | \"phone\"",
        number: None,
        default: Fallback::Value("qr,phone"),
        builtin: false,
        description: "Which ways to link are offered, first one first. On a small touch screen (`(pointer: coarse) and (max-width: 600px)`) the phone code comes first when both are offered.",
    },
    Attribute {
        name: "default-country",
        property: "defaultCountry",
        ty: "string",
        number: None,
        default: Fallback::Value("55"),
        builtin: false,
        description: "Calling code added to numbers typed without one (the user always sees the normalized number before a code is asked for).",
    },
    Attribute {
        name: "code-ttl",
        property: "codeTtl",
        ty: "number",
        number: Some(CODE_TTL_SECS),
        default: Fallback::Value("180"),
        builtin: false,
        description: "Seconds a phone code is shown as valid, 30–600; then it is marked expired and a new one is fetched only on request. Other values fall back to 180 with a console warning. The property is the number in use.",
    },
    Attribute {
        name: "lang",
        property: "lang",
        ty: "string",
        number: None,
        default: Fallback::Described("the page's `<html lang>`"),
        builtin: true,
        description: "`pt*`: Brazilian Portuguese, `es*`: Spanish, anything else: English.",
    },
    Attribute {
        name: "theme",
        property: "theme",
        ty: "\"light\" | \"dark\" | \"auto\"",
        number: None,
        default: Fallback::Value("auto"),
        builtin: false,
        description: "`auto` follows `prefers-color-scheme`. The QR code is always dark on light.",
    },
    Attribute {
        name: "token",
        property: "token",
        ty: "string",
        number: None,
        default: Fallback::Absent,
        builtin: false,
        description: "A short-lived ticket from your backend (a JWT naming the instance alias), sent to the relay as `Authorization: Bearer`. A new one is used from the next request on.",
    },
    Attribute {
        name: "credentials",
        property: "credentials",
        ty: "\"include\" | \"same-origin\"",
        number: None,
        default: Fallback::Value("same-origin"),
        builtin: false,
        description: "`include` sends the page's cookies to a relay on another origin (the relay's header or cookie mode).",
    },
    Attribute {
        name: "extension-url",
        property: "extensionUrl",
        ty: "string",
        number: None,
        default: Fallback::Value(DEFAULT_EXTENSION_URL),
        builtin: false,
        description: "Where the extension-code screen sends users to install Z-API's Chrome extension (Z-API Conector). Only `https:` URLs; anything else falls back to the default with a console warning.",
    },
    // The linked phone on the connected screens.
    Attribute {
        name: "allow-disconnect",
        property: "allowDisconnect",
        ty: "boolean",
        number: None,
        default: Fallback::Absent,
        builtin: false,
        description: "Present: the connected screens offer \"Not your number? Disconnect\", which asks for confirmation and then calls `POST {relay}/disconnect` (the relay must allow it). Absent: no way to disconnect is shown.",
    },
];

/// The Chrome Web Store page of Z-API Conector, the extension Z-API's partner guide links.
pub const DEFAULT_EXTENSION_URL: &str =
    "https://chromewebstore.google.com/detail/iopmkohngoecmepoheapifkafbeomphn";

/// A property without an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Property {
    pub name: &'static str,
    /// TypeScript type.
    pub ty: &'static str,
    pub description: &'static str,
}

pub const PROPERTIES: &[Property] = &[Property {
    name: "messages",
    ty: "Record<string, string> | null",
    description: "Overrides for the widget's texts: a plain object of message key → text (the keys are in the README).",
}];

/// A method of the element (no arguments, returns nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Method {
    pub name: &'static str,
    pub description: &'static str,
}

pub const METHODS: &[Method] = &[
    Method {
        name: "start",
        description: "Starts again after `stop()`.",
    },
    Method {
        name: "stop",
        description: "Stops every timer and request; the widget shows a Start button.",
    },
    Method {
        name: "refresh",
        description: "Starts over from the status check.",
    },
];

/// A field of an event's `detail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// TypeScript type; `ZapiConnectState`, `ZapiConnectErrorCode` and `ZapiConnectMethod` are
    /// the unions of [`STATES`] (those in events), [`ERROR_CODES`] and [`LINK_METHODS`].
    pub ty: &'static str,
    /// Present only sometimes.
    pub optional: bool,
    pub description: &'static str,
}

/// An event the element dispatches (`bubbles`, `composed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub name: &'static str,
    /// The TypeScript interface of its `detail`.
    pub detail: &'static str,
    pub fields: &'static [Field],
    /// When it fires, and what its fields say; `{states}` stands for the list of the states
    /// that `zapi-state` announces.
    pub description: &'static str,
}

pub const EVENTS: &[Event] = &[
    Event {
        name: "zapi-state",
        detail: "ZapiStateDetail",
        fields: &[Field {
            name: "state",
            ty: "ZapiConnectState",
            optional: false,
            description: "",
        }],
        description: "when the state changes: {states}.",
    },
    Event {
        name: "zapi-code",
        detail: "ZapiCodeDetail",
        fields: &[
            Field {
                name: "kind",
                ty: "ZapiConnectMethod",
                optional: false,
                description: "",
            },
            Field {
                name: "expiresAt",
                ty: "number",
                optional: false,
                description: "When this code is replaced (QR) or expires (phone, extension), in milliseconds since the epoch by the page's clock.",
            },
        ],
        description: "when a new code is shown; `expiresAt` in ms since the epoch.",
    },
    Event {
        name: "zapi-expired",
        detail: "ZapiExpiredDetail",
        fields: &[Field {
            name: "kind",
            ty: "ZapiConnectMethod",
            optional: false,
            description: "The kind of code that ran out; no new one is fetched until the user asks.",
        }],
        description: "when a code ran out and no new one is fetched until the user asks.",
    },
    Event {
        name: "zapi-connected",
        detail: "ZapiConnectedDetail",
        fields: &[Field {
            name: "alreadyConnected",
            ty: "boolean",
            optional: false,
            description: "`true` when the number was linked before the widget came.",
        }],
        description: "when the phone links, or was linked already.",
    },
    Event {
        name: "zapi-error",
        detail: "ZapiErrorDetail",
        fields: &[
            Field {
                name: "code",
                ty: "ZapiConnectErrorCode",
                optional: false,
                description: "",
            },
            Field {
                name: "message",
                ty: "string",
                optional: false,
                description: "What to do, for people, in the widget's language.",
            },
            Field {
                name: "retryable",
                ty: "boolean",
                optional: false,
                description: "Whether trying again later can help without changing a setting.",
            },
            Field {
                name: "retryAfter",
                ty: "number",
                optional: true,
                description: "Seconds to wait (from the relay's `Retry-After`), for `rate_limited`.",
            },
        ],
        description: "when something fails; `message` is in the widget's language.",
    },
];

/// The ways to link a phone, as in the `kind` of `zapi-code` and `zapi-expired`.
pub const LINK_METHODS: &[&str] = &["qr", "phone", "extension"];

/// A `data-state` value of the `base` part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub name: &'static str,
    /// Also announced by a `zapi-state` event (`stopped` is not: the page itself stopped it).
    pub event: bool,
    pub description: &'static str,
}

pub const STATES: &[State] = &[
    State {
        name: "loading",
        event: true,
        description: "Checking the connection, or fetching the first code.",
    },
    State {
        name: "qr",
        event: true,
        description: "A QR code is shown; a new one follows every `interval` seconds.",
    },
    State {
        name: "paused",
        event: true,
        description: "The QR codes ran out unscanned; no more are fetched until the user asks.",
    },
    State {
        name: "phone-input",
        event: true,
        description: "The user types their number, or confirms the normalized one.",
    },
    State {
        name: "phone-code",
        event: true,
        description: "A pairing code is shown until it expires (`code-ttl`).",
    },
    State {
        name: "code-expired",
        event: true,
        description: "The pairing code expired; a new one is fetched only on request.",
    },
    State {
        name: "connected",
        event: true,
        description: "The phone is linked.",
    },
    State {
        name: "already-connected",
        event: true,
        description: "The number was linked before the widget came; there is nothing to scan.",
    },
    State {
        name: "restore-session",
        event: true,
        description: "A WhatsApp session exists but has dropped; an administrator must restore it.",
    },
    State {
        name: "offline",
        event: true,
        description: "The browser is offline: nothing is fetched and no QR call is spent until it is back; then a pause, an expired code or an extension code is shown again, and anything else starts over from the status check.",
    },
    State {
        name: "error",
        event: true,
        description: "Something failed; the `error` part says what to do.",
    },
    State {
        name: "extension-code",
        event: true,
        description: "A code for Z-API's Chrome extension is shown, for accounts that WhatsApp asks for a passkey, until its `expiresAt` (counted by the relay's clock); `/status` is polled meanwhile. The `trouble-link` opens it.",
    },
    State {
        name: "extension-expired",
        event: true,
        description: "The extension code expired; a new one is fetched only on request.",
    },
    State {
        name: "stopped",
        event: false,
        description: "After `stop()`; the `start-button` starts again.",
    },
];

/// A stable error code: `code` of `zapi-error`, `data-code` of the `error` part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: &'static str,
    /// Whether trying again later can help without someone changing a setting first.
    pub retryable: bool,
    pub meaning: &'static str,
}

pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode {
        code: "relay_unreachable",
        retryable: true,
        meaning: "The relay could not be reached at all (the browser rejected the request).",
    },
    ErrorCode {
        code: "timeout",
        retryable: true,
        meaning: "The relay or Z-API did not answer within 10 s.",
    },
    ErrorCode {
        code: "access_denied",
        retryable: false,
        meaning: "Z-API refused the caller (IP allow-list or missing Client-Token).",
    },
    ErrorCode {
        code: "unauthorized",
        retryable: false,
        meaning: "The relay refused the `token` (missing, expired, forged or for another instance), or it is no ticket at all (a line break in it) and was not sent: give the element a new one and call `refresh()`.",
    },
    ErrorCode {
        code: "subscription_expired",
        retryable: false,
        meaning: "The Z-API instance must be subscribed to again.",
    },
    ErrorCode {
        code: "malformed_response",
        retryable: true,
        meaning: "An answer that could not be read.",
    },
    ErrorCode {
        code: "rate_limited",
        retryable: true,
        meaning: "Too many requests (HTTP 429); `retryAfter` holds the seconds from the relay's `Retry-After`.",
    },
    ErrorCode {
        code: "upstream_error",
        retryable: true,
        meaning: "Z-API failed or could not be reached by the relay, or a gateway in front of the relay answered a 5xx.",
    },
    ErrorCode {
        code: "relay_error",
        retryable: false,
        meaning: "Any other error from the relay, such as a 404 from a wrong relay URL, or `invalid_phone` from a route without a phone.",
    },
    ErrorCode {
        code: "invalid_phone",
        retryable: false,
        meaning: "The number was refused, here or by WhatsApp: shown under the input.",
    },
    ErrorCode {
        code: "invalid_config",
        retryable: false,
        meaning: "No relay is set.",
    },
];

/// A `::part()` of the shadow tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub name: &'static str,
    pub description: &'static str,
}

pub const PARTS: &[Part] = &[
    Part {
        name: "base",
        description: "The widget's box; carries `data-state` (the state, or `stopped`), `data-theme` and `lang`.",
    },
    Part {
        name: "countdown",
        description: "Seconds until the shown code is replaced or expires.",
    },
    Part {
        name: "methods",
        description: "The QR / phone-number tab list.",
    },
    Part {
        name: "method-tab",
        description: "Each tab (`aria-selected` marks the chosen one).",
    },
    Part {
        name: "panel",
        description: "The chosen method's panel.",
    },
    Part {
        name: "qr",
        description: "The QR code: an `<svg role=img>` or an `<img>`, both with a text alternative.",
    },
    Part {
        name: "new-code-button",
        description: "\"Get new code\" after the QR pause or an expired phone or extension code.",
    },
    Part {
        name: "phone-form",
        description: "The phone number form.",
    },
    Part {
        name: "phone-input",
        description: "The phone number input.",
    },
    Part {
        name: "phone-error",
        description: "The message under an invalid number (`data-code=invalid_phone`).",
    },
    Part {
        name: "phone-submit",
        description: "\"Continue\" under the input.",
    },
    Part {
        name: "phone-number",
        description: "The normalized number, shown before a code is asked for.",
    },
    Part {
        name: "get-code-button",
        description: "\"Get code\" for the shown number.",
    },
    Part {
        name: "change-number-button",
        description: "\"Use a different number\".",
    },
    Part {
        name: "code",
        description: "The pairing code, such as `ABCD-1234`.",
    },
    Part {
        name: "copy-button",
        description: "Copies the pairing code or the extension code.",
    },
    Part {
        name: "copy-status",
        description: "\"Copied\", or what to do when the clipboard is refused.",
    },
    Part {
        name: "connected",
        description: "The connected message.",
    },
    Part {
        name: "restore-session",
        description: "The session-needs-restoring message.",
    },
    Part {
        name: "offline",
        description: "The offline message.",
    },
    Part {
        name: "check-button",
        description: "\"Check again\" in restore-session.",
    },
    Part {
        name: "error",
        description: "The error message (`role=alert`, `data-code`); also in the `device` card when a disconnect failed.",
    },
    Part {
        name: "retry-button",
        description: "\"Try again\" in an error.",
    },
    Part {
        name: "start-button",
        description: "\"Start\" after `stop()`.",
    },
    Part {
        name: "trouble-link",
        description: "\"Having trouble connecting?\" under the QR code and the pairing code: opens the extension code.",
    },
    Part {
        name: "extension-code",
        description: "The code for Z-API's Chrome extension, such as `FA48-HS63`.",
    },
    Part {
        name: "extension-steps",
        description: "The extension's four steps, an ordered list.",
    },
    Part {
        name: "extension-install-link",
        description: "The link to install the extension (`extension-url`), opened in a new tab.",
    },
    Part {
        name: "back-button",
        description: "From the extension code back to the QR code or the phone number, whichever the user came from.",
    },
    // The linked phone on the connected screens, and unlinking it.
    Part {
        name: "device",
        description: "The linked phone's card on the connected screens (from `{relay}/device`; absent when that fails).",
    },
    Part {
        name: "device-picture",
        description: "The profile picture: only from an `https:` URL, sent with no referrer, and removed if it fails to load.",
    },
    Part {
        name: "device-phone",
        description: "The linked number, formatted as the phone screens format numbers.",
    },
    Part {
        name: "device-name",
        description: "The WhatsApp profile's name.",
    },
    Part {
        name: "device-kind",
        description: "iPhone, Android or WhatsApp Business.",
    },
    Part {
        name: "device-session",
        description: "The name this link has in the phone's WhatsApp › Linked devices list.",
    },
    Part {
        name: "disconnect-button",
        description: "\"Not your number? Disconnect\" in the card, with `allow-disconnect` only.",
    },
    Part {
        name: "disconnect-confirm",
        description: "The question asked before `POST {relay}/disconnect`, with its Disconnect and Keep it linked buttons (Escape keeps the link). A failure then shows in the card as an `error` part.",
    },
];

/// A CSS custom property the widget reads (with its fallback).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CssProperty {
    pub name: &'static str,
    pub default: &'static str,
    pub description: &'static str,
}

pub const CSS_PROPERTIES: &[CssProperty] = &[
    CssProperty {
        name: "--zapi-accent",
        default: "#0b7a6e (dark: #5fd4c4)",
        description: "Buttons, selected tab, focus ring.",
    },
    CssProperty {
        name: "--zapi-accent-text",
        default: "#fff (dark: #0b1a18)",
        description: "Text on the accent.",
    },
    CssProperty {
        name: "--zapi-bg",
        default: "#fff (dark: #1b2329)",
        description: "Background.",
    },
    CssProperty {
        name: "--zapi-fg",
        default: "#1f2933 (dark: #e8eef2)",
        description: "Text.",
    },
    CssProperty {
        name: "--zapi-muted",
        default: "#56616b (dark: #a9b5bf)",
        description: "Secondary text.",
    },
    CssProperty {
        name: "--zapi-border",
        default: "#c9d2d9 (dark: #3b4853)",
        description: "Borders.",
    },
    CssProperty {
        name: "--zapi-danger",
        default: "#b3261e (dark: #ff9a8f)",
        description: "Errors.",
    },
    CssProperty {
        name: "--zapi-radius",
        default: "12px",
        description: "Corner radius.",
    },
    CssProperty {
        name: "--zapi-font",
        default: "system-ui, …",
        description: "Font family.",
    },
    CssProperty {
        name: "--zapi-max-width",
        default: "360px",
        description: "Widest the widget grows.",
    },
    CssProperty {
        name: "--zapi-qr-size",
        default: "232px",
        description: "Side of the QR code.",
    },
];

/// A text of the widget in its three languages; `{}` stands for a number of seconds, a time
/// left such as `4:05`, a phone number or a country code. Hosts replace it by `key` through the `messages` property. The
/// order is `messages::Key`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub en: &'static str,
    /// Brazilian Portuguese.
    pub pt_br: &'static str,
    pub es: &'static str,
}

pub const MESSAGES: &[Message] = &[
    Message {
        key: "loading",
        en: "Checking the connection…",
        pt_br: "Verificando a conexão…",
        es: "Comprobando la conexión…",
    },
    Message {
        key: "methods",
        en: "How to link",
        pt_br: "Como conectar",
        es: "Cómo vincular",
    },
    Message {
        key: "method-qr",
        en: "QR code",
        pt_br: "QR code",
        es: "Código QR",
    },
    Message {
        key: "method-phone",
        en: "Phone number",
        pt_br: "Número de telefone",
        es: "Número de teléfono",
    },
    Message {
        key: "qr-title",
        en: "Link your WhatsApp",
        pt_br: "Conecte seu WhatsApp",
        es: "Vincula tu WhatsApp",
    },
    Message {
        key: "qr-steps",
        en: "On your phone open WhatsApp › Settings › Linked devices › Link a device, then scan this code.",
        pt_br: "No celular, abra o WhatsApp › Configurações › Dispositivos conectados › Conectar dispositivo e escaneie este código.",
        es: "En tu teléfono abre WhatsApp › Ajustes › Dispositivos vinculados › Vincular un dispositivo y escanea este código.",
    },
    Message {
        key: "qr-alt",
        en: "QR code to link WhatsApp",
        pt_br: "QR code para conectar o WhatsApp",
        es: "Código QR para vincular WhatsApp",
    },
    Message {
        key: "qr-next",
        en: "New code in {} s",
        pt_br: "Novo código em {} s",
        es: "Nuevo código en {} s",
    },
    Message {
        key: "code-expires",
        en: "Code expires in {} s",
        pt_br: "O código expira em {} s",
        es: "El código caduca en {} s",
    },
    Message {
        key: "paused-title",
        en: "The code has expired",
        pt_br: "O código expirou",
        es: "El código ha caducado",
    },
    Message {
        key: "paused-text",
        en: "To avoid needless requests, no more codes are fetched until you ask.",
        pt_br: "Para evitar pedidos desnecessários, nenhum código novo é gerado até você pedir.",
        es: "Para evitar solicitudes innecesarias, no se piden más códigos hasta que lo indiques.",
    },
    Message {
        key: "new-code",
        en: "Get new code",
        pt_br: "Gerar novo código",
        es: "Obtener código nuevo",
    },
    Message {
        key: "phone-label",
        en: "Your WhatsApp number",
        pt_br: "Seu número do WhatsApp",
        es: "Tu número de WhatsApp",
    },
    Message {
        key: "phone-hint",
        en: "With area code, like 11 91234-5678. Country code {} is added if missing.",
        pt_br: "Com DDD, como 11 91234-5678. O código do país {} é incluído se faltar.",
        es: "Con código de área. Se añade el código de país {} si falta.",
    },
    Message {
        key: "phone-invalid",
        en: "This is not a valid phone number. Check the area code and the number of digits.",
        pt_br: "Este número não é válido. Confira o DDD e a quantidade de dígitos.",
        es: "Este número no es válido. Revisa el código de área y la cantidad de dígitos.",
    },
    Message {
        key: "phone-continue",
        en: "Continue",
        pt_br: "Continuar",
        es: "Continuar",
    },
    Message {
        key: "phone-confirm",
        en: "A code will be requested for {}. Is this your number?",
        pt_br: "Vamos pedir um código para {}. Este é o seu número?",
        es: "Se pedirá un código para {}. ¿Es tu número?",
    },
    Message {
        key: "get-code",
        en: "Get code",
        pt_br: "Gerar código",
        es: "Obtener código",
    },
    Message {
        key: "change-number",
        en: "Use a different number",
        pt_br: "Usar outro número",
        es: "Usar otro número",
    },
    Message {
        key: "code-title",
        en: "Enter this code on your phone",
        pt_br: "Digite este código no celular",
        es: "Introduce este código en tu teléfono",
    },
    Message {
        key: "code-step1",
        en: "Open WhatsApp on the phone with {}.",
        pt_br: "Abra o WhatsApp no celular com o número {}.",
        es: "Abre WhatsApp en el teléfono con el número {}.",
    },
    Message {
        key: "code-step2",
        en: "Go to Settings › Linked devices › Link a device.",
        pt_br: "Vá em Configurações › Dispositivos conectados › Conectar dispositivo.",
        es: "Ve a Ajustes › Dispositivos vinculados › Vincular un dispositivo.",
    },
    Message {
        key: "code-step3",
        en: "Tap “Link with phone number instead”.",
        pt_br: "Toque em “Conectar com número de telefone”.",
        es: "Toca “Vincular con el número de teléfono”.",
    },
    Message {
        key: "code-step4",
        en: "Type the code shown here.",
        pt_br: "Digite o código mostrado aqui.",
        es: "Escribe el código que se muestra aquí.",
    },
    Message {
        key: "copy",
        en: "Copy code",
        pt_br: "Copiar código",
        es: "Copiar código",
    },
    Message {
        key: "copied",
        en: "Copied",
        pt_br: "Copiado",
        es: "Copiado",
    },
    Message {
        key: "copy-failed",
        en: "Could not copy. Select the code and copy it yourself.",
        pt_br: "Não foi possível copiar. Selecione o código e copie manualmente.",
        es: "No se pudo copiar. Selecciona el código y cópialo.",
    },
    Message {
        key: "expired-text",
        en: "Pairing codes last a few minutes. Ask for a new one to continue.",
        pt_br: "Os códigos duram poucos minutos. Peça um novo para continuar.",
        es: "Los códigos duran pocos minutos. Pide uno nuevo para continuar.",
    },
    Message {
        key: "connected-title",
        en: "WhatsApp is connected",
        pt_br: "WhatsApp conectado",
        es: "WhatsApp está vinculado",
    },
    Message {
        key: "connected-text",
        en: "Your phone is linked. You can close this window.",
        pt_br: "Seu celular está conectado. Você pode fechar esta janela.",
        es: "Tu teléfono está vinculado. Puedes cerrar esta ventana.",
    },
    Message {
        key: "already-text",
        en: "This number is already linked; there is nothing to scan.",
        pt_br: "Este número já está conectado; não há nada para escanear.",
        es: "Este número ya está vinculado; no hay nada que escanear.",
    },
    Message {
        key: "restore-title",
        en: "The session needs to be restored",
        pt_br: "A sessão precisa ser restaurada",
        es: "Hay que restaurar la sesión",
    },
    Message {
        key: "restore-text",
        en: "A WhatsApp session exists but has dropped. Ask your administrator to restore the session; a new code will not help.",
        pt_br: "Existe uma sessão do WhatsApp, mas ela caiu. Peça ao administrador para restaurar a sessão; um novo código não resolve.",
        es: "Existe una sesión de WhatsApp pero se cayó. Pide a tu administrador que la restaure; un código nuevo no ayudará.",
    },
    Message {
        key: "offline-title",
        en: "You are offline",
        pt_br: "Você está sem conexão",
        es: "Estás sin conexión",
    },
    Message {
        key: "offline-text",
        en: "A new code will appear as soon as you are back online.",
        pt_br: "Um novo código aparecerá assim que você voltar a ficar on-line.",
        es: "Aparecerá un código nuevo en cuanto vuelvas a tener conexión.",
    },
    Message {
        key: "check-again",
        en: "Check again",
        pt_br: "Verificar de novo",
        es: "Comprobar de nuevo",
    },
    Message {
        key: "stopped",
        en: "Stopped.",
        pt_br: "Parado.",
        es: "Detenido.",
    },
    Message {
        key: "start",
        en: "Start",
        pt_br: "Iniciar",
        es: "Iniciar",
    },
    Message {
        key: "error-title",
        en: "Something went wrong",
        pt_br: "Algo deu errado",
        es: "Algo salió mal",
    },
    Message {
        key: "retry",
        en: "Try again",
        pt_br: "Tentar de novo",
        es: "Reintentar",
    },
    Message {
        key: "retry-no",
        en: "Trying again will not help until this is fixed.",
        pt_br: "Tentar de novo não resolve até isso ser corrigido.",
        es: "Reintentar no servirá hasta que se corrija.",
    },
    Message {
        key: "err-relay-unreachable",
        en: "Could not reach the connection service. Check your internet connection and try again.",
        pt_br: "Não foi possível acessar o serviço de conexão. Verifique sua internet e tente de novo.",
        es: "No se pudo contactar el servicio de conexión. Revisa tu conexión a internet y reintenta.",
    },
    Message {
        key: "err-timeout",
        en: "The connection service took too long to answer. Try again in a moment.",
        pt_br: "O serviço de conexão demorou demais para responder. Tente de novo em instantes.",
        es: "El servicio de conexión tardó demasiado. Reintenta en un momento.",
    },
    Message {
        key: "err-access-denied",
        en: "This server is not allowed to use the WhatsApp instance. Ask your administrator to check the instance's security settings.",
        pt_br: "Este servidor não tem permissão para usar a instância do WhatsApp. Peça ao administrador para conferir a segurança da instância.",
        es: "Este servidor no tiene permiso para usar la instancia de WhatsApp. Pide a tu administrador que revise su seguridad.",
    },
    Message {
        key: "err-subscription-expired",
        en: "The WhatsApp instance's subscription has expired. Ask your administrator to renew it.",
        pt_br: "A assinatura da instância do WhatsApp expirou. Peça ao administrador para renová-la.",
        es: "La suscripción de la instancia de WhatsApp ha caducado. Pide a tu administrador que la renueve.",
    },
    Message {
        key: "err-malformed-response",
        en: "The connection service sent an answer that could not be read. Try again; if it keeps happening, contact your administrator.",
        pt_br: "O serviço de conexão enviou uma resposta ilegível. Tente de novo; se continuar, fale com o administrador.",
        es: "El servicio de conexión envió una respuesta ilegible. Reintenta; si sigue pasando, contacta a tu administrador.",
    },
    Message {
        key: "err-rate-limited",
        en: "Too many requests. Wait a moment, then try again.",
        pt_br: "Muitos pedidos. Aguarde um pouco e tente de novo.",
        es: "Demasiadas solicitudes. Espera un momento y reintenta.",
    },
    Message {
        key: "err-rate-limited-wait",
        en: "Too many requests. Wait {} s, then try again.",
        pt_br: "Muitos pedidos. Aguarde {} s e tente de novo.",
        es: "Demasiadas solicitudes. Espera {} s y reintenta.",
    },
    Message {
        key: "err-upstream-error",
        en: "The WhatsApp service (Z-API) reported a problem. Try again in a moment.",
        pt_br: "O serviço do WhatsApp (Z-API) relatou um problema. Tente de novo em instantes.",
        es: "El servicio de WhatsApp (Z-API) informó un problema. Reintenta en un momento.",
    },
    Message {
        key: "err-relay-error",
        en: "The connection service answered with an error. Check the widget's relay address or contact your administrator.",
        pt_br: "O serviço de conexão respondeu com erro. Confira o endereço do relay ou fale com o administrador.",
        es: "El servicio de conexión respondió con un error. Revisa la dirección del relay o contacta a tu administrador.",
    },
    Message {
        key: "err-invalid-phone",
        en: "WhatsApp did not accept this number. Check it and try again.",
        pt_br: "O WhatsApp não aceitou este número. Confira e tente de novo.",
        es: "WhatsApp no aceptó este número. Revísalo y reintenta.",
    },
    Message {
        key: "err-invalid-config",
        en: "The widget has no relay address. Set its relay to your server's Z-API relay URL.",
        pt_br: "O widget está sem endereço de relay. Configure o relay com a URL do seu servidor.",
        es: "El widget no tiene dirección de relay. Configura el relay con la URL de tu servidor.",
    },
    Message {
        key: "err-unauthorized",
        en: "This page's permission to link a phone is missing or has expired. Reload the page.",
        pt_br: "A permissão desta página para conectar um telefone está ausente ou expirou. Recarregue a página.",
        es: "Falta el permiso de esta página para vincular un teléfono, o venció. Recarga la página.",
    },
    Message {
        key: "trouble-link",
        en: "Having trouble connecting?",
        pt_br: "Problemas para conectar?",
        es: "¿Problemas para vincular?",
    },
    Message {
        key: "extension-title",
        en: "Connect with the Z-API Conector extension",
        pt_br: "Conecte com a extensão Z-API Conector",
        es: "Vincula con la extensión Z-API Conector",
    },
    Message {
        key: "extension-text",
        en: "If your phone asks for a passkey, link this number from a computer with Chrome and this code instead.",
        pt_br: "Se o celular pedir uma chave de acesso, conecte este número por um computador com o Chrome e este código.",
        es: "Si tu teléfono pide una llave de acceso, vincula este número desde una computadora con Chrome y este código.",
    },
    Message {
        key: "extension-step1",
        en: "Install the Z-API Conector extension in Chrome.",
        pt_br: "Instale a extensão Z-API Conector no Chrome.",
        es: "Instala la extensión Z-API Conector en Chrome.",
    },
    Message {
        key: "extension-step2",
        en: "Open https://web.whatsapp.com, logged in with the number to connect.",
        pt_br: "Abra https://web.whatsapp.com com a conta do número que você quer conectar.",
        es: "Abre https://web.whatsapp.com con la sesión del número que quieres vincular.",
    },
    Message {
        key: "extension-step3",
        en: "Click the extension's icon and type this code.",
        pt_br: "Clique no ícone da extensão e digite este código.",
        es: "Haz clic en el icono de la extensión y escribe este código.",
    },
    Message {
        key: "extension-step4",
        en: "Confirm on the extension's screen.",
        pt_br: "Confirme na tela da extensão.",
        es: "Confirma en la pantalla de la extensión.",
    },
    Message {
        key: "new-tab",
        en: "(opens in a new tab)",
        pt_br: "(abre em uma nova aba)",
        es: "(se abre en una pestaña nueva)",
    },
    Message {
        key: "extension-expires",
        en: "Code expires in {}",
        pt_br: "O código expira em {}",
        es: "El código caduca en {}",
    },
    Message {
        key: "extension-expired-text",
        en: "Extension codes last up to 5 minutes. Get a new one to continue.",
        pt_br: "Os códigos da extensão duram até 5 minutos. Gere um novo para continuar.",
        es: "Los códigos de la extensión duran hasta 5 minutos. Obtén uno nuevo para continuar.",
    },
    Message {
        key: "back-qr",
        en: "Back to the QR code",
        pt_br: "Voltar ao QR code",
        es: "Volver al código QR",
    },
    Message {
        key: "back-phone",
        en: "Back to the phone number",
        pt_br: "Voltar ao número de telefone",
        es: "Volver al número de teléfono",
    },
    // The linked phone on the connected screens, and unlinking it.
    Message {
        key: "device-live",
        en: "Linked to {}.",
        pt_br: "Conectado a {}.",
        es: "Vinculado a {}.",
    },
    Message {
        key: "device-picture",
        en: "Profile picture",
        pt_br: "Foto do perfil",
        es: "Foto de perfil",
    },
    Message {
        key: "device-iphone",
        en: "iPhone",
        pt_br: "iPhone",
        es: "iPhone",
    },
    Message {
        key: "device-android",
        en: "Android",
        pt_br: "Android",
        es: "Android",
    },
    Message {
        key: "device-business",
        en: "WhatsApp Business",
        pt_br: "WhatsApp Business",
        es: "WhatsApp Business",
    },
    Message {
        key: "device-session",
        en: "Listed as “{}” under Linked devices in WhatsApp.",
        pt_br: "Aparece como “{}” em Dispositivos conectados no WhatsApp.",
        es: "Aparece como “{}” en Dispositivos vinculados de WhatsApp.",
    },
    Message {
        key: "disconnect",
        en: "Not your number? Disconnect",
        pt_br: "Não é seu número? Desconectar",
        es: "¿No es tu número? Desvincular",
    },
    Message {
        key: "disconnect-question",
        en: "Disconnect {}? WhatsApp on that phone stops being linked here, and you can link a phone again right after.",
        pt_br: "Desconectar {}? O WhatsApp desse celular deixa de estar conectado aqui, e você pode conectar um celular de novo em seguida.",
        es: "¿Desvincular {}? El WhatsApp de ese teléfono deja de estar vinculado aquí, y puedes vincular un teléfono de nuevo enseguida.",
    },
    Message {
        key: "disconnect-confirm",
        en: "Disconnect",
        pt_br: "Desconectar",
        es: "Desvincular",
    },
    Message {
        key: "disconnect-cancel",
        en: "Keep it linked",
        pt_br: "Manter conectado",
        es: "Mantener vinculado",
    },
    Message {
        key: "disconnecting",
        en: "Disconnecting…",
        pt_br: "Desconectando…",
        es: "Desvinculando…",
    },
    Message {
        key: "disconnect-failed",
        en: "Could not disconnect this number.",
        pt_br: "Não foi possível desconectar este número.",
        es: "No se pudo desvincular este número.",
    },
];
