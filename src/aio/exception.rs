//! The loop's exception handler: where a panic goes that no one awaits.
//!
//! A panic in a task reaches whoever awaits the task, as
//! [`Error::Panicked`](super::Error::Panicked). A panic in a callback has
//! no such reader: a `call_soon`/`call_later` callback or a task's done
//! callback returns nothing to anyone. asyncio catches those in the loop,
//! hands a *context* to the loop's exception handler
//! (`loop.set_exception_handler`, by default
//! `loop.default_exception_handler`, which logs it) and carries on with the
//! next callback. This loop does the same:
//!
//! ```text
//!   callback ── returns ──────────────────────────▶ next callback
//!      └──── panics ─▶ catch_unwind ─▶ handler(&ExceptionContext) ─▶ next callback
//! ```
//!
//! ```
//! use corolab::aio::{self, EventLoop};
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! let lp = EventLoop::new();
//! let seen = Rc::new(RefCell::new(Vec::new()));
//! let log = seen.clone();
//! lp.set_exception_handler(move |context| log.borrow_mut().push(context.panic.clone()));
//! lp.call_soon(|| panic!("oops"));
//! assert_eq!(lp.run_until_complete(async { aio::sleep(std::time::Duration::ZERO).await; 7 }), 7);
//! assert_eq!(*seen.borrow(), ["oops"]);
//! ```
//!
//! The panic hook still prints its usual `thread panicked at` line first;
//! the handler says which callback it was.
#![forbid(unsafe_code)]

use std::fmt;
use std::rc::Rc;

/// What the exception handler is told (asyncio's context dict).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionContext {
    /// Where it happened: `"Exception in callback"`, or `"Exception in done
    /// callback of task Task-3"`.
    pub message: String,
    /// The panic's message.
    pub panic: String,
}

impl fmt::Display for ExceptionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "aio: {}: panicked: {}", self.message, self.panic)
    }
}

/// A loop's exception handler.
pub type ExceptionHandler = Rc<dyn Fn(&ExceptionContext)>;

/// What a loop does with an exception when no handler is set (asyncio's
/// `default_exception_handler`): print it to standard error.
pub fn default_exception_handler(context: &ExceptionContext) {
    eprintln!("{context}");
}
