//! The screens around the codes: stopped, loading, connected (with the linked phone's card),
//! restore session, offline, error.

use leptos::html::Button;
use leptos::prelude::*;

use super::device::LinkedPhone;
use super::notice::{send, Action, Icon, Notice};
use super::{focus, memo, Ui};
use crate::machine::Event;
use crate::messages::Key;
use crate::runtime::Focus;

#[component]
pub fn Stopped(ui: Ui) -> impl IntoView {
    let action = Action {
        part: "start-button",
        label: Key::Start,
        event: Event::Start,
    };
    view! { <Notice ui text=Key::Stopped action /> }
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
    let text = if already {
        Key::AlreadyText
    } else {
        Key::ConnectedText
    };
    view! {
        <Notice ui=ui.clone() part="connected" icon=Icon::Check title=Key::ConnectedTitle text />
        <LinkedPhone ui />
    }
}

#[component]
pub fn RestoreSession(ui: Ui) -> impl IntoView {
    let action = Action {
        part: "check-button",
        label: Key::CheckAgain,
        event: Event::Retry,
    };
    view! {
        <Notice
            ui
            part="restore-session"
            icon=Icon::Alert
            title=Key::RestoreTitle
            text=Key::RestoreText
            action
        />
    }
}

/// No button: the widget starts again by itself when the connection is back.
#[component]
pub fn Offline(ui: Ui) -> impl IntoView {
    view! {
        <Notice
            ui
            part="offline"
            icon=Icon::Alert
            title=Key::OfflineTitle
            text=Key::OfflineText
        />
    }
}

/// An error: what happened, whether trying again can help, and the button when it can.
#[component]
pub fn Failure(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    focus::claim(ui.instance, button, Focus::Screen);
    let instance = ui.instance;
    let error = ui.memo(|shown| shown.error.clone());
    let code = {
        let error = error.clone();
        memo(move |_| error.with(|error| error.as_ref().map(|e| e.code.as_str().to_owned())))
    };
    let message = {
        let (error, texts) = (error.clone(), ui.texts.clone());
        memo(move |_| {
            error.with(|error| match error {
                Some(error) => texts.with(|texts| texts.error(error)),
                None => String::new(),
            })
        })
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
                            on:click=send(instance, Event::Retry)
                        >
                            {label.clone()}
                        </button>
                    }
                })
        }
    };
    view! {
        <div part="error" class="zc-stack" role="alert" data-code=code>
            <svg class="zc-icon zc-bad" viewBox="0 0 24 24" aria-hidden="true">
                <circle cx="12" cy="12" r="11" fill="currentColor"></circle>
                <path d="M12 6.5v7M12 16.5v1" fill="none" stroke="#fff" stroke-width="2.4"></path>
            </svg>
            <p class="zc-title">{ui.text(Key::ErrorTitle)}</p>
            <p class="zc-text">{message}</p>
            {hopeless}
            {retry}
        </div>
    }
}
