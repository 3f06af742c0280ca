//! Lesson 06 solution: cancellation and timeouts.

use corolab::aio::{self, Error};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// A shared log the task and its awaiter both write to.
pub type Log = Rc<RefCell<Vec<&'static str>>>;

/// Writes "cleaned up" when dropped: the Rust `finally:`.
pub struct Finally(pub Log);

impl Drop for Finally {
    fn drop(&mut self) {
        self.0.borrow_mut().push("cleaned up");
    }
}

/// Sleeps `job_ms` then returns "done", unless `timeout_ms` passes first.
pub async fn with_timeout(job_ms: u64, timeout_ms: u64) -> Result<&'static str, Error> {
    let job = async move {
        aio::sleep(Duration::from_millis(job_ms)).await;
        "done"
    };
    aio::wait_for(job, Duration::from_millis(timeout_ms)).await
}

/// Starts a task that logs "started", holds a [`Finally`], sleeps `job_ms`
/// and logs "finished"; cancels it after `cancel_ms` (if it is still
/// running); awaits it, and logs what that gave ("awaiter saw Cancelled"
/// or "awaiter saw Ok"). Returns the awaited result and the log.
pub async fn cancel_after(job_ms: u64, cancel_ms: u64) -> (Result<(), Error>, Vec<&'static str>) {
    let log: Log = Rc::default();
    let task = aio::spawn({
        let log = log.clone();
        async move {
            log.borrow_mut().push("started");
            let _finally = Finally(log.clone());
            aio::sleep(Duration::from_millis(job_ms)).await;
            log.borrow_mut().push("finished");
        }
    });
    aio::sleep(Duration::from_millis(cancel_ms)).await;
    task.cancel(); // false, and harmless, if it already finished
    let result = task.await;
    log.borrow_mut().push(if result.is_ok() { "awaiter saw Ok" } else { "awaiter saw Cancelled" });
    let entries = log.borrow().clone();
    (result, entries)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
