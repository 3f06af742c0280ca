//! `Event`: a flag greenlets can wait for.
//!
//! [`Event::set`] wakes every greenlet parked in [`Event::wait`]; until
//! [`Event::clear`], later waits return at once. As `gevent.event.Event`.
#![forbid(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::Duration;

use super::hub::{self, Token, hub};
use crate::trace::Wait;

/// A flag that greenlets wait on. Cheap to share through an `Rc`.
#[derive(Debug, Default)]
pub struct Event {
    set: Cell<bool>,
    waiters: RefCell<VecDeque<Token>>,
}

impl Event {
    /// A clear event.
    pub fn new() -> Event {
        Event::default()
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        self.set.set(true);
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for w in waiters {
            w.wake();
        }
    }

    /// Clears the flag.
    pub fn clear(&self) {
        self.set.set(false);
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.set.get()
    }

    /// Parks the calling greenlet until the flag is set.
    pub fn wait(&self) {
        while !self.set.get() {
            self.waiters.borrow_mut().push_back(hub().token());
            hub::wait(Wait::Sync);
        }
    }

    /// As [`Event::wait`], for at most `timeout`; returns whether the flag
    /// is set.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        super::with_timeout(timeout, || self.wait()).is_ok()
    }
}
