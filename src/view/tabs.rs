//! The QR / phone-number tabs, as the ARIA tabs pattern asks: arrow keys, Home and End move
//! between them, and the selection follows.

use leptos::html::Button;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::shown::other;
use super::Ui;
use crate::machine::{Event, Method};
use crate::messages::Key;

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
    let tab = |at: usize| {
        let method = order[at];
        let is_selected = {
            let selected = selected.clone();
            move || selected.get() == Some(method)
        };
        let label = ui.text(match method {
            Method::Qr => Key::MethodQr,
            Method::Phone => Key::MethodPhone,
        });
        let instance = ui.instance;
        let on_keydown = move |event: web_sys::KeyboardEvent| {
            let target = match event.key().as_str() {
                "ArrowLeft" | "ArrowRight" => other(method),
                "Home" => order[0],
                "End" => order[1],
                _ => return,
            };
            event.prevent_default();
            if let Some(runtime) = instance.runtime() {
                runtime.dispatch(Event::ChooseMethod(target));
            }
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
                aria-selected={
                    let is_selected = is_selected.clone();
                    move || if is_selected() { "true" } else { "false" }
                }
                tabindex=move || if is_selected() { "0" } else { "-1" }
                on:click=move |_| {
                    if let Some(runtime) = instance.runtime() {
                        runtime.dispatch(Event::ChooseMethod(method));
                    }
                }
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
