use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::config::SimConfig;
use crate::device::{Device, DevicePatch};
use crate::payload::{self, QrFormat};

/// WhatsApp invalidates a QR code this often (simulator clock).
pub const QR_ROTATION: Duration = Duration::from_secs(20);

/// How long a pairing code stays the same for an instance (simulator clock).
pub const PHONE_CODE_LIFETIME: Duration = Duration::from_secs(180);

/// How long an extension code stays valid (simulator wall clock).
pub const EXTENSION_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// The Z-API endpoints the simulator serves, as counted in [`CallCounts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    QrCode,
    QrCodeImage,
    PhoneCode,
    Status,
    ExtensionToken,
    Device,
    Disconnect,
}

impl Endpoint {
    /// The path suffix, which is also the key in the control API's `calls` object.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::QrCode => "qr-code",
            Endpoint::QrCodeImage => "qr-code/image",
            Endpoint::PhoneCode => "phone-code",
            Endpoint::Status => "status",
            Endpoint::ExtensionToken => "extension-token",
            Endpoint::Device => "device",
            Endpoint::Disconnect => "disconnect",
        }
    }
}

/// Z-API calls received per endpoint, including the ones that failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CallCounts {
    #[serde(rename = "qr-code")]
    pub qr_code: u64,
    #[serde(rename = "qr-code/image")]
    pub qr_code_image: u64,
    #[serde(rename = "phone-code")]
    pub phone_code: u64,
    pub status: u64,
    #[serde(rename = "extension-token")]
    pub extension_token: u64,
    pub device: u64,
    pub disconnect: u64,
    /// Requests under `/instances/{id}/` that the simulator does not serve (`/restart`,
    /// `/send-text`, a POST to `/status`, ...): a relay must never cause one.
    pub other: u64,
}

impl CallCounts {
    pub fn get(&self, endpoint: Endpoint) -> u64 {
        match endpoint {
            Endpoint::QrCode => self.qr_code,
            Endpoint::QrCodeImage => self.qr_code_image,
            Endpoint::PhoneCode => self.phone_code,
            Endpoint::Status => self.status,
            Endpoint::ExtensionToken => self.extension_token,
            Endpoint::Device => self.device,
            Endpoint::Disconnect => self.disconnect,
        }
    }

    /// Every call, the unserved ones included.
    pub fn total(&self) -> u64 {
        self.qr_code
            + self.qr_code_image
            + self.phone_code
            + self.status
            + self.extension_token
            + self.device
            + self.disconnect
            + self.other
    }

    fn bump(&mut self, endpoint: Endpoint) {
        let slot = match endpoint {
            Endpoint::QrCode => &mut self.qr_code,
            Endpoint::QrCodeImage => &mut self.qr_code_image,
            Endpoint::PhoneCode => &mut self.phone_code,
            Endpoint::Status => &mut self.status,
            Endpoint::ExtensionToken => &mut self.extension_token,
            Endpoint::Device => &mut self.device,
            Endpoint::Disconnect => &mut self.disconnect,
        };
        *slot += 1;
    }
}

/// How an instance misbehaves, for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureMode {
    #[default]
    None,
    /// `/status` reports `You need to restore the session.`; the other endpoints still answer.
    RestoreSession,
    /// 400 `To continue sending a message, you must subscribe to this instance again`.
    SubscriptionExpired,
    /// 400 `null not allowed`, as if the Client-Token were missing.
    ClientTokenRejected,
    /// 403 `203.0.113.7 not allowed`, as if the IP allow-list blocked the caller.
    IpNotAllowed,
    /// 500 `Internal server error`.
    ServerError,
    /// 200 `text/html` `<html>oops</html>`.
    Garbage,
    /// 200 JSON of about 3 MiB.
    Oversized,
    /// Sleep `delay_ms` of real time, then answer normally.
    Slow,
}

impl fmt::Display for FailureMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_value(self).expect("a unit enum serializes");
        f.write_str(text.as_str().unwrap_or_default())
    }
}

/// The failure settings of one instance, as `POST /__sim/instances/{id}/failure` takes them.
/// A POST replaces every field; missing ones take their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Failure {
    pub mode: FailureMode,
    /// Real-time delay of the `slow` mode. Default 15 000.
    pub delay_ms: u64,
    /// Real-time delay added to every Z-API call of the instance, whatever the mode. Default 0.
    pub latency_ms: u64,
    /// Every Z-API answer of the instance carries `Access-Control-Allow-Origin: *` and
    /// `Access-Control-Allow-Credentials: true`, headers a relay must not pass on to browsers.
    /// Default `false`.
    pub any_origin: bool,
}

impl Default for Failure {
    fn default() -> Self {
        Self {
            mode: FailureMode::None,
            delay_ms: 15_000,
            latency_ms: 0,
            any_origin: false,
        }
    }
}

impl Failure {
    pub fn mode(mode: FailureMode) -> Self {
        Self {
            mode,
            ..Self::default()
        }
    }
}

/// An extension code and when it stops being valid, as `/extension-token` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionToken {
    pub token: String,
    /// Unix time in milliseconds on the simulator's wall clock (see [`Sim::unix_ms`]).
    pub expires_at: u64,
}

/// `POST /__sim/instances/{id}/mode`: what to switch; a missing field stays as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mode {
    /// The account must confirm a new linked device with a passkey: a scan or a pairing code
    /// does not link; only the extension does.
    pub passkey_required: Option<bool>,
    pub qr_format: Option<QrFormat>,
    /// Callbacks are lost on their way: the instance links and unlinks without posting any.
    pub webhooks_lost: Option<bool>,
}

/// The callback URLs set with `update-webhook-connected` and `update-webhook-disconnected`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Webhooks {
    pub connected: Option<String>,
    pub disconnected: Option<String>,
}

/// Which of the two connection callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookKind {
    Connected,
    Disconnected,
}

/// A callback due: where to post it and what.
#[derive(Debug, Clone)]
pub(crate) struct Callback {
    pub url: String,
    pub body: serde_json::Value,
}

/// Why the simulated Chrome extension did not link the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionRefusal {
    AlreadyConnected,
    NoCode,
    WrongCode,
    Expired,
}

impl fmt::Display for ExtensionRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExtensionRefusal::AlreadyConnected => "The instance is already connected.",
            ExtensionRefusal::NoCode => {
                "No extension code was issued: call /extension-token first."
            }
            ExtensionRefusal::WrongCode => "This is not the instance's current extension code.",
            ExtensionRefusal::Expired => "The extension code has expired: ask for a new one.",
        })
    }
}

/// What `GET /__sim/instances/{id}` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceSnapshot {
    pub id: String,
    pub connected: bool,
    pub qr: String,
    pub phone_code: Option<String>,
    pub calls: CallCounts,
    pub failure: FailureMode,
    /// The header names of the instance's last Z-API call, lowercase and sorted, so that tests
    /// can prove what a relay forwards.
    pub last_headers: Vec<String>,
    pub passkey_required: bool,
    pub qr_format: QrFormat,
    /// A scan or a pairing code was tried in passkey mode and waits for a passkey that never
    /// comes.
    pub passkey_pending: bool,
    /// The last extension code issued, expired or not, until it links or the instance is reset.
    pub extension_token: Option<ExtensionToken>,
    /// What `/device` answers: the linked phone, or `None` when nothing is linked.
    pub device: Option<Device>,
    pub webhooks: Webhooks,
    pub webhooks_lost: bool,
    /// Callbacks posted (whatever their answer) since the last reset.
    pub webhooks_sent: u64,
}

/// Returned when an operation names an instance the simulator does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownInstance(pub String);

impl fmt::Display for UnknownInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no simulated instance {:?}", self.0)
    }
}

impl std::error::Error for UnknownInstance {}

/// A handle on the simulator's state. Cloning is cheap; all clones see the same state.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimConfig,
    started: Instant,
    state: Mutex<State>,
    /// TCP connections accepted: a client that keeps its connections alive opens few.
    connections: AtomicU64,
}

struct State {
    clock_offset: Duration,
    instances: BTreeMap<String, Instance>,
}

struct Instance {
    token: String,
    connected: bool,
    qr: String,
    qr_since: Duration,
    qr_image: Option<Arc<str>>,
    phone_code: Option<(String, Duration)>,
    calls: CallCounts,
    failure: Failure,
    last_headers: Vec<String>,
    passkey_required: bool,
    qr_format: QrFormat,
    passkey_pending: bool,
    extension_token: Option<ExtensionToken>,
    device: Device,
    webhooks: Webhooks,
    webhooks_lost: bool,
    webhooks_sent: u64,
}

impl Instance {
    fn new(token: String, now: Duration) -> Self {
        Self {
            token,
            connected: false,
            qr: payload::random_qr(QrFormat::Classic),
            qr_since: now,
            qr_image: None,
            phone_code: None,
            calls: CallCounts::default(),
            failure: Failure::default(),
            last_headers: Vec::new(),
            passkey_required: false,
            qr_format: QrFormat::Classic,
            passkey_pending: false,
            extension_token: None,
            device: Device::default(),
            webhooks: Webhooks::default(),
            webhooks_lost: false,
            webhooks_sent: 0,
        }
    }

    /// A reset keeps what the account configured: the token and the callback URLs.
    fn reset(&mut self, now: Duration) {
        let mut fresh = Instance::new(std::mem::take(&mut self.token), now);
        fresh.webhooks = std::mem::take(&mut self.webhooks);
        *self = fresh;
    }

    /// The callback a link or unlink posts, if its URL is set and callbacks are not lost.
    fn callback(&mut self, id: &str, kind: WebhookKind, unix_ms: u64) -> Option<Callback> {
        let url = match kind {
            WebhookKind::Connected => self.webhooks.connected.clone(),
            WebhookKind::Disconnected => self.webhooks.disconnected.clone(),
        }?;
        if self.webhooks_lost {
            return None;
        }
        self.webhooks_sent += 1;
        let momment = unix_ms / 1000;
        let body = match kind {
            WebhookKind::Connected => serde_json::json!({
                "type": "ConnectedCallback",
                "connected": true,
                "phone": self.device.phone,
                "momment": momment,
                "instanceId": id,
            }),
            WebhookKind::Disconnected => serde_json::json!({
                "type": "DisconnectedCallback",
                "disconnected": true,
                "error": "Device has been disconnected",
                "momment": momment,
                "instanceId": id,
            }),
        };
        Some(Callback { url, body })
    }

    fn new_qr(&mut self, now: Duration) {
        self.qr = payload::random_qr(self.qr_format);
        self.qr_since = now;
        self.qr_image = None;
    }

    fn link(&mut self) {
        self.connected = true;
        self.phone_code = None;
        self.passkey_pending = false;
        self.extension_token = None;
    }

    fn unlink(&mut self, now: Duration) {
        self.connected = false;
        self.phone_code = None;
        self.passkey_pending = false;
        self.extension_token = None;
        self.new_qr(now);
    }

    /// Catches up with the clock: rotation happens lazily, on the first look after it is due.
    fn refresh(&mut self, now: Duration) {
        let age = now.saturating_sub(self.qr_since);
        if age >= QR_ROTATION {
            let periods = age.as_millis() / QR_ROTATION.as_millis();
            let skipped = QR_ROTATION * u32::try_from(periods).unwrap_or(u32::MAX);
            self.new_qr(self.qr_since + skipped);
        }
        if let Some((_, issued)) = &self.phone_code {
            if now.saturating_sub(*issued) >= PHONE_CODE_LIFETIME {
                self.phone_code = None;
            }
        }
    }

    fn snapshot(&self, id: &str) -> InstanceSnapshot {
        InstanceSnapshot {
            id: id.to_owned(),
            connected: self.connected,
            qr: self.qr.clone(),
            phone_code: self.phone_code.as_ref().map(|(code, _)| code.clone()),
            calls: self.calls,
            failure: self.failure.mode,
            last_headers: self.last_headers.clone(),
            passkey_required: self.passkey_required,
            qr_format: self.qr_format,
            passkey_pending: self.passkey_pending,
            extension_token: self.extension_token.clone(),
            device: self.connected.then(|| self.device.clone()),
            webhooks: self.webhooks.clone(),
            webhooks_lost: self.webhooks_lost,
            webhooks_sent: self.webhooks_sent,
        }
    }
}

/// The simulator's two clocks at one instant: `elapsed` (time since start, which drives QR
/// rotation and pairing codes) and `unix_ms` (the wall clock of `expiresAt`). Both include
/// every `advance_clock`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    pub elapsed: Duration,
    pub unix_ms: u64,
}

/// What the Z-API handlers learn when a call arrives, before any delay.
pub(crate) struct CallStart {
    pub token_ok: bool,
    pub failure: Failure,
}

/// The part of an instance a normal (non-failing) answer needs.
pub(crate) struct Answer {
    pub connected: bool,
    pub value: Arc<str>,
}

impl Sim {
    pub fn new(config: SimConfig) -> Self {
        let now = Duration::ZERO;
        let instances = config
            .instances
            .iter()
            .map(|i| (i.id.clone(), Instance::new(i.token.clone(), now)))
            .collect();
        Self {
            inner: Arc::new(Inner {
                config,
                started: Instant::now(),
                state: Mutex::new(State {
                    clock_offset: Duration::ZERO,
                    instances,
                }),
                connections: AtomicU64::new(0),
            }),
        }
    }

    /// Counts one TCP connection accepted by the listener serving [`crate::app`].
    pub fn connection_accepted(&self) {
        self.inner.connections.fetch_add(1, Ordering::Relaxed);
    }

    /// The TCP connections accepted so far (`GET /__sim/connections`).
    pub fn connections_accepted(&self) -> u64 {
        self.inner.connections.load(Ordering::Relaxed)
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now_locked(&self, state: &State) -> Duration {
        self.inner.started.elapsed() + state.clock_offset
    }

    fn unix_ms_locked(state: &State) -> u64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        u64::try_from((real + state.clock_offset).as_millis()).unwrap_or(u64::MAX)
    }

    /// The simulator's wall clock in Unix milliseconds: the real time plus every
    /// `advance_clock`, so that a test can expire an extension code without waiting.
    pub fn unix_ms(&self) -> u64 {
        Self::unix_ms_locked(&self.lock())
    }

    /// The simulator clock: time since start plus every `advance_clock`.
    pub fn now(&self) -> Duration {
        let state = self.lock();
        self.now_locked(&state)
    }

    /// Moves the simulator clock forward, as the control API's `clock/advance` does.
    pub fn advance_clock(&self, by: Duration) {
        self.lock().clock_offset += by;
    }

    fn with_instance<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut Instance, Now) -> T,
    ) -> Result<T, UnknownInstance> {
        let mut state = self.lock();
        let now = Now {
            elapsed: self.now_locked(&state),
            unix_ms: Self::unix_ms_locked(&state),
        };
        let instance = state
            .instances
            .get_mut(id)
            .ok_or_else(|| UnknownInstance(id.to_owned()))?;
        instance.refresh(now.elapsed);
        Ok(f(instance, now))
    }

    /// The ids of all simulated instances.
    pub fn instance_ids(&self) -> Vec<String> {
        self.lock().instances.keys().cloned().collect()
    }

    /// The QR payload `/qr-code` would return now.
    pub fn current_qr(&self, id: &str) -> Option<String> {
        self.with_instance(id, |i, _| i.qr.clone()).ok()
    }

    /// The pairing code handed out within the last 180 s, if any.
    pub fn current_phone_code(&self, id: &str) -> Option<String> {
        self.with_instance(id, |i, _| i.phone_code.as_ref().map(|(c, _)| c.clone()))
            .ok()
            .flatten()
    }

    pub fn is_connected(&self, id: &str) -> Option<bool> {
        self.with_instance(id, |i, _| i.connected).ok()
    }

    pub fn calls(&self, id: &str) -> Option<CallCounts> {
        self.with_instance(id, |i, _| i.calls).ok()
    }

    pub fn failure(&self, id: &str) -> Option<Failure> {
        self.with_instance(id, |i, _| i.failure).ok()
    }

    /// Everything the control API shows about an instance. Counts nothing.
    pub fn snapshot(&self, id: &str) -> Option<InstanceSnapshot> {
        self.with_instance(id, |i, _| i.snapshot(id)).ok()
    }

    /// The phone scanned the QR code or typed the pairing code. In passkey mode that does not
    /// link: the phone waits for a passkey ([`InstanceSnapshot::passkey_pending`]).
    pub fn scan(&self, id: &str) -> Result<(), UnknownInstance> {
        let callback = self.with_instance(id, |i, now| {
            if i.connected {
                return None;
            }
            if i.passkey_required {
                i.passkey_pending = true;
                None
            } else {
                i.link();
                i.callback(id, WebhookKind::Connected, now.unix_ms)
            }
        })?;
        crate::webhooks::post(callback);
        Ok(())
    }

    /// The phone unlinked the device; a new QR code is due.
    pub fn disconnect(&self, id: &str) -> Result<(), UnknownInstance> {
        let callback = self.with_instance(id, |i, now| {
            let was_connected = i.connected;
            i.unlink(now.elapsed);
            if was_connected {
                i.callback(id, WebhookKind::Disconnected, now.unix_ms)
            } else {
                None
            }
        })?;
        crate::webhooks::post(callback);
        Ok(())
    }

    /// Sets (or, with `None`, removes) a callback URL.
    pub fn set_webhook(
        &self,
        id: &str,
        kind: WebhookKind,
        url: Option<String>,
    ) -> Result<(), UnknownInstance> {
        self.with_instance(id, |i, _| match kind {
            WebhookKind::Connected => i.webhooks.connected = url,
            WebhookKind::Disconnected => i.webhooks.disconnected = url,
        })
    }

    /// Disconnected, counters at zero, no failure, the classic QR format without passkeys, the
    /// default device, fresh QR code.
    pub fn reset_instance(&self, id: &str) -> Result<(), UnknownInstance> {
        self.with_instance(id, |i, now| i.reset(now.elapsed))
    }

    /// Switches passkey mode and the QR format. A new format takes effect at once, with a new
    /// QR code; leaving passkey mode drops a pending passkey request.
    pub fn set_mode(&self, id: &str, mode: Mode) -> Result<(), UnknownInstance> {
        self.with_instance(id, |i, now| {
            if let Some(required) = mode.passkey_required {
                i.passkey_required = required;
                if !required {
                    i.passkey_pending = false;
                }
            }
            if let Some(lost) = mode.webhooks_lost {
                i.webhooks_lost = lost;
            }
            if let Some(format) = mode.qr_format {
                if format != i.qr_format {
                    i.qr_format = format;
                    i.new_qr(now.elapsed);
                }
            }
        })
    }

    /// Changes what `/device` reports about the linked phone, now and for the next link.
    pub fn set_device(&self, id: &str, patch: DevicePatch) -> Result<(), UnknownInstance> {
        self.with_instance(id, |i, _| i.device.apply(patch))
    }

    /// The simulated Z-API Conector extension, given `code`: links the instance when it is the
    /// current extension code and has not expired. Case and surrounding spaces do not matter.
    pub fn extension(
        &self,
        id: &str,
        code: &str,
    ) -> Result<Result<(), ExtensionRefusal>, UnknownInstance> {
        let linked = self.with_instance(id, |i, now| {
            if i.connected {
                return Err(ExtensionRefusal::AlreadyConnected);
            }
            let current = i.extension_token.as_ref().ok_or(ExtensionRefusal::NoCode)?;
            if !current.token.eq_ignore_ascii_case(code.trim()) {
                return Err(ExtensionRefusal::WrongCode);
            }
            if now.unix_ms >= current.expires_at {
                return Err(ExtensionRefusal::Expired);
            }
            i.link();
            Ok(i.callback(id, WebhookKind::Connected, now.unix_ms))
        })?;
        Ok(linked.map(crate::webhooks::post))
    }

    /// The extension code issued last, expired or not.
    pub fn current_extension_token(&self, id: &str) -> Option<ExtensionToken> {
        self.with_instance(id, |i, _| i.extension_token.clone())
            .ok()
            .flatten()
    }

    pub fn set_failure(&self, id: &str, failure: Failure) -> Result<(), UnknownInstance> {
        self.with_instance(id, |i, _| i.failure = failure)
    }

    /// Every instance reset and the clock offset back to zero.
    pub fn reset(&self) {
        let mut state = self.lock();
        state.clock_offset = Duration::ZERO;
        let now = self.now_locked(&state);
        for instance in state.instances.values_mut() {
            instance.reset(now);
        }
    }

    /// Counts a request for an instance path the simulator does not serve. `false` for an
    /// unknown instance, which is not counted.
    pub(crate) fn count_other(&self, id: &str) -> bool {
        self.with_instance(id, |i, _| i.calls.other += 1).is_ok()
    }

    /// Counts a Z-API call and keeps its header names. `None` for an unknown instance, which is
    /// not counted.
    pub(crate) fn start_call(
        &self,
        id: &str,
        token: &str,
        endpoint: Option<Endpoint>,
        header_names: Vec<String>,
    ) -> Option<CallStart> {
        self.with_instance(id, |i, _| {
            if let Some(endpoint) = endpoint {
                i.calls.bump(endpoint);
            }
            i.last_headers = header_names;
            CallStart {
                token_ok: i.token == token,
                failure: i.failure,
            }
        })
        .ok()
    }

    pub(crate) fn qr_answer(&self, id: &str) -> Option<Answer> {
        self.with_instance(id, |i, _| Answer {
            connected: i.connected,
            value: i.qr.as_str().into(),
        })
        .ok()
    }

    pub(crate) fn qr_image_answer(&self, id: &str) -> Option<Answer> {
        self.with_instance(id, |i, _| {
            let image = i
                .qr_image
                .get_or_insert_with(|| payload::qr_png_data_url(&i.qr).into())
                .clone();
            Answer {
                connected: i.connected,
                value: image,
            }
        })
        .ok()
    }

    pub(crate) fn phone_code_answer(&self, id: &str) -> Option<Answer> {
        self.with_instance(id, |i, now| {
            if i.connected {
                return Answer {
                    connected: true,
                    value: "".into(),
                };
            }
            let (code, _) = i
                .phone_code
                .get_or_insert_with(|| (payload::random_pairing_code(), now.elapsed));
            Answer {
                connected: false,
                value: code.as_str().into(),
            }
        })
        .ok()
    }

    /// `/extension-token`: a new code every call (the previous one stops being valid), or
    /// `None` inside when the instance is connected.
    pub(crate) fn extension_token_answer(&self, id: &str) -> Option<Option<ExtensionToken>> {
        self.with_instance(id, |i, now| {
            if i.connected {
                return None;
            }
            let lifetime = u64::try_from(EXTENSION_TOKEN_LIFETIME.as_millis()).unwrap_or(0);
            let token = ExtensionToken {
                token: payload::random_extension_token(),
                expires_at: now.unix_ms.saturating_add(lifetime),
            };
            i.extension_token = Some(token.clone());
            Some(token)
        })
        .ok()
    }

    /// `/device`: the linked phone, or `None` inside when nothing is linked.
    pub(crate) fn device_answer(&self, id: &str) -> Option<Option<Device>> {
        self.with_instance(id, |i, _| i.connected.then(|| i.device.clone()))
            .ok()
    }
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim")
            .field("instances", &self.instance_ids())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "demo-instance";

    #[test]
    fn qr_rotates_every_twenty_seconds_of_sim_clock() {
        let sim = Sim::new(SimConfig::default());
        let first = sim.current_qr(ID).unwrap();
        sim.advance_clock(Duration::from_secs(19));
        assert_eq!(sim.current_qr(ID).unwrap(), first);
        sim.advance_clock(Duration::from_secs(1));
        let second = sim.current_qr(ID).unwrap();
        assert_ne!(second, first);
        sim.advance_clock(Duration::from_secs(19));
        assert_eq!(sim.current_qr(ID).unwrap(), second);
    }

    #[test]
    fn a_long_jump_keeps_rotation_on_the_twenty_second_grid() {
        let sim = Sim::new(SimConfig::default());
        sim.advance_clock(Duration::from_secs(50));
        let qr = sim.current_qr(ID).unwrap();
        // The rotation due at 40 s happened; the next one is at 60 s, not at 70 s.
        sim.advance_clock(Duration::from_secs(9));
        assert_eq!(sim.current_qr(ID).unwrap(), qr);
        sim.advance_clock(Duration::from_secs(1));
        assert_ne!(sim.current_qr(ID).unwrap(), qr);
    }

    #[test]
    fn phone_code_is_stable_for_180_seconds() {
        let sim = Sim::new(SimConfig::default());
        assert_eq!(sim.current_phone_code(ID), None);
        let code = sim.phone_code_answer(ID).unwrap().value.to_string();
        sim.advance_clock(Duration::from_secs(179));
        assert_eq!(&*sim.phone_code_answer(ID).unwrap().value, code);
        sim.advance_clock(Duration::from_secs(1));
        assert_eq!(sim.current_phone_code(ID), None);
        // A new one is only issued on request (and is almost surely different).
        assert_eq!(sim.phone_code_answer(ID).unwrap().value.len(), 8);
    }

    #[test]
    fn scan_disconnect_and_reset() {
        let sim = Sim::new(SimConfig::default());
        let qr = sim.current_qr(ID).unwrap();
        sim.start_call(ID, "demo-token", Some(Endpoint::Status), Vec::new())
            .unwrap();
        sim.set_failure(ID, Failure::mode(FailureMode::Garbage))
            .unwrap();
        sim.scan(ID).unwrap();
        assert_eq!(sim.is_connected(ID), Some(true));
        sim.disconnect(ID).unwrap();
        assert_eq!(sim.is_connected(ID), Some(false));
        assert_ne!(sim.current_qr(ID).unwrap(), qr);

        sim.scan(ID).unwrap();
        sim.reset_instance(ID).unwrap();
        let snap = sim.snapshot(ID).unwrap();
        assert!(!snap.connected);
        assert_eq!(snap.calls, CallCounts::default());
        assert_eq!(snap.failure, FailureMode::None);
        // The token survives a reset.
        assert!(
            sim.start_call(ID, "demo-token", Some(Endpoint::QrCode), Vec::new())
                .unwrap()
                .token_ok
        );
    }

    #[test]
    fn unknown_instances_are_reported() {
        let sim = Sim::new(SimConfig::default());
        assert_eq!(sim.current_qr("nope"), None);
        assert_eq!(sim.scan("nope"), Err(UnknownInstance("nope".into())));
        assert!(sim
            .start_call("nope", "demo-token", Some(Endpoint::QrCode), Vec::new())
            .is_none());
    }

    #[test]
    fn failure_mode_names_match_the_control_api() {
        assert_eq!(FailureMode::RestoreSession.to_string(), "restore_session");
        let parsed: Failure = serde_json::from_str(r#"{"mode":"slow","delay_ms":250}"#).unwrap();
        assert_eq!(parsed.mode, FailureMode::Slow);
        assert_eq!(parsed.delay_ms, 250);
        assert_eq!(parsed.latency_ms, 0);
    }
}
