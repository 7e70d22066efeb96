//! Starting, stopping and refreshing a widget from the code that shows it.

use leptos::prelude::*;

/// A handle to one widget: create it, pass it to [`ZapiConnect`](crate::ZapiConnect)'s
/// `control` prop, and call [`start`](Self::start), [`stop`](Self::stop) or
/// [`refresh`](Self::refresh) from anywhere, such as a button's handler.
///
/// ```no_run
/// use leptos::prelude::*;
/// use zapi_connect::{WidgetControl, ZapiConnect};
///
/// #[component]
/// fn LinkPhone() -> impl IntoView {
///     let control = WidgetControl::new();
///     view! {
///         <ZapiConnect relay="/zapi" control=control.clone() />
///         <button on:click={
///             let control = control.clone();
///             move |_| control.refresh()
///         }>"Start over"</button>
///         <button on:click=move |_| control.stop()>"Stop"</button>
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub struct WidgetControl {
    running: ArcRwSignal<bool>,
    refreshes: ArcRwSignal<u32>,
}

impl Default for WidgetControl {
    fn default() -> Self {
        Self {
            running: ArcRwSignal::new(true),
            refreshes: ArcRwSignal::new(0),
        }
    }
}

impl WidgetControl {
    /// A running widget's handle.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts again after [`stop`](Self::stop).
    pub fn start(&self) {
        self.running.set(true);
    }

    /// Ends every timer and request; the widget shows a Start button.
    pub fn stop(&self) {
        self.running.set(false);
    }

    /// Starts over from the status check (and starts a stopped widget).
    pub fn refresh(&self) {
        self.running.set(true);
        self.refreshes.update(|n| *n = n.wrapping_add(1));
    }

    /// Whether the widget runs (reactive).
    pub fn is_running(&self) -> bool {
        self.running.get()
    }

    /// How many refreshes were asked for (reactive): a change starts the flow over.
    pub(crate) fn refreshes(&self) -> u32 {
        self.refreshes.get()
    }
}
