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
//! Recording is off unless a [`Recording`] or a [`ThreadRecording`] is
//! alive. While none is, [`task`] and [`record`] cost one relaxed atomic
//! load and return; the task name is never even formatted. While one is,
//! events go into a vector: for a [`Recording`], one for the whole process
//! behind a mutex, simple and correct for every backend, including the
//! multi-threaded ones, at a cost (tens of nanoseconds an event) that
//! matters only for traces of millions of events, which nobody wants to
//! look at. A [`ThreadRecording`] keeps only the events of the thread that
//! started it, in a vector of that thread's own: two of them on two
//! threads (two tests running in parallel) never see each other's tasks.
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

pub(crate) mod axis;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use axis::{Axis, LONG_STRETCH, Rule, format_duration, lead_in};

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
pub struct TaskId(pub(crate) u32);

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
}

/// How many recordings are alive, of either kind: the one load the fast
/// path makes. Read with `Relaxed`: a racing event at the start or end of
/// a recording may be kept or dropped, which is harmless.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// Whether the process-wide [`Recording`] is alive.
static GLOBAL_ON: AtomicBool = AtomicBool::new(false);

/// Counts recordings started, of either kind, so a task id handed out in
/// one recording is not reused in the next (see [`LazyTask`]).
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// The epoch of the process-wide recording in progress.
static GLOBAL_EPOCH: AtomicU64 = AtomicU64::new(0);

/// The process-wide recording in progress, or `None`.
static CURRENT: Mutex<Option<Collector>> = Mutex::new(None);

thread_local! {
    /// This thread's [`ThreadRecording`] in progress, or `None`; it takes
    /// this thread's events ahead of the process-wide one.
    static HERE: RefCell<Option<Collector>> = const { RefCell::new(None) };
}

struct Collector {
    started: Instant,
    epoch: u64,
    trace: Trace,
}

impl Collector {
    fn new() -> Collector {
        Collector {
            started: Instant::now(),
            epoch: EPOCH.fetch_add(1, Ordering::Relaxed) + 1,
            trace: Trace::default(),
        }
    }

    fn task(&mut self, name: &dyn fmt::Display) -> TaskId {
        let id = TaskId(self.trace.tasks.len() as u32);
        self.trace.tasks.push(name.to_string());
        id
    }

    fn record(&mut self, task: TaskId, state: State) {
        let at = self.started.elapsed();
        self.trace.events.push(Event { at, task, state });
    }
}

fn collector() -> MutexGuard<'static, Option<Collector>> {
    // A panic while holding this lock cannot leave the vectors half-written
    // in a way that matters for a trace, so poisoning is ignored.
    CURRENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f` on the collector this thread's events go to: its own
/// recording's, else the process-wide one's; `None` if neither is alive.
fn with_collector<R>(f: impl FnOnce(&mut Collector) -> R) -> Option<R> {
    let mut f = Some(f);
    let here = HERE.try_with(|h| h.borrow_mut().as_mut().map(|c| (f.take().unwrap())(c))).ok().flatten();
    match (here, f) {
        (Some(r), _) => Some(r),
        (None, Some(f)) if GLOBAL_ON.load(Ordering::Relaxed) => collector().as_mut().map(f),
        _ => None,
    }
}

/// Whether any thread may be recording events now: one load, the cheap
/// test in front of [`is_on`] on a hot path.
#[inline(always)]
pub fn maybe_on() -> bool {
    ACTIVE.load(Ordering::Relaxed) != 0
}

/// Whether events are being recorded right now, on this thread.
#[inline]
pub fn is_on() -> bool {
    ACTIVE.load(Ordering::Relaxed) != 0 && is_on_here()
}

#[cold]
fn is_on_here() -> bool {
    GLOBAL_ON.load(Ordering::Relaxed) || HERE.try_with(|h| h.borrow().is_some()).unwrap_or(false)
}

/// The epoch of the recording this thread's events go to.
fn epoch_here() -> u64 {
    HERE.try_with(|h| h.borrow().as_ref().map(|c| c.epoch))
        .ok()
        .flatten()
        .unwrap_or_else(|| GLOBAL_EPOCH.load(Ordering::Relaxed))
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
    with_collector(|c| c.task(name)).unwrap_or(TaskId::NONE)
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
    with_collector(|c| c.record(task, state));
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
        let epoch = epoch_here();
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
/// [`Recording::finish`] (or until it is dropped, which discards them),
/// from every thread but those with a [`ThreadRecording`] of their own.
///
/// There is one process-wide recorder; starting a second recording while
/// one is alive ends the first one's collection (its `finish` returns
/// whatever the second left behind). Tests that trace one thread's tasks
/// use a [`ThreadRecording`] instead, so they can run in parallel.
#[derive(Debug)]
#[must_use = "events are recorded only while the Recording is alive"]
pub struct Recording {
    _private: (),
}

impl Recording {
    /// Starts recording events.
    pub fn start() -> Recording {
        let c = Collector::new();
        GLOBAL_EPOCH.store(c.epoch, Ordering::Relaxed);
        *collector() = Some(c);
        if !GLOBAL_ON.swap(true, Ordering::Relaxed) {
            ACTIVE.fetch_add(1, Ordering::Relaxed);
        }
        Recording { _private: () }
    }

    /// Stops recording and returns what was recorded.
    pub fn finish(self) -> Trace {
        stop_global();
        collector().take().map(|c| c.trace).unwrap_or_default()
    }
}

fn stop_global() {
    if GLOBAL_ON.swap(false, Ordering::Relaxed) {
        ACTIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        stop_global();
        collector().take();
    }
}

/// A recording of this thread's events only, from
/// [`ThreadRecording::start`] until [`ThreadRecording::finish`] (dropping
/// it discards them). Events from other threads go on to the process-wide
/// [`Recording`], if one is alive, or nowhere; this thread's go here even
/// while a process-wide one is alive.
///
/// For single-threaded models (generators, greenlets, a gevent hub, an aio
/// loop without its thread pool) and for tests: two thread recordings on
/// two threads never mix. Starting a second one on the same thread ends
/// the first one's collection, as for [`Recording`]. It belongs to its
/// thread:
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>(_: T) {}
/// assert_send(corolab::trace::ThreadRecording::start());
/// ```
#[derive(Debug)]
#[must_use = "events are recorded only while the ThreadRecording is alive"]
pub struct ThreadRecording {
    /// Not `Send`: it ends its own thread's collection.
    _thread: PhantomData<*const ()>,
}

impl ThreadRecording {
    /// Starts recording this thread's events.
    pub fn start() -> ThreadRecording {
        let old = HERE.with(|h| h.replace(Some(Collector::new())));
        if old.is_none() {
            ACTIVE.fetch_add(1, Ordering::Relaxed);
        }
        ThreadRecording { _thread: PhantomData }
    }

    /// Stops recording and returns what was recorded.
    pub fn finish(self) -> Trace {
        take_here().map(|c| c.trace).unwrap_or_default()
    }
}

fn take_here() -> Option<Collector> {
    let c = HERE.try_with(|h| h.borrow_mut().take()).ok().flatten();
    if c.is_some() {
        ACTIVE.fetch_sub(1, Ordering::Relaxed);
    }
    c
}

impl Drop for ThreadRecording {
    fn drop(&mut self) {
        take_here();
    }
}
