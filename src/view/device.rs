//! The linked phone's card on the connected screens, and with `allow-disconnect` the way to
//! unlink it: "Not your number? Disconnect", a confirmation, and the failure if there is one.

use leptos::html::Button;
use leptos::prelude::*;

use super::notice::send;
use super::shown::{DeviceCard, Disconnect, Shown};
use super::{focus, memo, Ui};
use crate::machine::Event;
use crate::messages::Key;
use crate::runtime::Focus;

/// The card, once `/device` has said which phone is linked; nothing before or without it.
#[component]
pub fn LinkedPhone(ui: Ui) -> impl IntoView {
    let known = ui.memo(|shown| shown.device.is_some());
    move || known.get().then(|| view! { <Card ui=ui.clone() /> })
}

/// One field of the card; empty or `None` off the card.
fn field(ui: &Ui, read: fn(&DeviceCard) -> Option<String>) -> ArcMemo<Option<String>> {
    let shown = ui.shown.clone();
    memo(move |_| shown.with(|shown: &Shown| shown.device.as_ref().and_then(read)))
}

#[component]
fn Card(ui: Ui) -> impl IntoView {
    let phone = field(&ui, |device| Some(device.phone.clone()));
    let name = field(&ui, |device| device.name.clone());
    let kind = field(&ui, |device| device.kind.clone());
    let session = field(&ui, |device| device.session.clone());
    let picture = field(&ui, |device| device.picture.clone());
    // A picture that does not load goes, rather than showing a broken image.
    let broken = ArcRwSignal::new(false);
    let picture = {
        let alt = ui.text(Key::DevicePicture);
        move || {
            let broken = broken.clone();
            let src = picture.get().filter(|_| !broken.get())?;
            Some(view! {
                <img
                    part="device-picture"
                    class="zc-avatar"
                    src=src
                    alt=alt.clone()
                    referrerpolicy="no-referrer"
                    width="56"
                    height="56"
                    on:error=move |_| broken.set(true)
                />
            })
        }
    };
    let line = |part: &'static str, class: &'static str, text: ArcMemo<Option<String>>| {
        move || {
            text.get()
                .map(|text| view! { <p part=part class=class translate="no">{text}</p> })
        }
    };
    view! {
        <div part="device" class="zc-device">
            {picture}
            <div class="zc-device-text">
                {line("device-phone", "zc-device-phone", phone)}
                {line("device-name", "zc-device-name", name)}
                {line("device-kind", "zc-hint", kind)}
                {line("device-session", "zc-hint", session)}
            </div>
            <DisconnectOffer ui />
        </div>
    }
}

/// "Not your number? Disconnect", its confirmation, and a failure's message.
#[component]
fn DisconnectOffer(ui: Ui) -> impl IntoView {
    let step = ui.memo(|shown| shown.disconnect);
    let error = ui.memo(|shown| shown.disconnect_error.clone());
    let control = {
        let ui = ui.clone();
        move || match step.get() {
            Disconnect::Unavailable => ().into_any(),
            Disconnect::Offered => view! { <OfferButton ui=ui.clone() /> }.into_any(),
            Disconnect::Confirming => view! { <Confirmation ui=ui.clone() /> }.into_any(),
            Disconnect::Sending => {
                view! { <p class="zc-hint zc-wide">{ui.text(Key::Disconnecting)}</p> }.into_any()
            }
        }
    };
    let failure = {
        let (failed, texts) = (ui.text(Key::DisconnectFailed), ui.texts.clone());
        move || {
            let error = error.get()?;
            let message = texts.with(|texts| texts.error(&error));
            Some(view! {
                <div part="error" class="zc-invalid zc-wide" role="alert" data-code=error.code.as_str()>
                    <p>{failed.clone()}</p>
                    <p>{message}</p>
                </div>
            })
        }
    };
    view! {
        {failure}
        {control}
    }
}

#[component]
fn OfferButton(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    // Back here after a cancel or a failure: focus returns to the button.
    focus::claim(ui.instance, button, Focus::Screen);
    view! {
        <button
            node_ref=button
            type="button"
            part="disconnect-button"
            class="zc-link zc-wide"
            on:click=send(ui.instance, Event::AskDisconnect)
        >
            {ui.text(Key::Disconnect)}
        </button>
    }
}

/// Asked in the widget itself; the least harmful choice, keeping the link, takes focus, and
/// Escape chooses it too.
#[component]
fn Confirmation(ui: Ui) -> impl IntoView {
    let cancel = NodeRef::<Button>::new();
    focus::claim(ui.instance, cancel, Focus::Screen);
    let instance = ui.instance;
    let question_id = ui.id("disconnect-question");
    let labelled_by = question_id.clone();
    let question = {
        let (shown, texts) = (ui.shown.clone(), ui.texts.clone());
        memo(move |_| {
            shown.with(|shown| {
                let phone = shown.device.as_ref().map_or("", |device| &device.phone);
                texts.with(|texts| texts.fill(Key::DisconnectQuestion, phone))
            })
        })
    };
    let on_keydown = move |event: web_sys::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            instance.send(Event::CancelDisconnect);
        }
    };
    view! {
        <div
            part="disconnect-confirm"
            class="zc-confirm zc-wide"
            role="group"
            aria-labelledby=labelled_by
            on:keydown=on_keydown
        >
            <p id=question_id class="zc-text">
                {question}
            </p>
            <button
                type="button"
                class="zc-danger"
                on:click=send(instance, Event::ConfirmDisconnect)
            >
                {ui.text(Key::DisconnectConfirm)}
            </button>
            <button
                node_ref=cancel
                type="button"
                class="zc-secondary"
                on:click=send(instance, Event::CancelDisconnect)
            >
                {ui.text(Key::DisconnectCancel)}
            </button>
        </div>
    }
}
