//! [`SettableFuture`]: a result that someone will set later (asyncio's
//! `Future`, made by `loop.create_future()`).
//!
//! The low-level object under tasks: a slot for a result and a list of
//! wakers. Awaiting it parks the task in the list; `set_result` fills the
//! slot and wakes them all. It can be set once; each clone of the handle is
//! the same future, and every awaiter gets a clone of the result.
//!
//! ```
//! use corolab::aio::{self, EventLoop};
//!
//! let lp = EventLoop::new();
//! let fut = lp.create_future::<&str>();
//! let setter = fut.clone();
//! lp.call_soon(move || setter.set_result("done").unwrap());
//! assert_eq!(lp.run_until_complete(fut), Ok("done"));
//! ```
#![forbid(unsafe_code)]

use super::error::Error;
use super::task::trace_wait;
use crate::trace::Wait;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

enum State<T> {
    Pending(Vec<Waker>),
    Done(Result<T, Error>),
}

/// A future whose result is set by hand, once. Clones share it.
pub struct SettableFuture<T> {
    state: Rc<RefCell<State<T>>>,
}

impl<T> Clone for SettableFuture<T> {
    fn clone(&self) -> Self {
        SettableFuture { state: Rc::clone(&self.state) }
    }
}

impl<T> fmt::Debug for SettableFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettableFuture").field("done", &self.done()).finish()
    }
}

impl<T> Default for SettableFuture<T> {
    fn default() -> Self {
        SettableFuture::new()
    }
}

impl<T> SettableFuture<T> {
    /// A pending future.
    pub fn new() -> SettableFuture<T> {
        SettableFuture { state: Rc::new(RefCell::new(State::Pending(Vec::new()))) }
    }

    /// Sets the result and wakes every awaiter. `Err(InvalidState)` if it
    /// was already set (asyncio's `InvalidStateError`).
    pub fn set_result(&self, value: T) -> Result<(), Error> {
        self.complete(Ok(value))
    }

    /// Sets an exception: awaiters get `Err(Error::Exception(message))`.
    pub fn set_exception(&self, message: impl Into<String>) -> Result<(), Error> {
        self.complete(Err(Error::Exception(message.into())))
    }

    /// Cancels it: awaiters get `Err(Error::Cancelled)`. Returns `false` if
    /// it was already done.
    pub fn cancel(&self) -> bool {
        self.complete(Err(Error::Cancelled)).is_ok()
    }

    /// Whether a result (or exception, or cancel) is set.
    pub fn done(&self) -> bool {
        matches!(*self.state.borrow(), State::Done(_))
    }

    // ANCHOR: complete
    fn complete(&self, result: Result<T, Error>) -> Result<(), Error> {
        let waiters = {
            let mut state = self.state.borrow_mut();
            match &mut *state {
                State::Done(_) => return Err(Error::InvalidState),
                State::Pending(waiters) => {
                    let waiters = std::mem::take(waiters);
                    *state = State::Done(result);
                    waiters
                }
            }
        };
        for waker in waiters {
            waker.wake();
        }
        Ok(())
    }
    // ANCHOR_END: complete
}

impl<T: Clone> SettableFuture<T> {
    /// The result, without waiting: `Err(InvalidState)` while pending.
    pub fn result(&self) -> Result<T, Error> {
        match &*self.state.borrow() {
            State::Done(result) => result.clone(),
            State::Pending(_) => Err(Error::InvalidState),
        }
    }
}

impl<T: Clone> Future for SettableFuture<T> {
    type Output = Result<T, Error>;

    // ANCHOR: poll
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.state.borrow_mut();
        match &mut *state {
            State::Done(result) => Poll::Ready(result.clone()),
            State::Pending(waiters) => {
                if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    waiters.push(cx.waker().clone());
                }
                trace_wait(Wait::Sync);
                Poll::Pending
            }
        }
    }
    // ANCHOR_END: poll
}
