//! The Leptos demo served by `trunk serve`: the widget against the relay proxied at `/zapi`.

use leptos::prelude::*;
use zapi_connect::{Options, QrFormat, WidgetEvent, ZapiConnect};

#[component]
fn Demo() -> impl IntoView {
    let relay = RwSignal::new(String::from("/zapi"));
    let interval = RwSignal::new(15u32);
    let image = RwSignal::new(false);
    let log = RwSignal::new(Vec::<String>::new());
    let on_event = move |event: WidgetEvent| {
        let line = match event {
            WidgetEvent::State(state) => format!("state: {}", state.as_str()),
            WidgetEvent::Code {
                kind,
                expires_at_ms,
            } => format!("new {} code until {expires_at_ms}", kind.as_str()),
            WidgetEvent::Expired { kind } => format!("{} code expired", kind.as_str()),
            WidgetEvent::Connected { already } => format!("connected (already: {already})"),
            WidgetEvent::Error(error) => {
                format!("error {}: {}", error.code.as_str(), error.message)
            }
        };
        log.update(|log| log.insert(0, line));
    };
    view! {
        <main>
            <h1>"zapi-connect"</h1>
            <ZapiConnect
                relay=relay
                options=Signal::derive(move || Options {
                    interval_secs: interval.get(),
                    qr_format: if image.get() { QrFormat::Image } else { QrFormat::Svg },
                    ..Options::default()
                })
                on_event=on_event
            />
            <fieldset>
                <legend>"Settings"</legend>
                <label>
                    "Relay "
                    <input bind:value=relay />
                </label>
                <label>
                    "Interval (s) "
                    <input
                        type="number"
                        min="10"
                        max="20"
                        prop:value=move || interval.get().to_string()
                        on:change=move |ev| {
                            if let Ok(secs) = event_target_value(&ev).parse() {
                                interval.set(secs);
                            }
                        }
                    />
                </label>
                <label>
                    <input type="checkbox" bind:checked=image />
                    " Image from /qr-code/image"
                </label>
            </fieldset>
            <ol class="log">{move || log.get().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ol>
        </main>
    }
}

fn main() {
    leptos::mount::mount_to_body(Demo);
}
