//! Where the widget's browser work begins: in effects, which run only in the browser and only
//! after hydration, so that a server render touches no browser API.

use leptos::html::Div;
use leptos::prelude::*;

use super::{style, Host, Ui};
use crate::api::DEFAULT_EXTENSION_URL;
use crate::fetch::Credentials;
use crate::machine::{choose_interval, Config, Event};
use crate::messages::{concat, Lang, Texts, WARN_PREFIX};
use crate::options::{country_code, extension_url, Theme, COUNTRY_WARNING, EXTENSION_URL_WARNING};
use crate::phone::DEFAULT_COUNTRY;
use crate::runtime::{Instance, Listener, Runtime};
use wasm_bindgen::JsCast;

const SMALL_TOUCH_SCREEN: &str = "(pointer: coarse) and (max-width: 600px)";

pub fn in_browser(host: Host, ui: Ui, theme: ArcRwSignal<Theme>, base: NodeRef<Div>) {
    let instance = ui.instance;
    // Send-safe: only the instance's number crosses into the cleanup.
    on_cleanup(move || instance.detach());
    let Host {
        relay,
        options,
        control,
        on_event,
    } = host;
    let mut on_event = on_event;
    let mut small_touch_screen = false;
    let mut warned_interval = None;
    let mut warned_country = None;
    let mut warned_extension_url = None;
    let mut last_refresh = None;
    Effect::new(move |_| {
        let runtime = match instance.runtime() {
            Some(runtime) => runtime,
            None => {
                let runtime = Runtime::new(
                    ui.texts.clone(),
                    ui.shown.clone(),
                    ui.countdown.clone(),
                    on_event.take(),
                );
                instance.attach(runtime.clone());
                if let Some(base) = base.get_untracked() {
                    style::adopt(&base);
                }
                small_touch_screen = window()
                    .match_media(SMALL_TOUCH_SCREEN)
                    .ok()
                    .flatten()
                    .is_some_and(|query| query.matches());
                let page = document();
                let visibility = Listener::new(&page, "visibilitychange", move |_| {
                    if let Some(runtime) = instance.runtime() {
                        runtime.dispatch(Event::Hidden(document().hidden()));
                    }
                });
                runtime.hold(visibility);
                if page.hidden() {
                    runtime.dispatch(Event::Hidden(true));
                }
                watch_connection_and_history(instance, &runtime);
                runtime
            }
        };
        let relay = relay();
        let (running, refreshes) = (control.is_running(), control.refreshes());
        options(&mut |options| {
            let (interval_secs, fell_back) = choose_interval(Some(options.interval_secs));
            if fell_back
                && warned_interval.replace(options.interval_secs) != Some(options.interval_secs)
            {
                warn("interval must be a whole number of seconds from 10 to 20; using 15.");
            }
            // The element has checked its attribute already; the component's prop is checked
            // here, with the same fallback and warning.
            let country = country_code(&options.default_country).unwrap_or_else(|| {
                let bad = &options.default_country;
                if warned_country.as_ref() != Some(bad) {
                    warned_country = Some(bad.clone());
                    web_sys::console::warn_1(&COUNTRY_WARNING.into());
                }
                DEFAULT_COUNTRY.to_owned()
            });
            let methods = if small_touch_screen {
                options.methods.phone_first()
            } else {
                options.methods
            };
            let texts = Texts {
                lang: options.lang.unwrap_or_else(page_lang),
                overrides: options.messages.clone(),
            };
            if ui.texts.with_untracked(|old| *old != texts) {
                ui.texts.set(texts);
            }
            let extension_url = extension_url(&options.extension_url).unwrap_or_else(|| {
                let bad = &options.extension_url;
                if warned_extension_url.as_ref() != Some(bad) {
                    warned_extension_url = Some(bad.clone());
                    web_sys::console::warn_1(&EXTENSION_URL_WARNING.into());
                }
                DEFAULT_EXTENSION_URL.to_owned()
            });
            if ui.extension_url.with_untracked(|old| *old != extension_url) {
                ui.extension_url.set(extension_url);
            }
            if theme.get_untracked() != options.theme {
                theme.set(options.theme);
            }
            runtime.set_credentials(Credentials {
                ticket: options.token.clone(),
                include_cookies: options.include_credentials,
            });
            runtime.dispatch(Event::ConfigChanged(Config {
                relay: relay.clone(),
                interval_secs,
                format: options.qr_format,
                methods,
                country,
                code_ttl_secs: options.code_ttl_secs,
                allow_disconnect: options.allow_disconnect,
            }));
        });
        if !running {
            runtime.dispatch(Event::Stop);
            runtime.abort_requests();
        } else {
            let refreshed = last_refresh
                .replace(refreshes)
                .is_some_and(|r| r != refreshes);
            // One event: a start followed by a refresh would send two status checks.
            runtime.dispatch(if refreshed {
                Event::Refresh
            } else {
                Event::Start
            });
        }
    });
}

/// The network going and coming back, and the back-forward cache: a page stored there keeps no
/// request open, and one restored from it may show a stale state.
fn watch_connection_and_history(instance: Instance, runtime: &Runtime) {
    let page = window();
    for (name, online) in [("online", true), ("offline", false)] {
        runtime.hold(Listener::new(&page, name, move |_| {
            if let Some(runtime) = instance.runtime() {
                runtime.dispatch(Event::Online(online));
            }
        }));
    }
    for name in ["pagehide", "pageshow"] {
        runtime.hold(Listener::new(&page, name, move |event| {
            let persisted = event
                .dyn_ref::<web_sys::PageTransitionEvent>()
                .is_some_and(|event| event.persisted());
            match instance.runtime() {
                Some(runtime) if persisted && name == "pageshow" => {
                    runtime.dispatch(Event::Restored);
                }
                Some(runtime) if persisted => runtime.abort_requests(),
                _ => {}
            }
        }));
    }
    if !page.navigator().on_line() {
        runtime.dispatch(Event::Online(false));
    }
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
