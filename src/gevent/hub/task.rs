//! Tasks and wake tokens: what the hub knows about each greenlet, and how
//! a wait is ended.
//!
//! A [`Task`] is the hub's record of one greenlet: its state (running,
//! ready, parked, done), why it was last woken, a kill or timeout waiting
//! to be delivered, and who joins it.
//!
//! # Wake tokens
//!
//! A [`Token`] is (task, park number). Waking it makes the task ready only
//! if the task is still parked in that same park: a token left behind by a
//! wait that ended another way (a timeout, a kill, a wake from elsewhere) is
//! stale and does nothing. So waiters never have to be removed eagerly from
//! the lists they joined, and a wake is never delivered to the wrong wait.
//!
//! ```text
//!   park 7:  token (g1, 7) left in the timer heap and a socket's slot
//!            the socket is ready first → (g1, 7) wakes g1; g1 is in park 8
//!            later the timer fires      → (g1, 7) is stale: nothing happens
//! ```
//!
//! # Kills and timeouts
//!
//! [`Hub::interrupt`](super::Hub::interrupt) delivers a kill or a timeout:
//! a parked task is made ready with it at once; a running or ready one gets
//! it at its next wait. The wait then *unwinds* the greenlet's stack from
//! its waiting point ([`deliver`]: `resume_unwind`, which skips the panic
//! hook), so its destructors run, as a Python exception raised at the
//! switch would. `spawn`'s wrapper and `with_timeout` catch their own
//! payloads.
#![forbid(unsafe_code)]

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::VecDeque;
use std::panic;
use std::rc::Rc;

use super::hub;
use crate::greenlet::Greenlet;
use crate::trace::{self, LazyTask, State};

/// Why a parked task was made ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// What it waited for happened (or may have: check again).
    Woken,
    /// Its own timer fired (a sleep, a socket timeout).
    Timer,
    /// The [`crate::gevent::Timeout`] with this id expired.
    Timeout(u64),
    /// Someone killed it.
    Killed,
    /// Nothing can ever wake anyone: every greenlet waits on something that
    /// no timer, socket or other greenlet will provide.
    LoopExit,
}

/// Where a task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskState {
    /// Its code is running.
    Running,
    /// In the ready queue.
    Ready,
    /// Waiting for a token to be woken.
    Parked,
    /// Finished.
    Done,
}

/// What the hub knows about one greenlet (or the thread's main greenlet).
pub(crate) struct Task {
    pub(crate) greenlet: OnceCell<Greenlet>,
    pub(crate) state: Cell<TaskState>,
    /// Which park this is; tokens of earlier parks are stale.
    pub(super) park: Cell<u64>,
    /// Why it was last woken.
    pub(super) wake: Cell<Wake>,
    /// A kill or timeout to deliver at its next wait.
    pub(super) pending: Cell<Option<Wake>>,
    /// Tasks waiting for this one to finish.
    pub(crate) joiners: RefCell<Vec<Token>>,
    /// Why it ended without a value, if it did (its stack could not map).
    pub(crate) failure: RefCell<Option<String>>,
    pub(super) name: Option<String>,
    pub(super) number: u64,
    trace: LazyTask,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task").field("name", &self.name).field("state", &self.state.get()).finish()
    }
}

impl Task {
    pub(crate) fn new(name: Option<String>, number: u64) -> Rc<Task> {
        Rc::new(Task {
            greenlet: OnceCell::new(),
            state: Cell::new(TaskState::Ready),
            park: Cell::new(0),
            wake: Cell::new(Wake::Woken),
            pending: Cell::new(None),
            joiners: RefCell::new(Vec::new()),
            failure: RefCell::new(None),
            name,
            number,
            trace: LazyTask::new(),
        })
    }

    #[inline]
    pub(crate) fn record(&self, state: State) {
        if trace::is_on() {
            self.record_slow(state);
        }
    }

    #[cold]
    fn record_slow(&self, state: State) {
        // The main greenlet's row is the greenlet module's (it traces main).
        if self.number != 0 {
            let id = self.trace.id(|| match &self.name {
                Some(name) => name.clone(),
                None => format!("greenlet {}", self.number),
            });
            trace::record(id, state);
        }
    }

    /// Whether it has finished.
    pub(crate) fn is_done(&self) -> bool {
        self.state.get() == TaskState::Done
    }

    /// Takes a kill or timeout waiting for it, if any.
    pub(crate) fn take_pending(&self) -> Option<Wake> {
        self.pending.take()
    }

    /// Marks it finished and wakes its joiners.
    pub(crate) fn finish(&self) {
        self.state.set(TaskState::Done);
        self.record(State::Done);
        let joiners = std::mem::take(&mut *self.joiners.borrow_mut());
        let hub = hub();
        for j in &joiners {
            hub.wake(j, Wake::Woken);
        }
    }
}

/// A way to wake one task from one particular wait (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub(super) task: Rc<Task>,
    pub(super) park: u64,
}

impl Token {
    /// Whether waking it would make its task ready.
    pub(crate) fn is_live(&self) -> bool {
        self.task.state.get() == TaskState::Parked && self.task.park.get() == self.park
    }

    /// Makes its task ready, if the token is live; returns whether it was.
    pub(crate) fn wake(&self) -> bool {
        hub().wake(self, Wake::Woken)
    }

    /// Whether the token belongs to `task`.
    pub(crate) fn is_for(&self, task: &Rc<Task>) -> bool {
        Rc::ptr_eq(&self.task, task)
    }
}

/// Passes a wake on if the waiter it was meant for unwinds instead (killed
/// or timed out while woken): dropped during an unwind, it calls `pass`,
/// which wakes the next waiter if what the first was woken for is still
/// there. Dropped normally it does nothing.
pub(crate) struct PassOn<F: FnMut()>(pub(crate) F);

impl<F: FnMut()> Drop for PassOn<F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            (self.0)();
        }
    }
}

/// Wakes the first live token of `waiters`; returns whether one was.
pub(crate) fn wake_one(waiters: &RefCell<VecDeque<Token>>) -> bool {
    loop {
        let Some(token) = waiters.borrow_mut().pop_front() else { return false };
        if token.wake() {
            return true;
        }
    }
}

/// The payload a killed greenlet unwinds with.
#[derive(Debug)]
pub(crate) struct Killed;

/// The payload a greenlet unwinds with when a [`crate::gevent::Timeout`]
/// expires; the number is the timeout's id.
#[derive(Debug)]
pub(crate) struct TimeoutUnwind(pub(crate) u64);

// ANCHOR: deliver
/// Acts on why a wait ended: returns for a wake-up, unwinds the greenlet
/// for a kill or a timeout (so its destructors run), and panics on a
/// deadlock.
///
/// # Panics
///
/// On [`Wake::LoopExit`]: the waiting greenlet would wait forever.
#[inline]
pub(crate) fn deliver(why: Wake) {
    if matches!(why, Wake::Woken | Wake::Timer) {
        return;
    }
    deliver_slow(why);
}

#[cold]
fn deliver_slow(why: Wake) {
    match why {
        Wake::Woken | Wake::Timer => {}
        // Already unwinding (a destructor waiting during a kill): a second
        // unwind would abort the process, so let the wait end instead.
        _ if std::thread::panicking() => {}
        Wake::Killed => panic::resume_unwind(Box::new(Killed)),
        Wake::Timeout(id) => panic::resume_unwind(Box::new(TimeoutUnwind(id))),
        Wake::LoopExit => panic!(
            "gevent: this wait can never end: every greenlet is waiting, and no timer, socket \
             or other greenlet will wake one (a deadlock, Python gevent's LoopExit)"
        ),
    }
}
// ANCHOR_END: deliver
