//! The connect flow as a pure state machine: events in, commands out, time passed in as
//! milliseconds. No browser types here, so that every rule is tested natively.
//!
//! Z-API's QR rules: check `/status` first and never fetch a QR for a linked number; refresh
//! the QR every 10–20 s; after 3 QR calls without a scan, stop and wait for the user.

use crate::error::{ErrorCode, WidgetError};
use crate::qr_svg::QrSvg;

/// QR calls per cycle before the widget stops and asks the user.
pub const MAX_QR_CALLS: u8 = 3;
/// How often `/status` is polled while a QR is shown.
pub const POLL_MS: f64 = 5_000.0;
/// The refresh interval used when none, or an unusable one, is given.
pub const DEFAULT_INTERVAL_SECS: u32 = 15;
pub const MIN_INTERVAL_SECS: u32 = 10;
pub const MAX_INTERVAL_SECS: u32 = 20;

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

/// Everything the host configures.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Base URL of the relay, such as `/zapi`.
    pub relay: String,
    /// Seconds between QR codes, already checked with [`choose_interval`].
    pub interval_secs: u32,
    pub format: QrFormat,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            relay: String::new(),
            interval_secs: DEFAULT_INTERVAL_SECS,
            format: QrFormat::Svg,
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

/// The widget's states, as written in `data-state` and in `zapi-state` events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateName {
    Loading,
    Qr,
    Paused,
    Connected,
    AlreadyConnected,
    RestoreSession,
    Error,
}

impl StateName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loading => "loading",
            Self::Qr => "qr",
            Self::Paused => "paused",
            Self::Connected => "connected",
            Self::AlreadyConnected => "already-connected",
            Self::RestoreSession => "restore-session",
            Self::Error => "error",
        }
    }
}

/// What the host hears about (the element dispatches these as `zapi-*` DOM events).
#[derive(Clone, Debug, PartialEq)]
pub enum WidgetEvent {
    /// `zapi-state`: the state changed.
    State(StateName),
    /// `zapi-code`: a new QR code is shown until `expires_at_ms` (milliseconds since the epoch).
    Code { expires_at_ms: f64 },
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
    Connected,
    AlreadyConnected,
    RestoreSession,
    Error(WidgetError),
}

impl Phase {
    /// `None` while idle.
    pub fn name(&self) -> Option<StateName> {
        Some(match self {
            Self::Idle => return None,
            Self::Loading => StateName::Loading,
            Self::Qr { .. } => StateName::Qr,
            Self::Paused => StateName::Paused,
            Self::Connected => StateName::Connected,
            Self::AlreadyConnected => StateName::AlreadyConnected,
            Self::RestoreSession => StateName::RestoreSession,
            Self::Error(_) => StateName::Error,
        })
    }
}

/// Identifies a request so that a late answer to an abandoned one is ignored.
pub type RequestId = u32;

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Start,
    Stop,
    /// Time passes; sent every second while [`Machine::wants_ticks`].
    Tick,
    StatusLoaded {
        id: RequestId,
        result: Result<StatusAnswer, WidgetError>,
    },
    QrLoaded {
        id: RequestId,
        result: Result<QrAnswer, WidgetError>,
    },
    /// The user asked for a new code after a pause.
    GetNewCode,
    /// The user asked to try again after an error (or to check a session again).
    Retry,
    ConfigChanged(Config),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    FetchStatus { id: RequestId },
    FetchQr { id: RequestId, format: QrFormat },
    Emit(WidgetEvent),
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
    next_poll_ms: f64,
}

impl Machine {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whole seconds until the shown code's deadline, rounded up; `None` without a code.
    pub fn countdown_secs(&self, now_ms: f64) -> Option<u32> {
        match self.phase {
            Phase::Qr { deadline_ms, .. } => Some(countdown_secs(deadline_ms, now_ms)),
            _ => None,
        }
    }

    /// Whether the view must send [`Event::Tick`] every second: a countdown or a poll is running.
    pub fn wants_ticks(&self) -> bool {
        matches!(self.phase, Phase::Qr { .. })
    }

    pub fn update(&mut self, event: Event, now_ms: f64) -> Vec<Command> {
        let before = self.phase.name();
        let mut out = Vec::new();
        match event {
            Event::Start => {
                if self.phase == Phase::Idle {
                    self.begin(&mut out);
                }
            }
            Event::Stop => {
                self.phase = Phase::Idle;
                self.status_request = None;
                self.qr_request = None;
            }
            Event::Retry => {
                if matches!(self.phase, Phase::Error(_) | Phase::RestoreSession) {
                    self.begin(&mut out);
                }
            }
            Event::GetNewCode => {
                if self.phase == Phase::Paused {
                    self.qr_calls = 0;
                    self.phase = Phase::Loading;
                    self.fetch_qr(&mut out);
                }
            }
            Event::ConfigChanged(config) => self.config_changed(config, &mut out),
            Event::Tick => self.tick(now_ms, &mut out),
            Event::StatusLoaded { id, result } => self.status_loaded(id, result, now_ms, &mut out),
            Event::QrLoaded { id, result } => self.qr_loaded(id, result, now_ms, &mut out),
        }
        let after = self.phase.name();
        if let Some(name) = after.filter(|_| after != before) {
            out.insert(0, Command::Emit(WidgetEvent::State(name)));
        }
        out
    }

    fn config_changed(&mut self, config: Config, out: &mut Vec<Command>) {
        let relay_changed = config.relay != self.config.relay;
        let format_changed = config.format != self.config.format;
        let interval_secs = config.interval_secs;
        self.config = config;
        let restart = match &self.phase {
            Phase::Idle => false,
            // The user's Retry picks up a new relay; only a missing one is fixed by setting it.
            Phase::Error(error) => relay_changed && error.code == ErrorCode::InvalidConfig,
            Phase::Loading | Phase::Qr { .. } => relay_changed || format_changed,
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
        self.shown_code = false;
        self.qr_request = None;
        self.status_request = None;
        if self.config.relay.trim().is_empty() {
            self.fail(WidgetError::new(ErrorCode::InvalidConfig), out);
            return;
        }
        self.phase = Phase::Loading;
        let id = self.new_id();
        self.status_request = Some((id, StatusPurpose::Initial));
        out.push(Command::FetchStatus { id });
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
        self.status_request = None;
        self.qr_request = None;
        out.push(Command::Emit(WidgetEvent::Error(error.clone())));
        self.phase = Phase::Error(error);
    }

    fn linked(&mut self, already: bool, out: &mut Vec<Command>) {
        self.status_request = None;
        self.qr_request = None;
        self.phase = if already {
            Phase::AlreadyConnected
        } else {
            Phase::Connected
        };
        out.push(Command::Emit(WidgetEvent::Connected { already }));
    }

    fn restore_session(&mut self) {
        self.status_request = None;
        self.qr_request = None;
        self.phase = Phase::RestoreSession;
    }

    fn tick(&mut self, now_ms: f64, out: &mut Vec<Command>) {
        let Phase::Qr {
            deadline_ms,
            refreshing,
            ..
        } = self.phase
        else {
            return;
        };
        if !refreshing && now_ms >= deadline_ms {
            if self.qr_calls >= MAX_QR_CALLS {
                self.phase = Phase::Paused;
                return;
            }
            self.fetch_qr(out);
            if let Phase::Qr { refreshing, .. } = &mut self.phase {
                *refreshing = true;
            }
        }
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
        match (purpose, result) {
            (StatusPurpose::Initial, Ok(StatusAnswer::Connected)) => self.linked(true, out),
            (StatusPurpose::Initial, Ok(StatusAnswer::RestoreSession)) => self.restore_session(),
            (StatusPurpose::Initial, Ok(StatusAnswer::NotConnected)) => self.fetch_qr(out),
            (StatusPurpose::Initial, Err(error)) => self.fail(error, out),
            (StatusPurpose::Poll, Ok(StatusAnswer::Connected)) => self.linked(false, out),
            (StatusPurpose::Poll, Ok(StatusAnswer::RestoreSession)) => {
                if matches!(self.phase, Phase::Qr { .. }) {
                    self.restore_session();
                }
            }
            // A failed background check changes nothing while the code is still valid.
            (StatusPurpose::Poll, Ok(StatusAnswer::NotConnected) | Err(_)) => {
                self.next_poll_ms = now_ms + POLL_MS;
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
                    self.next_poll_ms = now_ms + POLL_MS;
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
                    expires_at_ms: deadline_ms,
                }));
            }
            // Linked before any code was shown means it was linked already.
            Ok(QrAnswer::Connected) => self.linked(!self.shown_code, out),
            Err(error) => self.fail(error, out),
        }
    }
}

#[cfg(test)]
mod tests;
