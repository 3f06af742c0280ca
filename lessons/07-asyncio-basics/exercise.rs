//! Lesson 07 exercise: a future set by a callback, and three ways to wait
//! for many tasks.
//!
//! Four functions to write. `corolab check 07` runs the tests in `tests.rs`;
//! they fail until all four are done. `solution.rs` has one answer.
//!
//! 1. [`deliver_later`]: make a settable future (`aio::create_future()`),
//!    and schedule a callback with `aio::call_later(delay, ..)` that calls
//!    `set_result(value)` on a clone of it. Return the future at once: the
//!    callback sets it later, and whoever awaits it wakes then.
//! 2. [`in_argument_order`]: the tasks' results in the order given
//!    (`aio::gather`).
//! 3. [`in_completion_order`]: the tasks' results in the order they finish
//!    (`aio::as_completed`, an `AsyncIterator`: `while let Some(r) =
//!    it.next().await`).
//! 4. [`first_finished`]: the result of whichever task finishes first, and
//!    the tasks still running (`aio::wait` with `ReturnWhen::FirstCompleted`;
//!    the done task's result is ready: await it).
//!
//! Every task here returns normally, so `.unwrap()` on its `Result` is fine.

use corolab::aio::{self, SettableFuture, Task};
use std::time::Duration;

/// A future that a `call_later` callback sets to `value` after `delay`.
pub fn deliver_later<T: 'static>(delay: Duration, value: T) -> SettableFuture<T> {
    let _ = (delay, value);
    todo!("TODO 1: create a future, and call_later a callback that sets its result")
}

/// Spawns one task per delay: task `i` sleeps `delays_ms[i]` milliseconds
/// and returns `i`. (Given: not part of the exercise.)
pub fn spawn_sleepers(delays_ms: &[u64]) -> Vec<Task<usize>> {
    delays_ms
        .iter()
        .enumerate()
        .map(|(i, &ms)| {
            aio::spawn(async move {
                aio::sleep(Duration::from_millis(ms)).await;
                i
            })
        })
        .collect()
}

/// Every task's result, in the order the tasks were given.
pub async fn in_argument_order(tasks: Vec<Task<usize>>) -> Vec<usize> {
    let _ = tasks;
    todo!("TODO 2: aio::gather")
}

/// Every task's result, in the order the tasks finished.
pub async fn in_completion_order(tasks: Vec<Task<usize>>) -> Vec<usize> {
    let _ = tasks;
    todo!("TODO 3: aio::as_completed, then next().await until None")
}

/// The result of the first task to finish, and the tasks still running.
pub async fn first_finished(tasks: Vec<Task<usize>>) -> (usize, Vec<Task<usize>>) {
    let _ = tasks;
    todo!("TODO 4: aio::wait(tasks, ReturnWhen::FirstCompleted, None)")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
