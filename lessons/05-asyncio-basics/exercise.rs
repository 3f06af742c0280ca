//! Lesson 05 exercise: gather, wait and as_completed.
//!
//! Three functions to write; `corolab check 05` runs the tests in
//! `tests.rs`, which fail until all three are done. Each starts one task per
//! delay with `sleeper(ms)` (given), then waits for them differently:
//!
//! 1. [`all_in_order`]: every result, in argument order (`aio::gather`).
//! 2. [`first_to_finish`]: the first result to arrive (`aio::wait` with
//!    `ReturnWhen::FirstCompleted`); cancel the tasks still pending, then
//!    await the done one.
//! 3. [`in_finishing_order`]: every result, in completion order
//!    (`aio::as_completed`, an `AsyncIterator`: `while let Some(r) =
//!    it.next().await`).

#![allow(dead_code, unused_imports)] // the helpers are for you to use

use corolab::aio::{self, AsyncIterator, ReturnWhen};
use std::time::Duration;

/// A task that sleeps `ms` and returns it.
fn sleeper(ms: u64) -> aio::Task<u64> {
    aio::spawn(async move {
        aio::sleep(Duration::from_millis(ms)).await;
        ms
    })
}

/// Sleeps every delay concurrently; returns the delays in argument order.
pub async fn all_in_order(delays: &[u64]) -> Vec<u64> {
    let _ = delays;
    todo!("TODO 1: spawn a sleeper per delay and gather them")
}

/// Returns the delay of the first task to finish, cancelling the others.
pub async fn first_to_finish(delays: &[u64]) -> u64 {
    let _ = delays;
    todo!("TODO 2: wait(..., ReturnWhen::FirstCompleted, None), cancel the pending, await the done")
}

/// Returns the delays in the order their tasks finish.
pub async fn in_finishing_order(delays: &[u64]) -> Vec<u64> {
    let _ = delays;
    todo!("TODO 3: as_completed(tasks), then next().await until None")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
