//! [`Semaphore`]: at most N tasks at a time (asyncio's `Semaphore`).
#![forbid(unsafe_code)]

use super::{WaitList, Waiting};
use crate::aio::task::trace_wait;
use crate::trace::Wait;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

#[derive(Debug)]
struct State {
    permits: usize,
    waiters: WaitList,
}

/// A counter of permits. `acquire().await` takes one (waiting while there
/// are none) and returns a [`Permit`] that gives it back on drop. Clones
/// share the semaphore.
///
/// ```
/// use corolab::aio::{self, Semaphore};
///
/// aio::run(async {
///     let slots = Semaphore::new(2);
///     let a = slots.acquire().await;
///     let _b = slots.acquire().await;
///     assert_eq!(slots.available(), 0);
///     assert!(slots.try_acquire().is_none());
///     drop(a);
///     assert_eq!(slots.available(), 1);
/// });
/// ```
#[derive(Clone)]
pub struct Semaphore {
    state: Rc<RefCell<State>>,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        f.debug_struct("Semaphore").field("permits", &s.permits).field("waiters", &s.waiters.len()).finish()
    }
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore { state: Rc::new(RefCell::new(State { permits, waiters: WaitList::default() })) }
    }

    /// Waits for a permit and takes it.
    pub fn acquire(&self) -> AcquirePermit {
        AcquirePermit { sem: self.clone(), waiting: Waiting::default(), acquired: false }
    }

    /// Takes a permit if one is free.
    pub fn try_acquire(&self) -> Option<Permit> {
        let mut s = self.state.borrow_mut();
        if s.permits == 0 {
            return None;
        }
        s.permits -= 1;
        Some(Permit { sem: self.clone() })
    }

    /// Free permits now.
    pub fn available(&self) -> usize {
        self.state.borrow().permits
    }
}

/// The future of [`Semaphore::acquire`].
#[derive(Debug)]
#[must_use = "a permit is taken only when the future is awaited"]
pub struct AcquirePermit {
    sem: Semaphore,
    waiting: Waiting,
    acquired: bool,
}

impl Future for AcquirePermit {
    type Output = Permit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let this = &mut *self;
        let mut s = this.sem.state.borrow_mut();
        if s.permits > 0 {
            s.permits -= 1;
            s.waiters.done(&mut this.waiting);
            this.acquired = true;
            return Poll::Ready(Permit { sem: this.sem.clone() });
        }
        s.waiters.park(&mut this.waiting, cx.waker());
        drop(s);
        trace_wait(Wait::Sync);
        Poll::Pending
    }
}

impl Drop for AcquirePermit {
    fn drop(&mut self) {
        if self.acquired {
            return;
        }
        let mut s = self.sem.state.borrow_mut();
        if s.waiters.abandon(&mut self.waiting) && s.permits > 0 {
            s.waiters.wake_one();
        }
    }
}

/// One permit of a [`Semaphore`]; given back on drop.
#[must_use = "dropping the permit gives it back at once"]
pub struct Permit {
    sem: Semaphore,
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Permit")
    }
}

impl Permit {
    /// Gives the permit back now (the same as dropping it).
    pub fn release(self) {}
}

// ANCHOR: permit_drop
impl Drop for Permit {
    fn drop(&mut self) {
        let mut s = self.sem.state.borrow_mut();
        s.permits += 1;
        s.waiters.wake_one();
    }
}
// ANCHOR_END: permit_drop
