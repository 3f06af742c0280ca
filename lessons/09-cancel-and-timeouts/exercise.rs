//! Lesson 09 exercise: cleanup that runs on cancel, a timeout, and a race
//! whose losers are cancelled.
//!
//! Three things to write. `corolab check 09` runs the tests in `tests.rs`;
//! they fail until all three are done. `solution.rs` has one answer.
//!
//! 1. `impl Drop for Connection`: log `close NAME` (`self.log.borrow_mut()
//!    .push(..)`). In Rust a cancelled task's future is *dropped*, so this
//!    destructor is where a cancelled download cleans up: it plays the part
//!    of Python's `finally:` or `async with`.
//! 2. [`download_or_give_up`]: the download, or `None` when it takes longer
//!    than `timeout` (`aio::wait_for` gives `Err(Error::TimedOut)` then).
//! 3. [`race`]: spawn every download, `aio::wait` for the first to finish
//!    (`ReturnWhen::FirstCompleted`), `cancel()` every pending task, then
//!    await each of them (a cancelled task gives `Err(Error::Cancelled)`,
//!    once its destructors have run). Return the winner's result and how
//!    many you cancelled.

use corolab::aio;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// What happened, in order: `"open a"`, `"done a"`, `"close a"`, ...
pub type Log = Rc<RefCell<Vec<String>>>;

/// A pretend connection: opening it logs `open NAME`, dropping it should
/// log `close NAME`.
#[derive(Debug)]
pub struct Connection {
    name: &'static str,
    log: Log,
}

impl Connection {
    /// Opens it (logs `open NAME`). (Given.)
    pub fn open(name: &'static str, log: &Log) -> Connection {
        log.borrow_mut().push(format!("open {name}"));
        Connection { name, log: Rc::clone(log) }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // TODO 1: log `close NAME`. (Not a `todo!()`: a panic in a destructor
        // during a cancel would hide every other failure.)
        let _ = (self.name, &self.log);
    }
}

/// A download: opens a connection, waits `ms` milliseconds for the "data",
/// logs `done NAME` and returns the name. (Given.)
pub async fn download(name: &'static str, ms: u64, log: Log) -> &'static str {
    let _connection = Connection::open(name, &log);
    aio::sleep(Duration::from_millis(ms)).await; // a cancel lands here
    log.borrow_mut().push(format!("done {name}"));
    name
} // `_connection` is dropped here, or at the `await` if the task is cancelled

/// The download, or `None` if it takes longer than `timeout`.
pub async fn download_or_give_up(
    name: &'static str,
    ms: u64,
    timeout: Duration,
    log: Log,
) -> Option<&'static str> {
    let _ = (name, ms, timeout, log);
    todo!("TODO 2: aio::wait_for(download(..), timeout)")
}

/// Starts every download at once; when the first finishes, cancels the
/// others and waits until they are gone. Returns the winner and how many
/// were cancelled.
pub async fn race(downloads: &[(&'static str, u64)], log: &Log) -> (&'static str, usize) {
    let _ = (downloads, log);
    todo!("TODO 3: spawn, wait FirstCompleted, cancel the pending, await them")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
