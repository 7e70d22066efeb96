//! The linked phone's card on the connected screens, and with `allow-disconnect` the way to
//! unlink it: "Not your number? Disconnect", a confirmation, and the failure if there is one.
//!
//! The card and its lines are always drawn and hidden while empty: each conditional view (a
//! closure) would bring its own copy of Leptos' rendering code into the bundle. Only the
//! disconnect controls come and go, so that none exists without `allow-disconnect`.

use leptos::html::Button;
use leptos::prelude::*;

use super::notice::send;
use super::shown::{DeviceCard, Disconnect, Shown};
use super::{focus, memo, Ui};
use crate::machine::Event;
use crate::messages::Key;
use crate::runtime::Focus;

/// One line of the card, empty when the card or the line has nothing.
fn line(ui: &Ui, read: fn(&DeviceCard) -> Option<&String>) -> ArcMemo<String> {
    let shown = ui.shown.clone();
    memo(move |_| {
        shown.with(|shown: &Shown| {
            let text = shown.device.as_ref().and_then(read);
            text.cloned().unwrap_or_default()
        })
    })
}

/// The card, hidden until `/device` has said which phone is linked, and for good when it failed.
#[component]
pub fn LinkedPhone(ui: Ui) -> impl IntoView {
    let hidden = ui.memo(|shown| shown.device.is_none().then(String::new));
    // A picture that does not load goes, rather than showing a broken image.
    let broken = ArcRwSignal::new(false);
    let src = {
        let (shown, broken) = (ui.shown.clone(), broken.clone());
        memo(move |_| {
            let picture = shown.with(|shown| shown.device.as_ref()?.picture.clone());
            picture.filter(|_| !broken.get())
        })
    };
    let picture_hidden = {
        let src = src.clone();
        memo(move |_| src.with(Option::is_none).then(String::new))
    };
    view! {
        <div part="device" class="zc-device" hidden=hidden>
            <img
                part="device-picture"
                class="zc-avatar"
                hidden=picture_hidden
                src=src
                alt=ui.text(Key::DevicePicture)
                referrerpolicy="no-referrer"
                width="56"
                height="56"
                on:error=move |_| broken.set(true)
            />
            <div class="zc-device-text" translate="no">
                <p part="device-phone" class="zc-device-phone">
                    {line(&ui, |device| Some(&device.phone))}
                </p>
                <p part="device-name">{line(&ui, |device| device.name.as_ref())}</p>
                <p part="device-kind" class="zc-hint">
                    {line(&ui, |device| device.kind.as_ref())}
                </p>
                <p part="device-session" class="zc-hint">
                    {line(&ui, |device| device.session.as_ref())}
                </p>
            </div>
            {disconnect_controls(ui)}
        </div>
    }
}

/// "Not your number? Disconnect" (under a failure's message, if there is one), or its
/// confirmation; nothing without `allow-disconnect`.
fn disconnect_controls(ui: Ui) -> impl IntoView {
    let step = ui.memo(|shown| shown.disconnect);
    move || match step.get() {
        Disconnect::Unavailable => ().into_any(),
        Disconnect::Offered => view! { <Offer ui=ui.clone() /> }.into_any(),
        Disconnect::Confirming => view! { <Confirmation ui=ui.clone() /> }.into_any(),
        Disconnect::Sending => view! { <Confirmation ui=ui.clone() sending=true /> }.into_any(),
    }
}

#[component]
fn Offer(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    // Back here after a cancel or a failure: focus returns to the button.
    focus::claim(ui.instance, button, Focus::Screen);
    let failure = ui
        .shown
        .with_untracked(|shown| shown.disconnect_error.clone());
    let failure = failure.map(|error| {
        let code = error.code.as_str();
        let message = {
            let texts = ui.texts.clone();
            memo(move |_| texts.with(|texts| texts.error(&error)))
        };
        view! {
            <div part="error" class="zc-invalid zc-wide" role="alert" data-code=code>
                <p>{ui.text(Key::DisconnectFailed)}</p>
                <p>{message}</p>
            </div>
        }
    });
    view! {
        {failure}
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
fn Confirmation(
    ui: Ui,
    /// The answer is on its way to the relay: the question stays, its buttons do nothing, and
    /// focus waits for the screen that follows.
    #[prop(optional)]
    sending: bool,
) -> impl IntoView {
    let cancel = NodeRef::<Button>::new();
    if !sending {
        focus::claim(ui.instance, cancel, Focus::Screen);
    }
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
                disabled=sending
                on:click=send(instance, Event::ConfirmDisconnect)
            >
                {ui.text(Key::DisconnectConfirm)}
            </button>
            <button
                node_ref=cancel
                type="button"
                class="zc-secondary"
                disabled=sending
                on:click=send(instance, Event::CancelDisconnect)
            >
                {ui.text(Key::DisconnectCancel)}
            </button>
        </div>
    }
}
