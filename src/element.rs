//! The Rust side of `<zapi-connect>`: the custom element's class (in the npm package's
//! `index.js`) forwards its lifecycle callbacks to a [`ZapiConnectElement`].

use std::any::Any;

use js_sys::{Object, Reflect};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::component::ZapiConnect;
use crate::machine::{QrFormat, WidgetEvent};
use crate::messages as msg;

/// Drives one `<zapi-connect>` element: mounts the widget into its shadow root while the
/// element is in the document and feeds attribute changes to it.
#[wasm_bindgen]
pub struct ZapiConnectElement {
    host: HtmlElement,
    relay: ArcRwSignal<String>,
    interval: ArcRwSignal<Option<u32>>,
    qr_format: ArcRwSignal<Option<QrFormat>>,
    /// The mounted widget and its container; dropping the handle unmounts it and ends its work.
    mounted: Option<(Box<dyn Any>, web_sys::Element)>,
}

#[wasm_bindgen]
impl ZapiConnectElement {
    /// Reads the host's current `relay`, `interval` and `qr-format` attributes.
    #[wasm_bindgen(constructor)]
    pub fn new(host: HtmlElement) -> ZapiConnectElement {
        let attribute = |name| host.get_attribute(name);
        let relay = ArcRwSignal::new(attribute("relay").unwrap_or_default());
        let interval = ArcRwSignal::new(parse_interval(attribute("interval")));
        let qr_format = ArcRwSignal::new(parse_qr_format(attribute("qr-format")));
        ZapiConnectElement {
            host,
            relay,
            interval,
            qr_format,
            mounted: None,
        }
    }

    /// `connectedCallback`: shows the widget in the host's shadow root (or in the host itself
    /// when it has none) and starts the flow.
    pub fn connect(&mut self) {
        self.disconnect();
        let Some(document) = self.host.owner_document() else {
            return;
        };
        let Ok(container) = document.create_element("div") else {
            return;
        };
        let appended = match self.host.shadow_root() {
            Some(root) => root.append_child(&container),
            None => self.host.append_child(&container),
        };
        if appended.is_err() {
            return;
        }
        let (relay, interval, qr_format) = (
            self.relay.clone(),
            self.interval.clone(),
            self.qr_format.clone(),
        );
        let host = SendWrapper::new(self.host.clone());
        let handle = leptos::mount::mount_to(container.clone().unchecked_into(), move || {
            // Created inside the mount's owner, so unmounting disposes them.
            let relay: Signal<String> = relay.into();
            let interval: Signal<Option<u32>> = interval.into();
            let qr_format: Signal<Option<QrFormat>> = qr_format.into();
            let on_event = Callback::new(move |event: WidgetEvent| dispatch(&host, &event));
            view! {
                <ZapiConnect relay=relay interval=interval qr_format=qr_format on_event=on_event />
            }
        });
        self.mounted = Some((Box::new(handle), container));
    }

    /// `disconnectedCallback`: removes the widget and stops every timer and request.
    pub fn disconnect(&mut self) {
        if let Some((handle, container)) = self.mounted.take() {
            drop(handle);
            container.remove();
        }
    }

    /// `attributeChangedCallback`: `relay`, `interval` and `qr-format` apply immediately.
    #[wasm_bindgen(js_name = attributeChanged)]
    pub fn attribute_changed(&self, name: &str, _old: Option<String>, new: Option<String>) {
        match name {
            "relay" => self.relay.set(new.unwrap_or_default()),
            "interval" => self.interval.set(parse_interval(new)),
            "qr-format" => self.qr_format.set(parse_qr_format(new)),
            _ => {}
        }
    }
}

impl Drop for ZapiConnectElement {
    fn drop(&mut self) {
        self.disconnect();
    }
}

/// Absent or empty means the default; text that is not a whole number is reported here, and a
/// number out of range by the component.
fn parse_interval(text: Option<String>) -> Option<u32> {
    let text = text?;
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = text.parse().ok();
    if parsed.is_none() {
        web_sys::console::warn_1(&msg::WARN_INTERVAL.into());
    }
    parsed
}

fn parse_qr_format(text: Option<String>) -> Option<QrFormat> {
    let text = text?;
    if text.trim().is_empty() {
        return None;
    }
    let parsed = QrFormat::parse(&text);
    if parsed.is_none() {
        web_sys::console::warn_1(&msg::WARN_QR_FORMAT.into());
    }
    parsed
}

/// Sends a widget event to the page as a `zapi-*` DOM event that crosses the shadow root.
fn dispatch(host: &HtmlElement, event: &WidgetEvent) {
    let detail = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&detail, &JsValue::from_str(key), &value);
    };
    let name = match event {
        WidgetEvent::State(state) => {
            set("state", state.as_str().into());
            "zapi-state"
        }
        WidgetEvent::Code { expires_at_ms } => {
            set("kind", "qr".into());
            set("expiresAt", (*expires_at_ms).into());
            "zapi-code"
        }
        WidgetEvent::Connected { already } => {
            set("alreadyConnected", (*already).into());
            "zapi-connected"
        }
        WidgetEvent::Error(error) => {
            set("code", error.code.as_str().into());
            set("message", error.message.as_str().into());
            set("retryable", error.retryable.into());
            if let Some(secs) = error.retry_after_secs {
                set("retryAfter", secs.into());
            }
            "zapi-error"
        }
    };
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}
