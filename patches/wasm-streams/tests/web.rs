//! The conversions in Chromium: chunks, errors and cancellation cross both ways.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use futures_util::stream::{self, StreamExt};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasm_streams::ReadableStream;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn chunks_cross_to_javascript_and_back() {
    let chunks = ["a", "b", "c"].map(|c| Ok(JsValue::from_str(c)));
    let raw = ReadableStream::from_stream(stream::iter(chunks)).into_raw();
    let read: Vec<_> = ReadableStream::from_raw(raw).into_stream().collect().await;
    let read: Vec<_> = read
        .into_iter()
        .map(|chunk| chunk.unwrap().as_string().unwrap())
        .collect();
    assert_eq!(read, ["a", "b", "c"]);
}

#[wasm_bindgen_test]
async fn an_error_item_errors_the_stream() {
    let items = vec![Ok(JsValue::from(1)), Err(JsValue::from_str("broken"))];
    let raw = ReadableStream::from_stream(stream::iter(items)).into_raw();
    let read: Vec<_> = ReadableStream::from_raw(raw).into_stream().collect().await;
    assert_eq!(read.len(), 2);
    assert_eq!(read[0].as_ref().unwrap().as_f64(), Some(1.0));
    assert_eq!(
        read[1].as_ref().unwrap_err().as_string().as_deref(),
        Some("broken")
    );
}

struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[wasm_bindgen_test]
async fn cancelling_drops_the_rust_stream() {
    let dropped = Rc::new(Cell::new(false));
    let flag = DropFlag(dropped.clone());
    let endless = stream::repeat(()).map(move |()| {
        let _ = &flag;
        Ok(JsValue::TRUE)
    });
    let raw = ReadableStream::from_stream(endless).into_raw();
    assert!(!dropped.get());
    JsFuture::from(raw.cancel()).await.unwrap();
    assert!(dropped.get());
}
