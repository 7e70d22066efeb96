//! The pairing code: the number, its confirmation, the code, and the code's expiry.

use leptos::html::{Button, Input};
use leptos::prelude::*;

use super::copy::copy_button;
use super::extension::trouble_link;
use super::notice::{change_number_button, send, Notice};
use super::{focus, memo, qr::new_code, Ui};
use crate::machine::Event;
use crate::messages::{Key, Texts};
use crate::runtime::Focus;

/// A text with `{}` filled from what is shown, kept up to date.
fn filled(ui: &Ui, key: Key, value: ArcMemo<String>) -> ArcMemo<String> {
    let texts = ui.texts.clone();
    memo(move |_| value.with(|value| texts.with(|texts: &Texts| texts.fill(key, value))))
}

#[component]
pub fn PhoneInput(ui: Ui) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    focus::claim(ui.instance, input, Focus::Screen);
    let instance = ui.instance;
    // Only the first value: from then on the input holds what the user types, caret and all.
    let typed = ui.shown.with_untracked(|shown| shown.typed.clone());
    let problem = ui.memo(|shown| shown.phone_problem);
    let (input_id, hint_id, error_id) = (ui.id("phone"), ui.id("phone-hint"), ui.id("phone-error"));
    let described_by = {
        let (problem, hint_id, error_id) = (problem.clone(), hint_id.clone(), error_id.clone());
        memo(move |_| match problem.get() {
            Some(_) => crate::messages::concat(&[&hint_id, " ", &error_id]),
            None => hint_id.clone(),
        })
    };
    let invalid = {
        let problem = problem.clone();
        memo(move |_| problem.get().map(|_| "true".to_owned()))
    };
    let message = {
        let texts = ui.texts.clone();
        move || {
            problem.get().map(|problem| {
                let key = match problem {
                    crate::machine::PhoneProblem::Format => Key::PhoneInvalid,
                    crate::machine::PhoneProblem::Refused => Key::ErrInvalidPhone,
                };
                let text = texts.with(|texts| texts.get(key).to_owned());
                view! {
                    <p id=error_id.clone() part="phone-error" class="zc-invalid" data-code="invalid_phone">
                        {text}
                    </p>
                }
            })
        }
    };
    let on_submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let value = input.get_untracked().map(|input| input.value());
        instance.send(Event::SubmitPhone(value.unwrap_or_default()));
    };
    view! {
        <form class="zc-form" part="phone-form" novalidate on:submit=on_submit>
            <label for=input_id.clone() class="zc-label">
                {ui.text(Key::PhoneLabel)}
            </label>
            <input
                node_ref=input
                id=input_id
                part="phone-input"
                name="phone"
                type="tel"
                inputmode="tel"
                autocomplete="tel"
                value=typed
                aria-describedby=described_by
                aria-invalid=invalid
            />
            <p id=hint_id class="zc-hint">
                {filled(&ui, Key::PhoneHint, ui.memo(|shown| shown.country.clone()))}
            </p>
            {message}
            <button type="submit" part="phone-submit">
                {ui.text(Key::PhoneContinue)}
            </button>
        </form>
    }
}

/// The normalized number, shown before a code is asked for.
#[component]
pub fn PhoneConfirm(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    focus::claim(ui.instance, button, Focus::Screen);
    let instance = ui.instance;
    let phone = ui.memo(|shown| shown.phone.clone());
    view! {
        <p class="zc-text" part="phone-number">
            {filled(&ui, Key::PhoneConfirm, phone)}
        </p>
        <button
            node_ref=button
            type="button"
            part="get-code-button"
            on:click=send(instance, Event::ConfirmPhone)
        >
            {ui.text(Key::GetCode)}
        </button>
        {change_number_button(&ui)}
    }
}

#[component]
pub fn PhoneCode(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    focus::claim(ui.instance, button, Focus::Screen);
    let code = ui.memo(|shown| shown.code.clone());
    let phone = ui.memo(|shown| shown.phone.clone());
    let steps = [
        Key::CodeStep1,
        Key::CodeStep2,
        Key::CodeStep3,
        Key::CodeStep4,
    ]
    .map(|key| view! { <li>{filled(&ui, key, phone.clone())}</li> });
    view! {
        <p class="zc-title">{ui.text(Key::CodeTitle)}</p>
        <p part="code" class="zc-code" translate="no">
            {code.clone()}
        </p>
        {copy_button(&ui, button)}
        <ol class="zc-list">{steps}</ol>
        {trouble_link(&ui)}
        {change_number_button(&ui)}
    }
}

#[component]
pub fn CodeExpired(ui: Ui) -> impl IntoView {
    view! {
        <Notice
            ui
            title=Key::PausedTitle
            text=Key::ExpiredText
            action=new_code()
            change_number=true
            trouble=true
        />
    }
}
