//! Remote jobs: how other threads hand work to a loop.
//!
//! A loop's queues are `!Send` and touched only by its own thread. What
//! another thread may touch is this [`Remote`]: the loop's poller (to wake
//! it from epoll) and a locked queue of [`RemoteJob`]s. Two kinds of work
//! arrive here:
//!
//! - a task woken on another thread (a waker fired by a pool thread, a
//!   [`ConcurrentFuture`](super::ConcurrentFuture) set elsewhere): its
//!   `Runnable` is pushed, and the loop puts it on its run queue;
//! - `call_soon_threadsafe`: a `Send` closure, run as a callback.
//!
//! ```text
//!   other thread                         loop thread
//!   push(job) ─▶ jobs.lock().push(job)
//!               notified.swap(true)? ─no─▶ poller.notify() ─▶ epoll_wait returns
//!                                    yes: a notify is already on its way
//!                                          turn(): take_jobs() ─▶ run queues
//! ```
//!
//! The `notified` flag makes many hand-overs cost one notify until the
//! loop next takes the queue, and that notify writes the poller's eventfd
//! only if the loop is, or may be, asleep in `epoll_wait` (the reactor's
//! `notifier.rs`): a hand-over to a loop busy running tasks costs no
//! system call at all. A production runtime
//! (tokio) uses a lock-free queue here; a mutex around a `Vec` is simpler
//! to read and, uncontended, about as fast.
#![forbid(unsafe_code)]

use super::task::Meta;
use crate::reactor::Poller;
use async_task::Runnable;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;

/// Work handed over from other threads.
pub(crate) enum RemoteJob {
    /// A task woken on another thread.
    Run(Runnable<Meta>),
    /// `call_soon_threadsafe`.
    Call(Box<dyn FnOnce() + Send>),
}

/// The part of a loop other threads may touch: the poller (to notify it) and
/// a locked queue of handed-over work.
pub(crate) struct Remote {
    pub(crate) poller: Poller,
    jobs: Mutex<Vec<RemoteJob>>,
    /// Set by whoever queues a job and notifies; cleared by the loop before
    /// it drains the queue. It makes many hand-overs cost one notify.
    notified: AtomicBool,
    closed: AtomicBool,
    /// The loop's thread: the only one that may drop a task's future.
    pub(crate) thread: ThreadId,
}

impl Remote {
    /// The remote part of a new loop on this thread.
    pub(crate) fn new() -> std::io::Result<Remote> {
        Ok(Remote {
            poller: Poller::new()?,
            jobs: Mutex::new(Vec::new()),
            notified: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            thread: std::thread::current().id(),
        })
    }

    /// Queues a job and wakes the loop. Gives the job back if the loop is
    /// closed.
    pub(crate) fn push(&self, job: RemoteJob) -> Result<(), RemoteJob> {
        if self.closed.load(Ordering::Acquire) {
            return Err(job);
        }
        self.lock().push(job);
        self.wake();
        Ok(())
    }

    /// Makes the loop's current or next reactor wait return.
    pub(crate) fn wake(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            // A failed notify leaves the loop asleep until its next timer or
            // event; there is no one to report it to from here.
            let _ = self.poller.notify();
        }
    }

    /// Whether a job (or a wake) is waiting for the loop.
    pub(crate) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// The loop takes every queued job (and clears the notified flag first,
    /// so a job pushed meanwhile notifies again).
    pub(crate) fn take_jobs(&self) -> Vec<RemoteJob> {
        if !self.is_notified() {
            return Vec::new();
        }
        // A swap, not a store: its acquire half keeps the take below after
        // it, so a job pushed after the take finds the flag clear and
        // notifies.
        self.notified.swap(false, Ordering::AcqRel);
        std::mem::take(&mut *self.lock())
    }

    /// Refuses every later job; the loop is closing.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// Every job still queued (a closing loop drops them on its thread).
    pub(crate) fn drain(&self) -> Vec<RemoteJob> {
        std::mem::take(&mut *self.lock())
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RemoteJob>> {
        // A panic while holding the lock cannot leave the Vec half-changed.
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}
