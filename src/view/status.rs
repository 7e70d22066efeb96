//! The screens around the codes: stopped, loading, connected, restore session, error.

use leptos::html::Button;
use leptos::prelude::*;

use super::{focus, Ui};
use crate::machine::Event;
use crate::messages::Key;

#[component]
pub fn Stopped(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    focus::claim(ui.instance, button);
    let instance = ui.instance;
    view! {
        <p class="zc-text">{ui.text(Key::Stopped)}</p>
        <button
            node_ref=button
            type="button"
            part="start-button"
            on:click=move |_| instance.send(Event::Start)
        >
            {ui.text(Key::Start)}
        </button>
    }
}

/// Also what a server render sends, before the widget starts in the browser.
#[component]
pub fn Loading(ui: Ui) -> impl IntoView {
    view! {
        <div class="zc-spin" aria-hidden="true"></div>
        <p class="zc-text">{ui.text(Key::Loading)}</p>
    }
}

#[component]
pub fn Connected(
    ui: Ui,
    /// The phone was linked before the widget came.
    already: bool,
) -> impl IntoView {
    focus::claim(ui.instance, ui.base);
    let text = if already {
        Key::AlreadyText
    } else {
        Key::ConnectedText
    };
    view! {
        <div part="connected" class="zc-done">
            <CheckIcon />
            <p class="zc-title">{ui.text(Key::ConnectedTitle)}</p>
            <p class="zc-text">{ui.text(text)}</p>
        </div>
    }
}

#[component]
pub fn RestoreSession(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    focus::claim(ui.instance, button);
    let instance = ui.instance;
    view! {
        <div part="restore-session" class="zc-error">
            <AlertIcon />
            <p class="zc-title">{ui.text(Key::RestoreTitle)}</p>
            <p class="zc-text">{ui.text(Key::RestoreText)}</p>
            <button
                node_ref=button
                type="button"
                part="check-button"
                on:click=move |_| instance.send(Event::Retry)
            >
                {ui.text(Key::CheckAgain)}
            </button>
        </div>
    }
}

/// An error: what happened, whether trying again can help, and the button when it can.
#[component]
pub fn Failure(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    focus::claim(ui.instance, button);
    let instance = ui.instance;
    let error = ui.memo(|shown| shown.error.clone());
    let code = {
        let error = error.clone();
        move || error.with(|error| error.as_ref().map(|error| error.code.as_str()))
    };
    let message = {
        let (error, texts) = (error.clone(), ui.texts.clone());
        move || {
            error.with(|error| {
                let error = error.as_ref()?;
                Some(texts.with(|texts| texts.error(error)))
            })
        }
    };
    let hopeless = {
        let (error, no_retry) = (error.clone(), ui.text(Key::RetryNo));
        move || {
            error
                .with(|error| error.as_ref().is_some_and(|error| !error.retryable))
                .then(|| view! { <p class="zc-hint">{no_retry.clone()}</p> })
        }
    };
    let retry = {
        let label = ui.text(Key::Retry);
        move || {
            error
                .with(|error| error.as_ref().is_some_and(|error| error.offers_retry()))
                .then(|| {
                    view! {
                        <button
                            node_ref=button
                            type="button"
                            part="retry-button"
                            on:click=move |_| instance.send(Event::Retry)
                        >
                            {label.clone()}
                        </button>
                    }
                })
        }
    };
    view! {
        <div part="error" class="zc-error" role="alert" data-code=code>
            <AlertIcon />
            <p class="zc-title">{ui.text(Key::ErrorTitle)}</p>
            <p class="zc-text">{message}</p>
            {hopeless}
            {retry}
        </div>
    }
}

#[component]
fn CheckIcon() -> impl IntoView {
    view! {
        <svg class="zc-icon" viewBox="0 0 24 24" aria-hidden="true">
            <circle cx="12" cy="12" r="11" fill="currentColor"></circle>
            <path d="M7 12.5l3.2 3.2L17 9" fill="none" stroke="#fff" stroke-width="2.2"></path>
        </svg>
    }
}

#[component]
fn AlertIcon() -> impl IntoView {
    view! {
        <svg class="zc-icon" viewBox="0 0 24 24" aria-hidden="true">
            <circle cx="12" cy="12" r="11" fill="currentColor"></circle>
            <path d="M12 6.5v7M12 16.5v1" stroke="#fff" stroke-width="2.4"></path>
        </svg>
    }
}
