//! The QR code, and the pause after Z-API's three unscanned codes.

use leptos::html::Button;
use leptos::prelude::*;

use super::{focus, Ui};
use crate::machine::{Event, QrImage};
use crate::messages::Key;

#[component]
pub fn QrCode(ui: Ui) -> impl IntoView {
    focus::claim(ui.instance, ui.base);
    // The drawing changes in place when a new code arrives; a tick does not touch it.
    let is_svg = ui.memo(|shown| !matches!(shown.qr, Some(QrImage::Src(_))));
    let view_box = ui.memo(|shown| match &shown.qr {
        Some(QrImage::Svg(svg)) => svg.view_box(),
        _ => String::new(),
    });
    let path = ui.memo(|shown| match &shown.qr {
        Some(QrImage::Svg(svg)) => svg.path.clone(),
        _ => String::new(),
    });
    let src = ui.memo(|shown| match &shown.qr {
        Some(QrImage::Src(src)) => src.clone(),
        _ => String::new(),
    });
    let alt = ui.text(Key::QrAlt);
    let drawing = move || {
        if is_svg.get() {
            let (view_box, path) = (view_box.clone(), path.clone());
            view! {
                <svg
                    part="qr"
                    class="zc-qr"
                    role="img"
                    shape-rendering="crispEdges"
                    viewBox=move || view_box.get()
                    aria-label=alt.clone()
                >
                    <rect width="100%" height="100%" fill="#fff"></rect>
                    <path fill="#000" d=move || path.get()></path>
                </svg>
            }
            .into_any()
        } else {
            let src = src.clone();
            view! { <img part="qr" class="zc-qr" alt=alt.clone() src=move || src.get() /> }
                .into_any()
        }
    };
    view! {
        <p class="zc-title">{ui.text(Key::QrTitle)}</p>
        <p class="zc-steps">{ui.text(Key::QrSteps)}</p>
        <div class="zc-tile">{drawing}</div>
    }
}

#[component]
pub fn Paused(ui: Ui) -> impl IntoView {
    view! { <NewCode ui why=Key::PausedText /> }
}

/// No code is shown until the user asks: why, and the "Get new code" button.
#[component]
pub fn NewCode(ui: Ui, why: Key) -> impl IntoView {
    let button = NodeRef::<Button>::new();
    focus::claim(ui.instance, button);
    let instance = ui.instance;
    view! {
        <p class="zc-title">{ui.text(Key::PausedTitle)}</p>
        <p class="zc-text">{ui.text(why)}</p>
        <button
            node_ref=button
            type="button"
            part="new-code-button"
            on:click=move |_| instance.send(Event::GetNewCode)
        >
            {ui.text(Key::NewCode)}
        </button>
    }
}
