//! The Leptos view: renders the machine's state and carries out its commands.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Element, HtmlElement};

use crate::error::{ErrorCode, WidgetError};
use crate::fetch;
use crate::machine::{
    choose_interval, countdown_secs, Command, Config, Event, Machine, Method, Phase, PhoneProblem,
    QrFormat, RequestId, StateName, WidgetEvent,
};
use crate::markup::{self, Context};
use crate::messages::{concat, Key, Lang, Texts, WARN_PREFIX};
use crate::options::Options;
use crate::relay;

/// How long a request to the relay may take before it counts as a `timeout`.
const REQUEST_TIMEOUT_MS: u32 = 10_000;
const TICK_MS: u32 = 1_000;
const STYLE: &str = include_str!("style.css");
const SMALL_TOUCH_SCREEN: &str = "(pointer: coarse) and (max-width: 600px)";

/// Links a WhatsApp phone to a Z-API instance: by QR code (refreshed by Z-API's rules, with a
/// countdown) or by a pairing code asked for with the user's phone number; reports when the
/// phone is linked.
///
/// Both props may change while the widget is shown. Removing the component stops every timer,
/// listener and request.
#[component]
pub fn ZapiConnect(
    /// Base URL of your relay, such as `/zapi` or `https://example.com/zapi`; the widget calls
    /// `{relay}/status`, `{relay}/qr-code`, `{relay}/qr-code/image` and
    /// `{relay}/phone-code/{phone}`. Empty shows the `invalid_config` error.
    #[prop(into)]
    relay: Signal<String>,
    /// Everything else: methods, interval, QR format, country, code lifetime, language, theme,
    /// texts, start/stop and refresh. Default: [`Options::default`].
    #[prop(into, optional)]
    options: Signal<Options>,
    /// Called with every [`WidgetEvent`]: state changes, new and expired codes, the link,
    /// errors (with their message in the widget's language).
    #[prop(into, optional)]
    on_event: Option<Callback<WidgetEvent>>,
) -> impl IntoView {
    widget(Host {
        relay: Box::new(move || relay.get()),
        options: Box::new(move |read| options.with(|options| read(options))),
        on_event: on_event.map(|on_event| Rc::new(move |event| on_event.run(event)) as _),
    })
}

/// Lends the options to a reader.
pub(crate) type ReadOptions = dyn Fn(&mut dyn FnMut(&Options));

/// What the widget reads from whoever shows it: the component's props or the custom element's
/// state. Boxed readers keep each caller's signal types out of the other's bundle: a `Signal`
/// brings the code of every kind of signal it may wrap.
pub(crate) struct Host {
    /// Read in a reactive context: a change reconfigures the widget.
    pub relay: Box<dyn Fn() -> String>,
    /// Lends the options to the reader, in a reactive context.
    pub options: Box<ReadOptions>,
    pub on_event: Option<Rc<dyn Fn(WidgetEvent)>>,
}

pub(crate) fn widget(host: Host) -> impl IntoView {
    let Host {
        relay,
        options,
        on_event,
    } = host;
    // One signal type for everything the view shows: each kind of reactive binding costs its own
    // copy of Leptos' rendering code in the bundle, and an `Arc` signal no arena lookups.
    let text = || ArcRwSignal::new(String::new());
    let shown = Shown {
        state: text(),
        live: text(),
        body: text(),
        countdown: text(),
        theme: text(),
        lang: text(),
    };
    let small_touch_screen = window()
        .match_media(SMALL_TOUCH_SCREEN)
        .ok()
        .flatten()
        .is_some_and(|query| query.matches());
    let runtime = Rc::new(Runtime {
        machine: RefCell::new(Machine::default()),
        texts: RefCell::default(),
        queue: RefCell::default(),
        busy: Cell::new(false),
        disposed: Cell::new(false),
        shown: shown.clone(),
        ticker: RefCell::default(),
        focus_timer: RefCell::default(),
        requests: RefCell::default(),
        next_request: Cell::new(0),
        credentials: RefCell::default(),
        on_event,
        base: RefCell::default(),
        focus: Cell::new(Focus::None),
        this: RefCell::default(),
    });
    *runtime.this.borrow_mut() = Rc::downgrade(&runtime);

    let visibility = {
        let this = Rc::downgrade(&runtime);
        Closure::<dyn FnMut()>::new(move || {
            if let Some(runtime) = this.upgrade() {
                runtime.dispatch(Event::Hidden(document().hidden()));
            }
        })
    };
    let listener = visibility
        .as_ref()
        .unchecked_ref::<js_sys::Function>()
        .clone();
    let _ = document().add_event_listener_with_callback("visibilitychange", &listener);
    if document().hidden() {
        runtime.dispatch(Event::Hidden(true));
    }

    let mut warned_interval = None;
    let mut last_refresh = None;
    // A render effect runs at once and is type-erased inside Leptos: a plain `Effect` costs a
    // spawned task and its own copy of the effect machinery in the bundle.
    let config_effect = RenderEffect::new({
        let runtime = runtime.clone();
        move |_: Option<()>| {
            let mut relay = relay();
            options(&mut |options| {
                let (interval_secs, fell_back) = choose_interval(Some(options.interval_secs));
                if fell_back
                    && warned_interval.replace(options.interval_secs) != Some(options.interval_secs)
                {
                    warn("interval must be a whole number of seconds from 10 to 20; using 15.");
                }
                let methods = if small_touch_screen {
                    options.methods.phone_first()
                } else {
                    options.methods
                };
                let lang = options.lang.unwrap_or_else(page_lang);
                *runtime.texts.borrow_mut() = Texts {
                    lang,
                    overrides: options.messages.clone(),
                };
                *runtime.credentials.borrow_mut() = fetch::Credentials {
                    ticket: options.token.clone(),
                    include_cookies: options.include_credentials,
                };
                runtime.shown.lang.set(lang.tag().into());
                runtime.shown.theme.set(options.theme.as_str().into());
                runtime.dispatch(Event::ConfigChanged(Config {
                    relay: std::mem::take(&mut relay),
                    interval_secs,
                    format: options.qr_format,
                    methods,
                    country: options.default_country.clone(),
                    code_ttl_secs: options.code_ttl_secs,
                }));
                if !options.running {
                    runtime.dispatch(Event::Stop);
                    runtime.abort_requests();
                } else {
                    runtime.dispatch(Event::Start);
                    if last_refresh
                        .replace(options.refresh)
                        .is_some_and(|r| r != options.refresh)
                    {
                        runtime.dispatch(Event::Refresh);
                    }
                }
            });
        }
    });
    on_cleanup({
        let held = SendWrapper::new((runtime.clone(), config_effect, visibility, listener));
        move || {
            let (runtime, _, _, listener) = &*held;
            let _ = document().remove_event_listener_with_callback("visibilitychange", listener);
            runtime.stop();
        }
    });

    let on_click = {
        let runtime = runtime.clone();
        move |event: web_sys::MouseEvent| {
            let Some(button) = runtime.target(&event, "[data-action]") else {
                return;
            };
            let action = button.get_attribute("data-action").unwrap_or_default();
            runtime.focus.set(Focus::Primary);
            // Enter in the phone input clicks the form's submit button too (implicit
            // submission), so one click listener serves both; the page must not navigate.
            if action == markup::ACTION_SUBMIT_PHONE {
                event.prevent_default();
                let Some(input) = button
                    .closest("form")
                    .ok()
                    .flatten()
                    .and_then(|form| form.query_selector("input").ok().flatten())
                else {
                    return;
                };
                let value = input.unchecked_into::<web_sys::HtmlInputElement>().value();
                runtime.dispatch(Event::SubmitPhone(value));
                return;
            }
            let event = match action.as_str() {
                markup::ACTION_RETRY => Event::Retry,
                markup::ACTION_NEW_CODE => Event::GetNewCode,
                markup::ACTION_START => Event::Start,
                markup::ACTION_GET_CODE => Event::ConfirmPhone,
                markup::ACTION_CHANGE_NUMBER => Event::ChangeNumber,
                markup::ACTION_METHOD_QR | markup::ACTION_METHOD_PHONE => {
                    runtime.focus.set(Focus::Tab);
                    Event::ChooseMethod(if action == markup::ACTION_METHOD_QR {
                        Method::Qr
                    } else {
                        Method::Phone
                    })
                }
                markup::ACTION_COPY => {
                    runtime.copy_code();
                    return;
                }
                _ => return,
            };
            runtime.dispatch(event);
        }
    };
    let on_keydown = move |event: web_sys::KeyboardEvent| {
        // Arrow keys move between the tabs, as the ARIA tabs pattern asks.
        let Some(tab) = runtime.target(&event, "[role=tab]") else {
            return;
        };
        if !matches!(
            event.key().as_str(),
            "ArrowLeft" | "ArrowRight" | "Home" | "End"
        ) {
            return;
        }
        event.prevent_default();
        let other = if tab.id() == "zc-tab-qr" {
            Method::Phone
        } else {
            Method::Qr
        };
        let method = match event.key().as_str() {
            "Home" | "End" => {
                let first = runtime.machine.borrow().config().methods.first();
                if event.key() == "Home" {
                    first
                } else if first == Method::Qr {
                    Method::Phone
                } else {
                    Method::Qr
                }
            }
            _ => other,
        };
        runtime.focus.set(Focus::Tab);
        runtime.dispatch(Event::ChooseMethod(method));
    };
    view! {
        <style>{STYLE}</style>
        <div
            part="base"
            class="zc"
            data-state=shown.state
            data-theme=shown.theme
            lang=shown.lang
            on:click=on_click
            on:keydown=on_keydown
        >
            <p class="zc-sr" aria-live="polite">{shown.live}</p>
            <div class="zc-body" inner_html=shown.body></div>
            <p part="countdown" class="zc-count">{shown.countdown}</p>
        </div>
    }
}

/// Every timeout through one closure type, so that the bundle holds one copy of the glue.
fn timeout(ms: u32, callback: impl FnOnce() + 'static) -> Timeout {
    let callback: Box<dyn FnOnce()> = Box::new(callback);
    Timeout::new(ms, callback)
}

fn warn(text: &str) {
    web_sys::console::warn_1(&concat(&[WARN_PREFIX, text]).into());
}

/// The page's `<html lang>`.
fn page_lang() -> Lang {
    document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .map(|tag| Lang::from_tag(&tag))
        .unwrap_or_default()
}

/// The text of each reactive part of the view.
#[derive(Clone)]
struct Shown {
    /// `data-state` of the base part.
    state: ArcRwSignal<String>,
    /// The polite live region.
    live: ArcRwSignal<String>,
    /// The state's markup, from [`markup::body`].
    body: ArcRwSignal<String>,
    countdown: ArcRwSignal<String>,
    /// `data-theme` of the base part.
    theme: ArcRwSignal<String>,
    /// `lang` of the base part.
    lang: ArcRwSignal<String>,
}

#[inline(never)]
fn set_if_changed(signal: &ArcRwSignal<String>, value: String) {
    if signal.with_untracked(|old| *old != value) {
        signal.set(value);
    }
}

/// Where focus goes once the screen a user's action led to is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Focus {
    None,
    /// The screen's `[data-autofocus]` control.
    Primary,
    /// The selected tab.
    Tab,
}

/// Which relay route a request is for.
enum Route {
    Status,
    Qr(QrFormat),
    Code(String),
}

/// Runs the machine: feeds it events, carries out its commands, and owns every timer and
/// request so that [`Runtime::stop`] can end them all.
struct Runtime {
    machine: RefCell<Machine>,
    texts: RefCell<Texts>,
    queue: RefCell<Vec<Event>>,
    busy: Cell<bool>,
    /// The component is gone: nothing runs any more.
    disposed: Cell<bool>,
    shown: Shown,
    ticker: RefCell<Option<Interval>>,
    focus_timer: RefCell<Option<Timeout>>,
    requests: RefCell<Vec<(u32, AbortController)>>,
    next_request: Cell<u32>,
    credentials: RefCell<fetch::Credentials>,
    on_event: Option<Rc<dyn Fn(WidgetEvent)>>,
    /// The base part, known from the first user event (focus only follows user actions).
    base: RefCell<Option<Element>>,
    focus: Cell<Focus>,
    this: RefCell<Weak<Runtime>>,
}

impl Runtime {
    /// Events raised while commands run (a host's event handler may change a prop) are queued
    /// and handled in order.
    fn dispatch(&self, event: Event) {
        if self.disposed.get() {
            return;
        }
        self.queue.borrow_mut().push(event);
        if self.busy.replace(true) {
            return;
        }
        loop {
            // Rarely more than one event waits: a Vec is enough and smaller than a VecDeque.
            let next = {
                let mut queue = self.queue.borrow_mut();
                (!queue.is_empty()).then(|| queue.remove(0))
            };
            let Some(event) = next.filter(|_| !self.disposed.get()) else {
                break;
            };
            let now = js_sys::Date::now();
            let commands = self.machine.borrow_mut().update(event, now);
            self.show(now);
            for command in commands {
                if self.disposed.get() {
                    break;
                }
                self.execute(command);
            }
        }
        self.busy.set(false);
    }

    /// The element matching `selector` at or above the event's target, inside the widget; also
    /// remembers the widget's base part.
    fn target(&self, event: &web_sys::Event, selector: &str) -> Option<Element> {
        if let Some(base) = event.current_target().and_then(|t| t.dyn_into().ok()) {
            *self.base.borrow_mut() = Some(base);
        }
        event
            .target()?
            .dyn_into::<Element>()
            .ok()?
            .closest(selector)
            .ok()?
    }

    /// Brings the view and the ticker in line with the machine.
    fn show(&self, now: f64) {
        let wants_ticks = {
            let machine = self.machine.borrow();
            let texts = self.texts.borrow();
            let phase = machine.phase();
            let state = phase.name();
            let countdown = match *phase {
                Phase::Qr {
                    deadline_ms, last, ..
                } => {
                    let key = if last { Key::CodeExpires } else { Key::QrNext };
                    texts.fill_number(key, countdown_secs(deadline_ms, now))
                }
                Phase::PhoneCode { deadline_ms, .. } => {
                    texts.fill_number(Key::CodeExpires, countdown_secs(deadline_ms, now))
                }
                _ => String::new(),
            };
            let live = match phase {
                Phase::Idle => Key::Stopped,
                Phase::Loading => Key::Loading,
                Phase::Qr { .. } => Key::QrTitle,
                Phase::Paused | Phase::CodeExpired { .. } => Key::PausedTitle,
                Phase::PhoneInput {
                    problem: Some(PhoneProblem::Format),
                    ..
                } => Key::PhoneInvalid,
                Phase::PhoneInput {
                    problem: Some(PhoneProblem::Refused),
                    ..
                } => Key::ErrInvalidPhone,
                Phase::PhoneInput { .. } => Key::PhoneLabel,
                Phase::PhoneConfirm { .. } => Key::GetCode,
                Phase::PhoneCode { .. } => Key::CodeTitle,
                Phase::Connected | Phase::AlreadyConnected => Key::ConnectedTitle,
                Phase::RestoreSession => Key::RestoreTitle,
                // Errors speak through their own `role="alert"`.
                Phase::Error(_) => Key::ErrorTitle,
            };
            let context = Context {
                texts: &texts,
                methods: machine.config().methods,
                method: machine.method(),
                country: &machine.config().country,
            };
            let shown = &self.shown;
            // Stopped by the host has no state event, but a `data-state` all the same.
            set_if_changed(
                &shown.state,
                state.map_or("stopped", StateName::as_str).into(),
            );
            let live = if matches!(phase, Phase::Error(_)) {
                String::new()
            } else {
                texts.get(live).into()
            };
            set_if_changed(&shown.live, live);
            let body = markup::body(phase, &context);
            let redrawn = shown.body.with_untracked(|old| *old != body);
            set_if_changed(&shown.body, body);
            set_if_changed(&shown.countdown, countdown);
            if redrawn {
                self.move_focus();
            }
            machine.wants_ticks()
        };
        let mut ticker = self.ticker.borrow_mut();
        if wants_ticks && ticker.is_none() {
            let this = self.this.borrow().clone();
            *ticker = Some(Interval::new(TICK_MS, move || {
                if let Some(runtime) = this.upgrade() {
                    runtime.dispatch(Event::Tick);
                }
            }));
        } else if !wants_ticks {
            // Dropping an Interval clears it.
            ticker.take();
        }
    }

    /// After a redraw that a user's action caused, focus the new screen's main control (or the
    /// selected tab), so that keyboard users do not fall back to the page's start.
    fn move_focus(&self) {
        let focus = self.focus.get();
        let Some(base) = self.base.borrow().clone().filter(|_| focus != Focus::None) else {
            return;
        };
        let this = self.this.borrow().clone();
        // The body is redrawn by Leptos in a moment, not now.
        *self.focus_timer.borrow_mut() = Some(timeout(0, move || {
            let selector = if focus == Focus::Tab {
                "[role=tab][aria-selected=true]"
            } else {
                "[data-autofocus]"
            };
            if let Some(target) = base.query_selector(selector).ok().flatten() {
                let _ = target.unchecked_into::<HtmlElement>().focus();
                if let Some(runtime) = this.upgrade() {
                    runtime.focus.set(Focus::None);
                }
            }
        }));
    }

    fn execute(&self, command: Command) {
        match command {
            Command::FetchStatus { id } => self.fetch(id, Route::Status),
            Command::FetchQr { id, format } => self.fetch(id, Route::Qr(format)),
            Command::FetchCode { id, digits } => self.fetch(id, Route::Code(digits)),
            Command::Emit(mut event) => {
                if let WidgetEvent::Error(error) = &mut event {
                    error.message = self.texts.borrow().error(error);
                }
                if let Some(on_event) = &self.on_event {
                    on_event(event);
                }
            }
        }
    }

    /// GETs the route and dispatches the answer. The only future the widget spawns, so that
    /// the bundle holds one copy of the async machinery.
    fn fetch(&self, id: RequestId, route: Route) {
        let Some(runtime) = self.this.borrow().upgrade() else {
            return;
        };
        let mut url = {
            let machine = self.machine.borrow();
            machine
                .config()
                .relay
                .trim()
                .trim_end_matches('/')
                .to_owned()
        };
        match &route {
            Route::Status => url.push_str("/status"),
            Route::Qr(QrFormat::Svg) => url.push_str("/qr-code"),
            Route::Qr(QrFormat::Image) => url.push_str("/qr-code/image"),
            Route::Code(digits) => {
                url.push_str("/phone-code/");
                url.push_str(digits);
            }
        }
        spawn_local(async move {
            let reply = runtime.get(&url).await;
            runtime.answer(id, route, reply);
        });
    }

    #[inline(never)]
    fn answer(&self, id: RequestId, route: Route, reply: Result<fetch::Reply, WidgetError>) {
        let is_code = matches!(route, Route::Code(_));
        let body = match &reply {
            Ok(reply) => reply.success(is_code),
            Err(error) => Err(error.clone()),
        };
        self.dispatch(match route {
            Route::Status => Event::StatusLoaded {
                id,
                result: body.and_then(relay::read_status),
            },
            Route::Qr(format) => Event::QrLoaded {
                id,
                result: body.and_then(|body| relay::read_qr(body, format)),
            },
            Route::Code(_) => Event::CodeLoaded {
                id,
                result: body.and_then(relay::read_phone_code),
            },
        });
    }

    /// One request with a 10 s limit; aborted by [`Runtime::stop`] if still running.
    async fn get(&self, url: &str) -> Result<fetch::Reply, WidgetError> {
        let controller =
            AbortController::new().map_err(|_| WidgetError::new(ErrorCode::RelayUnreachable))?;
        let key = self.next_request.get().wrapping_add(1);
        self.next_request.set(key);
        self.requests.borrow_mut().push((key, controller.clone()));
        let timed_out = Rc::new(Cell::new(false));
        let timeout = timeout(REQUEST_TIMEOUT_MS, {
            let (controller, timed_out) = (controller.clone(), timed_out.clone());
            move || {
                timed_out.set(true);
                controller.abort();
            }
        });
        let credentials = self.credentials.borrow().clone();
        let reply = fetch::get(url, &controller.signal(), &credentials).await;
        drop(timeout);
        self.requests.borrow_mut().retain(|(k, _)| *k != key);
        reply.map_err(|()| {
            WidgetError::new(if timed_out.get() {
                ErrorCode::Timeout
            } else {
                ErrorCode::RelayUnreachable
            })
        })
    }

    /// Copies the shown phone code and says whether it worked next to the button.
    fn copy_code(&self) {
        let code = match self.machine.borrow().phase() {
            Phase::PhoneCode { code, .. } => code.clone(),
            _ => return,
        };
        let Some(status) = self
            .base
            .borrow()
            .as_ref()
            .and_then(|base| base.query_selector("[part=copy-status]").ok().flatten())
        else {
            return;
        };
        let texts = self.texts.borrow();
        let (copied, failed) = (
            texts.get(Key::Copied).to_owned(),
            texts.get(Key::CopyFailed).to_owned(),
        );
        let promise = window().navigator().clipboard().write_text(&code);
        spawn_local(async move {
            let done = JsFuture::from(promise).await.is_ok();
            status.set_text_content(Some(if done { &copied } else { &failed }));
        });
    }

    fn abort_requests(&self) {
        for (_, controller) in self.requests.borrow_mut().drain(..) {
            controller.abort();
        }
    }

    fn stop(&self) {
        self.disposed.set(true);
        self.queue.borrow_mut().clear();
        self.machine
            .borrow_mut()
            .update(Event::Stop, js_sys::Date::now());
        self.ticker.borrow_mut().take();
        self.focus_timer.borrow_mut().take();
        self.abort_requests();
    }
}
