//! The pairing code: the number, its confirmation, the code, and the code's expiry.

use leptos::html::{Button, Input};
use leptos::prelude::*;

use super::{focus, qr::NewCode, Ui};
use crate::machine::Event;
use crate::messages::{Key, Texts};
use crate::runtime;

/// A text with `{}` filled from what is shown, kept up to date.
fn filled(
    ui: &Ui,
    key: Key,
    value: ArcMemo<String>,
) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let texts = ui.texts.clone();
    move || value.with(|value| texts.with(|texts: &Texts| texts.fill(key, value)))
}

#[component]
pub fn PhoneInput(ui: Ui) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    focus::claim(ui.instance, input);
    let instance = ui.instance;
    // Only the first value: from then on the input holds what the user types, caret and all.
    let typed = ui.shown.with_untracked(|shown| shown.typed.clone());
    let problem = ui.memo(|shown| shown.phone_problem);
    let (input_id, hint_id, error_id) = (ui.id("phone"), ui.id("phone-hint"), ui.id("phone-error"));
    let described_by = {
        let (problem, hint_id, error_id) = (problem.clone(), hint_id.clone(), error_id.clone());
        move || match problem.get() {
            Some(_) => crate::messages::concat(&[&hint_id, " ", &error_id]),
            None => hint_id.clone(),
        }
    };
    let invalid = {
        let problem = problem.clone();
        move || problem.get().map(|_| "true")
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
    focus::claim(ui.instance, button);
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
            on:click=move |_| instance.send(Event::ConfirmPhone)
        >
            {ui.text(Key::GetCode)}
        </button>
        <ChangeNumber ui />
    }
}

#[component]
pub fn PhoneCode(ui: Ui) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    focus::claim(ui.instance, button);
    let code = ui.memo(|shown| shown.code.clone());
    let phone = ui.memo(|shown| shown.phone.clone());
    // `None` until the copy button is used; then whether the clipboard took the code.
    let copied = ArcRwSignal::new(None::<bool>);
    let on_copy = {
        let (code, copied) = (code.clone(), copied.clone());
        move |_| {
            let copied = copied.clone();
            code.with_untracked(|code| runtime::copy(code, move |done| copied.set(Some(done))));
        }
    };
    let status = {
        let texts = ui.texts.clone();
        move || {
            copied.get().map(|done| {
                let key = if done { Key::Copied } else { Key::CopyFailed };
                texts.with(|texts| texts.get(key).to_owned())
            })
        }
    };
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
            {move || code.get()}
        </p>
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
        <ol class="zc-list">{steps}</ol>
        <ChangeNumber ui />
    }
}

#[component]
pub fn CodeExpired(ui: Ui) -> impl IntoView {
    view! {
        <NewCode ui=ui.clone() why=Key::ExpiredText />
        <ChangeNumber ui />
    }
}

#[component]
fn ChangeNumber(ui: Ui) -> impl IntoView {
    let instance = ui.instance;
    view! {
        <button
            type="button"
            part="change-number-button"
            class="zc-link"
            on:click=move |_| instance.send(Event::ChangeNumber)
        >
            {ui.text(Key::ChangeNumber)}
        </button>
    }
}
