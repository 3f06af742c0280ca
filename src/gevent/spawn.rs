//! `spawn`, `join`, `joinall`, `kill` and `sleep`: greenlets as tasks.
//!
//! [`spawn`] makes a greenlet, child of the hub, and queues it; it first
//! runs when the spawner waits (joins, sleeps, does IO), as in gevent. The
//! greenlet's function runs inside a wrapper that catches how it ends: a
//! value, a panic, or a kill, and stores it for [`JoinHandle::join`].
//!
//! Stacks come from the per-thread pool of `crate::stack` (a finished
//! greenlet's stack serves the next spawn, so spawning costs no `mmap`), and
//! a [`StackBudget`] refuses a spawn before `vm.max_map_count` runs out (see
//! [`crate::stack::limits`]).
#![forbid(unsafe_code)]

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::hub::{self, Hub, Killed, Task, TaskState, TimeoutUnwind, Wake, hub};
use crate::greenlet;
use crate::panic_message;
use crate::stack::limits::StackBudget;
use crate::trace::Wait;

/// Live gevent greenlets on all threads, counted against the mapping cap.
static BUDGET: StackBudget = StackBudget::new();

/// How many gevent greenlets are alive (spawned and not finished).
pub fn live() -> usize {
    BUDGET.live()
}

/// Why [`JoinHandle::join`] has no value. The may variant's
/// [`JoinError`](super::may::JoinError) has the same `message` and the same
/// `Display` shape.
pub enum JoinError {
    /// The greenlet panicked; this is the panic's payload.
    Panicked(Box<dyn Any + Send>),
    /// It was killed ([`JoinHandle::kill`]) before it returned.
    Killed,
    /// It never ran: its stack could not be mapped.
    Failed(String),
}

impl JoinError {
    /// The panic message, if it panicked with a string (see
    /// [`crate::panic_message`]); `None` for a kill, a failure, or a panic
    /// whose payload is not text.
    pub fn message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(payload) => panic_message::as_str(&**payload),
            _ => None,
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(_) => f.debug_tuple("Panicked").field(&self.message()).finish(),
            JoinError::Killed => f.write_str("Killed"),
            JoinError::Failed(why) => f.debug_tuple("Failed").field(why).finish(),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(_) => {
                let message = self.message().unwrap_or(panic_message::NON_STRING_PAYLOAD);
                write!(f, "the greenlet panicked: {message}")
            }
            JoinError::Killed => f.write_str("the greenlet was killed"),
            JoinError::Failed(why) => write!(f, "the greenlet could not run: {why}"),
        }
    }
}

impl std::error::Error for JoinError {}

/// A spawned greenlet: join it for its value, kill it, or drop the handle
/// to let it run on unobserved. Bound to its thread.
pub struct JoinHandle<T> {
    task: Rc<Task>,
    result: Rc<RefCell<Option<Result<T, JoinError>>>>,
    _not_send: PhantomData<*const ()>,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("task", &self.task).finish()
    }
}

impl<T> JoinHandle<T> {
    /// Whether it has finished (returned, panicked, or been killed).
    pub fn is_done(&self) -> bool {
        self.task.is_done()
    }

    /// Waits (parking the calling greenlet) until it has finished.
    ///
    /// # Panics
    ///
    /// When the wait can never end (every greenlet waits; see
    /// `hub::deliver`).
    pub fn wait(&self) {
        while !self.task.is_done() {
            self.task.joiners.borrow_mut().push(hub().token());
            hub::wait(Wait::Join);
        }
    }

    /// Waits for it to finish and returns its value, or why there is none.
    pub fn join(self) -> Result<T, JoinError> {
        self.wait();
        self.result.borrow_mut().take().unwrap_or_else(|| {
            Err(JoinError::Failed(
                self.task.failure.borrow().clone().unwrap_or_else(|| "it ended without a result".into()),
            ))
        })
    }

    // ANCHOR: kill
    /// Kills it: its stack unwinds from the point where it waits (its
    /// destructors run), then this returns once it is dead. A greenlet that
    /// has not started never runs. Killing a finished greenlet does
    /// nothing; killing yourself unwinds at once.
    pub fn kill(&self) {
        let hub = hub();
        if Rc::ptr_eq(&self.task, &hub.current()) {
            panic::resume_unwind(Box::new(Killed));
        }
        hub.interrupt(&self.task, Wake::Killed);
        self.wait();
    }
    // ANCHOR_END: kill
}

/// Builds a greenlet with a name (for traces) or a stack size.
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// The defaults: no name, [`super::STACK_SIZE`].
    pub fn new() -> Builder {
        Builder::default()
    }

    /// A name, shown in traces.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// The usable stack size in bytes.
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    // ANCHOR: spawn
    /// Spawns `f` as a greenlet, child of this thread's hub, and queues it
    /// to run at the next switch to the hub.
    ///
    /// # Errors
    ///
    /// An `OutOfMemory` error (a [`StackLimit`](crate::stack::limits::StackLimit) inside)
    /// when one more stack would cross `vm.max_map_count`.
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let permit = BUDGET.acquire()?;
        let hub = hub();
        let task = Task::new(self.name, hub.next_number());
        let result = Rc::new(RefCell::new(None));
        let body = {
            let (task, result) = (task.clone(), result.clone());
            move |_| {
                let outcome = run_body(&task, f);
                *result.borrow_mut() = Some(outcome);
                drop(permit);
                task.finish();
                Box::new(()) as greenlet::Value
            }
        };
        let greenlet = greenlet::Builder::new()
            .parent(hub.greenlet())
            .stack_size(self.stack_size.unwrap_or(super::STACK_SIZE))
            .untraced()
            .spawn(body);
        task.greenlet.set(greenlet).ok();
        hub.schedule(task.clone());
        Ok(JoinHandle { task, result, _not_send: PhantomData })
    }
    // ANCHOR_END: spawn
}

/// Runs a greenlet's function and says how it ended.
fn run_body<T>(task: &Rc<Task>, f: impl FnOnce() -> T) -> Result<T, JoinError> {
    if task.take_pending() == Some(Wake::Killed) {
        return Err(JoinError::Killed);
    }
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Ok(value),
        // Not running: the greenlet is being dropped while suspended, and
        // this is the greenlet library's own unwind; let it through.
        Err(payload) if task.state.get() != TaskState::Running => panic::resume_unwind(payload),
        Err(payload) if payload.is::<Killed>() => Err(JoinError::Killed),
        Err(payload) if payload.is::<TimeoutUnwind>() => {
            Err(JoinError::Panicked(Box::new("a Timeout expired outside the with_timeout that set it")))
        }
        Err(payload) => Err(JoinError::Panicked(payload)),
    }
}

/// Spawns `f` as a greenlet (see [`Builder::spawn`]).
///
/// # Panics
///
/// When its stack cannot be had (see [`try_spawn`]).
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    try_spawn(f).unwrap_or_else(|e| panic!("{e}"))
}

/// Spawns `f` as a greenlet, or says why it cannot (the mapping cap).
pub fn try_spawn<F, T>(f: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    Builder::new().spawn(f)
}

/// Waits until every handle has finished, or `timeout` passes; returns
/// whether all finished. Join them afterwards for their values.
pub fn joinall<T>(handles: &[JoinHandle<T>], timeout: Option<Duration>) -> bool {
    let all = || handles.iter().for_each(JoinHandle::wait);
    match timeout {
        None => {
            all();
            true
        }
        Some(t) => super::with_timeout(t, all).is_ok(),
    }
}

// ANCHOR: sleep
/// Parks the calling greenlet for `duration` while the hub runs the
/// others. `Duration::ZERO` yields: every other ready greenlet runs first.
#[inline]
pub fn sleep(duration: Duration) {
    let hub = hub();
    if duration.is_zero() {
        hub::deliver(hub.yield_now());
        return;
    }
    park_until(hub, Instant::now() + duration);
}

/// Parks the calling greenlet until `deadline` while the hub runs the
/// others. It always waits on the hub's timer heap, even for a deadline
/// already past, so greenlets that sleep until deadlines taken from one
/// start time wake in deadline order, however late each began its sleep.
pub fn sleep_until(deadline: Instant) {
    park_until(hub(), deadline);
}

/// The timed half of both, out of line so that `sleep(ZERO)` inlines small.
fn park_until(hub: &Hub, deadline: Instant) {
    loop {
        hub::deliver(hub.park_until(deadline, Wait::Timer));
        if Instant::now() >= deadline {
            return;
        }
    }
}
// ANCHOR_END: sleep
