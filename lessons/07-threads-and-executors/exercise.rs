//! Lesson 07 exercise: run_in_executor, a loop in another thread,
//! spawn_threadsafe.
//!
//! Three functions to write; `corolab check 07` runs the tests.
//!
//! 1. [`blocking_in_executor`]: `n` calls of `aio::run_in_executor`, each
//!    a `std::thread::sleep(ms)` returning its index; gather them.
//! 2. [`start_loop_thread`]: spawn a thread that creates an `EventLoop`,
//!    sends `lp.handle()` back over a channel, and calls `lp.run_forever()`.
//!    Return the handle and the thread's `JoinHandle`.
//! 3. [`double_on_loop`]: `handle.spawn_threadsafe(an async block that
//!    sleeps 1 ms and returns 2 * x)`, then `.wait()` for it.

#![allow(unused_imports)] // the imports are for you to use

use corolab::aio::{self, Error, EventLoop, LoopHandle};
use std::thread::JoinHandle;
use std::time::Duration;

/// `n` blocking calls through the executor, at once; their indices in order.
pub async fn blocking_in_executor(n: usize, ms: u64) -> Vec<usize> {
    let _ = (n, ms);
    todo!("TODO 1: run_in_executor per call, then gather")
}

/// A thread running an event loop forever, and the loop's handle.
pub fn start_loop_thread() -> (LoopHandle, JoinHandle<()>) {
    todo!("TODO 2: spawn a thread with an EventLoop; send its handle back; run_forever")
}

/// Has the loop compute `2 * x` and blocks until it is done.
pub fn double_on_loop(handle: &LoopHandle, x: u64) -> Result<u64, Error> {
    let _ = (handle, x);
    todo!("TODO 3: handle.spawn_threadsafe(...).wait()")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
