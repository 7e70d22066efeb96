//! The QR / phone-number tabs, as the ARIA tabs pattern asks: arrow keys, Home and End move
//! between them, and the selection follows.

use leptos::html::Button;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::shown::other;
use super::{focus, memo, Ui};
use crate::machine::{Event, Method};
use crate::messages::Key;
use crate::runtime::Focus;

pub fn tab_name(method: Method) -> &'static str {
    match method {
        Method::Qr => "tab-qr",
        Method::Phone => "tab-phone",
    }
}

#[component]
pub fn MethodTabs(
    ui: Ui,
    /// The tabs in the host's order.
    order: [Method; 2],
    /// The method in use, when tabs are shown.
    selected: ArcMemo<Option<Method>>,
) -> impl IntoView {
    let refs = [NodeRef::<Button>::new(), NodeRef::<Button>::new()];
    let instance = ui.instance;
    // The tabs stay focused: a loading screen may hide them for a moment, then they come back.
    let choose = move |method| {
        if let Some(runtime) = instance.runtime() {
            runtime.focus.set(Focus::Tab);
            runtime.dispatch(Event::ChooseMethod(method));
            if runtime.shows_tabs() {
                runtime.focus.set(Focus::Stay);
            }
        }
    };
    if let Some(selected) = selected.get_untracked() {
        focus::claim(
            instance,
            refs[usize::from(selected == order[1])],
            Focus::Tab,
        );
    }
    let tab = |at: usize| {
        let method = order[at];
        let (aria_selected, tabindex) = {
            let (selected, again) = (selected.clone(), selected.clone());
            (
                memo(move |_| {
                    if selected.get() == Some(method) {
                        "true"
                    } else {
                        "false"
                    }
                    .to_owned()
                }),
                memo(move |_| {
                    if again.get() == Some(method) {
                        "0"
                    } else {
                        "-1"
                    }
                    .to_owned()
                }),
            )
        };
        let label = ui.text(match method {
            Method::Qr => Key::MethodQr,
            Method::Phone => Key::MethodPhone,
        });
        let on_keydown = move |event: web_sys::KeyboardEvent| {
            let target = match event.key().as_str() {
                "ArrowLeft" | "ArrowRight" => other(method),
                "Home" => order[0],
                "End" => order[1],
                _ => return,
            };
            event.prevent_default();
            choose(target);
            let at = usize::from(target == order[1]);
            if let Some(button) = refs[at].get_untracked() {
                let _ = button.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        };
        view! {
            <button
                node_ref=refs[at]
                type="button"
                role="tab"
                part="method-tab"
                id=ui.id(tab_name(method))
                data-method=method.as_str()
                aria-controls=ui.id("panel")
                aria-selected=aria_selected
                tabindex=tabindex
                on:click=move |_| choose(method)
                on:keydown=on_keydown
            >
                {label}
            </button>
        }
    };
    view! {
        <div role="tablist" part="methods" class="zc-tabs" aria-label=ui.text(Key::Methods)>
            {tab(0)}
            {tab(1)}
        </div>
    }
}
