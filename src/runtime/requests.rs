//! Requests to the relay, each with its time limit, aborted when its handle is dropped.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use web_sys::AbortController;

use crate::error::{ErrorCode, WidgetError};
use crate::fetch::{self, Credentials, Reply};

/// How long a request to the relay may take before it counts as a `timeout`.
const REQUEST_TIMEOUT_MS: u32 = 10_000;

/// A request in flight: dropping it aborts the request and clears its timer.
pub struct InFlight {
    pub key: u32,
    controller: AbortController,
    timed_out: Rc<Cell<bool>>,
    _limit: Timeout,
}

impl InFlight {
    pub fn new(key: u32) -> Option<Self> {
        let controller = AbortController::new().ok()?;
        let timed_out = Rc::new(Cell::new(false));
        let limit = timeout(REQUEST_TIMEOUT_MS, {
            let (controller, timed_out) = (controller.clone(), timed_out.clone());
            move || {
                timed_out.set(true);
                controller.abort();
            }
        });
        Some(Self {
            key,
            controller,
            timed_out,
            _limit: limit,
        })
    }

    /// Sends `method` to `url`; the error says whether the time limit or something else ended it.
    pub fn send(
        &self,
        method: &'static str,
        url: String,
        credentials: Credentials,
    ) -> impl std::future::Future<Output = Result<Reply, WidgetError>> {
        let (signal, timed_out) = (self.controller.signal(), self.timed_out.clone());
        async move {
            let reply = fetch::send(method, &url, &signal, &credentials).await;
            reply.map_err(|()| {
                WidgetError::new(if timed_out.get() {
                    ErrorCode::Timeout
                } else {
                    ErrorCode::RelayUnreachable
                })
            })
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.controller.abort();
    }
}

/// Every timeout through one closure type, so that the bundle holds one copy of the glue.
pub fn timeout(ms: u32, callback: impl FnOnce() + 'static) -> Timeout {
    let callback: Box<dyn FnOnce()> = Box::new(callback);
    Timeout::new(ms, callback)
}
