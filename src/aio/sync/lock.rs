//! [`Lock`]: one task at a time (asyncio's `Lock`).
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

#[derive(Debug, Default)]
struct State {
    locked: bool,
    waiters: WaitList,
}

/// A lock for tasks. `lock().await` gives a [`LockGuard`]; dropping it
/// releases the lock and wakes the oldest waiter. Clones share the lock.
///
/// ```
/// use corolab::aio::{self, Lock};
///
/// aio::run(async {
///     let lock = Lock::new();
///     let guard = lock.lock().await;        // async with lock:
///     assert!(lock.locked());
///     drop(guard);                          // (end of the block)
///     assert!(!lock.locked());
/// });
/// ```
///
/// Not strictly first-come first-served: a task that asks just as the lock
/// is released can take it before the woken waiter runs; the waiter then
/// waits again.
#[derive(Clone, Default)]
pub struct Lock {
    state: Rc<RefCell<State>>,
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        f.debug_struct("Lock").field("locked", &s.locked).field("waiters", &s.waiters.len()).finish()
    }
}

impl Lock {
    /// An unlocked lock.
    pub fn new() -> Lock {
        Lock::default()
    }

    /// Waits for the lock and takes it.
    pub fn lock(&self) -> Acquire {
        Acquire { lock: self.clone(), waiting: Waiting::default(), acquired: false }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<LockGuard> {
        let mut s = self.state.borrow_mut();
        if s.locked {
            return None;
        }
        s.locked = true;
        Some(LockGuard { lock: self.clone() })
    }

    /// Whether some task holds it.
    pub fn locked(&self) -> bool {
        self.state.borrow().locked
    }
}

/// The future of [`Lock::lock`].
#[derive(Debug)]
#[must_use = "a lock is taken only when the future is awaited"]
pub struct Acquire {
    lock: Lock,
    waiting: Waiting,
    acquired: bool,
}

impl Future for Acquire {
    type Output = LockGuard;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard> {
        let this = &mut *self;
        let mut s = this.lock.state.borrow_mut();
        if !s.locked {
            s.locked = true;
            s.waiters.done(&mut this.waiting);
            this.acquired = true;
            return Poll::Ready(LockGuard { lock: this.lock.clone() });
        }
        s.waiters.park(&mut this.waiting, cx.waker());
        drop(s);
        trace_wait(Wait::Sync);
        Poll::Pending
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        if self.acquired {
            return;
        }
        let mut s = self.lock.state.borrow_mut();
        if s.waiters.abandon(&mut self.waiting) && !s.locked {
            s.waiters.wake_one(); // we were woken for a turn we will not take
        }
    }
}

/// Holds a [`Lock`]; releases it on drop.
#[must_use = "dropping the guard releases the lock at once"]
pub struct LockGuard {
    lock: Lock,
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockGuard")
    }
}

impl LockGuard {
    /// Releases the lock now (the same as dropping the guard).
    pub fn release(self) {}
}

// ANCHOR: guard_drop
impl Drop for LockGuard {
    fn drop(&mut self) {
        let mut s = self.lock.state.borrow_mut();
        s.locked = false;
        s.waiters.wake_one();
    }
}
// ANCHOR_END: guard_drop
