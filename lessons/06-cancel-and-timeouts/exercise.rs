//! Lesson 06 exercise: cancellation and timeouts.
//!
//! Two functions to write; `corolab check 06` runs the tests in `tests.rs`.
//!
//! 1. [`with_timeout`]: an `async` job that sleeps `job_ms` and returns
//!    `"done"`, raced against `timeout_ms` with `aio::wait_for`.
//! 2. [`cancel_after`]: spawn a task that pushes `"started"` to the log,
//!    holds a `Finally(log.clone())` guard, sleeps `job_ms`, and pushes
//!    `"finished"`. Sleep `cancel_ms`, `cancel()` the task, await it, push
//!    `"awaiter saw Ok"` or `"awaiter saw Cancelled"`, and return the
//!    result with a copy of the log.

#![allow(dead_code, unused_imports)] // the helpers are for you to use

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
    let _ = (job_ms, timeout_ms);
    todo!("TODO 1: aio::wait_for(an async job, the timeout)")
}

/// See the module docs: start, cancel, await, and report.
pub async fn cancel_after(job_ms: u64, cancel_ms: u64) -> (Result<(), Error>, Vec<&'static str>) {
    let _ = (job_ms, cancel_ms);
    todo!("TODO 2: spawn the job with a Finally guard, cancel it after cancel_ms, await it")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
