//! [`WaitList`]: the FIFO of parked tasks under every primitive.
//!
//! A waiter is a ticket number and a `Waker`. `wake_one` takes the oldest
//! ticket out and wakes it. The subtle case is a waiter that is woken and
//! then dropped before it runs (its task was cancelled, or a `wait_for`
//! timed out): it was handed the resource's turn and never used it. Its
//! [`Waiting`] guard sees, on drop, that its ticket was taken, and passes the
//! wakeup on to the next waiter, so no wakeup is ever lost.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::task::Waker;

/// Parked tasks, oldest first.
#[derive(Debug, Default)]
pub(crate) struct WaitList {
    next_ticket: u64,
    waiters: VecDeque<(u64, Waker)>,
}

/// A future's place in a [`WaitList`]: `None` until it first parks.
#[derive(Debug, Default)]
pub(crate) struct Waiting {
    ticket: Option<u64>,
}

impl WaitList {
    /// Parks (or re-parks, with a fresh waker) the waiter `me`.
    pub(crate) fn park(&mut self, me: &mut Waiting, waker: &Waker) {
        if let Some(ticket) = me.ticket
            && let Some((_, w)) = self.waiters.iter_mut().find(|(t, _)| *t == ticket)
        {
            if !w.will_wake(waker) {
                *w = waker.clone();
            }
            return;
        }
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.waiters.push_back((ticket, waker.clone()));
        me.ticket = Some(ticket);
    }

    /// Wakes the oldest waiter; `false` if there was none.
    pub(crate) fn wake_one(&mut self) -> bool {
        match self.waiters.pop_front() {
            Some((_, waker)) => {
                waker.wake();
                true
            }
            None => false,
        }
    }

    /// Wakes every waiter.
    pub(crate) fn wake_all(&mut self) {
        for (_, waker) in self.waiters.drain(..) {
            waker.wake();
        }
    }

    /// `me` got what it waited for: it leaves the list (if still there).
    pub(crate) fn done(&mut self, me: &mut Waiting) {
        if let Some(ticket) = me.ticket.take() {
            self.waiters.retain(|(t, _)| *t != ticket);
        }
    }

    /// `me` is being dropped without having got what it waited for. Returns
    /// `true` if it had been woken (its ticket was taken): the caller then
    /// passes the wakeup on with [`WaitList::wake_one`].
    pub(crate) fn abandon(&mut self, me: &mut Waiting) -> bool {
        let Some(ticket) = me.ticket.take() else { return false };
        let before = self.waiters.len();
        self.waiters.retain(|(t, _)| *t != ticket);
        self.waiters.len() == before
    }

    /// How many are parked.
    pub(crate) fn len(&self) -> usize {
        self.waiters.len()
    }
}
