//! `Timeout` and `with_timeout`: bound how long a piece of code may wait.
//!
//! As in gevent, a timeout is raised *in the waiting greenlet*: when it
//! expires, the greenlet's current (or next) wait unwinds its stack, so the
//! destructors of everything the timed code held run, and [`with_timeout`]
//! catches the unwind and returns [`Elapsed`]. Code that never waits cannot
//! be interrupted: a timeout is only noticed at a switch point, which is the
//! cooperative bargain.
//!
//! ```
//! use corolab::gevent::{self, Elapsed};
//! use std::time::Duration;
//!
//! let r = gevent::with_timeout(Duration::from_millis(10), || {
//!     gevent::sleep(Duration::from_secs(10));
//! });
//! assert_eq!(r, Err(Elapsed(Duration::from_millis(10))));
//! ```
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::hub::{Task, TimeoutUnwind, hub};
use crate::reactor::TimerId;

/// A timeout expired before the code it bounded finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(pub Duration);

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {:?}", self.0)
    }
}

impl std::error::Error for Elapsed {}

thread_local! {
    /// Ids that tell nested timeouts apart.
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// A running timeout for the current greenlet; cancelled when dropped.
/// Prefer [`with_timeout`], which also catches the unwind.
#[must_use = "the timeout is cancelled when dropped"]
pub struct Timeout {
    id: u64,
    timer: TimerId,
    task: Rc<Task>,
    duration: Duration,
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout").field("id", &self.id).field("duration", &self.duration).finish()
    }
}

impl Timeout {
    /// Starts a timeout of `duration` for the current greenlet.
    pub fn start(duration: Duration) -> Timeout {
        let hub = hub();
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let task = hub.current();
        let timer = hub.add_timeout(Instant::now() + duration, task.clone(), id);
        Timeout { id, timer, task, duration }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        let hub = hub();
        hub.cancel_timer(self.timer);
        hub.clear_pending_timeout(&self.task, self.id);
    }
}

// ANCHOR: with_timeout
/// Runs `f`, and unwinds it from its waiting point if it is still running
/// after `duration`: `Ok(value)` or `Err(Elapsed)`. Other panics and other
/// (outer) timeouts pass through.
pub fn with_timeout<T>(duration: Duration, f: impl FnOnce() -> T) -> Result<T, Elapsed> {
    let timeout = Timeout::start(duration);
    let id = timeout.id;
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    drop(timeout);
    match outcome {
        Ok(value) => Ok(value),
        Err(payload) => match payload.downcast::<TimeoutUnwind>() {
            Ok(mine) if mine.0 == id => Err(Elapsed(duration)),
            Ok(outer) => panic::resume_unwind(outer),
            Err(other) => panic::resume_unwind(other),
        },
    }
}
// ANCHOR_END: with_timeout
