//! The relay's event stream: opened with `fetch`, read chunk by chunk, aborted when its handle
//! is dropped.

use std::rc::Rc;

use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, ReadableStreamReadResult};

use super::Runtime;
use crate::fetch::{self, Credentials};
use crate::machine::{Event, RequestId, StreamEnd, StreamNews};
use crate::sse::{SseItem, SseParser};

/// An open stream: dropping it aborts the request and so ends the reading.
pub struct OpenStream {
    pub id: RequestId,
    controller: AbortController,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.controller.abort();
    }
}

impl OpenStream {
    /// Opens `url` and tells `runtime` what the stream says until it ends or is dropped.
    pub fn start(
        runtime: Rc<Runtime>,
        id: RequestId,
        url: String,
        credentials: Credentials,
    ) -> Option<Self> {
        let controller = AbortController::new().ok()?;
        let signal = controller.signal();
        spawn_local(async move {
            let response = fetch::open_stream(&url, &signal, &credentials).await;
            let end = match response {
                Ok(response) => read(&runtime, id, response).await,
                Err(()) => StreamEnd::Dropped,
            };
            runtime.dispatch(Event::StreamEnded { id, end });
        });
        Some(Self { id, controller })
    }
}

async fn read(runtime: &Runtime, id: RequestId, response: gloo_net::http::Response) -> StreamEnd {
    match response.status() {
        200..=299 => {}
        401 => return StreamEnd::Unauthorized,
        404 | 405 | 501 => return StreamEnd::Absent,
        _ => return StreamEnd::Dropped,
    }
    // A relay that answers every path (a page, a catch-all route) has no stream either.
    let is_stream = (response.headers().get("content-type"))
        .is_some_and(|kind| kind.trim_start().starts_with("text/event-stream"));
    if !is_stream {
        return StreamEnd::Absent;
    }
    let Some(body) = response.body() else {
        return StreamEnd::Dropped;
    };
    runtime.dispatch(Event::StreamOpened { id });
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut parser = SseParser::new();
    let mut items = Vec::new();
    loop {
        // An abort makes the read fail.
        let Ok(result) = JsFuture::from(reader.read()).await else {
            return StreamEnd::Dropped;
        };
        let result: ReadableStreamReadResult = result.unchecked_into();
        if result.get_done().unwrap_or(true) {
            return StreamEnd::Dropped;
        }
        let chunk = js_sys::Uint8Array::new(&result.get_value()).to_vec();
        parser.feed(&chunk, &mut items);
        for item in items.drain(..) {
            let news = match item {
                SseItem::Event(event) if event.name == "connected" => StreamNews::Linked,
                _ => StreamNews::Alive,
            };
            runtime.dispatch(Event::StreamNews { id, news });
        }
    }
}
