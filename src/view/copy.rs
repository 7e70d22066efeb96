//! The copy button under a pairing code or an extension code, and what it reports.

use leptos::html::Button;
use leptos::prelude::*;

use super::{memo, Ui};
use crate::messages::Key;
use crate::runtime;

/// Copies what is shown as `code_to_copy`; `button` is the screen's main control.
pub fn copy_button(ui: &Ui, button: NodeRef<Button>) -> impl IntoView {
    // `None` until the copy button is used; then whether the clipboard took the code.
    let copied = ArcRwSignal::new(None::<bool>);
    let on_copy = {
        let (shown, copied) = (ui.shown.clone(), copied.clone());
        move |_| {
            let copied = copied.clone();
            shown.with_untracked(|shown| {
                runtime::copy(&shown.code_to_copy, move |done| copied.set(Some(done)))
            });
        }
    };
    let status = {
        let texts = ui.texts.clone();
        memo(move |_| match copied.get() {
            Some(done) => {
                let key = if done { Key::Copied } else { Key::CopyFailed };
                texts.with(|texts| texts.get(key).to_owned())
            }
            None => String::new(),
        })
    };
    view! {
        <button
            node_ref=button
            type="button"
            part="copy-button"
            class="zc-secondary"
            on:click=on_copy
        >
            {ui.text(Key::Copy)}
        </button>
        <p part="copy-status" class="zc-hint" role="status">
            {status}
        </p>
    }
}
