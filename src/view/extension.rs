//! The code for Z-API's Chrome extension, for accounts that WhatsApp asks for a passkey (which
//! no page but WhatsApp's own can answer): the way in, the code with its steps, its expiry, and
//! the way back.

use leptos::html::Button;
use leptos::prelude::*;

use super::copy::copy_button;
use super::notice::{send, Notice};
use super::qr::new_code;
use super::{focus, memo, Ui};
use crate::machine::{Event, Method};
use crate::messages::Key;
use crate::runtime::Focus;

#[component]
pub fn ExtensionCode(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    focus::claim(ui.instance, button, Focus::Screen);
    let code = ui.memo(|shown| shown.code.clone());
    let install_url = {
        let url = ui.extension_url.clone();
        memo(move |_| url.get())
    };
    let steps = [
        Key::ExtensionStep2,
        Key::ExtensionStep3,
        Key::ExtensionStep4,
    ]
    .map(|key| view! { <li>{ui.text(key)}</li> });
    view! {
        <p class="zc-title">{ui.text(Key::ExtensionTitle)}</p>
        <p class="zc-text">{ui.text(Key::ExtensionText)}</p>
        <p part="extension-code" class="zc-code" translate="no">
            {code}
        </p>
        {copy_button(&ui, button)}
        <ol part="extension-steps" class="zc-list">
            <li>
                <a
                    part="extension-install-link"
                    href=install_url
                    target="_blank"
                    rel="noopener noreferrer"
                >
                    {ui.text(Key::ExtensionStep1)}
                    <span class="zc-sr">" " {ui.text(Key::NewTab)}</span>
                </a>
            </li>
            {steps}
        </ol>
        {back_button(&ui)}
    }
}

#[component]
pub fn ExtensionExpired(ui: Ui) -> impl IntoView {
    view! {
        <Notice ui title=Key::PausedTitle text=Key::ExtensionExpiredText action=new_code() back=true />
    }
}

/// "Having trouble connecting?", under a QR code or a pairing code.
pub fn trouble_link(ui: &Ui) -> impl IntoView {
    view! {
        <button
            type="button"
            part="trouble-link"
            class="zc-link"
            on:click=send(ui.instance, Event::OpenExtension)
        >
            {ui.text(Key::TroubleLink)}
        </button>
    }
}

/// Back to the QR code or the phone number, whichever the user came from.
pub fn back_button(ui: &Ui) -> impl IntoView {
    let label = {
        let (shown, texts) = (ui.shown.clone(), ui.texts.clone());
        memo(move |_| {
            let key = match shown.with(|shown| shown.back_to) {
                Some(Method::Phone) => Key::BackPhone,
                _ => Key::BackQr,
            };
            texts.with(|texts| texts.get(key).to_owned())
        })
    };
    view! {
        <button
            type="button"
            part="back-button"
            class="zc-link"
            on:click=send(ui.instance, Event::Back)
        >
            {label}
        </button>
    }
}
