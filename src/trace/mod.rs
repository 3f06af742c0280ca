//! Trace events: who ran when, recorded only when asked.
//!
//! Every backend in corolab reports the same few facts about its tasks
//! (a generator, a greenlet, a gevent greenlet, an aio task or an OS thread):
//! the task started running, it stopped to wait on something, it became ready
//! again, it finished. Each fact is an [`Event`]: a timestamp, a task and the
//! [`State`] the task entered. The events of one run form a [`Trace`], which
//! [`Trace::timeline`] draws as one row per task, time left to right, so the
//! interleaving is visible at a glance:
//!
//! ```text
//! ping │██··██··██··██··|
//! pong │··██··██··██··██|
//! ```
//!
//! # How it stays cheap
//!
//! Recording is off unless a [`Recording`] is alive. While it is off,
//! [`task`] and [`record`] cost one relaxed atomic load and return; the task
//! name is never even formatted. While it is on, events go into one global
//! vector behind a mutex: simple and correct for every backend, including the
//! multi-threaded ones, at a cost (tens of nanoseconds an event) that matters
//! only for traces of millions of events, which nobody wants to look at.
//!
//! ```
//! use corolab::trace::{self, State, Wait};
//!
//! let recording = trace::Recording::start();
//! let ping = trace::task("ping");
//! trace::record(ping, State::Running);
//! trace::record(ping, State::Waiting(Wait::Timer));
//! trace::record(ping, State::Done);
//! let trace = recording.finish();
//! assert_eq!(trace.tasks, ["ping"]);
//! assert_eq!(trace.events.len(), 3);
//! ```
#![forbid(unsafe_code)]

mod svg;
mod terminal;

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use svg::MAX_LANES;
pub use terminal::{Axis, format_duration};

/// What a task is waiting on while it is not running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Wait {
    /// A timer: `sleep`, a timeout.
    Timer,
    /// Socket readiness from the reactor.
    Io,
    /// It handed control to another coroutine explicitly (`yield`, `switch`).
    Switch,
    /// A queue, event, lock, semaphore or channel.
    Sync,
    /// Another task to finish (`join`, `await` on a task).
    Join,
}

/// The state a task enters at an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Its code is executing on a thread.
    Running,
    /// It could run, and is queued until the scheduler gets to it.
    Ready,
    /// It is parked until something happens.
    Waiting(Wait),
    /// It returned, failed or was cancelled; it will not run again.
    Done,
}

/// Identifies a task within one trace: an index into [`Trace::tasks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskId(u32);

impl TaskId {
    /// The id handed out while recording is off; events for it are dropped.
    pub const NONE: TaskId = TaskId(u32::MAX);

    /// The index of this task in [`Trace::tasks`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One thing that happened to one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    /// Time since the recording started.
    pub at: Duration,
    /// Which task.
    #[serde(serialize_with = "serialize_task_id")]
    pub task: TaskId,
    /// The state it entered.
    pub state: State,
}

fn serialize_task_id<S: serde::Serializer>(id: &TaskId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u32(id.0)
}

/// Everything recorded between [`Recording::start`] and [`Recording::finish`].
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Trace {
    /// Task names, indexed by [`TaskId::index`].
    pub tasks: Vec<String>,
    /// Events in the order they were recorded (and so in time order).
    pub events: Vec<Event>,
}

impl Trace {
    /// The time of the last event.
    pub fn span(&self) -> Duration {
        self.events.last().map_or(Duration::ZERO, |e| e.at)
    }

    /// Draws the trace as a terminal timeline `width` columns wide (task
    /// names not included). See [`Axis`] for the two ways to draw time.
    pub fn timeline(&self, width: usize, axis: Axis) -> String {
        terminal::render(self, width, axis)
    }

    /// Draws the trace as an SVG picture titled `title`: one lane per task
    /// (at most [`MAX_LANES`]), colour by state, with a legend and an axis.
    pub fn svg(&self, title: &str, axis: Axis) -> String {
        svg::render(self, title, axis)
    }
}

/// Whether a recording is alive. Read with `Relaxed`: a racing event at the
/// start or end of a recording may be kept or dropped, which is harmless.
static ON: AtomicBool = AtomicBool::new(false);

/// Counts recordings started, so a task id handed out in one recording is
/// not reused in the next (see [`LazyTask`]).
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// The recording in progress, or `None`.
static CURRENT: Mutex<Option<Collector>> = Mutex::new(None);

struct Collector {
    started: Instant,
    trace: Trace,
}

fn collector() -> MutexGuard<'static, Option<Collector>> {
    // A panic while holding this lock cannot leave the vectors half-written
    // in a way that matters for a trace, so poisoning is ignored.
    CURRENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether events are being recorded right now.
#[inline]
pub fn is_on() -> bool {
    ON.load(Ordering::Relaxed)
}

// ANCHOR: record
/// Names a task for the trace and returns its id. While recording is off it
/// returns [`TaskId::NONE`] without formatting the name, so pass
/// `format_args!` rather than a `String` you built beforehand.
#[inline]
pub fn task(name: impl fmt::Display) -> TaskId {
    if !is_on() {
        return TaskId::NONE;
    }
    task_slow(&name)
}

#[cold]
fn task_slow(name: &dyn fmt::Display) -> TaskId {
    match collector().as_mut() {
        Some(c) => {
            let id = TaskId(c.trace.tasks.len() as u32);
            c.trace.tasks.push(name.to_string());
            id
        }
        None => TaskId::NONE,
    }
}

/// Records that `task` entered `state` now.
#[inline]
pub fn record(task: TaskId, state: State) {
    if task == TaskId::NONE || !is_on() {
        return;
    }
    record_slow(task, state);
}

#[cold]
fn record_slow(task: TaskId, state: State) {
    if let Some(c) = collector().as_mut() {
        let at = c.started.elapsed();
        c.trace.events.push(Event { at, task, state });
    }
}
// ANCHOR_END: record

/// A task id named on first use in each recording, for long-lived things
/// (a thread's main greenlet) that outlive one recording: the id a previous
/// recording handed out is never reused in the next one.
#[derive(Debug, Default)]
pub struct LazyTask {
    /// The epoch the id was handed out in, and the id.
    cell: Cell<(u64, u32)>,
}

impl LazyTask {
    /// A task not yet named.
    pub const fn new() -> LazyTask {
        LazyTask { cell: Cell::new((0, u32::MAX)) }
    }

    /// Its id in the current recording, naming it with `name()` the first
    /// time; [`TaskId::NONE`] while recording is off.
    #[inline]
    pub fn id<D: fmt::Display>(&self, name: impl FnOnce() -> D) -> TaskId {
        if !is_on() {
            return TaskId::NONE;
        }
        let epoch = EPOCH.load(Ordering::Relaxed);
        let (at, id) = self.cell.get();
        if at == epoch && id != u32::MAX {
            return TaskId(id);
        }
        let id = task(name());
        self.cell.set((epoch, id.0));
        id
    }
}

/// A recording in progress: events are kept from [`Recording::start`] until
/// [`Recording::finish`] (or until it is dropped, which discards them).
///
/// There is one recorder per process; starting a second recording while one
/// is alive ends the first one's collection (its `finish` returns whatever
/// the second left behind). Tests that trace run one at a time for this
/// reason (see `tests/trace.rs`).
#[derive(Debug)]
#[must_use = "events are recorded only while the Recording is alive"]
pub struct Recording {
    _private: (),
}

impl Recording {
    /// Starts recording events.
    pub fn start() -> Recording {
        *collector() = Some(Collector { started: Instant::now(), trace: Trace::default() });
        EPOCH.fetch_add(1, Ordering::Relaxed);
        ON.store(true, Ordering::Relaxed);
        Recording { _private: () }
    }

    /// Stops recording and returns what was recorded.
    pub fn finish(self) -> Trace {
        ON.store(false, Ordering::Relaxed);
        collector().take().map(|c| c.trace).unwrap_or_default()
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        ON.store(false, Ordering::Relaxed);
        collector().take();
    }
}
