//! What a task says to the loop, and what the loop answers.
//!
//! A genloop task is a [`Generator`] that yields [`Request`]s and is sent
//! [`Answer`]s: the whole system-call interface of David Beazley's
//! "operating system" of generators, in two enums.
//!
//! ```text
//!   task                                   loop
//!   ────                                   ────
//!   co.yield_(Request::Sleep(d)) ───────▶ timers.insert(now + d, task)
//!          (suspended)                      ... d later ...
//!   ◀──────────────────────── Answer::Go   task.send(Answer::Go)
//! ```
#![forbid(unsafe_code)]

use crate::generator::{self, Generator};
use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// A task's id in its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tid(pub(super) u64);

impl Tid {
    /// The first task of a loop, the one [`run`](super::run) was given.
    pub const MAIN: Tid = Tid(0);
}

/// What a task's body returns, with its type erased so one loop can run
/// tasks of every type (a [`JoinHandle`] puts the type back).
pub type Value = Box<dyn Any>;

/// A task as the loop holds it: a generator answering to the loop.
pub type TaskGen = Generator<Answer, Request, Value>;

/// The handle a task's body gets: `co.yield_(request)` asks the loop,
/// `co.yield_from(op, Answer::Go)` delegates to a sub-operation.
pub type Co<'a> = generator::Co<'a, Answer, Request>;

/// A sub-operation (`sleep`, `sock_recv`, `join`, ...): a generator that
/// yields requests to the loop on its task's behalf, run with
/// `co.yield_from(op, Answer::Go)`, whose return value is `T`.
pub type Op<T> = Generator<Answer, Request, T>;

/// A new task: its name, its generator, and the trace row its generator
/// records on (see [`super::task`]).
pub struct Task {
    pub(super) name: String,
    pub(super) generator: TaskGen,
    pub(super) trace: crate::trace::TaskId,
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task").field("name", &self.name).finish()
    }
}

// ANCHOR: request
/// What a task yields to the loop: the loop's whole "system call" table.
#[derive(Debug)]
pub enum Request {
    /// Resume me with [`Answer::Go`] once this much time has passed
    /// (`Duration::ZERO`: after every task already ready has run).
    Sleep(Duration),
    /// Resume me with [`Answer::Go`] when the socket registered under
    /// `key` may be readable, or with [`Answer::TimedOut`] after
    /// `timeout` if it is not by then.
    Readable {
        /// The socket's key in the loop's slot table.
        key: usize,
        /// How long to wait at most (`None`: for ever).
        timeout: Option<Duration>,
    },
    /// ... may be writable.
    Writable {
        /// The socket's key in the loop's slot table.
        key: usize,
        /// How long to wait at most (`None`: for ever).
        timeout: Option<Duration>,
    },
    /// Start this task; resume me at once with [`Answer::Spawned`].
    Spawn(Task),
    /// Resume me with [`Answer::Joined`] when this task has finished.
    Join(Tid),
}

/// What the loop sends back into a task.
#[derive(Debug)]
pub enum Answer {
    /// Go on: the first step, a sleep that is over, a socket that is ready.
    Go,
    /// The socket waited on is not registered with this loop (any more).
    NotRegistered,
    /// The socket did not become ready within the wait's timeout.
    TimedOut,
    /// The task asked for runs under this id.
    Spawned(Tid),
    /// The task joined has finished with this.
    Joined(Result<Value, TaskError>),
}
// ANCHOR_END: request

/// Why a task has no value to give its joiner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// Its body panicked with this message.
    Panicked(String),
    /// It could not run (no stack), or was joined twice, or was asked for
    /// a type it does not return: the message says which.
    Failed(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Panicked(m) => write!(f, "task panicked: {m}"),
            TaskError::Failed(m) => write!(f, "task failed: {m}"),
        }
    }
}

impl std::error::Error for TaskError {}

/// A spawned task, to [`join`](super::join) (asyncio's `Task`, in the
/// `yield from` era). Dropping it detaches the task: it runs on, and its
/// result is dropped with the loop.
#[must_use = "a task's result is lost unless it is joined"]
pub struct JoinHandle<T> {
    pub(super) tid: Tid,
    pub(super) _type: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    /// The task's id.
    pub fn id(&self) -> Tid {
        self.tid
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JoinHandle").field(&self.tid.0).finish()
    }
}
