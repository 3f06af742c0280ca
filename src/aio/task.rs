//! [`Task`]: a future the loop drives on its own (asyncio's `Task`).
//!
//! `spawn` puts a future into an async-task cell together with the loop's
//! schedule function; the cell is run by the loop and woken by whatever the
//! future waits on. The [`Task`] handle is the other end: await it for the
//! result, ask [`Task::is_done`], [`Task::cancel`] it, attach
//! [`Task::add_done_callback`]s.
//!
//! Every task's future is wrapped once, so that a task can only end in one
//! of three ways, all of which reach whoever awaits it:
//!
//! ```text
//!   returned v          ──▶ Ok(v)
//!   panicked "msg"      ──▶ Err(Error::Panicked("msg"))   (the loop goes on)
//!   cancel() was called ──▶ Err(Error::Cancelled)         (at its next poll)
//! ```
//!
//! # Cancelling
//!
//! `cancel()` marks the task and wakes it. At its next step the wrapper does
//! not poll the future but drops it, which runs its destructors (guards are
//! released, sockets closed, inner tasks cancelled), and ends the task with
//! `Err(Cancelled)`. In asyncio the coroutine sees a `CancelledError` it may
//! catch; a Rust future cannot observe its own drop, so here cancellation
//! cannot be refused, only cleaned up after (in `Drop`).
//!
//! # Dropping versus detaching
//!
//! Dropping a `Task` handle **cancels** the task, as in async-task and smol
//! (the future is dropped at the loop's next turn). To let a task run on
//! with nobody waiting for it, call [`Task::detach`]. This is the opposite
//! of asyncio, where a task nobody references may keep running (or be
//! garbage collected mid-flight, a known trap); in Rust, ownership says who
//! may stop a task, and a forgotten handle stops it rather than leaking it.
//! Debug mode warns when a handle is dropped without being awaited,
//! detached or cancelled.
//!
//! # Memory
//!
//! A task is one allocation: async-task's header, a 16-byte `Meta`, the
//! schedule function (one `Arc`) and the `Guarded` future (with a weak
//! reference to its loop and its slot in the loop's live-task table, which
//! holds one waker per unfinished task). `benches/aio_million.rs` measures
//! what a million sleeping tasks cost. Names live in a side table, only for
//! tasks that have one.

use super::debug::Warning;
use super::error::Error;
use super::event_loop::Inner;
use super::exception::ExceptionContext;
use super::task_table::DoneCallback;
use crate::trace::{self, State, TaskId, Wait};
use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

/// What async-task keeps beside each task's future.
#[derive(Debug)]
pub(crate) struct Meta {
    pub(crate) id: u64,
    pub(crate) trace: TaskId,
}

thread_local! {
    /// The running task's trace id, and whether this step is to cancel it.
    /// Set by the loop before each step.
    static STEP: Cell<(TaskId, bool)> = const { Cell::new((TaskId::NONE, false)) };
}

/// Called by the loop before it runs a task (or the main future).
pub(crate) fn begin_step(trace: TaskId, cancel: bool) {
    STEP.set((trace, cancel));
}

fn take_cancel() -> bool {
    let (trace, cancel) = STEP.get();
    if cancel {
        STEP.set((trace, false));
    }
    cancel
}

/// Records that the running task now waits on `wait` (for `--trace`).
pub(crate) fn trace_wait(wait: Wait) {
    if trace::is_on() {
        trace::record(STEP.get().0, State::Waiting(wait));
    }
}

/// A task's name: the one it was given, or `Task-N` as in asyncio.
pub(crate) fn display_name(id: u64, name: Option<&str>) -> String {
    TaskName { id, name }.to_string()
}

/// A task's name, formatted only when shown: spawning passes one to the
/// trace, which formats it only while recording, so a spawn with tracing
/// off allocates no `Task-N` string.
struct TaskName<'a> {
    id: u64,
    name: Option<&'a str>,
}

impl fmt::Display for TaskName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => f.write_str(name),
            None => write!(f, "Task-{}", self.id),
        }
    }
}

// ANCHOR: guarded
/// The wrapper around every task's future: it turns a cancel into
/// `Err(Cancelled)` (dropping the future first) and a panic into
/// `Err(Panicked)`, and runs the end-of-task bookkeeping.
struct Guarded<F> {
    /// `None` once the future finished or was cancelled (dropped in place).
    ///
    /// # Invariant
    ///
    /// Structurally pinned: never moved out of the `Guarded` (only dropped
    /// in place by `Pin::set`), and `Guarded`'s `Drop` does not touch it.
    future: Option<F>,
    id: u64,
    trace: TaskId,
    named: bool,
    /// Its slot in the loop's table of live tasks.
    slot: u32,
    /// Its loop, to reach the task table (weak: a task does not keep its
    /// loop alive).
    lp: Weak<Inner>,
}

impl<F: Future> Future for Guarded<F>
where
    F::Output: 'static,
{
    type Output = Result<F::Output, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (id, trace, lp) = (self.id, self.trace, self.lp.clone());
        // SAFETY: `future` is structurally pinned (the invariant on the
        // field), and `Guarded` is `Unpin` only when `F` is.
        let mut future = unsafe { self.map_unchecked_mut(|g| &mut g.future) };
        let result = if take_cancel() {
            future.set(None); // drop it here: destructors run before anyone sees Cancelled
            Err(Error::Cancelled)
        } else {
            let Some(f) = future.as_mut().as_pin_mut() else {
                return Poll::Ready(Err(Error::InvalidState)); // polled after completion
            };
            match catch_unwind(AssertUnwindSafe(|| f.poll(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(value)) => Ok(value),
                // A greenlet dropped while suspended inside this task
                // unwinds its own stack through here: let that unwind reach
                // the greenlet's base instead of reporting it as our panic.
                Err(payload) if crate::greenlet::is_unwinding() => std::panic::resume_unwind(payload),
                Err(payload) => Err(Error::Panicked(crate::panic_message::of(&*payload))),
            }
        };
        future.set(None);
        finish(&lp, id, trace, &result);
        Poll::Ready(result)
    }
}
// ANCHOR_END: guarded

// ANCHOR: spawn
/// Spawns `future` on `inner`'s loop.
pub(crate) fn spawn_on<F>(inner: &Rc<Inner>, name: Option<String>, future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let id = inner.tasks.next_id();
    let trace = trace::task(TaskName { id, name: name.as_deref() });
    let named = name.is_some();
    if let Some(name) = name {
        inner.tasks.set_name(id, name);
    }
    // A slot in the live table now, its waker once the task exists.
    let slot = inner.tasks.reserve();
    let body = Guarded { future: Some(future), id, trace, named, slot, lp: Rc::downgrade(inner) };
    let (runnable, task) =
        async_task::Builder::new().metadata(Meta { id, trace }).spawn_local(move |_| body, inner.scheduler());
    let waker = runnable.waker();
    inner.tasks.track(slot, waker.clone());
    runnable.schedule();
    Task {
        inner: Some(task.fallible()),
        waker,
        id,
        stash: None,
        awaited: Cell::new(false),
        cancel_requested: Cell::new(false),
        named,
        lp: Rc::clone(inner),
    }
}
// ANCHOR_END: spawn

impl<F> Drop for Guarded<F> {
    fn drop(&mut self) {
        // Gone: finished, cancelled, or dropped by a closing loop.
        if let Some(inner) = self.lp.upgrade() {
            inner.tasks.untrack(self.slot);
            if self.named {
                inner.tasks.release_name(self.id);
            }
        }
    }
}

/// The end of a task: forget a pending cancel, run its done callbacks. A
/// done callback that panics goes to the loop's exception handler, and the
/// next one runs.
fn finish<T: 'static>(lp: &Weak<Inner>, id: u64, trace: TaskId, result: &Result<T, Error>) {
    trace::record(trace, State::Done);
    let Some(inner) = lp.upgrade() else { return };
    for callback in inner.tasks.finish(id) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback(result))) {
            inner.report(ExceptionContext {
                message: format!("Exception in done callback of task {}", inner.tasks.display_name(id)),
                panic: crate::panic_message::of(&*payload),
            });
        }
    }
}

/// A spawned future: await it for its result.
///
/// Awaiting gives `Ok(value)`, or `Err(Error::Cancelled)` if it was
/// cancelled, or `Err(Error::Panicked(message))` if it panicked. Dropping
/// the handle cancels the task; [`Task::detach`] lets it run on (see the
/// [module docs](self)).
#[must_use = "dropping a Task cancels it: await it, or call .detach() to let it run"]
pub struct Task<T> {
    inner: Option<async_task::FallibleTask<Result<T, Error>, Meta>>,
    /// Wakes the task, so `cancel()` reaches a task parked on something.
    waker: Waker,
    id: u64,
    /// The result, when `wait()` or a done callback took it before the
    /// handle was awaited.
    stash: Option<Box<Result<T, Error>>>,
    awaited: Cell<bool>,
    cancel_requested: Cell<bool>,
    /// Whether it has an entry in the loop's name table.
    named: bool,
    /// Its loop (an `Rc`: tasks belong to their loop's thread).
    lp: Rc<Inner>,
}

impl<T: 'static> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task").field("name", &self.name()).field("done", &self.is_done()).finish()
    }
}

impl<T: 'static> Task<T> {
    /// The task's name (`Task-N` unless it was spawned with one).
    pub fn name(&self) -> String {
        self.lp.tasks.display_name(self.id)
    }

    /// Whether the task has finished (returned, panicked or been
    /// cancelled).
    pub fn is_done(&self) -> bool {
        self.stash.is_some() || self.awaited.get() || self.inner.as_ref().is_none_or(|t| t.is_finished())
    }

    // ANCHOR: cancel
    /// Asks the task to stop at its next await point. Returns `false` if it
    /// had already finished. Awaiting it then gives `Err(Cancelled)`, after
    /// its future was dropped (its destructors have run).
    pub fn cancel(&self) -> bool {
        if self.is_done() {
            return false;
        }
        self.cancel_requested.set(true);
        self.lp.tasks.request_cancel(self.id);
        self.waker.wake_by_ref();
        true
    }
    // ANCHOR_END: cancel

    /// Lets the task run to completion with nobody awaiting it. Its result
    /// is dropped; a panic is reported by the panic hook as usual.
    pub fn detach(mut self) {
        if let Some(task) = self.inner.take() {
            task.detach();
        }
        self.release_name();
    }

    /// Calls `f` with the task's result when it finishes (at once, if it
    /// has). Unlike asyncio, which schedules done callbacks with
    /// `call_soon`, `f` runs on the loop right as the task ends, because it
    /// borrows the result in place.
    pub fn add_done_callback(&mut self, f: impl FnOnce(&Result<T, Error>) + 'static) {
        if self.is_done() {
            self.take_output();
            match &self.stash {
                Some(result) => f(result),
                None => f(&Err(Error::InvalidState)), // already awaited
            }
            return;
        }
        let callback: DoneCallback =
            Box::new(move |any: &dyn Any| match any.downcast_ref::<Result<T, Error>>() {
                Some(result) => f(result),
                None => unreachable!("a done callback is stored under its own task's id and type"),
            });
        self.lp.tasks.add_done_callback(self.id, callback);
    }

    /// Moves a finished task's result into the stash.
    fn take_output(&mut self) {
        if self.stash.is_some() || self.awaited.get() {
            return;
        }
        let mut cx = Context::from_waker(Waker::noop());
        if let Poll::Ready(result) = self.poll_inner(&mut cx) {
            self.stash = Some(Box::new(result));
        }
    }

    /// Polls until the task is done without taking its result (which stays
    /// for the next await): what `wait()` and `as_completed` use.
    pub(crate) fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.stash.is_some() || self.awaited.get() {
            return Poll::Ready(());
        }
        match self.poll_inner(cx) {
            Poll::Ready(result) => {
                self.stash = Some(Box::new(result));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// Whether the finished task ended in an error (panic or cancel).
    pub(crate) fn failed(&self) -> bool {
        matches!(self.stash.as_deref(), Some(Err(_)))
    }

    fn poll_inner(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        let Some(task) = self.inner.as_mut() else {
            return Poll::Ready(Err(Error::InvalidState));
        };
        match Pin::new(task).poll(cx) {
            Poll::Ready(Some(result)) => Poll::Ready(result),
            // The loop dropped the task unfinished (it was closed).
            Poll::Ready(None) => Poll::Ready(Err(Error::Cancelled)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: 'static> Future for Task<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(result) = self.stash.take() {
            self.awaited.set(true);
            return Poll::Ready(*result);
        }
        if self.awaited.get() {
            return Poll::Ready(Err(Error::InvalidState));
        }
        match self.poll_inner(cx) {
            Poll::Ready(result) => {
                self.awaited.set(true);
                Poll::Ready(result)
            }
            Poll::Pending => {
                trace_wait(Wait::Join);
                Poll::Pending
            }
        }
    }
}

impl<T> Task<T> {
    fn release_name(&mut self) {
        if std::mem::take(&mut self.named) {
            self.lp.tasks.release_name(self.id);
        }
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        let Some(task) = self.inner.as_ref() else { return }; // detached
        let pending = !task.is_finished();
        let forgotten = pending && !self.awaited.get() && !self.cancel_requested.get();
        let tasks = &self.lp.tasks;
        if pending {
            // The drop cancels it before it can finish: its callbacks will never run.
            tasks.drop_done_callbacks(self.id);
        }
        if forgotten && self.lp.debug.on.get() {
            self.lp.debug.warn(Warning::NeverAwaited { task: tasks.display_name(self.id), pending });
        }
    }
}
