//! [`Event`]: a flag tasks can wait for (asyncio's `Event`).
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
    set: bool,
    waiters: WaitList,
}

/// A flag, initially clear. `wait().await` returns once it is set;
/// [`Event::set`] wakes every waiter. Clones share the event.
#[derive(Clone, Default)]
pub struct Event {
    state: Rc<RefCell<State>>,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event").field("set", &self.is_set()).finish()
    }
}

impl Event {
    /// A clear event.
    pub fn new() -> Event {
        Event::default()
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        let mut s = self.state.borrow_mut();
        s.set = true;
        s.waiters.wake_all();
    }

    /// Clears the flag: later `wait`s wait again.
    pub fn clear(&self) {
        self.state.borrow_mut().set = false;
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.state.borrow().set
    }

    /// Waits until the flag is set.
    pub fn wait(&self) -> EventWait {
        EventWait { event: self.clone(), waiting: Waiting::default() }
    }
}

/// The future of [`Event::wait`].
#[derive(Debug)]
#[must_use = "waiting happens only when the future is awaited"]
pub struct EventWait {
    event: Event,
    waiting: Waiting,
}

impl Future for EventWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut s = this.event.state.borrow_mut();
        if s.set {
            s.waiters.done(&mut this.waiting);
            return Poll::Ready(());
        }
        s.waiters.park(&mut this.waiting, cx.waker());
        drop(s);
        trace_wait(Wait::Sync);
        Poll::Pending
    }
}

impl Drop for EventWait {
    fn drop(&mut self) {
        let mut s = self.event.state.borrow_mut();
        s.waiters.abandon(&mut self.waiting);
    }
}
