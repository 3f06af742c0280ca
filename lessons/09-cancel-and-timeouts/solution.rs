// ANCHOR: solution
//! Lesson 09 solution: cleanup that runs on cancel, a timeout, and a race
//! whose losers are cancelled.

use corolab::aio::{self, Error, ReturnWhen};
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

// ANCHOR: drop
impl Drop for Connection {
    fn drop(&mut self) {
        self.log.borrow_mut().push(format!("close {}", self.name));
    }
}
// ANCHOR_END: drop

/// A download: opens a connection, waits `ms` milliseconds for the "data",
/// logs `done NAME` and returns the name. (Given.)
pub async fn download(name: &'static str, ms: u64, log: Log) -> &'static str {
    let _connection = Connection::open(name, &log);
    aio::sleep(Duration::from_millis(ms)).await; // a cancel lands here
    log.borrow_mut().push(format!("done {name}"));
    name
} // `_connection` is dropped here, or at the `await` if the task is cancelled

// ANCHOR: give_up
/// The download, or `None` if it takes longer than `timeout`.
pub async fn download_or_give_up(
    name: &'static str,
    ms: u64,
    timeout: Duration,
    log: Log,
) -> Option<&'static str> {
    match aio::wait_for(download(name, ms, log), timeout).await {
        Ok(name) => Some(name),
        Err(Error::TimedOut) => None,
        Err(other) => unreachable!("wait_for fails only with TimedOut, not {other}"),
    }
}
// ANCHOR_END: give_up

// ANCHOR: race
/// Starts every download at once; when the first finishes, cancels the
/// others and waits until they are gone. Returns the winner and how many
/// were cancelled.
pub async fn race(downloads: &[(&'static str, u64)], log: &Log) -> (&'static str, usize) {
    let tasks = downloads.iter().map(|&(name, ms)| aio::spawn(download(name, ms, Rc::clone(log)))).collect();
    let (done, pending) = aio::wait(tasks, ReturnWhen::FirstCompleted, None).await;
    for task in &pending {
        task.cancel();
    }
    let mut cancelled = 0;
    for task in pending {
        // Awaiting a cancelled task returns once its future has been dropped.
        if task.await == Err(Error::Cancelled) {
            cancelled += 1;
        }
    }
    let winner = done.into_iter().next().expect("wait returned with one done");
    (winner.await.expect("the winner finished normally"), cancelled)
}
// ANCHOR_END: race

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
