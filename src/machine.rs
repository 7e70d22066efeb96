//! The connect flow as a pure state machine: events in, commands out, time passed in as
//! milliseconds. No browser types here, so that every rule is tested natively.
//!
//! Z-API's QR rules: check `/status` first and never fetch a QR for a linked number; refresh
//! the QR every 10–20 s; after 3 QR calls without a scan, stop and wait for the user. A phone
//! code never changes while shown; after its lifetime it is marked expired and a new one is
//! fetched only when the user asks. A code for Z-API's Chrome extension, the way in for accounts
//! that WhatsApp asks for a passkey, is kept the same way until its `expiresAt`, counted by the
//! relay's clock. Nothing is fetched while the page is hidden.

use crate::error::{ErrorCode, WidgetError};
use crate::phone::{self, Phone, PhoneError};
use crate::qr_svg::QrSvg;

/// QR calls per cycle before the widget stops and asks the user.
pub const MAX_QR_CALLS: u8 = 3;
/// How long Z-API keeps a QR code valid: past this it is never shown, even while its
/// replacement is on the way or after the machine slept.
pub const QR_LIFETIME_MS: f64 = 20_000.0;
/// How often `/status` is polled while a QR is shown.
pub const POLL_MS: f64 = 5_000.0;
/// How often `/status` is polled while the relay's event stream is healthy: a fallback only.
pub const STREAM_POLL_MS: f64 = 30_000.0;
/// A stream that said nothing (no heartbeat, no event) for this long is dropped; the relay
/// sends a heartbeat every 15 s.
pub const STREAM_SILENCE_MS: f64 = 45_000.0;
/// The first wait before opening a stream again after it failed; it doubles up to
/// [`STREAM_MAX_BACKOFF_MS`].
pub const STREAM_BACKOFF_MS: f64 = 1_000.0;
pub const STREAM_MAX_BACKOFF_MS: f64 = 30_000.0;
/// The refresh interval used when none, or an unusable one, is given.
pub const DEFAULT_INTERVAL_SECS: u32 = crate::api::INTERVAL_SECS.default;
pub const MIN_INTERVAL_SECS: u32 = crate::api::INTERVAL_SECS.min;
pub const MAX_INTERVAL_SECS: u32 = crate::api::INTERVAL_SECS.max;
/// How long a phone code is shown as valid when none, or an unusable one, is given: WhatsApp
/// keeps a pairing code about 3 minutes.
pub const DEFAULT_CODE_TTL_SECS: u32 = crate::api::CODE_TTL_SECS.default;
/// The longest an extension code lives: Z-API's `expiresAt` is at most 5 minutes ahead.
pub const EXTENSION_CODE_MAX_MS: f64 = 300_000.0;
/// How far the relay's clock and Z-API's may drift apart: a fresh code may seem to live this
/// much longer than it can.
const CLOCK_DRIFT_MS: f64 = 5_000.0;

/// The refresh interval to use for a requested one, and whether the request was unusable
/// (outside 10–20 s) and replaced by the default.
pub fn choose_interval(requested: Option<u32>) -> (u32, bool) {
    match requested {
        None => (DEFAULT_INTERVAL_SECS, false),
        Some(secs) if (MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&secs) => (secs, false),
        Some(_) => (DEFAULT_INTERVAL_SECS, true),
    }
}

/// Whole seconds from `now_ms` to `deadline_ms`, rounded up, never below zero. Always derived
/// from the deadline, so that late timer ticks (background tabs) cannot make it drift.
pub fn countdown_secs(deadline_ms: f64, now_ms: f64) -> u32 {
    ((deadline_ms - now_ms) / 1000.0).ceil().max(0.0) as u32
}

/// Milliseconds a fresh extension code has left when its answer arrives at `now_ms`, by this
/// computer's clock. `expires_at_ms` is by Z-API's clock, which the relay's `Date`
/// (`relay_now_ms`) follows far better than a computer whose clock may be minutes off. A fresh
/// code can be neither expired nor alive for more than [`EXTENSION_CODE_MAX_MS`]: a time left
/// outside that range comes from a wrong clock, and the next clock, or else the longest
/// lifetime, is used instead.
pub fn extension_lifetime_ms(expires_at_ms: f64, relay_now_ms: Option<f64>, now_ms: f64) -> f64 {
    let plausible = |left: &f64| *left > 0.0 && *left <= EXTENSION_CODE_MAX_MS + CLOCK_DRIFT_MS;
    // A `Date` names a whole second: its end is the latest the relay's clock can be, so that a
    // code is never shown as valid after it expired.
    let relay_now_ms = relay_now_ms.map(|date| date + 1_000.0);
    [relay_now_ms, Some(now_ms)]
        .into_iter()
        .flatten()
        .map(|clock| expires_at_ms - clock)
        .find(plausible)
        .map_or(EXTENSION_CODE_MAX_MS, |left| {
            left.min(EXTENSION_CODE_MAX_MS)
        })
}

/// How the QR code reaches the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QrFormat {
    /// `GET {relay}/qr-code`, the raw payload, drawn here as an inline SVG.
    #[default]
    Svg,
    /// `GET {relay}/qr-code/image`, a PNG or JPEG data URL shown in an `<img>`.
    Image,
}

impl QrFormat {
    /// `"svg"` or `"image"` (ASCII case-insensitive); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("svg") {
            Some(Self::Svg)
        } else if text.eq_ignore_ascii_case("image") {
            Some(Self::Image)
        } else {
            None
        }
    }
}

/// A way to link the phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Scan a QR code.
    Qr,
    /// Type a pairing code, asked for by phone number.
    Phone,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::Phone => "phone",
        }
    }
}

/// The kind of code a `zapi-code` or `zapi-expired` event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Qr,
    Phone,
    /// A code for Z-API's Chrome extension, for accounts that WhatsApp asks for a passkey.
    Extension,
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::Phone => "phone",
            Self::Extension => "extension",
        }
    }
}

/// The methods offered and their order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Methods {
    /// QR first, then phone (the default).
    #[default]
    QrPhone,
    PhoneQr,
    QrOnly,
    PhoneOnly,
}

impl Methods {
    /// `"qr,phone"`, `"phone,qr"`, `"qr"` or `"phone"` (spaces and case ignored); `None` for
    /// anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let mut list = text.split(',').map(str::trim);
        let first = list.next()?;
        let second = list.next();
        if list.next().is_some() {
            return None;
        }
        let is = |s: &str, name: &str| s.eq_ignore_ascii_case(name);
        Some(match (first, second) {
            (a, None) if is(a, "qr") => Self::QrOnly,
            (a, None) if is(a, "phone") => Self::PhoneOnly,
            (a, Some(b)) if is(a, "qr") && is(b, "phone") => Self::QrPhone,
            (a, Some(b)) if is(a, "phone") && is(b, "qr") => Self::PhoneQr,
            _ => return None,
        })
    }

    pub fn first(self) -> Method {
        match self {
            Self::QrPhone | Self::QrOnly => Method::Qr,
            Self::PhoneQr | Self::PhoneOnly => Method::Phone,
        }
    }

    pub fn offers(self, method: Method) -> bool {
        self.both() || self.first() == method
    }

    /// Whether the user can choose.
    pub fn both(self) -> bool {
        matches!(self, Self::QrPhone | Self::PhoneQr)
    }

    /// Both methods, the phone code first: what a small touch screen gets by default, since a
    /// phone cannot scan its own screen.
    pub fn phone_first(self) -> Self {
        match self {
            Self::QrPhone => Self::PhoneQr,
            other => other,
        }
    }
}

/// Everything the host configures.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Base URL of the relay, such as `/zapi`.
    pub relay: String,
    /// Seconds between QR codes, already checked with [`choose_interval`].
    pub interval_secs: u32,
    pub format: QrFormat,
    pub methods: Methods,
    /// Calling code added to numbers typed without one, such as `55`.
    pub country: String,
    /// Seconds a phone code is shown as valid.
    pub code_ttl_secs: u32,
    /// The connected screens offer to unlink the phone (`allow-disconnect`).
    pub allow_disconnect: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            relay: String::new(),
            interval_secs: DEFAULT_INTERVAL_SECS,
            format: QrFormat::Svg,
            methods: Methods::default(),
            country: phone::DEFAULT_COUNTRY.into(),
            code_ttl_secs: DEFAULT_CODE_TTL_SECS,
            allow_disconnect: false,
        }
    }
}

/// A QR code as the view shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum QrImage {
    Svg(QrSvg),
    /// A `data:image/png;base64,` or `data:image/jpeg;base64,` URL.
    Src(String),
}

/// What `/status` said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusAnswer {
    Connected,
    NotConnected,
    RestoreSession,
}

/// What a QR route said.
#[derive(Clone, Debug, PartialEq)]
pub enum QrAnswer {
    Code(QrImage),
    /// The instance is linked, so there is no code to show.
    Connected,
}

/// What a phone-code route said.
#[derive(Clone, Debug, PartialEq)]
pub enum CodeAnswer {
    /// The pairing code as sent, such as `ABCD1234`.
    Code(String),
    Connected,
}

/// What `/extension-token` said.
#[derive(Clone, Debug, PartialEq)]
pub enum ExtensionAnswer {
    Code {
        /// As sent, such as `FA48-HS63`.
        token: String,
        /// When it expires by Z-API's clock, in milliseconds since the epoch.
        expires_at_ms: f64,
        /// The relay's clock when it answered (its `Date` header), when the page could read it.
        relay_now_ms: Option<f64>,
    },
    Connected,
}

/// What kind of WhatsApp the linked phone runs, from `/device`'s `originalDevice`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    Iphone,
    Android,
    /// WhatsApp Business, on either (`smbi`, `smba`).
    Business,
}

/// The linked phone as `/device` describes it, already checked and cleaned: every text is
/// bounded and free of control characters.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// Country code and number, such as `5511987654321`.
    pub phone: String,
    /// The WhatsApp profile's name.
    pub name: Option<String>,
    pub kind: Option<DeviceKind>,
    /// The name the link has in the phone's "Linked devices" list.
    pub session_name: Option<String>,
    /// The profile picture: an `https:` URL, or nothing.
    pub picture: Option<String>,
}

/// What the connected screens know about the linked phone.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum DeviceInfo {
    /// `/device` is asked for (or will be, once the page is visible).
    #[default]
    Loading,
    Known(Device),
    /// `/device` failed or said something unreadable: the screen says only "connected".
    Unknown,
}

/// Where the user is in unlinking the phone (with `allow-disconnect`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum DisconnectStep {
    /// The card offers "Not your number? Disconnect".
    #[default]
    Offered,
    /// The widget asks the user to confirm.
    Confirming,
    /// `POST {relay}/disconnect` is on its way.
    Sending,
    /// The relay refused or failed; the card stays and offers it again.
    Failed(WidgetError),
}

/// The connected screens' card: the linked phone, and the disconnect opt-in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkedPhone {
    pub device: DeviceInfo,
    pub disconnect: DisconnectStep,
}

/// Why the phone input shows a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneProblem {
    /// The number is not a valid one (checked here, nothing was sent).
    Format,
    /// The relay or WhatsApp refused it.
    Refused,
}

/// The widget's states, as written in `data-state` and in `zapi-state` events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateName {
    Loading,
    Qr,
    Paused,
    PhoneInput,
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

impl StateName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loading => "loading",
            Self::Qr => "qr",
            Self::Paused => "paused",
            Self::PhoneInput => "phone-input",
            Self::PhoneCode => "phone-code",
            Self::CodeExpired => "code-expired",
            Self::Connected => "connected",
            Self::AlreadyConnected => "already-connected",
            Self::RestoreSession => "restore-session",
            Self::Offline => "offline",
            Self::Error => "error",
            Self::ExtensionCode => "extension-code",
            Self::ExtensionExpired => "extension-expired",
        }
    }
}

/// What the host hears about (the element dispatches these as `zapi-*` DOM events).
#[derive(Clone, Debug, PartialEq)]
pub enum WidgetEvent {
    /// `zapi-state`: the state changed.
    State(StateName),
    /// `zapi-code`: a new code is shown until `expires_at_ms` (milliseconds since the epoch).
    Code { kind: CodeKind, expires_at_ms: f64 },
    /// `zapi-expired`: the shown code ran out and no new one is fetched until the user asks.
    Expired { kind: CodeKind },
    /// `zapi-connected`: the phone is linked; `already` when it was linked before the widget came.
    Connected { already: bool },
    /// `zapi-error`.
    Error(WidgetError),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Phase {
    /// Not started, or stopped.
    #[default]
    Idle,
    /// Checking `/status`, or fetching the first code of a cycle.
    Loading,
    Qr {
        code: QrImage,
        shown_at_ms: f64,
        /// When this code is replaced (or, for the last code of a cycle, when the widget pauses).
        deadline_ms: f64,
        /// Whether no further code follows in this cycle.
        last: bool,
        /// A newer code has been asked for.
        refreshing: bool,
    },
    Paused,
    /// Typing the number; `value` is what was typed.
    PhoneInput {
        value: String,
        problem: Option<PhoneProblem>,
    },
    /// The normalized number, shown before a code is asked for.
    PhoneConfirm {
        phone: Phone,
    },
    /// A pairing code, fixed until `deadline_ms`.
    PhoneCode {
        code: String,
        phone: Phone,
        deadline_ms: f64,
    },
    CodeExpired {
        phone: Phone,
    },
    Connected,
    AlreadyConnected,
    RestoreSession,
    /// The browser is offline: nothing is fetched until it is back.
    Offline,
    Error(WidgetError),
    /// A code for Z-API's Chrome extension, fixed until `deadline_ms` (this computer's clock).
    ExtensionCode {
        token: String,
        deadline_ms: f64,
    },
    ExtensionExpired,
}

impl Phase {
    /// `None` while idle.
    pub fn name(&self) -> Option<StateName> {
        Some(match self {
            Self::Idle => return None,
            Self::Loading => StateName::Loading,
            Self::Qr { .. } => StateName::Qr,
            Self::Paused => StateName::Paused,
            Self::PhoneInput { .. } | Self::PhoneConfirm { .. } => StateName::PhoneInput,
            Self::PhoneCode { .. } => StateName::PhoneCode,
            Self::CodeExpired { .. } => StateName::CodeExpired,
            Self::Connected => StateName::Connected,
            Self::AlreadyConnected => StateName::AlreadyConnected,
            Self::RestoreSession => StateName::RestoreSession,
            Self::Offline => StateName::Offline,
            Self::Error(_) => StateName::Error,
            Self::ExtensionCode { .. } => StateName::ExtensionCode,
            Self::ExtensionExpired => StateName::ExtensionExpired,
        })
    }
}

/// Identifies a request so that a late answer to an abandoned one is ignored.
pub type RequestId = u32;

/// What the relay's event stream said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamNews {
    /// A heartbeat, or an event the widget does not act on (`disconnected`: no stream is open
    /// on the connected screens).
    Alive,
    /// `event: connected`: a phone linked.
    Linked,
}

/// How a stream ended, or why it never opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// The stream ended, failed or was refused for a while: opened again after a backoff.
    Dropped,
    /// The relay has no stream (404, 405, 501): never asked again.
    Absent,
    /// The relay refused the credentials (401), as it would any other route.
    Unauthorized,
}

/// The relay's event stream, as far as the machine knows.
#[derive(Clone, Debug, PartialEq)]
enum Stream {
    /// None open; the next one may open at `retry_at_ms`, after `failures` in a row.
    Closed { retry_at_ms: f64, failures: u32 },
    /// Asked for at `since_ms`, no answer yet.
    Opening {
        id: RequestId,
        since_ms: f64,
        failures: u32,
    },
    /// Open; it last said something at `heard_ms`.
    Open {
        id: RequestId,
        heard_ms: f64,
        failures: u32,
    },
    /// The relay has none.
    Absent,
}

impl Default for Stream {
    fn default() -> Self {
        Self::Closed {
            retry_at_ms: 0.0,
            failures: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Start,
    Stop,
    /// Time passes; sent every second while [`Machine::wants_ticks`], and at
    /// [`Machine::wake_at_ms`].
    Tick,
    StatusLoaded {
        id: RequestId,
        result: Result<StatusAnswer, WidgetError>,
    },
    QrLoaded {
        id: RequestId,
        result: Result<QrAnswer, WidgetError>,
    },
    CodeLoaded {
        id: RequestId,
        result: Result<CodeAnswer, WidgetError>,
    },
    /// The user asked for a new code after a pause or an expired phone code.
    GetNewCode,
    /// The user asked to try again after an error (or to check a session again).
    Retry,
    /// The host asked to start over from the status check (and to start, when stopped).
    Refresh,
    ConfigChanged(Config),
    /// The user picked a method.
    ChooseMethod(Method),
    /// The user sent the phone input's text.
    SubmitPhone(String),
    /// The user confirmed the normalized number.
    ConfirmPhone,
    /// The user wants to type another number.
    ChangeNumber,
    /// The page was hidden (`true`) or shown again.
    Hidden(bool),
    /// The browser went offline (`false`) or back online.
    Online(bool),
    /// The page came back from the back-forward cache: whatever it showed may be stale.
    Restored,
    /// The user has trouble connecting: show a code for Z-API's Chrome extension.
    OpenExtension,
    ExtensionLoaded {
        id: RequestId,
        result: Result<ExtensionAnswer, WidgetError>,
    },
    /// The user leaves the extension code for the method they came from.
    Back,

    // The linked phone and unlinking it.
    DeviceLoaded {
        id: RequestId,
        result: Result<Device, WidgetError>,
    },
    /// The user pressed "Not your number? Disconnect".
    AskDisconnect,
    /// The user kept the link.
    CancelDisconnect,
    /// The user confirmed unlinking the phone.
    ConfirmDisconnect,
    Disconnected {
        id: RequestId,
        result: Result<(), WidgetError>,
    },

    // The relay's event stream.
    /// The relay answered the stream's request with a stream.
    StreamOpened {
        id: RequestId,
    },
    /// The stream said something.
    StreamNews {
        id: RequestId,
        news: StreamNews,
    },
    StreamEnded {
        id: RequestId,
        end: StreamEnd,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    FetchStatus {
        id: RequestId,
    },
    FetchQr {
        id: RequestId,
        format: QrFormat,
    },
    /// `GET {relay}/phone-code/{digits}`.
    FetchCode {
        id: RequestId,
        digits: String,
    },
    Emit(WidgetEvent),
    /// `GET {relay}/extension-token`.
    FetchExtensionToken {
        id: RequestId,
    },

    // The linked phone and unlinking it.
    /// `GET {relay}/device`.
    FetchDevice {
        id: RequestId,
    },
    /// `POST {relay}/disconnect`.
    Disconnect {
        id: RequestId,
    },
    /// `GET {relay}/events`, read until the machine no longer [`awaits`](Machine::awaits) `id`.
    OpenStream {
        id: RequestId,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum StatusPurpose {
    /// The check before any code, at start or retry.
    Initial,
    /// The background check while a code is shown.
    Poll,
}

#[derive(Debug, Default)]
pub struct Machine {
    config: Config,
    phase: Phase,
    qr_calls: u8,
    shown_code: bool,
    next_id: RequestId,
    status_request: Option<(RequestId, StatusPurpose)>,
    qr_request: Option<RequestId>,
    code_request: Option<RequestId>,
    next_poll_ms: f64,
    method: Option<Method>,
    hidden: bool,
    /// The number a code is being fetched for.
    pending_phone: Option<Phone>,
    /// The start waits for the page to be visible.
    deferred: bool,
    offline: bool,
    /// The number typed before the connection dropped, given back to the phone input after.
    typed: Option<String>,
    /// A screen that waited for the user when the connection dropped, shown again after it.
    waiting: Option<Phase>,
    extension_request: Option<RequestId>,

    // The connected screens' card.
    linked_phone: LinkedPhone,
    device_request: Option<RequestId>,
    disconnect_request: Option<RequestId>,

    // The relay's event stream.
    stream: Stream,
    /// The first `/status` of this start has answered.
    status_known: bool,
}

impl Machine {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// The method in use (or shown first).
    pub fn method(&self) -> Method {
        self.method
            .filter(|m| self.config.methods.offers(*m))
            .unwrap_or(self.config.methods.first())
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether the answer to request `id` is still wanted.
    pub fn awaits(&self, id: RequestId) -> bool {
        self.status_request
            .is_some_and(|(current, _)| current == id)
            || self.qr_request == Some(id)
            || self.code_request == Some(id)
            || self.extension_request == Some(id)
            || self.device_request == Some(id)
            || self.disconnect_request == Some(id)
            || self.stream_id() == Some(id)
    }

    fn stream_id(&self) -> Option<RequestId> {
        match self.stream {
            Stream::Opening { id, .. } | Stream::Open { id, .. } => Some(id),
            _ => None,
        }
    }

    /// Whether the event stream is open and said something within [`STREAM_SILENCE_MS`].
    pub fn stream_healthy(&self, now_ms: f64) -> bool {
        matches!(self.stream, Stream::Open { heard_ms, .. } if now_ms - heard_ms <= STREAM_SILENCE_MS)
    }

    /// How long until the next `/status` poll from `now_ms`.
    fn poll_interval_ms(&self, now_ms: f64) -> f64 {
        if self.stream_healthy(now_ms) {
            STREAM_POLL_MS
        } else {
            POLL_MS
        }
    }

    /// Whether a stream should be open: after the first `/status`, while the page is visible
    /// and online, on the screens that wait for a link. Not on the connected screens: a page
    /// with a request in flight is never kept in Firefox's back-forward cache.
    fn wants_stream(&self) -> bool {
        self.status_known
            && !self.hidden
            && !self.offline
            && self.stream != Stream::Absent
            && !matches!(
                self.phase,
                Phase::Idle
                    | Phase::Error(_)
                    | Phase::Offline
                    | Phase::RestoreSession
                    | Phase::Connected
                    | Phase::AlreadyConnected
            )
    }

    /// Opens the stream when it is wanted and its backoff is over; closes it when it is not
    /// wanted (the runtime aborts a stream the machine no longer awaits).
    fn sync_stream(&mut self, now_ms: f64, out: &mut Vec<Command>) {
        if !self.wants_stream() {
            if let Stream::Opening { failures, .. } | Stream::Open { failures, .. } = self.stream {
                // Closed on purpose: open again at once when wanted again.
                self.stream = Stream::Closed {
                    retry_at_ms: 0.0,
                    failures,
                };
            }
            return;
        }
        match self.stream {
            Stream::Closed {
                retry_at_ms,
                failures,
            } if now_ms >= retry_at_ms => {
                let id = self.new_id();
                self.stream = Stream::Opening {
                    id,
                    since_ms: now_ms,
                    failures,
                };
                out.push(Command::OpenStream { id });
            }
            Stream::Opening {
                since_ms: heard_ms,
                failures,
                ..
            }
            | Stream::Open {
                heard_ms, failures, ..
            } if now_ms - heard_ms > STREAM_SILENCE_MS => self.stream_dropped(failures, now_ms),
            _ => {}
        }
    }

    /// Back to 5 s polling, and a new stream after a backoff of 1, 2, 4 … 30 s.
    fn stream_dropped(&mut self, failures: u32, now_ms: f64) {
        let backoff = STREAM_BACKOFF_MS * 2f64.powi(failures.min(5) as i32);
        self.stream = Stream::Closed {
            retry_at_ms: now_ms + backoff.min(STREAM_MAX_BACKOFF_MS),
            failures: failures + 1,
        };
        self.next_poll_ms = self.next_poll_ms.min(now_ms + POLL_MS);
    }

    fn stream_event(&mut self, event: Event, now_ms: f64, out: &mut Vec<Command>) {
        let (Stream::Opening { id, failures, .. } | Stream::Open { id, failures, .. }) =
            self.stream
        else {
            return;
        };
        match event {
            Event::StreamOpened { id: opened } if opened == id => {
                if matches!(self.stream, Stream::Opening { .. }) {
                    self.stream = Stream::Open {
                        id,
                        heard_ms: now_ms,
                        failures,
                    };
                    // The stream brings the news now: `/status` is only its fallback.
                    self.next_poll_ms = self.next_poll_ms.max(now_ms + STREAM_POLL_MS);
                }
            }
            Event::StreamNews { id: from, news } if from == id => {
                // A stream that speaks works: the next failure starts the backoff over.
                self.stream = Stream::Open {
                    id,
                    heard_ms: now_ms,
                    failures: 0,
                };
                match news {
                    StreamNews::Alive => {}
                    StreamNews::Linked => self.confirm_link(out),
                }
            }
            Event::StreamEnded { id: ended, end } if ended == id => match end {
                StreamEnd::Dropped => self.stream_dropped(failures, now_ms),
                StreamEnd::Absent => self.stream = Stream::Absent,
                StreamEnd::Unauthorized => {
                    self.stream_dropped(failures, now_ms);
                    self.fail(WidgetError::new(ErrorCode::Unauthorized), out);
                }
            },
            _ => {}
        }
    }

    /// The stream says a phone linked: one `/status` says whether it is this widget's news.
    fn confirm_link(&mut self, out: &mut Vec<Command>) {
        let waiting = matches!(
            self.phase,
            Phase::Qr { .. }
                | Phase::Paused
                | Phase::PhoneInput { .. }
                | Phase::PhoneConfirm { .. }
                | Phase::PhoneCode { .. }
                | Phase::CodeExpired { .. }
                | Phase::ExtensionCode { .. }
                | Phase::ExtensionExpired
        ) || (matches!(self.phase, Phase::Loading) && self.status_known);
        if waiting && self.status_request.is_none() {
            let id = self.new_id();
            self.status_request = Some((id, StatusPurpose::Poll));
            out.push(Command::FetchStatus { id });
        }
    }

    /// The card of the connected screens; `None` on every other screen.
    pub fn linked_phone(&self) -> Option<&LinkedPhone> {
        matches!(self.phase, Phase::Connected | Phase::AlreadyConnected)
            .then_some(&self.linked_phone)
    }

    /// Whole seconds until the shown code's deadline, rounded up; `None` without a code.
    pub fn countdown_secs(&self, now_ms: f64) -> Option<u32> {
        match self.phase {
            Phase::Qr { deadline_ms, .. }
            | Phase::PhoneCode { deadline_ms, .. }
            | Phase::ExtensionCode { deadline_ms, .. } => Some(countdown_secs(deadline_ms, now_ms)),
            _ => None,
        }
    }

    /// Whether the view must send [`Event::Tick`] every second: a countdown (and the polls
    /// beside it) is on screen and the page is visible.
    pub fn wants_ticks(&self) -> bool {
        !self.hidden
            && matches!(
                self.phase,
                Phase::Qr { .. } | Phase::PhoneCode { .. } | Phase::ExtensionCode { .. }
            )
    }

    /// When, with no countdown ticking (the paused, phone number and expired screens), the view
    /// must send one [`Event::Tick`]: to open the event stream again after its backoff, or to
    /// give up a stream silent for too long.
    pub fn wake_at_ms(&self) -> Option<f64> {
        if self.wants_ticks() || !self.wants_stream() {
            return None;
        }
        match self.stream {
            Stream::Closed { retry_at_ms, .. } => Some(retry_at_ms),
            Stream::Opening {
                since_ms: heard_ms, ..
            }
            | Stream::Open { heard_ms, .. } => Some(heard_ms + STREAM_SILENCE_MS),
            Stream::Absent => None,
        }
    }

    pub fn update(&mut self, event: Event, now_ms: f64) -> Vec<Command> {
        let before = self.phase.name();
        let mut out = Vec::new();
        match event {
            Event::Start => {
                if matches!(self.phase, Phase::Idle) {
                    self.begin(&mut out);
                }
            }
            Event::Stop => {
                self.phase = Phase::Idle;
                self.forget_requests();
                self.status_known = false;
            }
            Event::Retry => {
                if matches!(self.phase, Phase::Error(_) | Phase::RestoreSession) {
                    self.begin(&mut out);
                }
            }
            Event::GetNewCode | Event::ConfirmPhone if self.offline => self.go_offline(),
            Event::Refresh => {
                if !matches!(self.phase, Phase::Connected | Phase::AlreadyConnected) {
                    self.begin(&mut out);
                }
            }
            Event::GetNewCode => match &self.phase {
                Phase::Paused => {
                    self.qr_calls = 0;
                    self.phase = Phase::Loading;
                    self.fetch_qr(&mut out);
                }
                Phase::CodeExpired { phone } => {
                    let phone = phone.clone();
                    self.fetch_code(phone, &mut out);
                }
                Phase::ExtensionExpired => self.fetch_extension_token(&mut out),
                _ => {}
            },
            Event::ConfigChanged(config) => self.config_changed(config, &mut out),
            Event::Tick => self.tick(now_ms, &mut out),
            Event::StatusLoaded { id, result } => self.status_loaded(id, result, now_ms, &mut out),
            Event::QrLoaded { id, result } => self.qr_loaded(id, result, now_ms, &mut out),
            Event::CodeLoaded { id, result } => self.code_loaded(id, result, now_ms, &mut out),
            Event::ChooseMethod(method) => self.choose_method(method, &mut out),
            Event::SubmitPhone(text) => {
                if matches!(self.phase, Phase::PhoneInput { .. }) {
                    self.phase = match phone::normalize(&text, &self.config.country) {
                        Ok(phone) => Phase::PhoneConfirm { phone },
                        Err(error) => {
                            if error == PhoneError::Invalid {
                                out.push(Command::Emit(WidgetEvent::Error(WidgetError::new(
                                    ErrorCode::InvalidPhone,
                                ))));
                            }
                            Phase::PhoneInput {
                                value: text,
                                problem: Some(PhoneProblem::Format),
                            }
                        }
                    };
                }
            }
            Event::ConfirmPhone => {
                if let Phase::PhoneConfirm { phone } = &self.phase {
                    let phone = phone.clone();
                    self.fetch_code(phone, &mut out);
                }
            }
            Event::ChangeNumber => {
                let typed = match &self.phase {
                    Phase::PhoneConfirm { phone }
                    | Phase::PhoneCode { phone, .. }
                    | Phase::CodeExpired { phone } => Some(phone.display.clone()),
                    Phase::Loading if self.code_request.is_some() => Some(String::new()),
                    _ => None,
                };
                if let Some(value) = typed {
                    self.forget_requests();
                    self.phase = Phase::PhoneInput {
                        value,
                        problem: None,
                    };
                }
            }
            Event::Online(online) => {
                self.offline = !online;
                if !online {
                    if !matches!(
                        self.phase,
                        Phase::Idle | Phase::Connected | Phase::AlreadyConnected
                    ) {
                        self.go_offline();
                    }
                } else if matches!(self.phase, Phase::Offline) {
                    match self.waiting.take() {
                        Some(phase) => self.phase = phase,
                        None => self.begin_again(&mut out),
                    }
                }
            }
            Event::Restored => {
                if !matches!(self.phase, Phase::Idle) {
                    self.begin_again(&mut out);
                }
            }
            Event::OpenExtension => {
                if self.choosing() && !matches!(self.phase, Phase::Loading) {
                    // The number typed so far waits for the way back.
                    if let Some(typed) = self.typed_number() {
                        self.typed = Some(typed);
                    }
                    if self.offline {
                        self.go_offline();
                    } else {
                        self.fetch_extension_token(&mut out);
                    }
                }
            }
            Event::ExtensionLoaded { id, result } => {
                self.extension_loaded(id, result, now_ms, &mut out)
            }
            Event::Back => {
                if matches!(
                    self.phase,
                    Phase::ExtensionCode { .. } | Phase::ExtensionExpired
                ) {
                    self.forget_requests();
                    self.show_method(&mut out);
                }
            }
            Event::DeviceLoaded { id, result } => {
                if self.device_request == Some(id) {
                    self.device_request = None;
                    // Not knowing the phone is no failure of the link: the screen says less.
                    self.linked_phone.device =
                        result.map_or(DeviceInfo::Unknown, DeviceInfo::Known);
                }
            }
            Event::AskDisconnect => {
                let card = &mut self.linked_phone;
                let offered = matches!(
                    card.disconnect,
                    DisconnectStep::Offered | DisconnectStep::Failed(_)
                );
                if self.config.allow_disconnect
                    && offered
                    && matches!(card.device, DeviceInfo::Known(_))
                    && matches!(self.phase, Phase::Connected | Phase::AlreadyConnected)
                {
                    card.disconnect = DisconnectStep::Confirming;
                }
            }
            Event::CancelDisconnect => {
                if self.linked_phone.disconnect == DisconnectStep::Confirming {
                    self.linked_phone.disconnect = DisconnectStep::Offered;
                }
            }
            Event::ConfirmDisconnect => {
                if self.linked_phone.disconnect == DisconnectStep::Confirming
                    && self.config.allow_disconnect
                    && matches!(self.phase, Phase::Connected | Phase::AlreadyConnected)
                {
                    let id = self.new_id();
                    self.disconnect_request = Some(id);
                    self.linked_phone.disconnect = DisconnectStep::Sending;
                    out.push(Command::Disconnect { id });
                }
            }
            Event::Disconnected { id, result } => {
                if self.disconnect_request == Some(id) {
                    self.disconnect_request = None;
                    match result {
                        Ok(()) => {
                            // A fresh start: the host's order of methods, from the status check.
                            self.method = None;
                            self.begin(&mut out);
                        }
                        Err(error) => {
                            out.push(Command::Emit(WidgetEvent::Error(error.clone())));
                            self.linked_phone.disconnect = DisconnectStep::Failed(error);
                        }
                    }
                }
            }
            Event::StreamOpened { .. } | Event::StreamNews { .. } | Event::StreamEnded { .. } => {
                self.stream_event(event, now_ms, &mut out)
            }
            Event::Hidden(hidden) => {
                self.hidden = hidden;
                if !hidden {
                    if self.deferred && matches!(self.phase, Phase::Loading) {
                        self.begin(&mut out);
                    } else {
                        self.shown_again(now_ms, &mut out);
                    }
                }
            }
        }
        self.sync_stream(now_ms, &mut out);
        let after = self.phase.name();
        if let Some(name) = after.filter(|_| after != before) {
            out.insert(0, Command::Emit(WidgetEvent::State(name)));
        }
        out
    }

    /// Waits for the connection: no request stays open and no QR call is spent, and the number
    /// being linked is kept for the phone input.
    fn go_offline(&mut self) {
        let typed = match &self.phase {
            Phase::Loading => self.pending_phone.take().map(|phone| phone.display),
            _ => self.typed_number(),
        };
        if typed.is_some() {
            self.typed = typed;
        }
        // Paused or expired stays so: only the user starts a new cycle of calls. An extension
        // code stays too: the user may be typing it into the extension.
        self.waiting = matches!(
            self.phase,
            Phase::Paused
                | Phase::CodeExpired { .. }
                | Phase::ExtensionCode { .. }
                | Phase::ExtensionExpired
        )
        .then(|| self.phase.clone());
        self.forget_requests();
        self.phase = Phase::Offline;
    }

    /// The number on a phone screen, as the phone input would hold it.
    fn typed_number(&self) -> Option<String> {
        match &self.phase {
            Phase::PhoneInput { value, .. } => Some(value.clone()),
            Phase::PhoneConfirm { phone }
            | Phase::PhoneCode { phone, .. }
            | Phase::CodeExpired { phone } => Some(phone.display.clone()),
            _ => None,
        }
    }

    fn forget_requests(&mut self) {
        self.status_request = None;
        self.qr_request = None;
        self.code_request = None;
        self.extension_request = None;
        self.device_request = None;
        self.disconnect_request = None;
    }

    /// The phases in which the user may switch between QR and phone code.
    fn choosing(&self) -> bool {
        match self.phase {
            Phase::Qr { .. }
            | Phase::Paused
            | Phase::PhoneInput { .. }
            | Phase::PhoneConfirm { .. }
            | Phase::PhoneCode { .. }
            | Phase::CodeExpired { .. } => true,
            Phase::Loading => self.status_request.is_none(),
            _ => false,
        }
    }

    fn choose_method(&mut self, method: Method, out: &mut Vec<Command>) {
        if !self.config.methods.offers(method) || !self.choosing() || self.method() == method {
            return;
        }
        self.method = Some(method);
        self.qr_request = None;
        self.code_request = None;
        self.extension_request = None;
        self.show_method(out);
    }

    /// After "not connected": the QR flow or the phone input, by the chosen method.
    fn show_method(&mut self, out: &mut Vec<Command>) {
        match self.method() {
            Method::Qr if self.offline => self.go_offline(),
            Method::Qr => {
                self.qr_calls = 0;
                self.phase = Phase::Loading;
                self.fetch_qr(out);
            }
            Method::Phone => {
                self.phase = Phase::PhoneInput {
                    value: self.typed.take().unwrap_or_default(),
                    problem: None,
                };
            }
        }
    }

    fn fetch_code(&mut self, phone: Phone, out: &mut Vec<Command>) {
        let id = self.new_id();
        self.code_request = Some(id);
        out.push(Command::FetchCode {
            id,
            digits: phone.digits.clone(),
        });
        // The number stays on the loading phase's owner so that the answer can show it.
        self.phase = Phase::Loading;
        self.pending_phone = Some(phone);
    }

    /// The page is visible again: a code whose time ran out while hidden is never shown as
    /// valid.
    fn shown_again(&mut self, now_ms: f64, out: &mut Vec<Command>) {
        if self.linked_phone().map(|card| &card.device) == Some(&DeviceInfo::Loading) {
            self.fetch_device(out);
        }
        if let Phase::Qr {
            deadline_ms,
            refreshing: false,
            ..
        } = self.phase
        {
            if now_ms >= deadline_ms {
                if self.qr_calls >= MAX_QR_CALLS {
                    self.pause(out);
                } else {
                    self.phase = Phase::Loading;
                    self.fetch_qr(out);
                }
            }
        }
        self.tick(now_ms, out);
    }

    fn pause(&mut self, out: &mut Vec<Command>) {
        self.phase = Phase::Paused;
        out.push(Command::Emit(WidgetEvent::Expired { kind: CodeKind::Qr }));
    }

    /// Abandons the QR or phone flow and asks for an extension code.
    fn fetch_extension_token(&mut self, out: &mut Vec<Command>) {
        self.forget_requests();
        let id = self.new_id();
        self.extension_request = Some(id);
        self.phase = Phase::Loading;
        out.push(Command::FetchExtensionToken { id });
    }

    fn config_changed(&mut self, config: Config, out: &mut Vec<Command>) {
        let relay_changed = config.relay != self.config.relay;
        let method_dropped = !config.methods.offers(self.method());
        let format_changed = config.format != self.config.format;
        let interval_secs = config.interval_secs;
        if !config.allow_disconnect && self.linked_phone.disconnect == DisconnectStep::Confirming {
            self.linked_phone.disconnect = DisconnectStep::Offered;
        }
        self.config = config;
        if relay_changed {
            self.status_known = false;
            if self.stream == Stream::Absent {
                self.stream = Stream::default();
            }
        }
        let restart = match &self.phase {
            Phase::Idle => false,
            // The user's Retry picks up a new relay; only a missing one is fixed by setting it.
            Phase::Error(error) => relay_changed && error.code == ErrorCode::InvalidConfig,
            Phase::Loading | Phase::Qr { .. } => relay_changed || format_changed || method_dropped,
            Phase::Paused
            | Phase::PhoneInput { .. }
            | Phase::PhoneConfirm { .. }
            | Phase::PhoneCode { .. }
            | Phase::CodeExpired { .. } => relay_changed || method_dropped,
            _ => relay_changed,
        };
        if restart {
            self.begin(out);
        } else if let Phase::Qr {
            shown_at_ms,
            deadline_ms,
            ..
        } = &mut self.phase
        {
            // A new interval also moves the shown code's deadline.
            *deadline_ms = *shown_at_ms + f64::from(interval_secs) * 1000.0;
        }
    }

    /// A fresh start from the status check.
    fn begin(&mut self, out: &mut Vec<Command>) {
        self.qr_calls = 0;
        self.status_known = false;
        self.shown_code = false;
        self.forget_requests();
        if self.config.relay.trim().is_empty() {
            self.fail(WidgetError::new(ErrorCode::InvalidConfig), out);
            return;
        }
        if self.offline {
            self.go_offline();
            return;
        }
        self.phase = Phase::Loading;
        // A widget that starts in a background tab waits until it is seen.
        self.deferred = self.hidden;
        if self.deferred {
            return;
        }
        let id = self.new_id();
        self.status_request = Some((id, StatusPurpose::Initial));
        out.push(Command::FetchStatus { id });
    }

    /// Starts over after the widget lost track (offline, or restored from the back-forward
    /// cache): a phone linked meanwhile to a code it showed is news, not "already linked".
    fn begin_again(&mut self, out: &mut Vec<Command>) {
        let shown_code = self.shown_code;
        self.begin(out);
        self.shown_code = shown_code;
    }

    fn new_id(&mut self) -> RequestId {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    fn fetch_qr(&mut self, out: &mut Vec<Command>) {
        let id = self.new_id();
        self.qr_request = Some(id);
        self.qr_calls += 1;
        out.push(Command::FetchQr {
            id,
            format: self.config.format,
        });
    }

    fn fail(&mut self, error: WidgetError, out: &mut Vec<Command>) {
        self.forget_requests();
        out.push(Command::Emit(WidgetEvent::Error(error.clone())));
        self.phase = Phase::Error(error);
    }

    fn linked(&mut self, already: bool, out: &mut Vec<Command>) {
        self.forget_requests();
        self.phase = if already {
            Phase::AlreadyConnected
        } else {
            Phase::Connected
        };
        out.push(Command::Emit(WidgetEvent::Connected { already }));
        self.linked_phone = LinkedPhone::default();
        self.fetch_device(out);
    }

    /// Asks which phone is linked, once, when the page is visible.
    fn fetch_device(&mut self, out: &mut Vec<Command>) {
        if self.hidden || self.device_request.is_some() {
            return;
        }
        let id = self.new_id();
        self.device_request = Some(id);
        out.push(Command::FetchDevice { id });
    }

    fn restore_session(&mut self) {
        self.forget_requests();
        self.phase = Phase::RestoreSession;
    }

    fn tick(&mut self, now_ms: f64, out: &mut Vec<Command>) {
        if self.hidden {
            return;
        }
        let fixed_code = match self.phase {
            Phase::PhoneCode { deadline_ms, .. } => Some((deadline_ms, CodeKind::Phone)),
            Phase::ExtensionCode { deadline_ms, .. } => Some((deadline_ms, CodeKind::Extension)),
            _ => None,
        };
        // A phone or extension code never changes while shown; once expired, the next one
        // waits for the user.
        if let Some((deadline_ms, kind)) = fixed_code {
            if now_ms >= deadline_ms {
                self.phase = match std::mem::take(&mut self.phase) {
                    Phase::PhoneCode { phone, .. } => Phase::CodeExpired { phone },
                    _ => Phase::ExtensionExpired,
                };
                self.status_request = None;
                out.push(Command::Emit(WidgetEvent::Expired { kind }));
                return;
            }
            self.poll(now_ms, out);
            return;
        }
        let Phase::Qr {
            shown_at_ms,
            deadline_ms,
            refreshing,
            ..
        } = self.phase
        else {
            return;
        };
        if now_ms >= shown_at_ms + QR_LIFETIME_MS {
            // A late answer, or a machine that slept: the code cannot be scanned any more.
            if refreshing {
                self.phase = Phase::Loading;
            } else if self.qr_calls >= MAX_QR_CALLS {
                self.pause(out);
            } else {
                self.phase = Phase::Loading;
                self.fetch_qr(out);
            }
            return;
        }
        if !refreshing && now_ms >= deadline_ms {
            if self.qr_calls >= MAX_QR_CALLS {
                self.pause(out);
                return;
            }
            self.fetch_qr(out);
            if let Phase::Qr { refreshing, .. } = &mut self.phase {
                *refreshing = true;
            }
            // The new code's answer says whether the phone is linked: no poll beside it.
            self.next_poll_ms = self.next_poll_ms.max(now_ms + POLL_MS);
            return;
        }
        self.poll(now_ms, out);
    }

    fn poll(&mut self, now_ms: f64, out: &mut Vec<Command>) {
        if self.status_request.is_none() && now_ms >= self.next_poll_ms {
            let id = self.new_id();
            self.status_request = Some((id, StatusPurpose::Poll));
            out.push(Command::FetchStatus { id });
        }
    }

    fn status_loaded(
        &mut self,
        id: RequestId,
        result: Result<StatusAnswer, WidgetError>,
        now_ms: f64,
        out: &mut Vec<Command>,
    ) {
        let purpose = match self.status_request {
            Some((current, purpose)) if current == id => purpose,
            _ => return,
        };
        self.status_request = None;
        self.status_known = true;
        match (purpose, result) {
            (StatusPurpose::Initial, Ok(StatusAnswer::Connected)) => {
                self.linked(!self.shown_code, out);
            }
            (StatusPurpose::Initial, Ok(StatusAnswer::RestoreSession)) => self.restore_session(),
            (StatusPurpose::Initial, Ok(StatusAnswer::NotConnected)) => self.show_method(out),
            (StatusPurpose::Initial, Err(error)) => self.fail(error, out),
            (StatusPurpose::Poll, Ok(StatusAnswer::Connected)) => self.linked(false, out),
            (StatusPurpose::Poll, Ok(StatusAnswer::RestoreSession)) => {
                if matches!(
                    self.phase,
                    Phase::Qr { .. } | Phase::PhoneCode { .. } | Phase::ExtensionCode { .. }
                ) {
                    self.restore_session();
                }
            }
            // A failed background check changes nothing while the code is still valid.
            (StatusPurpose::Poll, Ok(StatusAnswer::NotConnected) | Err(_)) => {
                self.next_poll_ms = now_ms + self.poll_interval_ms(now_ms);
            }
        }
    }

    fn qr_loaded(
        &mut self,
        id: RequestId,
        result: Result<QrAnswer, WidgetError>,
        now_ms: f64,
        out: &mut Vec<Command>,
    ) {
        if self.qr_request != Some(id) {
            return;
        }
        self.qr_request = None;
        match result {
            Ok(QrAnswer::Code(code)) => {
                let deadline_ms = now_ms + f64::from(self.config.interval_secs) * 1000.0;
                if !matches!(self.phase, Phase::Qr { .. }) {
                    self.next_poll_ms = now_ms + self.poll_interval_ms(now_ms);
                }
                self.shown_code = true;
                self.phase = Phase::Qr {
                    code,
                    shown_at_ms: now_ms,
                    deadline_ms,
                    last: self.qr_calls >= MAX_QR_CALLS,
                    refreshing: false,
                };
                out.push(Command::Emit(WidgetEvent::Code {
                    kind: CodeKind::Qr,
                    expires_at_ms: deadline_ms,
                }));
            }
            // Linked before any code was shown means it was linked already.
            Ok(QrAnswer::Connected) => self.linked(!self.shown_code, out),
            Err(error) => self.fail(error, out),
        }
    }

    fn code_loaded(
        &mut self,
        id: RequestId,
        result: Result<CodeAnswer, WidgetError>,
        now_ms: f64,
        out: &mut Vec<Command>,
    ) {
        if self.code_request != Some(id) {
            return;
        }
        self.code_request = None;
        let Some(phone) = self.pending_phone.take() else {
            return;
        };
        match result {
            Ok(CodeAnswer::Code(code)) => {
                let deadline_ms = now_ms + f64::from(self.config.code_ttl_secs) * 1000.0;
                self.next_poll_ms = now_ms + self.poll_interval_ms(now_ms);
                self.shown_code = true;
                self.phase = Phase::PhoneCode {
                    code,
                    phone,
                    deadline_ms,
                };
                out.push(Command::Emit(WidgetEvent::Code {
                    kind: CodeKind::Phone,
                    expires_at_ms: deadline_ms,
                }));
            }
            Ok(CodeAnswer::Connected) => self.linked(!self.shown_code, out),
            Err(error) if error.code == ErrorCode::InvalidPhone => {
                out.push(Command::Emit(WidgetEvent::Error(error)));
                self.phase = Phase::PhoneInput {
                    value: phone.display,
                    problem: Some(PhoneProblem::Refused),
                };
            }
            Err(error) => self.fail(error, out),
        }
    }

    fn extension_loaded(
        &mut self,
        id: RequestId,
        result: Result<ExtensionAnswer, WidgetError>,
        now_ms: f64,
        out: &mut Vec<Command>,
    ) {
        if self.extension_request != Some(id) {
            return;
        }
        self.extension_request = None;
        match result {
            Ok(ExtensionAnswer::Code {
                token,
                expires_at_ms,
                relay_now_ms,
            }) => {
                let deadline_ms =
                    now_ms + extension_lifetime_ms(expires_at_ms, relay_now_ms, now_ms);
                self.next_poll_ms = now_ms + self.poll_interval_ms(now_ms);
                self.shown_code = true;
                self.phase = Phase::ExtensionCode { token, deadline_ms };
                out.push(Command::Emit(WidgetEvent::Code {
                    kind: CodeKind::Extension,
                    expires_at_ms: deadline_ms,
                }));
            }
            Ok(ExtensionAnswer::Connected) => self.linked(!self.shown_code, out),
            Err(error) => self.fail(error, out),
        }
    }
}

#[cfg(test)]
mod tests;
