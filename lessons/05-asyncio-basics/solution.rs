//! Lesson 05 solution: gather, wait and as_completed.

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
    let tasks: Vec<_> = delays.iter().map(|&ms| sleeper(ms)).collect();
    aio::gather(tasks).await.expect("no task fails")
}

/// Returns the delay of the first task to finish, cancelling the others.
pub async fn first_to_finish(delays: &[u64]) -> u64 {
    let tasks: Vec<_> = delays.iter().map(|&ms| sleeper(ms)).collect();
    let (done, pending) = aio::wait(tasks, ReturnWhen::FirstCompleted, None).await;
    for task in pending {
        task.cancel();
    }
    let first = done.into_iter().next().expect("one task finished");
    first.await.expect("it finished normally")
}

/// Returns the delays in the order their tasks finish.
pub async fn in_finishing_order(delays: &[u64]) -> Vec<u64> {
    let tasks: Vec<_> = delays.iter().map(|&ms| sleeper(ms)).collect();
    let mut finished = aio::as_completed(tasks);
    let mut order = Vec::new();
    while let Some(result) = finished.next().await {
        order.push(result.expect("no task fails"));
    }
    order
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
