//! Rust streams as JavaScript `ReadableStream`s and back: the two conversions Leptos' server
//! functions make (`server_fn`'s `browser` feature), with the same names as `wasm-streams` 0.5.
//!
//! `wasm-streams` hands its underlying sources to JavaScript as `#[wasm_bindgen]` classes, which
//! every wasm module that links it exports, used or not, with the async machinery behind them.
//! Here the underlying source is a plain object with closures: unused, it links to nothing.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use futures_util::stream::{self, Stream, StreamExt};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{ReadableStreamDefaultController, ReadableStreamDefaultReader};

/// The raw JavaScript types, as in `wasm-streams`.
pub mod sys {
    pub use web_sys::ReadableStream;
}

type Source = Pin<Box<dyn Stream<Item = Result<JsValue, JsValue>>>>;

/// A JavaScript `ReadableStream`.
pub struct ReadableStream {
    raw: sys::ReadableStream,
}

impl ReadableStream {
    pub fn from_raw(raw: sys::ReadableStream) -> Self {
        Self { raw }
    }

    pub fn into_raw(self) -> sys::ReadableStream {
        self.raw
    }

    /// A stream that pulls from `stream`: each `Ok` item is a chunk, an `Err` errors the stream,
    /// the end closes it. Cancelling it drops `stream`.
    pub fn from_stream<St>(stream: St) -> Self
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        let source: Rc<RefCell<Option<Source>>> = Rc::new(RefCell::new(Some(Box::pin(stream))));
        let pull = {
            let source = source.clone();
            Closure::<dyn FnMut(ReadableStreamDefaultController) -> js_sys::Promise>::new(
                move |controller: ReadableStreamDefaultController| {
                    let source = source.clone();
                    future_to_promise(async move {
                        // The stream calls `pull` again only once this promise settles, so the
                        // source is never wanted twice at once; it is out of the cell while
                        // awaited so that a `cancel` meanwhile finds it gone.
                        let Some(mut taken) = source.borrow_mut().take() else {
                            return Ok(JsValue::UNDEFINED);
                        };
                        match taken.next().await {
                            Some(Ok(chunk)) => {
                                controller.enqueue_with_chunk(&chunk)?;
                                *source.borrow_mut() = Some(taken);
                            }
                            Some(Err(error)) => return Err(error),
                            None => controller.close()?,
                        }
                        Ok(JsValue::UNDEFINED)
                    })
                },
            )
        };
        let cancel = Closure::<dyn FnMut()>::new(move || {
            source.borrow_mut().take();
        });
        let underlying = Object::new();
        // Setting a property on a fresh object cannot fail.
        let _ = Reflect::set(&underlying, &"pull".into(), &pull.into_js_value());
        let _ = Reflect::set(&underlying, &"cancel".into(), &cancel.into_js_value());
        // No queue ahead of the reader: the Rust stream is pulled only when a chunk is wanted.
        let strategy = web_sys::QueuingStrategy::new();
        strategy.set_high_water_mark(0.0);
        let raw =
            sys::ReadableStream::new_with_underlying_source_and_strategy(&underlying, &strategy)
                .expect_throw("ReadableStream with an underlying source");
        Self { raw }
    }

    /// The stream's chunks; a read that fails ends the stream after yielding its error.
    pub fn into_stream(self) -> impl Stream<Item = Result<JsValue, JsValue>> + 'static {
        let reader: ReadableStreamDefaultReader = self.raw.get_reader().unchecked_into();
        stream::unfold(Some(reader), |reader| async move {
            let reader = reader?;
            match JsFuture::from(reader.read()).await {
                Ok(result) => {
                    let result: web_sys::ReadableStreamReadResult = result.unchecked_into();
                    if result.get_done().unwrap_or(false) {
                        reader.release_lock();
                        None
                    } else {
                        Some((Ok(result.get_value()), Some(reader)))
                    }
                }
                Err(error) => Some((Err(error), None)),
            }
        })
    }
}
