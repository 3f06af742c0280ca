//! Lesson 10 exercise: blocking calls on a thread pool, and a loop in
//! another thread that plain threads hand work to.
//!
//! Four functions to write. `corolab check 10` runs the tests in
//! `tests.rs`; they fail until all four are done. `solution.rs` has one
//! answer.
//!
//! 1. [`checksums`]: call the blocking [`slow_checksum`] on every input
//!    through `aio::run_in_executor(move || ..)` (it returns a future of
//!    `Result<u64, Error>`), all at once (`aio::gather`), so the loop goes
//!    on running other tasks meanwhile.
//! 2. [`start_loop_thread`]: spawn a thread that makes an `EventLoop`, sends
//!    `lp.handle()` back over a `std::sync::mpsc` channel, then calls
//!    `lp.run_forever()`. Wait for the handle, and return it with the
//!    thread's `JoinHandle`.
//! 3. [`call_on_loop`]: from a plain thread, `handle.call_soon_threadsafe`
//!    a closure that calls `f` and sends its result back over a channel;
//!    block on the channel. A loop that is closed refuses the callback
//!    (`Err(Error::LoopClosed)`); one that closes before running it drops
//!    it, and your `recv` fails: give `Err(Error::LoopClosed)` then too.
//! 4. [`double_on_loop`]: `handle.spawn_threadsafe(async move { .. })` (a
//!    future that sleeps `ms` milliseconds and returns `n * 2`), then
//!    `.wait()` for its result (asyncio's `run_coroutine_threadsafe(..)
//!    .result()`).

use corolab::aio::{Error, LoopHandle};
use std::thread::JoinHandle;
use std::time::Duration;

/// A blocking function: sums the bytes, slowly (it sleeps 200 ms first, as
/// a disk read or a C library call might block). (Given.)
pub fn slow_checksum(data: &[u8]) -> u64 {
    std::thread::sleep(Duration::from_millis(200));
    data.iter().map(|&b| u64::from(b)).sum()
}

/// The checksum of every input, in order, computed on the loop's executor
/// all at once, while the loop goes on running other tasks.
pub async fn checksums(inputs: Vec<Vec<u8>>) -> Vec<u64> {
    let _ = inputs;
    todo!("TODO 1: aio::run_in_executor for each input, then aio::gather")
}

/// Starts a thread that makes an event loop and runs it until it is
/// stopped; returns the loop's handle and the thread.
pub fn start_loop_thread() -> (LoopHandle, JoinHandle<()>) {
    todo!("TODO 2: a thread with an EventLoop that sends its handle, then run_forever")
}

/// Runs `f` on the loop's thread and waits (blocking this plain thread) for
/// what it returns. `Err(LoopClosed)` if the loop is closed, or closes
/// before it gets to `f`.
pub fn call_on_loop<T, F>(handle: &LoopHandle, f: F) -> Result<T, Error>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let _ = (handle, f);
    todo!("TODO 3: call_soon_threadsafe a closure that sends f() over a channel")
}

/// Runs a task on the loop that sleeps `ms` milliseconds and returns
/// `n * 2`, and blocks this plain thread until it has.
pub fn double_on_loop(handle: &LoopHandle, n: u64, ms: u64) -> Result<u64, Error> {
    let _ = (handle, n, ms);
    todo!("TODO 4: handle.spawn_threadsafe(async move {{ .. }}).wait()")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
