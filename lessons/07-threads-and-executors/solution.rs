//! Lesson 07 solution: run_in_executor, a loop in another thread,
//! spawn_threadsafe.

use corolab::aio::{self, Error, EventLoop, LoopHandle};
use std::thread::JoinHandle;
use std::time::Duration;

/// Makes `n` blocking calls (a thread sleep of `ms`, returning its index)
/// through the executor, all at once; returns the indices in order.
pub async fn blocking_in_executor(n: usize, ms: u64) -> Vec<usize> {
    let calls: Vec<_> = (0..n)
        .map(|i| {
            aio::run_in_executor(move || {
                std::thread::sleep(Duration::from_millis(ms));
                i
            })
        })
        .collect();
    aio::gather(calls).await.expect("no call panics")
}

/// Starts a thread running an event loop forever; returns the loop's handle
/// and the thread.
pub fn start_loop_thread() -> (LoopHandle, JoinHandle<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let lp = EventLoop::new();
        tx.send(lp.handle()).expect("the starter waits for the handle");
        lp.run_forever();
    });
    let handle = rx.recv().expect("the loop thread sends its handle");
    (handle, thread)
}

/// From a plain thread: has the loop compute `2 * x` (after a 1 ms sleep,
/// as a task) and blocks until it is done.
pub fn double_on_loop(handle: &LoopHandle, x: u64) -> Result<u64, Error> {
    handle
        .spawn_threadsafe(async move {
            aio::sleep(Duration::from_millis(1)).await;
            2 * x
        })
        .wait()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
