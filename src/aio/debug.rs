//! Debug mode: the loop watches for the two classic asyncio mistakes.
//!
//! 1. **Blocking the loop.** Every task step and callback runs on the loop's
//!    one thread; while it runs, nothing else does. In debug mode the loop
//!    times each step and warns when one holds it longer than a threshold
//!    (default 100 ms, asyncio's `slow_callback_duration`), naming the task.
//!    The cure is `run_in_executor` for blocking calls, or an `.await` in
//!    long loops.
//! 2. **Forgetting a task.** A [`Task`](super::Task) that is dropped without
//!    being awaited, detached or cancelled is cancelled by the drop, which is
//!    rarely what the author meant (asyncio's "Task was destroyed but it is
//!    pending!"). In debug mode the drop warns, naming the task.
//!
//! Turn it on with [`EventLoop::set_debug`](super::EventLoop) or the
//! environment variable `COROLAB_AIO_DEBUG=1` (asyncio: `PYTHONASYNCIODEBUG`).
//! Warnings go to standard error and, if one is installed, to a sink
//! ([`LoopRef::set_warning_sink`](super::LoopRef::set_warning_sink)), which
//! is how tests observe them.
#![forbid(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

/// asyncio's default `slow_callback_duration`.
pub const DEFAULT_SLOW_STEP: Duration = Duration::from_millis(100);

/// Something debug mode noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// A task step or a callback held the loop for `took`.
    SlowStep {
        /// The task's name, or `"callback"`.
        what: String,
        /// How long it ran without yielding.
        took: Duration,
    },
    /// A task handle was dropped while the task was pending, without being
    /// awaited, detached or cancelled: the drop cancelled it.
    NeverAwaited {
        /// The task's name.
        task: String,
        /// Whether it was still pending (always, today: a finished task's
        /// unread result is not reported).
        pending: bool,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::SlowStep { what, took } => {
                write!(f, "aio debug: {what} held the loop for {:.1} ms", took.as_secs_f64() * 1e3)
            }
            Warning::NeverAwaited { task, pending: true } => write!(
                f,
                "aio debug: task {task} was dropped while pending, without being awaited: \
                 the drop cancelled it (call .detach() to let it run on)"
            ),
            Warning::NeverAwaited { task, pending: false } => {
                write!(f, "aio debug: task {task} finished but its result was never awaited")
            }
        }
    }
}

/// A function that receives every warning.
pub type WarningSink = Rc<dyn Fn(&Warning)>;

/// A loop's debug settings.
pub(crate) struct DebugState {
    pub(crate) on: Cell<bool>,
    pub(crate) slow: Cell<Duration>,
    pub(crate) sink: RefCell<Option<WarningSink>>,
}

impl DebugState {
    pub(crate) fn from_env() -> DebugState {
        let on = std::env::var_os("COROLAB_AIO_DEBUG").is_some_and(|v| !v.is_empty() && v != "0");
        DebugState { on: Cell::new(on), slow: Cell::new(DEFAULT_SLOW_STEP), sink: RefCell::new(None) }
    }

    /// Prints the warning and hands it to the sink.
    pub(crate) fn warn(&self, warning: Warning) {
        eprintln!("{warning}");
        let sink = self.sink.borrow().clone();
        if let Some(sink) = sink {
            sink(&warning);
        }
    }
}

impl fmt::Debug for DebugState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DebugState").field("on", &self.on.get()).field("slow", &self.slow.get()).finish()
    }
}
