//! Browser tests (Chromium): `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target
//! wasm32-unknown-unknown -p zapi-connect`. A stub `fetch` answers for relays under
//! `/stub-relay/`, which have no event stream; other URLs go to the network.
#![cfg(target_arch = "wasm32")]

use std::sync::{Arc, Mutex};

use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRootInit, ShadowRootMode};
use zapi_connect::{
    CodeKind, ErrorCode, Methods, Options, QrFormat, WidgetControl, WidgetEvent, ZapiConnect,
    ZapiConnectElement,
};

wasm_bindgen_test_configure!(run_in_browser);

/// Installs (once) a recording `fetch` stub and interval bookkeeping, then sets the stub's
/// answers: `routes` maps a path suffix to `{status, body}` or to `"hang"`.
fn stub(routes: &str) {
    let install = Function::new_with_args(
        "routes",
        r#"
        const g = globalThis;
        if (!g.__zc) {
          const realFetch = g.fetch.bind(g);
          const realSet = g.setInterval.bind(g);
          const realClear = g.clearInterval.bind(g);
          const realSetTimeout = g.setTimeout.bind(g);
          const realClearTimeout = g.clearTimeout.bind(g);
          g.__zc = { calls: [], aborted: 0, intervals: new Set(), timeouts: new Set(), routes: {} };
          g.setInterval = (f, ms, ...rest) => { const id = realSet(f, ms, ...rest); g.__zc.intervals.add(id); return id; };
          g.clearInterval = (id) => { g.__zc.intervals.delete(id); realClear(id); };
          g.setTimeout = (f, ms, ...rest) => {
            const id = realSetTimeout((...args) => { g.__zc.timeouts.delete(id); f(...args); }, ms, ...rest);
            g.__zc.timeouts.add(id);
            return id;
          };
          g.clearTimeout = (id) => { g.__zc.timeouts.delete(id); realClearTimeout(id); };
          g.fetch = (input, init) => {
            const url = typeof input === "string" ? input : input.url;
            const at = url.indexOf("/stub-relay/");
            if (at < 0) return realFetch(input, init);
            const path = url.slice(url.indexOf("/", at + 1));
            // The event stream's probe is counted apart: the stub has no stream (404).
            if (path === "/events") g.__zc.streamProbes++;
            else g.__zc.calls.push(path);
            const signal = (init && init.signal) || input.signal;
            const route = g.__zc.routes[path];
            if (route === "hang") {
              return new Promise((_, reject) => signal.addEventListener("abort", () => {
                g.__zc.aborted++;
                reject(new DOMException("aborted", "AbortError"));
              }));
            }
            if (!route) return Promise.resolve(new Response("Not Found", { status: 404 }));
            const body = typeof route.body === "string" ? route.body : JSON.stringify(route.body);
            return Promise.resolve(new Response(body, { status: route.status || 200, headers: route.headers || {} }));
          };
        }
        g.__zc.calls = [];
        g.__zc.streamProbes = 0;
        g.__zc.aborted = 0;
        g.__zc.routes = JSON.parse(routes);
        "#,
    );
    install.call1(&JsValue::NULL, &routes.into()).unwrap();
}

fn zc(key: &str) -> JsValue {
    let state = Reflect::get(&js_sys::global(), &"__zc".into()).unwrap();
    Reflect::get(&state, &key.into()).unwrap()
}

fn calls() -> Vec<String> {
    js_sys::Array::from(&zc("calls"))
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect()
}

fn active_intervals() -> u32 {
    Reflect::get(&zc("intervals"), &"size".into())
        .unwrap()
        .as_f64()
        .unwrap() as u32
}

/// `setTimeout`s not yet run nor cleared.
fn pending_timeouts() -> u32 {
    Reflect::get(&zc("timeouts"), &"size".into())
        .unwrap()
        .as_f64()
        .unwrap() as u32
}

const NOT_CONNECTED: &str =
    r#"{"connected":false,"error":"You are not connected.","smartphoneConnected":false}"#;
const PAYLOAD: &str =
    "2@tEsTpAyLoAd0123456789abcdefghijklmnopqrstuvwxyz,c2Vzc2lvbg==,aWRlbnRpdHk=,YWR2";

fn routes(status: &str, qr: &str) -> String {
    format!(r#"{{"/status":{{"body":{status}}},"/qr-code":{qr}}}"#)
}

fn container() -> HtmlElement {
    let document = gloo_utils_document();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn gloo_utils_document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        TimeoutFuture::new(25).await;
    }
    panic!("timed out waiting for {what}");
}

fn find(root: &HtmlElement, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

fn state(root: &HtmlElement) -> Option<String> {
    find(root, "[part=base]")?.get_attribute("data-state")
}

type Events = Arc<Mutex<Vec<WidgetEvent>>>;

/// Mounts the component in a fresh container; drop the handle to unmount.
fn mount(relay: &str, format: QrFormat) -> (HtmlElement, Events, impl Drop) {
    mount_with(
        relay,
        Options {
            qr_format: format,
            ..Options::default()
        },
    )
}

fn mount_with(relay: &str, options: Options) -> (HtmlElement, Events, impl Drop) {
    let root = container();
    let events = Events::default();
    let relay = relay.to_owned();
    let handle = leptos::mount::mount_to(root.clone(), {
        let events = events.clone();
        move || {
            let on_event = move |event| events.lock().unwrap().push(event);
            view! { <ZapiConnect relay=relay options=options.clone() on_event=on_event /> }
        }
    });
    (root, events, handle)
}

#[wasm_bindgen_test]
async fn an_unreachable_relay_shows_an_error_with_a_retry_button() {
    // Nothing listens on the discard port.
    let (root, events, _handle) = mount("http://127.0.0.1:9/zapi", QrFormat::Svg);
    wait_for("the error state", || {
        state(&root).as_deref() == Some("error")
    })
    .await;
    let error = find(&root, "[part=error]").expect("an error part");
    assert_eq!(
        error.get_attribute("data-code").as_deref(),
        Some("relay_unreachable")
    );
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
    assert!(
        error.text_content().unwrap().len() > 20,
        "the error says what to do"
    );
    let retry = find(&root, "[part=retry-button]").expect("a retry button");
    assert_eq!(retry.text_content().as_deref(), Some("Try again"));
    let seen = events.lock().unwrap().clone();
    assert!(seen.iter().any(
        |e| matches!(e, WidgetEvent::Error(e) if e.code == ErrorCode::RelayUnreachable && e.retryable)
    ));
    // Retry starts over with a status check.
    let count = events.lock().unwrap().len();
    retry.unchecked_into::<HtmlElement>().click();
    wait_for("a second error", || {
        events.lock().unwrap().len() >= count + 2
    })
    .await;
    wait_for("the error state again", || {
        state(&root).as_deref() == Some("error")
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_svg_qr_is_square_with_a_quiet_zone() {
    let payload = format!(r#"{{"body":{{"value":"{PAYLOAD}"}}}}"#);
    stub(&routes(NOT_CONNECTED, &payload));
    let (root, events, _handle) = mount("/stub-relay/", QrFormat::Svg);
    wait_for("the QR", || state(&root).as_deref() == Some("qr")).await;
    assert_eq!(calls(), ["/status", "/qr-code"]);
    assert_eq!(
        zc("streamProbes").as_f64(),
        Some(1.0),
        "the event stream is asked for once after the status check"
    );

    let svg = find(&root, "svg[part=qr]").expect("an inline svg");
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    assert!(svg.get_attribute("aria-label").is_some());
    assert!(
        !svg.outer_html().contains(PAYLOAD),
        "the payload is not leaked into the DOM"
    );
    let view_box = svg.get_attribute("viewBox").expect("a viewBox");
    let numbers: Vec<u32> = view_box.split(' ').map(|n| n.parse().unwrap()).collect();
    let size = numbers[2];
    assert_eq!(numbers, [0, 0, size, size], "square");
    assert_eq!(
        (size - 8 - 17) % 4,
        0,
        "a QR version's width plus 4 modules each side"
    );
    let tile = find(&root, "svg[part=qr] rect").unwrap();
    assert_eq!(tile.get_attribute("fill").as_deref(), Some("#fff"));
    let path = find(&root, "svg[part=qr] path")
        .unwrap()
        .get_attribute("d")
        .unwrap();
    let mut coordinates = path.split('M').filter(|s| !s.is_empty()).map(|s| {
        let (x, rest) = s.split_once(' ').unwrap();
        let y = rest.split('h').next().unwrap();
        (x.parse::<u32>().unwrap(), y.parse::<u32>().unwrap())
    });
    assert!(coordinates.all(|(x, y)| (4..size - 4).contains(&x) && (4..size - 4).contains(&y)));

    let countdown = find(&root, "[part=countdown]")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        countdown.contains("15") || countdown.contains("14"),
        "{countdown}"
    );
    let seen = events.lock().unwrap().clone();
    assert!(seen.iter().any(|e| matches!(e, WidgetEvent::Code { .. })));
}

#[wasm_bindgen_test]
async fn the_image_format_shows_the_relays_png() {
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";
    stub(&format!(
        r#"{{"/status":{{"body":{NOT_CONNECTED}}},"/qr-code/image":{{"body":{{"value":"{png}"}}}}}}"#
    ));
    let (root, _events, _handle) = mount("/stub-relay", QrFormat::Image);
    wait_for("the QR", || state(&root).as_deref() == Some("qr")).await;
    let img = find(&root, "img[part=qr]").expect("an img");
    assert_eq!(img.get_attribute("src").as_deref(), Some(png));
    assert!(!img.get_attribute("alt").unwrap_or_default().is_empty());
    assert_eq!(calls(), ["/status", "/qr-code/image"]);
}

#[wasm_bindgen_test]
async fn the_components_props_apply_live() {
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";
    stub(&format!(
        r#"{{"/status":{{"body":{NOT_CONNECTED}}},"/qr-code":{{"body":{{"value":"{PAYLOAD}"}}}},"/qr-code/image":{{"body":{{"value":"{png}"}}}}}}"#
    ));
    let root = container();
    let relay = RwSignal::new(String::new());
    let options = RwSignal::new(Options::default());
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <ZapiConnect relay=relay options=options /> }
    });
    wait_for("invalid_config", || {
        find(&root, "[part=error][data-code=invalid_config]").is_some()
    })
    .await;
    assert!(calls().is_empty());

    relay.set("/stub-relay".into());
    wait_for("the SVG QR", || find(&root, "svg[part=qr]").is_some()).await;
    assert_eq!(calls(), ["/status", "/qr-code"]);

    options.update(|options| options.qr_format = QrFormat::Image);
    wait_for("the image QR", || find(&root, "img[part=qr]").is_some()).await;
    assert_eq!(calls().last().map(String::as_str), Some("/qr-code/image"));
}

#[wasm_bindgen_test]
async fn an_already_connected_instance_gets_no_qr_call() {
    stub(r#"{"/status":{"body":{"connected":true,"error":"You are already connected."}}}"#);
    let (root, events, _handle) = mount("/stub-relay", QrFormat::Svg);
    wait_for("already-connected", || {
        state(&root).as_deref() == Some("already-connected")
    })
    .await;
    assert!(find(&root, "[part=connected]").is_some());
    assert!(find(&root, "[part=qr]").is_none());
    // Then only which phone is linked.
    assert_eq!(calls(), ["/status", "/device"]);
    assert!(events
        .lock()
        .unwrap()
        .contains(&WidgetEvent::Connected { already: true }));
}

#[wasm_bindgen_test]
async fn unmounting_aborts_the_question_of_which_phone_is_linked() {
    stub(
        r#"{"/status":{"body":{"connected":true,"error":"You are already connected."}},"/device":"hang"}"#,
    );
    let timeouts = pending_timeouts();
    let (root, _events, handle) = mount("/stub-relay", QrFormat::Svg);
    wait_for("the device request", || calls().len() == 2).await;
    assert_eq!(state(&root).as_deref(), Some("already-connected"));
    drop(handle);
    assert_eq!(zc("aborted").as_f64(), Some(1.0), "/device is aborted");
    assert_eq!(pending_timeouts(), timeouts, "its time limit is cleared");
    TimeoutFuture::new(100).await;
}

#[wasm_bindgen_test]
async fn relay_errors_keep_their_codes() {
    for (route, code) in [
        (r#"{"status":404,"body":"Not Found"}"#, "relay_error"),
        (
            r#"{"status":403,"body":{"error":"203.0.113.9 not allowed"}}"#,
            "access_denied",
        ),
        (
            r#"{"status":504,"body":{"code":"upstream_timeout","error":"slow","retryable":true}}"#,
            "timeout",
        ),
        (
            r#"{"status":429,"body":"","headers":{"Retry-After":"7"}}"#,
            "rate_limited",
        ),
        (r#"{"body":"not json"}"#, "malformed_response"),
    ] {
        stub(&format!(r#"{{"/status":{route}}}"#));
        let (root, _events, handle) = mount("/stub-relay", QrFormat::Svg);
        wait_for(code, || state(&root).as_deref() == Some("error")).await;
        let error = find(&root, "[part=error]").unwrap();
        assert_eq!(error.get_attribute("data-code").as_deref(), Some(code));
        drop(handle);
    }
}

#[wasm_bindgen_test]
async fn unmounting_stops_the_interval_and_aborts_requests() {
    let payload = format!(r#"{{"body":{{"value":"{PAYLOAD}"}}}}"#);
    stub(&routes(NOT_CONNECTED, &payload));
    let before = active_intervals();
    let (root, _events, handle) = mount("/stub-relay", QrFormat::Svg);
    wait_for("the QR", || state(&root).as_deref() == Some("qr")).await;
    assert_eq!(
        active_intervals(),
        before + 1,
        "one ticker while a code is shown"
    );
    drop(handle);
    assert_eq!(
        active_intervals(),
        before,
        "the ticker is cleared on unmount"
    );
    assert!(find(&root, "[part=base]").is_none());
    let made = calls().len();
    // Time passes: nothing runs, nothing panics.
    TimeoutFuture::new(2_500).await;
    assert_eq!(calls().len(), made);

    stub(r#"{"/status":"hang"}"#);
    let timeouts = pending_timeouts();
    let (root, _events, handle) = mount("/stub-relay", QrFormat::Svg);
    wait_for("the status request", || calls().len() == 1).await;
    assert_eq!(state(&root).as_deref(), Some("loading"));
    assert_eq!(
        pending_timeouts(),
        timeouts + 1,
        "the request's time limit is a timeout"
    );
    drop(handle);
    assert_eq!(
        zc("aborted").as_f64(),
        Some(1.0),
        "the request in flight is aborted"
    );
    assert_eq!(
        pending_timeouts(),
        timeouts,
        "the request's time limit is cleared with it"
    );
    TimeoutFuture::new(100).await;
}

#[wasm_bindgen_test]
async fn the_element_mounts_in_its_shadow_root_and_dispatches_events() {
    let payload = format!(r#"{{"body":{{"value":"{PAYLOAD}"}}}}"#);
    stub(&routes(NOT_CONNECTED, &payload));
    let host = container();
    let seen = js_sys::Array::new();
    let listener = Function::new_with_args(
        "list",
        "return (e) => list.push([e.type, e.detail, e.composed, e.bubbles]);",
    )
    .call1(&JsValue::NULL, &seen)
    .unwrap()
    .unchecked_into::<Function>();
    for name in ["zapi-state", "zapi-code", "zapi-error"] {
        gloo_utils_document()
            .add_event_listener_with_callback(name, &listener)
            .unwrap();
    }
    host.set_attribute("relay", "/stub-relay").unwrap();
    let init = ShadowRootInit::new(ShadowRootMode::Open);
    let shadow = host.attach_shadow(&init).unwrap();
    let mut element = ZapiConnectElement::new(host.clone());
    element.connect();
    let base_state = || {
        shadow
            .query_selector("[part=base]")
            .unwrap()
            .and_then(|b| b.get_attribute("data-state"))
    };
    wait_for("the QR in the shadow root", || {
        base_state().as_deref() == Some("qr")
    })
    .await;
    assert!(
        host.query_selector("[part=base]").unwrap().is_none(),
        "not in the light DOM"
    );
    let adopted = Reflect::get(&shadow, &"adoptedStyleSheets".into()).unwrap();
    assert_eq!(
        js_sys::Array::from(&adopted).length(),
        1,
        "the shadow root adopts the widget's stylesheet"
    );
    assert!(
        shadow.query_selector("style").unwrap().is_none(),
        "no inline <style>, which a strict Content-Security-Policy blocks"
    );

    let first: js_sys::Array = seen.get(0).unchecked_into();
    assert_eq!(first.get(0).as_string().as_deref(), Some("zapi-state"));
    let detail = first.get(1);
    assert_eq!(
        Reflect::get(&detail, &"state".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("loading")
    );
    assert_eq!(first.get(2).as_bool(), Some(true), "composed");
    assert_eq!(first.get(3).as_bool(), Some(true), "bubbles");
    let code = seen
        .iter()
        .map(|e| e.unchecked_into::<js_sys::Array>())
        .find(|e| e.get(0).as_string().as_deref() == Some("zapi-code"))
        .expect("a zapi-code event");
    let detail = code.get(1);
    assert_eq!(
        Reflect::get(&detail, &"kind".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("qr")
    );
    assert!(
        Reflect::get(&detail, &"expiresAt".into())
            .unwrap()
            .as_f64()
            .unwrap()
            > js_sys::Date::now()
    );

    // A relay attribute change applies live: an empty relay is an invalid configuration.
    element.attribute_changed("relay", Some("/stub-relay".into()), Some(String::new()));
    wait_for("invalid_config", || {
        base_state().as_deref() == Some("error")
    })
    .await;
    let error = shadow.query_selector("[part=error]").unwrap().unwrap();
    assert_eq!(
        error.get_attribute("data-code").as_deref(),
        Some("invalid_config")
    );

    // Setting one starts over; a click on Try again inside the shadow root reaches the widget.
    stub("{}");
    element.attribute_changed("relay", Some(String::new()), Some("/stub-relay".into()));
    wait_for("relay_error", || {
        shadow
            .query_selector("[part=error][data-code=relay_error]")
            .unwrap()
            .is_some()
    })
    .await;
    assert_eq!(calls(), ["/status"]);
    let retry = shadow
        .query_selector("[part=retry-button]")
        .unwrap()
        .unwrap();
    retry.unchecked_into::<HtmlElement>().click();
    wait_for("a second status call", || calls().len() == 2).await;

    element.disconnect();
    assert!(shadow.query_selector("[part=base]").unwrap().is_none());
    for name in ["zapi-state", "zapi-code", "zapi-error"] {
        gloo_utils_document()
            .remove_event_listener_with_callback(name, &listener)
            .unwrap();
    }
}

fn click(root: &HtmlElement, selector: &str) {
    find(root, selector)
        .unwrap_or_else(|| panic!("{selector}"))
        .unchecked_into::<HtmlElement>()
        .click();
}

#[wasm_bindgen_test]
async fn a_typed_number_is_confirmed_then_its_code_is_shown_in_portuguese() {
    stub(&format!(
        r#"{{"/status":{{"body":{NOT_CONNECTED}}},"/phone-code/5511912345678":{{"body":{{"code":"abcd1234"}}}}}}"#
    ));
    let options = Options {
        methods: Methods::PhoneOnly,
        lang: Some(zapi_connect::Lang::Pt),
        ..Options::default()
    };
    let (root, events, _handle) = mount_with("/stub-relay", options);
    wait_for("the phone input", || {
        state(&root).as_deref() == Some("phone-input")
    })
    .await;
    assert!(
        find(&root, "[role=tablist]").is_none(),
        "one method, no tabs"
    );
    let input: web_sys::HtmlInputElement =
        find(&root, "[part=phone-input]").unwrap().unchecked_into();
    input.set_value("(11) 91234-5678");
    click(&root, "[part=phone-submit]");
    wait_for("the confirmation", || {
        find(&root, "[part=get-code-button]").is_some()
    })
    .await;
    assert!(find(&root, "[part=phone-number]")
        .unwrap()
        .text_content()
        .unwrap()
        .contains("+55 11 91234-5678"));
    assert_eq!(calls(), ["/status"], "nothing asked before confirming");
    click(&root, "[part=get-code-button]");
    wait_for("the code", || state(&root).as_deref() == Some("phone-code")).await;
    assert_eq!(calls(), ["/status", "/phone-code/5511912345678"]);
    let code = find(&root, "[part=code]").unwrap().text_content().unwrap();
    assert_eq!(code, "ABCD-1234");
    assert!(root
        .text_content()
        .unwrap()
        .contains("Conectar com número de telefone"));
    assert!(events.lock().unwrap().iter().any(|e| matches!(
        e,
        WidgetEvent::Code {
            kind: CodeKind::Phone,
            ..
        }
    )));
}

#[wasm_bindgen_test]
async fn the_components_default_country_is_checked_like_the_attribute() {
    // A `default_country` that is no calling code used to be put in front of the typed
    // number, and the relay was asked for a code for `abc11912345678`.
    stub(&format!(
        r#"{{"/status":{{"body":{NOT_CONNECTED}}},"/phone-code/5511912345678":{{"body":{{"code":"abcd1234"}}}}}}"#
    ));
    let warnings = js_sys::Array::new();
    let console = Reflect::get(&js_sys::global(), &"console".into()).unwrap();
    let warn = Reflect::get(&console, &"warn".into()).unwrap();
    let record = Function::new_with_args("list", "return (...args) => list.push(args.join(' '));")
        .call1(&JsValue::NULL, &warnings)
        .unwrap();
    Reflect::set(&console, &"warn".into(), &record).unwrap();
    let options = Options {
        methods: Methods::PhoneOnly,
        default_country: "abc".into(),
        ..Options::default()
    };
    let (root, _events, _handle) = mount_with("/stub-relay", options);
    wait_for("the phone input", || {
        state(&root).as_deref() == Some("phone-input")
    })
    .await;
    Reflect::set(&console, &"warn".into(), &warn).unwrap();
    let input: web_sys::HtmlInputElement =
        find(&root, "[part=phone-input]").unwrap().unchecked_into();
    input.set_value("(11) 91234-5678");
    click(&root, "[part=phone-submit]");
    wait_for("the confirmation", || {
        find(&root, "[part=get-code-button]").is_some()
    })
    .await;
    click(&root, "[part=get-code-button]");
    wait_for("the code", || state(&root).as_deref() == Some("phone-code")).await;
    assert_eq!(calls(), ["/status", "/phone-code/5511912345678"]);
    let warnings: Vec<String> = warnings
        .iter()
        .filter_map(|w| w.as_string())
        .filter(|w| w.contains("default-country"))
        .collect();
    assert_eq!(
        warnings,
        ["zapi-connect: default-country must be a calling code such as 55; using 55."],
        "the attribute's warning, once"
    );
}

#[wasm_bindgen_test]
async fn a_removed_widget_ignores_visibility_changes() {
    stub(&format!(r#"{{"/status":{{"body":{NOT_CONNECTED}}}}}"#));
    let options = Options {
        methods: Methods::PhoneOnly,
        ..Options::default()
    };
    let (root, _events, handle) = mount_with("/stub-relay", options);
    wait_for("the phone input", || {
        state(&root).as_deref() == Some("phone-input")
    })
    .await;
    drop(handle);
    let event = web_sys::Event::new("visibilitychange").unwrap();
    gloo_utils_document().dispatch_event(&event).unwrap();
    TimeoutFuture::new(50).await;
    assert_eq!(calls(), ["/status"], "a removed widget hears nothing");
}

fn tick_text(root: &HtmlElement) -> String {
    find(root, "[part=countdown]")
        .and_then(|countdown| countdown.text_content())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn ticks_and_messages_leave_the_qr_and_the_input_in_place() {
    stub(&format!(
        r#"{{"/status":{{"body":{NOT_CONNECTED}}},"/qr-code":{{"body":{{"value":"{PAYLOAD}"}}}}}}"#
    ));
    let (root, _events, _handle) = mount("/stub-relay", QrFormat::Svg);
    wait_for("the QR", || find(&root, "svg[part=qr]").is_some()).await;
    let svg = find(&root, "svg[part=qr]").unwrap();
    let text = tick_text(&root);
    wait_for("a tick", || tick_text(&root) != text).await;
    let after = find(&root, "svg[part=qr]").unwrap();
    assert!(
        svg.is_same_node(Some(&after)),
        "a tick redraws only the countdown"
    );
    assert!(svg.is_connected());

    click(&root, "[part=method-tab][data-method=phone]");
    wait_for("the phone input", || {
        find(&root, "[part=phone-input]").is_some()
    })
    .await;
    let input: web_sys::HtmlInputElement =
        find(&root, "[part=phone-input]").unwrap().unchecked_into();
    input.set_value("11 912");
    input.set_selection_range(2, 2).unwrap();
    click(&root, "[part=phone-submit]");
    wait_for("the invalid-number message", || {
        find(&root, "[part=phone-error]").is_some()
    })
    .await;
    let same: web_sys::HtmlInputElement =
        find(&root, "[part=phone-input]").unwrap().unchecked_into();
    assert!(
        input.is_same_node(Some(&same)),
        "the message leaves the input in place"
    );
    assert_eq!(same.value(), "11 912", "what was typed stays");
    assert_eq!(same.selection_start().unwrap(), Some(2), "the caret stays");
    assert_eq!(same.get_attribute("aria-invalid").as_deref(), Some("true"));
    let error_id = find(&root, "[part=phone-error]").unwrap().id();
    assert!(same
        .get_attribute("aria-describedby")
        .unwrap()
        .split(' ')
        .any(|id| id == error_id));
}

/// Whether every id that `element`'s `attribute` names is an element inside `widget`.
fn references_resolve_inside(element: &Element, attribute: &str, widget: &Element) -> bool {
    let Some(ids) = element.get_attribute(attribute) else {
        return true;
    };
    ids.split_whitespace().all(|id| {
        gloo_utils_document()
            .get_element_by_id(id)
            .is_some_and(|target| widget.contains(Some(&target)))
    })
}

const PAGE_STYLES: [&str; 9] = [
    "margin-top",
    "padding-left",
    "font-size",
    "font-weight",
    "color",
    "background-color",
    "border-top-width",
    "box-sizing",
    "display",
];

fn computed(element: &Element) -> Vec<String> {
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(element)
        .unwrap()
        .unwrap();
    PAGE_STYLES
        .iter()
        .map(|name| style.get_property_value(name).unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn two_widgets_on_one_page_keep_their_ids_and_styles_to_themselves() {
    stub(&format!(r#"{{"/status":{{"body":{NOT_CONNECTED}}}}}"#));
    let page = container();
    page.set_inner_html(
        "<p>page text</p><button>page button</button><input><ol><li>page item</li></ol>",
    );
    let own: Vec<Element> = ["p", "button", "input", "ol"]
        .iter()
        .map(|tag| page.query_selector(tag).unwrap().unwrap())
        .collect();
    let before: Vec<Vec<String>> = own.iter().map(computed).collect();
    let options = Options {
        methods: Methods::PhoneQr,
        ..Options::default()
    };
    let (first, _, _first_handle) = mount_with("/stub-relay", options.clone());
    let (second, _, _second_handle) = mount_with("/stub-relay", options);
    for root in [&first, &second] {
        wait_for("the phone input", || {
            state(root).as_deref() == Some("phone-input")
        })
        .await;
    }
    let mut ids = Vec::new();
    for root in [&first, &second] {
        let widget = find(root, "[part=base]").unwrap();
        let linked = root
            .query_selector_all("[for],[aria-controls],[aria-labelledby],[aria-describedby]")
            .unwrap();
        assert!(
            linked.length() >= 4,
            "tabs, panel, label and input link by id"
        );
        for at in 0..linked.length() {
            let element: Element = linked.item(at).unwrap().unchecked_into();
            for attribute in [
                "for",
                "aria-controls",
                "aria-labelledby",
                "aria-describedby",
            ] {
                assert!(
                    references_resolve_inside(&element, attribute, &widget),
                    "{attribute} of {} resolves inside its own widget",
                    element.outer_html()
                );
            }
        }
        let with_id = root.query_selector_all("[id]").unwrap();
        for at in 0..with_id.length() {
            let element: Element = with_id.item(at).unwrap().unchecked_into();
            ids.push(element.id());
        }
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "no id appears twice on the page");
    let after: Vec<Vec<String>> = own.iter().map(computed).collect();
    assert_eq!(before, after, "the page's own elements look as before");
    let styled = computed(&find(&first, "[part=base]").unwrap());
    assert_eq!(styled[8], "flex", "the widget itself is styled");
}

#[wasm_bindgen_test]
async fn the_control_handle_stops_starts_and_refreshes() {
    stub(&format!(
        r#"{{"/status":{{"body":{NOT_CONNECTED}}},"/qr-code":{{"body":{{"value":"{PAYLOAD}"}}}}}}"#
    ));
    let root = container();
    let intervals = active_intervals();
    let control = WidgetControl::new();
    let _handle = leptos::mount::mount_to(root.clone(), {
        let control = control.clone();
        move || view! { <ZapiConnect relay="/stub-relay" control=control /> }
    });
    wait_for("the QR", || state(&root).as_deref() == Some("qr")).await;
    assert_eq!(calls(), ["/status", "/qr-code"]);
    control.stop();
    wait_for("stopped", || state(&root).as_deref() == Some("stopped")).await;
    assert!(find(&root, "[part=start-button]").is_some());
    assert_eq!(active_intervals(), intervals, "no ticker while stopped");
    control.start();
    wait_for("the QR again", || state(&root).as_deref() == Some("qr")).await;
    let made = calls().len();
    assert_eq!(calls()[made - 2..], ["/status", "/qr-code"]);
    control.refresh();
    wait_for("a new status check", || calls().len() > made).await;
    assert_eq!(
        calls()[made],
        "/status",
        "a refresh starts over from /status"
    );
}

/// The stub's routes for a QR flow whose `/extension-token` answers `extension` (a `{status,
/// body, headers}` object).
fn extension_routes(extension: &str) -> String {
    let qr = format!(r#"{{"body":{{"value":"{PAYLOAD}"}}}}"#);
    format!(
        r#"{{"/status":{{"body":{NOT_CONNECTED}}},"/qr-code":{qr},"/extension-token":{extension}}}"#
    )
}

/// The relay's `Date` header for a relay clock `offset_ms` from this computer's.
fn http_date(offset_ms: f64) -> String {
    js_sys::Date::new(&JsValue::from_f64(js_sys::Date::now() + offset_ms))
        .to_utc_string()
        .into()
}

#[wasm_bindgen_test]
async fn having_trouble_shows_the_extension_code_counted_down_by_the_relays_clock() {
    // The computer's clock is 10 minutes ahead of the relay's, and the code has 2 of its
    // minutes left: by the computer's clock it expired 8 minutes ago.
    let relay_now = js_sys::Date::now() - 600_000.0;
    let answer = format!(
        r#"{{"body":{{"token":"FA48-HS63","expiresAt":{}}},"headers":{{"date":"{}"}}}}"#,
        relay_now + 120_000.0,
        http_date(-600_000.0)
    );
    stub(&extension_routes(&answer));
    let (root, events, _handle) = mount("/stub-relay", QrFormat::Svg);
    wait_for("the QR", || state(&root).as_deref() == Some("qr")).await;
    let trouble = find(&root, "button[part=trouble-link]").expect("a trouble link under the QR");
    assert_eq!(
        trouble.text_content().as_deref(),
        Some("Having trouble connecting?")
    );
    click(&root, "[part=trouble-link]");
    wait_for("the extension code", || {
        state(&root).as_deref() == Some("extension-code")
    })
    .await;
    assert_eq!(calls(), ["/status", "/qr-code", "/extension-token"]);
    let code = find(&root, "[part=extension-code]").unwrap();
    assert_eq!(code.text_content().as_deref(), Some("FA48-HS63"));
    let countdown = find(&root, "[part=countdown]")
        .unwrap()
        .text_content()
        .unwrap();
    // The `Date` header has whole seconds: 2:00 or 1:59, never the 5:00 of a clock guess.
    assert!(
        countdown == "Code expires in 2:00" || countdown == "Code expires in 1:59",
        "{countdown}"
    );
    assert!(find(&root, "[part=qr]").is_none());
    assert!(find(&root, "[part=copy-button]").is_some());
    let link = find(&root, "a[part=extension-install-link]").expect("the install link");
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://chromewebstore.google.com/detail/iopmkohngoecmepoheapifkafbeomphn")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(
        link.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    let steps = find(&root, "ol[part=extension-steps]").expect("the steps");
    assert_eq!(steps.children().length(), 4);
    assert!(steps.contains(Some(&link)), "installing is the first step");
    let seen = events.lock().unwrap().clone();
    assert!(seen.iter().any(|e| matches!(
        e,
        WidgetEvent::Code {
            kind: CodeKind::Extension,
            ..
        }
    )));
    // Back to the QR code, with a new one.
    let back = find(&root, "[part=back-button]").expect("a way back");
    assert_eq!(back.text_content().as_deref(), Some("Back to the QR code"));
    click(&root, "[part=back-button]");
    wait_for("the QR again", || state(&root).as_deref() == Some("qr")).await;
    assert_eq!(
        calls(),
        ["/status", "/qr-code", "/extension-token", "/qr-code"]
    );
}

#[wasm_bindgen_test]
async fn a_page_as_the_extension_token_is_a_malformed_response_not_a_blank_screen() {
    let page = r#"{"body":"<!doctype html><title>Login</title><p>Sign in"}"#;
    stub(&extension_routes(page));
    let (root, _events, _handle) = mount("/stub-relay", QrFormat::Svg);
    wait_for("the QR", || state(&root).as_deref() == Some("qr")).await;
    click(&root, "[part=trouble-link]");
    wait_for("the error", || state(&root).as_deref() == Some("error")).await;
    let error = find(&root, "[part=error]").unwrap();
    assert_eq!(
        error.get_attribute("data-code").as_deref(),
        Some("malformed_response")
    );
    assert!(find(&root, "[part=extension-code]").is_none());
}

#[wasm_bindgen_test]
async fn the_install_link_takes_only_an_https_url() {
    let answer = format!(
        r#"{{"body":{{"token":"FA48-HS63","expiresAt":{}}}}}"#,
        js_sys::Date::now() + 300_000.0
    );
    stub(&extension_routes(&answer));
    let options = Options {
        extension_url: "javascript:alert(document.domain)".into(),
        ..Options::default()
    };
    let (root, _events, _handle) = mount_with("/stub-relay", options);
    wait_for("the QR", || state(&root).as_deref() == Some("qr")).await;
    click(&root, "[part=trouble-link]");
    wait_for("the extension code", || {
        state(&root).as_deref() == Some("extension-code")
    })
    .await;
    let link = find(&root, "[part=extension-install-link]").unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://chromewebstore.google.com/detail/iopmkohngoecmepoheapifkafbeomphn")
    );
}
