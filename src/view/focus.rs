//! Focus after a user's action: the control that pressed it is gone once the next screen is
//! drawn, so keyboard users would fall back to the page's start. The screen that action led to
//! moves focus to its main control, or to the widget itself when it has none.

use leptos::html::ElementType;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::runtime::{Focus, Instance};

/// Focuses `target` once it is drawn, if a user's action asked for focus of this `kind`. A
/// loading screen claims nothing, leaving the request to the screen after it.
pub fn claim<E>(instance: Instance, target: NodeRef<E>, kind: Focus)
where
    E: ElementType + 'static,
    E::Output: JsCast + Clone + 'static,
{
    let target: Box<dyn Fn() -> Option<HtmlElement>> =
        Box::new(move || target.get().map(JsCast::unchecked_into));
    focus_when_drawn(instance, target, kind);
}

/// One effect type for every element type: each effect type costs its own copy of the async
/// machinery in the bundle.
fn focus_when_drawn(instance: Instance, target: Box<dyn Fn() -> Option<HtmlElement>>, kind: Focus) {
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(target) = target() else {
            return false;
        };
        if let Some(runtime) = instance.runtime() {
            if runtime.focus.get() == kind {
                runtime.focus.set(Focus::Stay);
                let _ = target.focus();
            }
        }
        true
    });
}
