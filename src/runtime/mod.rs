//! Runs the machine in the browser: feeds it events, carries out its commands (requests,
//! timers, the clipboard) and publishes what is shown. It exists only in the browser, so a
//! server render never makes one.

mod listener;
mod requests;
mod stream;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

pub use listener::Listener;
use requests::InFlight;
use stream::OpenStream;

use crate::error::{ErrorCode, WidgetError};
use crate::fetch::{self, Credentials};
use crate::machine::{Command, Event, Machine, QrFormat, RequestId, StreamEnd, WidgetEvent};
use crate::messages::Texts;
use crate::relay;
use crate::view::shown::{project, project_linked_phone, Shown};

const TICK_MS: u32 = 1_000;

/// Where focus goes after a user's action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// Where it is.
    Stay,
    /// To the new screen's main control, or the widget itself.
    Screen,
    /// To the selected tab, which a loading screen may have hidden for a moment.
    Tab,
}

/// Which relay route a request is for.
enum Route {
    Status,
    Qr(QrFormat),
    Code(String),
    ExtensionToken,
    Device,
    /// The one POST.
    Disconnect,
}

pub struct Runtime {
    machine: RefCell<Machine>,
    /// Read by the screens; written here.
    texts: ArcRwSignal<Texts>,
    shown: ArcRwSignal<Shown>,
    /// Apart from `shown`, so that a tick touches the countdown and nothing else.
    countdown: ArcRwSignal<String>,
    queue: RefCell<Vec<Event>>,
    busy: Cell<bool>,
    /// The widget is gone: nothing runs any more.
    disposed: Cell<bool>,
    ticker: RefCell<Option<Interval>>,
    /// The one wake-up the machine asks for while nothing ticks, and when it is due.
    wake: RefCell<Option<Timeout>>,
    wake_at: Cell<f64>,
    /// Each with the machine's id for it: dropped, and so aborted, once the machine stops
    /// waiting for its answer.
    requests: RefCell<Vec<(RequestId, InFlight)>>,
    /// The relay's event stream, dropped (and so aborted) once the machine stops reading it.
    stream: RefCell<Option<OpenStream>>,
    listeners: RefCell<Vec<Listener>>,
    next_request: Cell<u32>,
    credentials: RefCell<Credentials>,
    on_event: Option<Rc<dyn Fn(WidgetEvent)>>,
    /// Where focus goes once the screen a user's action led to is drawn.
    pub focus: Cell<Focus>,
    this: Weak<Runtime>,
}

impl Runtime {
    pub fn new(
        texts: ArcRwSignal<Texts>,
        shown: ArcRwSignal<Shown>,
        countdown: ArcRwSignal<String>,
        on_event: Option<Rc<dyn Fn(WidgetEvent)>>,
    ) -> Rc<Self> {
        Rc::new_cyclic(|this| Self {
            machine: RefCell::default(),
            texts,
            shown,
            countdown,
            queue: RefCell::default(),
            busy: Cell::new(false),
            disposed: Cell::new(false),
            ticker: RefCell::default(),
            wake: RefCell::default(),
            wake_at: Cell::new(f64::NAN),
            requests: RefCell::default(),
            stream: RefCell::default(),
            listeners: RefCell::default(),
            next_request: Cell::new(0),
            credentials: RefCell::default(),
            on_event,
            focus: Cell::new(Focus::Stay),
            this: this.clone(),
        })
    }

    /// Whether the method tabs are drawn now.
    pub fn shows_tabs(&self) -> bool {
        self.shown.with_untracked(|shown| shown.tabs.is_some())
    }

    /// Keeps a listener until the widget stops.
    pub fn hold(&self, listener: Listener) {
        self.listeners.borrow_mut().push(listener);
    }

    pub fn set_credentials(&self, credentials: Credentials) {
        *self.credentials.borrow_mut() = credentials;
    }

    /// Events raised while commands run (a host's event handler may change a prop) are queued
    /// and handled in order. Never inlined: the machine inside it is the widget's largest
    /// function, and each caller would carry its own copy.
    #[inline(never)]
    pub fn dispatch(&self, event: Event) {
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
            {
                let machine = self.machine.borrow();
                self.requests
                    .borrow_mut()
                    .retain(|(id, _)| machine.awaits(*id));
                let mut stream = self.stream.borrow_mut();
                if stream.as_ref().is_some_and(|open| !machine.awaits(open.id)) {
                    stream.take();
                }
            }
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

    /// Publishes what the machine's state shows, ticks while a countdown runs, and wakes the
    /// machine when it asks to be woken.
    fn show(&self, now: f64) {
        let machine = self.machine.borrow();
        let mut shown = self.texts.with_untracked(|texts| {
            let config = machine.config();
            let (methods, country) = (config.methods, &config.country);
            let mut shown = project(
                machine.phase(),
                methods,
                machine.method(),
                country,
                texts,
                now,
            );
            let card = machine.linked_phone();
            project_linked_phone(&mut shown, card, config.allow_disconnect, texts);
            shown
        });
        let countdown = std::mem::take(&mut shown.countdown);
        if self.countdown.with_untracked(|old| *old != countdown) {
            self.countdown.set(countdown);
        }
        if self.shown.with_untracked(|old| *old != shown) {
            self.shown.set(shown);
        }
        let mut ticker = self.ticker.borrow_mut();
        if machine.wants_ticks() {
            if ticker.is_none() {
                let this = self.this.clone();
                *ticker = Some(Interval::new(TICK_MS, move || {
                    if let Some(runtime) = this.upgrade() {
                        runtime.dispatch(Event::Tick);
                    }
                }));
            }
        } else {
            // Dropping an Interval clears it.
            ticker.take();
        }
        let mut wake = self.wake.borrow_mut();
        match machine.wake_at_ms() {
            Some(at) if at != self.wake_at.get() => {
                self.wake_at.set(at);
                let this = self.this.clone();
                // A millisecond late, so that the deadline has passed when the machine looks.
                let delay = (at - now).max(0.0).ceil().min(f64::from(i32::MAX)) as u32 + 1;
                *wake = Some(Timeout::new(delay, move || {
                    if let Some(runtime) = this.upgrade() {
                        runtime.wake_at.set(f64::NAN);
                        runtime.dispatch(Event::Tick);
                    }
                }));
            }
            Some(_) => {}
            None => {
                self.wake_at.set(f64::NAN);
                wake.take();
            }
        }
    }

    fn execute(&self, command: Command) {
        match command {
            Command::FetchStatus { id } => self.fetch(id, Route::Status),
            Command::FetchQr { id, format } => self.fetch(id, Route::Qr(format)),
            Command::FetchCode { id, digits } => self.fetch(id, Route::Code(digits)),
            Command::FetchExtensionToken { id } => self.fetch(id, Route::ExtensionToken),
            Command::FetchDevice { id } => self.fetch(id, Route::Device),
            Command::Disconnect { id } => self.fetch(id, Route::Disconnect),
            Command::OpenStream { id } => self.open_stream(id),
            Command::Emit(mut event) => {
                if let WidgetEvent::Error(error) = &mut event {
                    error.message = self.texts.with_untracked(|texts| texts.error(error));
                }
                if let Some(on_event) = &self.on_event {
                    on_event(event);
                }
            }
        }
    }

    fn relay_url(&self, path: &str) -> String {
        let machine = self.machine.borrow();
        let mut url = machine
            .config()
            .relay
            .trim()
            .trim_end_matches('/')
            .to_owned();
        url.push_str(path);
        url
    }

    fn open_stream(&self, id: RequestId) {
        let Some(runtime) = self.this.upgrade() else {
            return;
        };
        let url = self.relay_url("/events");
        let credentials = self.credentials.borrow().clone();
        let opened = OpenStream::start(runtime, id, url, credentials);
        if opened.is_none() {
            return self.dispatch(Event::StreamEnded {
                id,
                end: StreamEnd::Dropped,
            });
        }
        *self.stream.borrow_mut() = opened;
    }

    /// Requests the route and dispatches the answer. The one future the widget spawns for all
    /// the relay's routes (the event stream aside), so that the bundle holds one copy of the
    /// async machinery.
    fn fetch(&self, id: RequestId, route: Route) {
        let Some(runtime) = self.this.upgrade() else {
            return;
        };
        let mut url = self.relay_url("");
        match &route {
            Route::Status => url.push_str("/status"),
            Route::Qr(QrFormat::Svg) => url.push_str("/qr-code"),
            Route::Qr(QrFormat::Image) => url.push_str("/qr-code/image"),
            Route::Code(digits) => {
                url.push_str("/phone-code/");
                url.push_str(digits);
            }
            Route::ExtensionToken => url.push_str("/extension-token"),
            Route::Device => url.push_str("/device"),
            Route::Disconnect => url.push_str("/disconnect"),
        }
        let method = if matches!(route, Route::Disconnect) {
            "POST"
        } else {
            "GET"
        };
        let credentials = self.credentials.borrow().clone();
        // The relay would refuse such a ticket; the browser would not even send it.
        if (credentials.ticket.as_deref()).is_some_and(|ticket| !fetch::is_bearer_token(ticket)) {
            return self.answer(id, route, Err(WidgetError::new(ErrorCode::Unauthorized)));
        }
        let key = self.next_request.get().wrapping_add(1);
        self.next_request.set(key);
        let Some(request) = InFlight::new(key) else {
            return self.answer(
                id,
                route,
                Err(WidgetError::new(ErrorCode::RelayUnreachable)),
            );
        };
        let reply = request.send(method, url, credentials);
        self.requests.borrow_mut().push((id, request));
        spawn_local(async move {
            let reply = reply.await;
            // Dropped with the widget, or no longer wanted: then the answer has no one to go to.
            let pending = runtime.requests.borrow().iter().any(|(_, r)| r.key == key);
            if pending && !runtime.disposed.get() {
                runtime.requests.borrow_mut().retain(|(_, r)| r.key != key);
                runtime.answer(id, route, reply);
            }
        });
    }

    #[inline(never)]
    fn answer(&self, id: RequestId, route: Route, reply: Result<fetch::Reply, WidgetError>) {
        let is_code = matches!(route, Route::Code(_));
        let relay_now_ms = reply.as_ref().ok().and_then(|reply| reply.date_ms);
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
            Route::ExtensionToken => Event::ExtensionLoaded {
                id,
                result: body.and_then(|body| relay::read_extension_token(body, relay_now_ms)),
            },
            Route::Device => Event::DeviceLoaded {
                id,
                result: body.and_then(relay::read_device),
            },
            Route::Disconnect => Event::Disconnected {
                id,
                result: body.and_then(relay::read_disconnect),
            },
        });
    }

    /// Aborts every request in flight, and the event stream.
    pub fn abort_requests(&self) {
        self.requests.borrow_mut().clear();
        self.stream.borrow_mut().take();
    }

    /// Ends everything for good: timers, requests, queued events.
    pub fn stop(&self) {
        self.disposed.set(true);
        self.queue.borrow_mut().clear();
        self.ticker.borrow_mut().take();
        self.wake.borrow_mut().take();
        self.listeners.borrow_mut().clear();
        self.abort_requests();
    }
}

/// Copies `text` to the clipboard; `done` hears whether it worked.
pub fn copy(text: &str, done: impl FnOnce(bool) + 'static) {
    let clipboard = window().navigator().clipboard();
    // Pages that are not a secure context have no clipboard at all.
    if wasm_bindgen::JsValue::from(&clipboard).is_undefined() {
        return done(false);
    }
    let promise = clipboard.write_text(text);
    spawn_local(async move { done(JsFuture::from(promise).await.is_ok()) });
}

/// One widget on the page: names its element ids and reaches its runtime from the screens'
/// handlers. A plain number, so that the screens stay `Send` for a server render, where no
/// runtime exists and no handler runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance(u32);

thread_local! {
    /// The runtimes of the widgets on this page: each one lives from its start in the browser
    /// until its widget is removed.
    static RUNTIMES: RefCell<Vec<(u32, Rc<Runtime>)>> = const { RefCell::new(Vec::new()) };
}

impl Instance {
    pub fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        Self(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1)
    }

    /// An element id unique to this widget, such as `zc3-panel`.
    pub fn id(self, name: &str) -> String {
        let mut id = String::from("zc");
        crate::messages::push_u32(&mut id, self.0);
        id.push('-');
        id.push_str(name);
        id
    }

    /// Makes `runtime` this widget's until [`detach`](Self::detach).
    pub fn attach(self, runtime: Rc<Runtime>) {
        RUNTIMES.with_borrow_mut(|all| all.push((self.0, runtime)));
    }

    /// The widget is gone: its runtime stops and is dropped.
    pub fn detach(self) {
        let runtime = RUNTIMES.with_borrow_mut(|all| {
            let at = all.iter().position(|(n, _)| *n == self.0)?;
            Some(all.remove(at).1)
        });
        if let Some(runtime) = runtime {
            runtime.stop();
        }
    }

    pub fn runtime(self) -> Option<Rc<Runtime>> {
        RUNTIMES.with_borrow(|all| {
            all.iter()
                .find(|(n, _)| *n == self.0)
                .map(|(_, runtime)| runtime.clone())
        })
    }

    /// A user's action: dispatched, and the screen (or the step of unlinking the phone) it
    /// leads to takes focus.
    pub fn send(self, event: Event) {
        if let Some(runtime) = self.runtime() {
            let screen =
                || (runtime.shown).with_untracked(|shown| (shown.screen, shown.disconnect));
            let before = screen();
            runtime.dispatch(event);
            if screen() != before {
                runtime.focus.set(Focus::Screen);
            }
        }
    }
}
