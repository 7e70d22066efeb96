//! The layout of the screens that say something and offer at most one action (stopped, paused,
//! code expired, connected, restore session). Sharing one layout, they share one copy of its
//! rendering code in the bundle.

use leptos::html::Button;
use leptos::prelude::*;

use super::extension::{back_button, trouble_link};
use super::{focus, Ui};
use crate::machine::Event;
use crate::messages::Key;
use crate::runtime::{Focus, Instance};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Check,
    Alert,
}

/// The button that does what the screen offers.
#[derive(Clone)]
pub struct Action {
    pub part: &'static str,
    pub label: Key,
    pub event: Event,
}

/// A click handler that sends the user's action to the widget: one handler type for every
/// such button.
pub fn send(instance: Instance, event: Event) -> impl FnMut(web_sys::MouseEvent) + 'static {
    move |_| instance.send(event.clone())
}

#[component]
pub fn Notice(
    ui: Ui,
    /// The wrapper's part, such as `connected`.
    #[prop(optional)]
    part: Option<&'static str>,
    #[prop(optional)] icon: Option<Icon>,
    #[prop(optional)] title: Option<Key>,
    text: Key,
    #[prop(optional)] action: Option<Action>,
    /// Offers "Use a different number" after the action.
    #[prop(optional)]
    change_number: bool,
    /// Offers "Having trouble connecting?".
    #[prop(optional)]
    trouble: bool,
    /// Offers the way back from the extension code.
    #[prop(optional)]
    back: bool,
) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    if action.is_some() {
        focus::claim(ui.instance, button, Focus::Screen);
    } else {
        focus::claim(ui.instance, ui.base, Focus::Screen);
    }
    let instance = ui.instance;
    let icon = icon.map(|icon| {
        let (class, d, fill, width) = match icon {
            Icon::Check => ("zc-icon zc-ok", "M7 12.5l3.2 3.2L17 9", "none", "2.2"),
            Icon::Alert => ("zc-icon zc-bad", "M12 6.5v7M12 16.5v1", "none", "2.4"),
        };
        view! {
            <svg class=class viewBox="0 0 24 24" aria-hidden="true">
                <circle cx="12" cy="12" r="11" fill="currentColor"></circle>
                <path d=d fill=fill stroke="#fff" stroke-width=width></path>
            </svg>
        }
    });
    let title = title.map(|key| view! { <p class="zc-title">{ui.text(key)}</p> });
    let action = action.map(|action| {
        view! {
            <button
                node_ref=button
                type="button"
                part=action.part
                on:click=send(instance, action.event)
            >
                {ui.text(action.label)}
            </button>
        }
    });
    let change_number = change_number.then(|| change_number_button(&ui));
    let trouble = trouble.then(|| trouble_link(&ui));
    let back = back.then(|| back_button(&ui));
    view! {
        <div part=part class="zc-stack">
            {icon}
            {title}
            <p class="zc-text">{ui.text(text)}</p>
            {action}
            {change_number}
            {trouble}
            {back}
        </div>
    }
}

/// "Use a different number", under a phone code or its confirmation.
pub fn change_number_button(ui: &Ui) -> impl IntoView {
    view! {
        <button
            type="button"
            part="change-number-button"
            class="zc-link"
            on:click=send(ui.instance, Event::ChangeNumber)
        >
            {ui.text(Key::ChangeNumber)}
        </button>
    }
}
