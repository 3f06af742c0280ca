//! `Queue`: a FIFO between greenlets, bounded or not.
//!
//! As `gevent.queue.Queue`: [`Queue::get`] parks while the queue is empty;
//! on a bounded queue [`Queue::put`] parks while it is full. Waiters are
//! woken in FIFO order. A woken waiter checks the queue again rather than
//! being handed an item, so an item is never lost to a waiter that was
//! killed or timed out meanwhile.
#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

use super::hub::{self, PassOn, Token, hub, wake_one};
use crate::trace::Wait;

/// A FIFO queue for greenlets of one thread. Share it through an `Rc`.
#[derive(Debug)]
pub struct Queue<T> {
    items: RefCell<VecDeque<T>>,
    capacity: Option<usize>,
    getters: RefCell<VecDeque<Token>>,
    putters: RefCell<VecDeque<Token>>,
}

impl<T> Queue<T> {
    /// A queue without a bound: `put` never parks.
    pub fn unbounded() -> Queue<T> {
        Queue::with_capacity(None)
    }

    /// A queue of at most `capacity` items: `put` parks while it is full.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 (a queue that can hold nothing could never pass
    /// an item on).
    pub fn bounded(capacity: usize) -> Queue<T> {
        assert!(capacity > 0, "a bounded Queue needs a capacity of at least 1");
        Queue::with_capacity(Some(capacity))
    }

    fn with_capacity(capacity: Option<usize>) -> Queue<T> {
        Queue {
            items: RefCell::new(VecDeque::new()),
            capacity,
            getters: RefCell::new(VecDeque::new()),
            putters: RefCell::new(VecDeque::new()),
        }
    }

    /// Items in the queue.
    pub fn len(&self) -> usize {
        self.items.borrow().len()
    }

    /// Whether it holds no items.
    pub fn is_empty(&self) -> bool {
        self.items.borrow().is_empty()
    }

    fn is_full(&self) -> bool {
        self.capacity.is_some_and(|c| self.len() >= c)
    }

    /// Adds `item`, parking while a bounded queue is full.
    pub fn put(&self, item: T) {
        while self.is_full() {
            self.putters.borrow_mut().push_back(hub().token());
            let _pass = PassOn(|| {
                if !self.is_full() {
                    wake_one(&self.putters);
                }
            });
            hub::wait(Wait::Sync);
        }
        self.items.borrow_mut().push_back(item);
        wake_one(&self.getters);
    }

    /// Adds `item` if there is room now; gives it back if not.
    pub fn try_put(&self, item: T) -> Result<(), T> {
        if self.is_full() {
            return Err(item);
        }
        self.items.borrow_mut().push_back(item);
        wake_one(&self.getters);
        Ok(())
    }

    /// Takes the oldest item, parking while the queue is empty.
    pub fn get(&self) -> T {
        loop {
            if let Some(item) = self.try_get() {
                return item;
            }
            self.getters.borrow_mut().push_back(hub().token());
            let _pass = PassOn(|| {
                if !self.is_empty() {
                    wake_one(&self.getters);
                }
            });
            hub::wait(Wait::Sync);
        }
    }

    /// Takes the oldest item if there is one.
    pub fn try_get(&self) -> Option<T> {
        let item = self.items.borrow_mut().pop_front();
        if item.is_some() {
            wake_one(&self.putters);
        }
        item
    }

    /// As [`Queue::get`], for at most `timeout`.
    pub fn get_timeout(&self, timeout: Duration) -> Option<T> {
        super::with_timeout(timeout, || self.get()).ok()
    }
}
