//! Callbacks: `call_soon`, `call_later`, `call_at`, and the [`Handle`] that
//! cancels them.
//!
//! A callback is a plain closure the loop calls once, between task steps.
//! asyncio is built on them (a task step is itself a callback there); here
//! tasks have their own run queue, and callbacks are for the small things:
//! a timeout firing, a value handed over from another thread.
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

/// A scheduled callback, cancellable until it runs (asyncio's `Handle` /
/// `TimerHandle`). Dropping the handle does *not* cancel the callback.
#[derive(Clone)]
pub struct Handle {
    cancelled: Rc<Cell<bool>>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("cancelled", &self.cancelled.get()).finish()
    }
}

impl Handle {
    /// Stops the callback from running, if it has not run yet.
    pub fn cancel(&self) {
        self.cancelled.set(true);
    }

    /// Whether [`Handle::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }
}

enum Body {
    Local(Box<dyn FnOnce()>),
    Threadsafe(Box<dyn FnOnce() + Send>),
}

/// The loop's side of a callback.
pub(crate) struct Callback {
    cancelled: Option<Rc<Cell<bool>>>,
    body: Body,
}

impl Callback {
    pub(crate) fn new(f: impl FnOnce() + 'static) -> (Callback, Handle) {
        let cancelled = Rc::new(Cell::new(false));
        let callback = Callback { cancelled: Some(Rc::clone(&cancelled)), body: Body::Local(Box::new(f)) };
        (callback, Handle { cancelled })
    }

    /// A callback handed over by `call_soon_threadsafe` (not cancellable).
    pub(crate) fn threadsafe(f: Box<dyn FnOnce() + Send>) -> Callback {
        Callback { cancelled: None, body: Body::Threadsafe(f) }
    }

    /// Calls it, unless it was cancelled.
    pub(crate) fn run(self) {
        if self.cancelled.is_some_and(|c| c.get()) {
            return;
        }
        match self.body {
            Body::Local(f) => f(),
            Body::Threadsafe(f) => f(),
        }
    }
}
