//! The widget's styles: one constructed stylesheet, adopted by the root the widget is drawn in
//! (the element's shadow root, or the page's document for the Leptos component). A strict
//! Content-Security-Policy (`style-src 'self'`, no `'unsafe-inline'`) blocks an inline
//! `<style>`, but not a constructed sheet. Every rule selects by a `zc` class, so the page's own
//! elements keep their looks.

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, Element};

const CSS: &str = include_str!("../style.css");
const ADOPTED: &str = "adoptedStyleSheets";

thread_local! {
    static SHEET: Option<CssStyleSheet> = CssStyleSheet::new()
        .ok()
        .filter(|sheet| sheet.replace_sync(CSS).is_ok());
}

/// Gives `base`'s root the widget's stylesheet, once per root.
pub fn adopt(base: &Element) {
    let root: JsValue = base.get_root_node().into();
    let adopted = Reflect::get(&root, &ADOPTED.into()).ok();
    let sheet = SHEET.with(Clone::clone);
    match (
        sheet,
        adopted.and_then(|list| list.dyn_into::<Array>().ok()),
    ) {
        (Some(sheet), Some(adopted)) => {
            if !adopted.includes(&sheet, 0) {
                // A new array: older engines hand out a frozen one.
                let list = Array::from(&adopted);
                list.push(&sheet);
                let _ = Reflect::set(&root, &ADOPTED.into(), &list);
            }
        }
        // Engines without constructed stylesheets get a `<style>` (which such a policy blocks).
        _ => {
            if let Ok(style) = base
                .owner_document()
                .map_or(Err(JsValue::NULL), |d| d.create_element("style"))
            {
                style.set_text_content(Some(CSS));
                let _ = base.prepend_with_node_1(&style);
            }
        }
    }
}
