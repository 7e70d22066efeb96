//! The widget's Leptos view: one component per screen, each reading memos of [`Shown`], the
//! pure projection of the machine's state, with its handlers on its own controls.

mod copy;
mod device;
mod extension;
mod focus;
mod notice;
mod phone;
mod qr;
pub(crate) mod shown;
mod start;
mod status;
mod style;
mod tabs;

use std::rc::Rc;

use leptos::html::Div;
use leptos::prelude::*;
use leptos::reactive::graph::{Subscriber, ToAnySubscriber};

use crate::control::WidgetControl;
use crate::machine::WidgetEvent;
use crate::messages::{Key, Texts};
use crate::options::{Options, Theme};
use crate::runtime::Instance;
use shown::{Screen, Shown};

/// Links a WhatsApp phone to a Z-API instance: by QR code (refreshed by Z-API's rules, with a
/// countdown) or by a pairing code asked for with the user's phone number; reports when the
/// phone is linked.
///
/// All props may change while the widget is shown. Removing the component stops every timer,
/// listener and request. In a server render it draws its loading screen and touches no browser
/// API; it starts in the browser, after hydration.
///
/// ```no_run
/// use leptos::prelude::*;
/// use zapi_connect::{WidgetEvent, ZapiConnect};
///
/// #[component]
/// fn LinkPhone() -> impl IntoView {
///     let on_event = |event: WidgetEvent| {
///         if let WidgetEvent::Connected { .. } = event {
///             leptos::logging::log!("linked");
///         }
///     };
///     view! { <ZapiConnect relay="/zapi" on_event=on_event /> }
/// }
/// ```
#[component]
pub fn ZapiConnect(
    /// Base URL of your relay, such as `/zapi` or `https://example.com/zapi`; the widget calls
    /// `{relay}/status`, `{relay}/qr-code`, `{relay}/qr-code/image`,
    /// `{relay}/phone-code/{phone}`, `{relay}/extension-token`, `{relay}/device` and, with
    /// [`Options::allow_disconnect`], `POST {relay}/disconnect`. Empty shows the
    /// `invalid_config` error.
    #[prop(into)]
    relay: Signal<String>,
    /// Everything else: methods, interval, QR format, country, code lifetime, language, theme,
    /// texts, ticket. Default: [`Options::default`].
    #[prop(into, optional)]
    options: Signal<Options>,
    /// Starts, stops and refreshes the widget from outside; see [`WidgetControl`].
    #[prop(optional)]
    control: Option<WidgetControl>,
    /// Called with every [`WidgetEvent`]: state changes, new and expired codes, the link,
    /// errors (with their message in the widget's language).
    #[prop(into, optional)]
    on_event: Option<Callback<WidgetEvent>>,
) -> impl IntoView {
    widget(Host {
        relay: Box::new(move || relay.get()),
        options: Box::new(move |read| options.with(|options| read(options))),
        control: control.unwrap_or_default(),
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
    pub control: WidgetControl,
    pub on_event: Option<Rc<dyn Fn(WidgetEvent)>>,
}

/// A memo that lives as long as the component that makes it. Leptos keeps a subscriber in its
/// sources' lists until it runs again, and a dropped memo never does: each screen drawn would
/// leave one behind in the widget's long-lived state. This one leaves its sources on cleanup.
pub(crate) fn memo<T>(compute: impl Fn(Option<&T>) -> T + Send + Sync + 'static) -> ArcMemo<T>
where
    T: PartialEq + Send + Sync + 'static,
{
    let memo = ArcMemo::new(compute);
    let owned = memo.clone();
    on_cleanup(move || owned.clear_sources(&owned.to_any_subscriber()));
    memo
}

/// What every screen reads, and which widget its controls act on.
#[derive(Clone)]
pub(crate) struct Ui {
    pub instance: Instance,
    pub texts: ArcRwSignal<Texts>,
    pub shown: ArcRwSignal<Shown>,
    /// The shown code's countdown text, published apart from `shown`: a tick changes only it.
    pub countdown: ArcRwSignal<String>,
    /// The widget's box, which takes focus when a screen has no main control.
    pub base: NodeRef<Div>,
    /// Where the extension code's install link leads: an `https:` URL.
    pub extension_url: ArcRwSignal<String>,
}

impl Ui {
    /// A text in the widget's language, kept up to date.
    ///
    /// Every reactive text and attribute of the view is an `ArcMemo<String>` (or of an
    /// `Option<String>`): Leptos renders each type of reactive value with its own copy of its
    /// rendering code, so one type instead of a closure type per binding keeps the bundle small.
    pub fn text(&self, key: Key) -> ArcMemo<String> {
        let texts = self.texts.clone();
        memo(move |_| texts.with(|texts| texts.get(key).to_owned()))
    }

    /// One part of what is shown; it notifies only when that part changes.
    pub fn memo<T>(&self, read: fn(&Shown) -> T) -> ArcMemo<T>
    where
        T: PartialEq + Send + Sync + 'static,
    {
        let shown = self.shown.clone();
        memo(move |_| shown.with(read))
    }

    /// An id unique to this widget on the page.
    pub fn id(&self, name: &str) -> String {
        self.instance.id(name)
    }
}

pub(crate) fn widget(host: Host) -> impl IntoView {
    // What a server render can know, so that the browser's first render matches it.
    let mut texts = Texts::default();
    let mut theme = Theme::default();
    let mut extension_url = String::new();
    untrack(|| {
        (host.options)(&mut |options| {
            texts.lang = options.lang.unwrap_or_default();
            texts.overrides = options.messages.clone();
            theme = options.theme;
            extension_url = crate::options::extension_url(&options.extension_url)
                .unwrap_or_else(|| crate::api::DEFAULT_EXTENSION_URL.into());
        })
    });
    let ui = Ui {
        instance: Instance::new(),
        texts: ArcRwSignal::new(texts),
        shown: ArcRwSignal::new(Shown::placeholder()),
        countdown: ArcRwSignal::new(String::new()),
        base: NodeRef::new(),
        extension_url: ArcRwSignal::new(extension_url),
    };
    let theme = ArcRwSignal::new(theme);
    start::in_browser(host, ui.clone(), theme.clone(), ui.base);

    let state = ui.memo(|shown| shown.state.to_owned());
    let live = ui.memo(|shown| shown.live.clone());
    let countdown = {
        let countdown = ui.countdown.clone();
        memo(move |_| countdown.get())
    };
    let screen = ui.memo(|shown| shown.screen);
    let tabs = ui.memo(|shown| shown.tabs.map(|tabs| tabs.order));
    let selected = ui.memo(|shown| shown.tabs.map(|tabs| tabs.selected));
    let lang = {
        let texts = ui.texts.clone();
        memo(move |_| texts.with(|texts| texts.lang.tag().to_owned()))
    };
    let theme = memo(move |_| theme.get().as_str().to_owned());
    let role = {
        let tabs = tabs.clone();
        memo(move |_| tabs.with(Option::is_some).then(|| "tabpanel".to_owned()))
    };
    let panel = ui.id("panel");
    let labelled_by = {
        let (ui, selected) = (ui.clone(), selected.clone());
        memo(move |_| selected.get().map(|method| ui.id(tabs::tab_name(method))))
    };
    let screens = {
        let ui = ui.clone();
        move || {
            let ui = ui.clone();
            match screen.get() {
                Screen::Stopped => view! { <status::Stopped ui /> }.into_any(),
                Screen::Loading => view! { <status::Loading ui /> }.into_any(),
                Screen::Qr => view! { <qr::QrCode ui /> }.into_any(),
                Screen::Paused => view! { <qr::Paused ui /> }.into_any(),
                Screen::PhoneInput => view! { <phone::PhoneInput ui /> }.into_any(),
                Screen::PhoneConfirm => view! { <phone::PhoneConfirm ui /> }.into_any(),
                Screen::PhoneCode => view! { <phone::PhoneCode ui /> }.into_any(),
                Screen::CodeExpired => view! { <phone::CodeExpired ui /> }.into_any(),
                Screen::Connected => view! { <status::Connected ui already=false /> }.into_any(),
                Screen::AlreadyConnected => {
                    view! { <status::Connected ui already=true /> }.into_any()
                }
                Screen::RestoreSession => view! { <status::RestoreSession ui /> }.into_any(),
                Screen::Offline => view! { <status::Offline ui /> }.into_any(),
                Screen::Error => view! { <status::Failure ui /> }.into_any(),
                Screen::ExtensionCode => view! { <extension::ExtensionCode ui /> }.into_any(),
                Screen::ExtensionExpired => view! { <extension::ExtensionExpired ui /> }.into_any(),
            }
        }
    };
    let method_tabs = {
        let (ui, tabs) = (ui.clone(), tabs.clone());
        move || {
            let selected = selected.clone();
            tabs.get()
                .map(|order| view! { <tabs::MethodTabs ui=ui.clone() order selected /> })
        }
    };
    view! {
        <div
            node_ref=ui.base
            part="base"
            class="zc"
            tabindex="-1"
            data-state=state
            data-theme=theme
            lang=lang
        >
            <p class="zc-sr" aria-live="polite">
                {live}
            </p>
            {method_tabs}
            <div
                part="panel"
                class="zc-panel"
                id=panel
                role=role
                aria-labelledby=labelled_by
            >
                {screens}
            </div>
            <p part="countdown" class="zc-count">
                {countdown}
            </p>
        </div>
    }
}
