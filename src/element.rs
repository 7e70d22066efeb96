//! The Rust side of `<zapi-connect>`: the custom element's class (in the npm package's
//! `index.js`) forwards its lifecycle callbacks to a [`ZapiConnectElement`].

use std::any::Any;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::control::WidgetControl;
use crate::machine::WidgetEvent;
use crate::options::{Options, ATTRIBUTES};
use crate::view::{widget, Host};

/// Drives one `<zapi-connect>` element: mounts the widget into its shadow root while the
/// element is in the document and feeds attribute, property and method calls to it.
#[wasm_bindgen]
pub struct ZapiConnectElement {
    host: HtmlElement,
    relay: ArcRwSignal<String>,
    options: ArcRwSignal<Options>,
    control: WidgetControl,
    /// Attributes already warned about, so that each bad value is reported once.
    warned: Vec<&'static str>,
    /// The mounted widget and its container; dropping the handle unmounts it and ends its work.
    mounted: Option<(Box<dyn Any>, web_sys::Element)>,
}

#[wasm_bindgen]
impl ZapiConnectElement {
    /// Reads the host's current attributes.
    #[wasm_bindgen(constructor)]
    pub fn new(host: HtmlElement) -> ZapiConnectElement {
        let mut element = ZapiConnectElement {
            relay: ArcRwSignal::new(host.get_attribute("relay").unwrap_or_default()),
            options: ArcRwSignal::new(Options::default()),
            control: WidgetControl::new(),
            warned: Vec::new(),
            mounted: None,
            host,
        };
        for name in ATTRIBUTES {
            let value = element.host.get_attribute(name);
            element.apply(name, value);
        }
        element
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
        let (relay, options, control) = (
            self.relay.clone(),
            self.options.clone(),
            self.control.clone(),
        );
        let host = SendWrapper::new(self.host.clone());
        let handle = leptos::mount::mount_to(container.clone().unchecked_into(), move || {
            // Created inside the mount's owner, so unmounting disposes them.
            widget(Host {
                relay: Box::new(move || relay.get()),
                options: Box::new(move |read| options.with(|options| read(options))),
                control,
                on_event: Some(Rc::new(move |event| dispatch(&host, &event))),
            })
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

    /// `attributeChangedCallback`: every attribute applies immediately.
    #[wasm_bindgen(js_name = attributeChanged)]
    pub fn attribute_changed(&mut self, name: &str, _old: Option<String>, new: Option<String>) {
        if name == "relay" {
            self.relay.set(new.unwrap_or_default());
        } else {
            self.apply(name, new);
        }
    }

    /// The `messages` property as `key NUL text NUL key NUL text…` (one string crosses into
    /// wasm with far less glue than an object or an array).
    #[wasm_bindgen(js_name = setMessages)]
    pub fn set_messages(&self, entries: &str) {
        let mut parts = entries.split('\0');
        let mut messages = Vec::new();
        while let (Some(key), Some(text)) = (parts.next(), parts.next()) {
            messages.push((key.to_owned(), text.to_owned()));
        }
        self.options.update(|options| options.messages = messages);
    }

    /// `start()`: resumes after `stop()`.
    pub fn start(&self) {
        self.control.start();
    }

    /// `stop()`: ends every timer and request until `start()`.
    pub fn stop(&self) {
        self.control.stop();
    }

    /// The `interval` property: the seconds between QR codes in use.
    pub fn interval(&self) -> u32 {
        self.options.with_untracked(|options| options.interval_secs)
    }

    /// The `codeTtl` property: the seconds a phone code is valid, in use.
    #[wasm_bindgen(js_name = codeTtl)]
    pub fn code_ttl(&self) -> u32 {
        self.options.with_untracked(|options| options.code_ttl_secs)
    }

    /// `refresh()`: starts over from the status check.
    pub fn refresh(&self) {
        self.control.refresh();
    }
}

impl ZapiConnectElement {
    fn apply(&mut self, name: &str, value: Option<String>) {
        let warning = self
            .options
            .try_update(|options| options.set_attribute(name, value.as_deref()))
            .flatten();
        if let Some(warning) = warning {
            if !self.warned.contains(&warning) {
                self.warned.push(warning);
                web_sys::console::warn_1(&warning.into());
            }
        }
    }
}

impl Drop for ZapiConnectElement {
    fn drop(&mut self) {
        self.disconnect();
    }
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
        WidgetEvent::Code {
            kind,
            expires_at_ms,
        } => {
            set("kind", kind.as_str().into());
            set("expiresAt", (*expires_at_ms).into());
            "zapi-code"
        }
        WidgetEvent::Expired { kind } => {
            set("kind", kind.as_str().into());
            "zapi-expired"
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
