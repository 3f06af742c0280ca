//! IO registration: the hub's half of a socket's registration, and the
//! wait that parks a greenlet on it.
//!
//! A gevent socket registers once, when it is made ([`Hub::register`]):
//! a key in the hub's [`Slots`](crate::reactor::Slots), and the socket in
//! the poller under that key, edge-triggered for both directions. A call
//! that would block leaves the greenlet's wake token in the slot
//! ([`Hub::wait_io`]) and parks; when the poller reports the key, the loop
//! takes both tokens out ([`Hub::io_ready`]) and wakes them. A socket that
//! closes deregisters before its descriptor is closed
//! ([`Hub::deregister`]).
//!
//! ```text
//!   read(2) → EAGAIN ─▶ slots[key].reader = token ─▶ park
//!   epoll: key ready ─▶ take_ready(key) ─▶ wake(reader), wake(writer)
//! ```
//!
//! A wake is a hint, not a promise: the woken greenlet tries its
//! operation again, and parks again on another `WouldBlock`.

use std::io;
use std::os::fd::AsFd;
use std::time::Instant;

use super::{Hub, Wake};
use crate::reactor::{Direction, Interest};
use crate::trace::Wait;

impl Hub {
    /// Registers a socket with the reactor and returns its key.
    ///
    /// # Safety
    ///
    /// `source` must stay open until [`Hub::deregister`] is called with the
    /// key (see [`Poller::add_edge`](crate::reactor::Poller::add_edge)).
    pub(crate) unsafe fn register(&self, source: &impl AsFd) -> io::Result<usize> {
        let key = self.io.borrow_mut().insert();
        // Edge-triggered, both directions, registered once: a wait costs no
        // `epoll_ctl` (see `Poller::add_edge`), because every wait here
        // follows an operation that returned `WouldBlock`.
        // SAFETY: forwarded from this function's contract.
        let added = unsafe { self.poller.add_edge(source, key, Interest::BOTH) };
        if let Err(e) = added {
            self.io.borrow_mut().remove(key);
            return Err(e);
        }
        Ok(key)
    }

    /// Removes a socket from the reactor, before it is closed.
    pub(crate) fn deregister(&self, key: usize, source: &impl AsFd) {
        let _ = self.poller.delete(source);
        // A greenlet still parked on it (killed, or woken by a timeout) left
        // a stale token: dropping it is all there is to do.
        self.io.borrow_mut().remove(key);
    }

    // ANCHOR: wait_io
    /// Parks the current task until the socket under `key` may be ready
    /// for `interest` (one of read or write), or until `deadline`. Call it
    /// only after the operation returned `WouldBlock`: the registration is
    /// edge-triggered, so the next event is the next *change*.
    ///
    /// # Errors
    ///
    /// `ResourceBusy` if another greenlet already waits on this socket in
    /// the same direction (as gevent says "already used by another
    /// greenlet"); `TimedOut` at the deadline. (The socket's registration
    /// never changes, so there is no reactor call here to fail.)
    ///
    /// # Panics
    ///
    /// If `key` is not registered (a socket used on another thread's hub,
    /// which the `!Send` socket types rule out).
    pub(crate) fn wait_io(
        &self,
        key: usize,
        interest: Interest,
        deadline: Option<Instant>,
    ) -> io::Result<Wake> {
        let token = self.token();
        let direction = if interest.read { Direction::Read } else { Direction::Write };
        {
            let mut io = self.io.borrow_mut();
            assert!(io.contains(key), "a registered socket has a slot");
            if io.waiter(key, direction).is_some_and(|t| t.is_live() && !t.is_for(&token.task)) {
                return Err(io::Error::new(
                    io::ErrorKind::ResourceBusy,
                    "another greenlet is already waiting on this socket in this direction",
                ));
            }
            // The token it replaces, if any, is stale (checked above).
            let _ = io.park(key, direction, token);
        }
        let why = match deadline {
            None => self.park(Wait::Io),
            Some(deadline) => self.park_until(deadline, Wait::Io),
        };
        if why == Wake::Timer {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the socket timed out"));
        }
        Ok(why)
    }
    // ANCHOR_END: wait_io

    /// The reactor says the socket under `key` changed: wake both its
    /// reader and its writer (a task woken needlessly tries its operation
    /// again and parks again).
    pub(super) fn io_ready(&self, key: usize) {
        let (reader, writer) = self.io.borrow_mut().take_ready(key);
        for token in [reader, writer].into_iter().flatten() {
            self.wake(&token, Wake::Woken);
        }
    }
}
