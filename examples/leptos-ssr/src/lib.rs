//! A server-rendered Leptos app that shows the zapi-connect widget. The server (`ssr`, see
//! `main.rs`) renders [`shell`] with [`App`] in its body; the browser (`hydrate`) loads this
//! library as wasm and hydrates [`App`] in place.

use leptos::prelude::*;
use zapi_connect::{WidgetEvent, ZapiConnect};

/// The name of the client's files, as wasm-bindgen writes them: `pkg/{OUTPUT_NAME}.js` and
/// `pkg/{OUTPUT_NAME}_bg.wasm`.
pub const OUTPUT_NAME: &str = "zapi_connect_ssr_example";

/// Where the widget sends its requests: this app's own origin, which forwards them to the relay.
pub const RELAY_PATH: &str = "/zapi";

/// The whole HTML document the server sends; [`HydrationScripts`] loads the wasm and calls
/// [`hydrate`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>"zapi-connect in a server-rendered Leptos app"</title>
                <link rel="icon" href="data:," />
                <HydrationScripts options />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The page: the widget, and the app's own reaction to its events.
#[component]
pub fn App() -> impl IntoView {
    let (linked, set_linked) = signal(false);
    let on_event = move |event: WidgetEvent| {
        if let WidgetEvent::Connected { .. } = event {
            set_linked.set(true);
        }
    };
    view! {
        <main>
            <h1>"Link your WhatsApp"</h1>
            <ZapiConnect relay=RELAY_PATH on_event />
            <p data-testid="link-status">
                {move || if linked.get() { "Your phone is linked." } else { "No phone linked yet." }}
            </p>
        </main>
    }
}

/// The browser's entry point, called by the script [`HydrationScripts`] puts in the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
