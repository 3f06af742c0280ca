//! `Semaphore`: at most N holders at once; the others park.
//!
//! As `gevent.lock.Semaphore`. [`Semaphore::acquire`] returns a guard that
//! releases on drop, so a killed or timed-out holder gives its permit back
//! as its stack unwinds.
#![forbid(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use super::hub::{self, PassOn, Token, hub, wake_one};
use crate::trace::Wait;

/// A counting semaphore for greenlets.
#[derive(Debug)]
pub struct Semaphore {
    permits: Cell<usize>,
    waiters: RefCell<VecDeque<Token>>,
}

/// A held permit; released on drop.
#[derive(Debug)]
#[must_use = "the permit is released when the guard drops"]
pub struct SemaphoreGuard<'a> {
    semaphore: &'a Semaphore,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore { permits: Cell::new(permits), waiters: RefCell::new(VecDeque::new()) }
    }

    /// Permits free now.
    pub fn available(&self) -> usize {
        self.permits.get()
    }

    /// Takes a permit, parking until one is free (FIFO among waiters).
    pub fn acquire(&self) -> SemaphoreGuard<'_> {
        self.acquire_forget();
        SemaphoreGuard { semaphore: self }
    }

    /// Takes a permit if one is free now.
    pub fn try_acquire(&self) -> Option<SemaphoreGuard<'_>> {
        let n = self.permits.get();
        (n > 0).then(|| {
            self.permits.set(n - 1);
            SemaphoreGuard { semaphore: self }
        })
    }

    /// Takes a permit without a guard; give it back with [`Semaphore::release`].
    pub fn acquire_forget(&self) {
        // Queue behind earlier waiters even if a permit is free, so a
        // stream of newcomers cannot starve a waiter.
        if self.permits.get() > 0 && self.waiters.borrow().iter().all(|t| !t.is_live()) {
            self.permits.set(self.permits.get() - 1);
            return;
        }
        loop {
            self.waiters.borrow_mut().push_back(hub().token());
            let _pass = PassOn(|| {
                if self.permits.get() > 0 {
                    wake_one(&self.waiters);
                }
            });
            hub::wait(Wait::Sync);
            if self.permits.get() > 0 {
                self.permits.set(self.permits.get() - 1);
                return;
            }
        }
    }

    /// Gives a permit back and wakes the next waiter.
    pub fn release(&self) {
        self.permits.set(self.permits.get() + 1);
        wake_one(&self.waiters);
    }
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        self.semaphore.release();
    }
}
