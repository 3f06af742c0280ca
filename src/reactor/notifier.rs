//! [`Notifier`]: how another thread wakes a loop asleep in `epoll_wait`,
//! at the cost of a system call only when the loop is, or may be, asleep.
//!
//! The loop sleeps in the kernel, so the wake-up must come through the
//! kernel too: an *eventfd*, a file holding a 64-bit counter that a
//! `write` adds to, registered in the loop's epoll once, edge-triggered,
//! under [`RESERVED_KEY`](super::RESERVED_KEY). Each `write` is a new edge,
//! so the counter is never read back: the waiter skips the notifier's
//! reports and goes on. (A level-triggered or oneshot registration would
//! need a `read` to clear it, or an `epoll_ctl` to re-arm it, after every
//! wake-up; that is two of the system calls a wait used to cost.)
//!
//! Most wake-ups arrive while the loop is awake, running tasks: then no
//! `write` is needed at all, only a flag the loop checks before it next
//! sleeps. The flag and the "I am going to sleep" mark are one atomic
//! state, so the two threads cannot miss each other:
//!
//! ```text
//!   loop thread (wait)                      other thread (notify)
//!   ──────────────────                      ─────────────────────
//!   swap(SLEEPING) ─┬─ was NOTIFIED:        swap(NOTIFIED) ─┬─ was SLEEPING:
//!                   │  wait with timeout 0                  │  write(eventfd)
//!                   └─ else: epoll_wait                     └─ else: nothing
//!   swap(AWAKE)       (the notify is consumed)                  (the loop will
//!                                                                see the flag)
//! ```
//!
//! Both swaps are read-modify-writes of one atomic, so one comes first: if
//! the loop's comes first, the notifier sees `SLEEPING` and writes, and the
//! edge is queued in epoll's ready list even if `epoll_wait` has not begun;
//! if the notifier's comes first, the loop sees `NOTIFIED` and does not
//! block. A `write` that lands just after the wait returned for another
//! reason leaves an edge behind: the next wait returns at once with
//! nothing to report, a spurious wake-up the loop already handles.
//!
//! tokio (through mio) keeps the same eventfd, registered the same way; it
//! decides whether to write from its scheduler's own state rather than the
//! poller's.
#![forbid(unsafe_code)]

use rustix::event::{EventfdFlags, eventfd};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use std::io;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// The waiter is running (or in a wait that does not block): a notify
/// only sets [`NOTIFIED`].
const AWAKE: u8 = 0;
/// The waiter is in, or about to enter, a wait that may block: a notify
/// must write the eventfd.
const SLEEPING: u8 = 1;
/// A notify came while the waiter was awake: its next wait must not block.
const NOTIFIED: u8 = 2;

/// An eventfd and the waiter's sleep state; see the module docs. One
/// thread waits at a time (the loop that owns the poller); any thread may
/// [`notify`](Notifier::notify).
#[derive(Debug)]
pub(super) struct Notifier {
    eventfd: OwnedFd,
    state: AtomicU8,
}

impl Notifier {
    /// A new eventfd (non-blocking, closed on exec), counter at zero.
    pub(super) fn new() -> io::Result<Notifier> {
        let eventfd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Notifier { eventfd, state: AtomicU8::new(AWAKE) })
    }

    /// The file to register in the epoll instance, edge-triggered, for reading.
    pub(super) fn fd(&self) -> BorrowedFd<'_> {
        self.eventfd.as_fd()
    }

    /// Called before each wait with its timeout; returns the timeout to
    /// wait with: zero if a notify is pending. Pair it with
    /// [`after_wait`](Notifier::after_wait).
    pub(super) fn before_wait(&self, timeout: Option<Duration>) -> Option<Duration> {
        if timeout == Some(Duration::ZERO) {
            return timeout; // it will not sleep: nothing to announce
        }
        match self.state.swap(SLEEPING, Ordering::AcqRel) {
            NOTIFIED => Some(Duration::ZERO),
            _ => timeout,
        }
    }

    /// Called after each wait: the waiter is awake, and a notify that
    /// came during the wait is consumed by it.
    pub(super) fn after_wait(&self) {
        self.state.swap(AWAKE, Ordering::AcqRel);
    }

    /// Makes the current wait return, or the next one not block. A
    /// system call only if the waiter is, or may be, asleep.
    pub(super) fn notify(&self) -> io::Result<()> {
        if self.state.swap(NOTIFIED, Ordering::AcqRel) != SLEEPING {
            return Ok(()); // awake, or already notified: it will look
        }
        match rustix::io::write(&self.eventfd, &1u64.to_ne_bytes()) {
            Ok(_) => Ok(()),
            // The counter is full (2^64 - 2 writes without a read): empty
            // it and write again. Never seen, but cheap to get right.
            Err(rustix::io::Errno::AGAIN) => {
                let _ = rustix::io::read(&self.eventfd, &mut [0u8; 8]);
                rustix::io::write(&self.eventfd, &1u64.to_ne_bytes())?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notify_while_awake_writes_nothing_and_makes_the_wait_not_block() {
        let n = Notifier::new().unwrap();
        n.notify().unwrap();
        n.notify().unwrap();
        let mut counter = [0u8; 8];
        assert!(rustix::io::read(&n.eventfd, &mut counter).is_err(), "no write while awake");
        assert_eq!(n.before_wait(None), Some(Duration::ZERO));
        n.after_wait();
        assert_eq!(n.before_wait(None), None, "one wait consumed both notifies");
        n.after_wait();
    }

    #[test]
    fn a_notify_while_asleep_writes_the_eventfd() {
        let n = Notifier::new().unwrap();
        assert_eq!(n.before_wait(Some(Duration::from_secs(1))), Some(Duration::from_secs(1)));
        n.notify().unwrap();
        n.notify().unwrap();
        let mut counter = [0u8; 8];
        assert_eq!(rustix::io::read(&n.eventfd, &mut counter).unwrap(), 8);
        assert_eq!(u64::from_ne_bytes(counter), 1, "the second notify saw NOTIFIED");
        n.after_wait();
    }

    #[test]
    fn a_wait_that_does_not_block_announces_nothing() {
        let n = Notifier::new().unwrap();
        assert_eq!(n.before_wait(Some(Duration::ZERO)), Some(Duration::ZERO));
        n.notify().unwrap();
        assert!(rustix::io::read(&n.eventfd, &mut [0u8; 8]).is_err(), "no write for a peek");
        n.after_wait();
    }
}
