// ANCHOR: solution
//! Lesson 07 solution: a future set by a callback, and three ways to wait
//! for many tasks.

use corolab::aio::{self, AsyncIterator, ReturnWhen, SettableFuture, Task};
use std::time::Duration;

// ANCHOR: deliver_later
/// A future that a `call_later` callback sets to `value` after `delay`.
pub fn deliver_later<T: 'static>(delay: Duration, value: T) -> SettableFuture<T> {
    let future = aio::create_future();
    let setter = future.clone(); // clones are the same future
    aio::call_later(delay, move || {
        // Set once, by us: it cannot already be set.
        setter.set_result(value).expect("nobody else sets this future");
    });
    future
}
// ANCHOR_END: deliver_later

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

// ANCHOR: orders
/// Every task's result, in the order the tasks were given.
pub async fn in_argument_order(tasks: Vec<Task<usize>>) -> Vec<usize> {
    aio::gather(tasks).await.expect("no task panics or is cancelled here")
}

/// Every task's result, in the order the tasks finished.
pub async fn in_completion_order(tasks: Vec<Task<usize>>) -> Vec<usize> {
    let mut finished = aio::as_completed(tasks);
    let mut order = Vec::new();
    while let Some(result) = finished.next().await {
        order.push(result.expect("no task panics or is cancelled here"));
    }
    order
}

/// The result of the first task to finish, and the tasks still running.
pub async fn first_finished(tasks: Vec<Task<usize>>) -> (usize, Vec<Task<usize>>) {
    let (done, pending) = aio::wait(tasks, ReturnWhen::FirstCompleted, None).await;
    let first = done.into_iter().next().expect("wait returned with one done");
    (first.await.expect("no task panics or is cancelled here"), pending)
}
// ANCHOR_END: orders

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
