//! Focus after a user's action: the control that pressed it is gone once the next screen is
//! drawn, so keyboard users would fall back to the page's start. The screen that action led to
//! moves focus to its main control, or to the widget itself when it has none.

use leptos::html::ElementType;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::runtime::Instance;

/// Focuses `target` once it is drawn, if a user's action asked for it. A loading screen leaves
/// the request to the screen after it.
pub fn claim<E>(instance: Instance, target: NodeRef<E>)
where
    E: ElementType + 'static,
    E::Output: JsCast + Clone + 'static,
{
    target.on_load(move |target| {
        if let Some(runtime) = instance.runtime() {
            if runtime.focus_requested.replace(false) {
                let _ = target.unchecked_into::<HtmlElement>().focus();
            }
        }
    });
}
