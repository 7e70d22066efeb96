//! The QR code, and the pause after Z-API's three unscanned codes.

use leptos::prelude::*;

use super::extension::trouble_link;
use super::notice::{Action, Notice};
use super::{focus, Ui};
use crate::machine::{Event, QrImage};
use crate::messages::Key;
use crate::runtime::Focus;

#[component]
pub fn QrCode(ui: Ui) -> impl IntoView {
    focus::claim(ui.instance, ui.base, Focus::Screen);
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
            view! {
                <svg
                    part="qr"
                    class="zc-qr"
                    role="img"
                    shape-rendering="crispEdges"
                    viewBox=view_box.clone()
                    aria-label=alt.clone()
                >
                    <rect width="100%" height="100%" fill="#fff"></rect>
                    <path fill="#000" d=path.clone()></path>
                </svg>
            }
            .into_any()
        } else {
            view! { <img part="qr" class="zc-qr" alt=alt.clone() src=src.clone() /> }.into_any()
        }
    };
    view! {
        <p class="zc-title">{ui.text(Key::QrTitle)}</p>
        <p class="zc-steps">{ui.text(Key::QrSteps)}</p>
        <div class="zc-tile">{drawing}</div>
        {trouble_link(&ui)}
    }
}

#[component]
pub fn Paused(ui: Ui) -> impl IntoView {
    view! {
        <Notice ui title=Key::PausedTitle text=Key::PausedText action=new_code() trouble=true />
    }
}

/// "Get new code", after a pause or an expired phone code.
pub fn new_code() -> Action {
    Action {
        part: "new-code-button",
        label: Key::NewCode,
        event: Event::GetNewCode,
    }
}
