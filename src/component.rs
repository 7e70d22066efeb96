//! The Leptos view: renders the machine's state and carries out its commands.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::AbortController;

use crate::error::{ErrorCode, WidgetError};
use crate::fetch;
use crate::machine::{
    choose_interval, countdown_secs, Command, Config, Event, Machine, Phase, QrFormat, RequestId,
    StateName, WidgetEvent,
};
use crate::markup;
use crate::messages as msg;
use crate::relay;

/// How long a request to the relay may take before it counts as a `timeout`.
const REQUEST_TIMEOUT_MS: u32 = 10_000;
const TICK_MS: u32 = 1_000;
const STYLE: &str = include_str!("style.css");

/// Links a WhatsApp phone to a Z-API instance: shows the instance's QR code with a countdown,
/// refreshes it by Z-API's rules and reports when the phone is linked.
///
/// Every prop may change while the widget is shown. Removing the component stops every timer
/// and request.
#[component]
pub fn ZapiConnect(
    /// Base URL of your relay, such as `/zapi` or `https://example.com/zapi`; the widget calls
    /// `{relay}/status`, `{relay}/qr-code` and `{relay}/qr-code/image`. Empty shows the
    /// `invalid_config` error.
    #[prop(into)]
    relay: Signal<String>,
    /// Seconds between QR codes, from 10 to 20 (Z-API's advice). Default 15; other values fall
    /// back to 15 with a console warning.
    #[prop(into, optional)]
    interval: MaybeProp<u32>,
    /// [`QrFormat::Svg`] (default): the raw value from `/qr-code`, drawn as an inline SVG.
    /// [`QrFormat::Image`]: the PNG from `/qr-code/image`.
    #[prop(into, optional)]
    qr_format: MaybeProp<QrFormat>,
    /// Called with every [`WidgetEvent`]: state changes, new codes, the link, errors.
    #[prop(into, optional)]
    on_event: Option<Callback<WidgetEvent>>,
) -> impl IntoView {
    // One signal type for everything the view shows: each kind of reactive binding costs its own
    // copy of Leptos' rendering code in the bundle.
    let text = || RwSignal::new(String::new());
    let shown = Shown {
        state: text(),
        live: text(),
        body: text(),
        countdown: text(),
    };
    let runtime = Rc::new(Runtime {
        machine: RefCell::new(Machine::default()),
        queue: RefCell::default(),
        busy: Cell::new(false),
        stopped: Cell::new(false),
        shown,
        ticker: RefCell::default(),
        requests: RefCell::default(),
        next_request: Cell::new(0),
        on_event,
        this: RefCell::default(),
    });
    *runtime.this.borrow_mut() = Rc::downgrade(&runtime);
    runtime.show(js_sys::Date::now());

    let warned_interval = Cell::new(None);
    // A render effect runs at once and is type-erased inside Leptos: a plain `Effect` costs a
    // spawned task and its own copy of the effect machinery in the bundle.
    let config_effect = RenderEffect::new({
        let runtime = runtime.clone();
        move |_: Option<()>| {
            let requested = interval.get();
            let (interval_secs, fell_back) = choose_interval(requested);
            if fell_back && warned_interval.replace(requested) != requested {
                web_sys::console::warn_1(&msg::WARN_INTERVAL.into());
            }
            let config = Config {
                relay: relay.get(),
                interval_secs,
                format: qr_format.get().unwrap_or_default(),
            };
            runtime.dispatch(Event::ConfigChanged(config));
            runtime.dispatch(Event::Start);
        }
    });
    on_cleanup({
        let held = SendWrapper::new((runtime.clone(), config_effect));
        move || held.0.stop()
    });

    let on_click = move |event: web_sys::MouseEvent| {
        let action = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|target| target.closest("[data-action]").ok().flatten())
            .and_then(|button| button.get_attribute("data-action"));
        match action.as_deref() {
            Some(markup::ACTION_RETRY) => runtime.dispatch(Event::Retry),
            Some(markup::ACTION_NEW_CODE) => runtime.dispatch(Event::GetNewCode),
            _ => {}
        }
    };
    view! {
        <style>{STYLE}</style>
        <div part="base" class="zc" data-state=shown.state on:click=on_click>
            <p class="zc-sr" aria-live="polite">{shown.live}</p>
            <div class="zc-body" inner_html=shown.body></div>
            <span part="countdown" class="zc-count">{shown.countdown}</span>
        </div>
    }
}

/// What the live region says when the state changes (errors speak through `role="alert"`).
fn announcement(state: StateName) -> &'static str {
    match state {
        StateName::Loading => msg::LOADING,
        StateName::Qr => msg::QR_STEPS,
        StateName::Paused => msg::PAUSED_TITLE,
        StateName::Connected | StateName::AlreadyConnected => msg::CONNECTED_TITLE,
        StateName::RestoreSession => msg::RESTORE_TITLE,
        StateName::Error => "",
    }
}

/// The text of each reactive part of the view.
#[derive(Clone, Copy)]
struct Shown {
    /// `data-state` of the base part.
    state: RwSignal<String>,
    /// The polite live region.
    live: RwSignal<String>,
    /// The state's markup, from [`markup::body`].
    body: RwSignal<String>,
    countdown: RwSignal<String>,
}

#[inline(never)]
fn set_if_changed(signal: RwSignal<String>, value: String) {
    if signal.with_untracked(|old| *old != value) {
        signal.set(value);
    }
}

/// Runs the machine: feeds it events, carries out its commands, and owns every timer and
/// request so that [`Runtime::stop`] can end them all.
struct Runtime {
    machine: RefCell<Machine>,
    queue: RefCell<VecDeque<Event>>,
    busy: Cell<bool>,
    stopped: Cell<bool>,
    shown: Shown,
    ticker: RefCell<Option<Interval>>,
    requests: RefCell<Vec<(u32, AbortController)>>,
    next_request: Cell<u32>,
    on_event: Option<Callback<WidgetEvent>>,
    this: RefCell<Weak<Runtime>>,
}

impl Runtime {
    /// Events raised while commands run (a host's event handler may change a prop) are queued
    /// and handled in order.
    fn dispatch(&self, event: Event) {
        if self.stopped.get() {
            return;
        }
        self.queue.borrow_mut().push_back(event);
        if self.busy.replace(true) {
            return;
        }
        loop {
            let next = self.queue.borrow_mut().pop_front();
            let Some(event) = next.filter(|_| !self.stopped.get()) else {
                break;
            };
            let now = js_sys::Date::now();
            let commands = self.machine.borrow_mut().update(event, now);
            self.show(now);
            for command in commands {
                if self.stopped.get() {
                    break;
                }
                self.execute(command);
            }
        }
        self.busy.set(false);
    }

    /// Brings the view and the ticker in line with the machine.
    fn show(&self, now: f64) {
        let wants_ticks = {
            let machine = self.machine.borrow();
            let phase = machine.phase();
            let state = phase.name().unwrap_or(StateName::Loading);
            let countdown = match *phase {
                Phase::Qr {
                    deadline_ms, last, ..
                } => msg::countdown(countdown_secs(deadline_ms, now), last),
                _ => String::new(),
            };
            let shown = &self.shown;
            set_if_changed(shown.state, state.as_str().into());
            set_if_changed(shown.live, announcement(state).into());
            set_if_changed(shown.body, markup::body(phase));
            set_if_changed(shown.countdown, countdown);
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

    fn execute(&self, command: Command) {
        match command {
            Command::FetchStatus { id } => self.fetch(id, None),
            Command::FetchQr { id, format } => self.fetch(id, Some(format)),
            Command::Emit(event) => {
                if let Some(on_event) = self.on_event {
                    on_event.run(event);
                }
            }
        }
    }

    /// GETs `{relay}/status` (no format) or the QR route for `format`, and dispatches the
    /// answer. One function rather than a generic one keeps a single copy of the future.
    fn fetch(&self, id: RequestId, format: Option<QrFormat>) {
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
        url.push_str(match format {
            None => "/status",
            Some(QrFormat::Svg) => "/qr-code",
            Some(QrFormat::Image) => "/qr-code/image",
        });
        spawn_local(async move {
            let reply = runtime.get(&url).await;
            let body = match &reply {
                Ok(reply) => reply.success(),
                Err(error) => Err(error.clone()),
            };
            runtime.dispatch(match format {
                None => Event::StatusLoaded {
                    id,
                    result: body.and_then(relay::read_status),
                },
                Some(format) => Event::QrLoaded {
                    id,
                    result: body.and_then(|body| relay::read_qr(body, format)),
                },
            });
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
        let timeout = Timeout::new(REQUEST_TIMEOUT_MS, {
            let (controller, timed_out) = (controller.clone(), timed_out.clone());
            move || {
                timed_out.set(true);
                controller.abort();
            }
        });
        let reply = fetch::get(url, &controller.signal()).await;
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

    fn stop(&self) {
        self.stopped.set(true);
        self.queue.borrow_mut().clear();
        self.machine
            .borrow_mut()
            .update(Event::Stop, js_sys::Date::now());
        self.ticker.borrow_mut().take();
        for (_, controller) in self.requests.borrow_mut().drain(..) {
            controller.abort();
        }
    }
}
