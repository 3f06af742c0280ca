//! [`ConcurrentFuture`]: a result produced on one thread and awaited, or
//! blocked on, from another (Python's `concurrent.futures.Future`).
//!
//! The bridge between the loop and plain threads, in both directions:
//! `run_in_executor` returns one that a task awaits while a pool thread
//! works; `spawn_threadsafe` returns one that a plain thread blocks on while
//! the loop works. It is a one-shot channel: a mutex around the slot, a
//! condition variable for blocking readers, and a `Waker` for a task.
#![forbid(unsafe_code)]

use super::error::Error;
use super::task::trace_wait;
use crate::trace::Wait;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

struct Slot<T> {
    result: Option<Result<T, Error>>,
    /// The result was taken by the reader.
    taken: bool,
    waker: Option<Waker>,
}

impl<T> Slot<T> {
    /// The result, taken for good, if it is there; `InvalidState` if an
    /// earlier read took it; `None` while it is still to come.
    fn take(&mut self) -> Option<Result<T, Error>> {
        if let Some(result) = self.result.take() {
            self.taken = true;
            return Some(result);
        }
        self.taken.then_some(Err(Error::InvalidState))
    }
}

struct Shared<T> {
    slot: Mutex<Slot<T>>,
    ready: Condvar,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The writing end: set once with [`Promise::set`]. Dropped unset, it sets
/// the error it was made with (the work was dropped).
pub(crate) struct Promise<T> {
    shared: Arc<Shared<T>>,
    if_dropped: Option<Error>,
}

/// A pair: the [`Promise`] to set from anywhere and the
/// [`ConcurrentFuture`] to read. `if_dropped` is what the reader gets if the
/// promise is dropped unset.
pub(crate) fn pair<T>(if_dropped: Error) -> (Promise<T>, ConcurrentFuture<T>) {
    let shared = Arc::new(Shared {
        slot: Mutex::new(Slot { result: None, taken: false, waker: None }),
        ready: Condvar::new(),
    });
    (Promise { shared: Arc::clone(&shared), if_dropped: Some(if_dropped) }, ConcurrentFuture { shared })
}

impl<T> Promise<T> {
    /// Sets the result and wakes the reader.
    pub(crate) fn set(mut self, result: Result<T, Error>) {
        self.if_dropped = None;
        self.fill(result);
    }

    fn fill(&self, result: Result<T, Error>) {
        let waker = {
            let mut slot = self.shared.lock();
            slot.result = Some(result);
            slot.waker.take()
        };
        self.shared.ready.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Drop for Promise<T> {
    fn drop(&mut self) {
        if let Some(error) = self.if_dropped.take() {
            self.fill(Err(error));
        }
    }
}

/// A result that another thread will produce: `.await` it on a loop, or
/// [`wait`](ConcurrentFuture::wait) for it on a plain thread. `Send` when
/// `T` is.
pub struct ConcurrentFuture<T> {
    shared: Arc<Shared<T>>,
}

impl<T> fmt::Debug for ConcurrentFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurrentFuture").field("done", &self.is_done()).finish()
    }
}

impl<T> ConcurrentFuture<T> {
    /// Whether the result is there.
    pub fn is_done(&self) -> bool {
        let slot = self.shared.lock();
        slot.result.is_some() || slot.taken
    }

    /// Blocks this thread until the result is there. Do not call it on a
    /// loop's thread: it would block the loop (`.await` it there instead).
    pub fn wait(self) -> Result<T, Error> {
        let mut slot = self.shared.lock();
        loop {
            if let Some(result) = slot.take() {
                return result;
            }
            slot = self.shared.ready.wait(slot).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Blocks for at most `timeout`; `Err(TimedOut)` if the result is not
    /// there by then (the work goes on, and a later call may get it).
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<T, Error> {
        let deadline = Instant::now() + timeout;
        let mut slot = self.shared.lock();
        loop {
            if let Some(result) = slot.take() {
                return result;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::TimedOut);
            }
            slot = self.shared.ready.wait_timeout(slot, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

impl<T> Future for ConcurrentFuture<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.shared.lock();
        if let Some(result) = slot.take() {
            return Poll::Ready(result);
        }
        match &mut slot.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            other => *other = Some(cx.waker().clone()),
        }
        drop(slot);
        trace_wait(Wait::Join);
        Poll::Pending
    }
}
