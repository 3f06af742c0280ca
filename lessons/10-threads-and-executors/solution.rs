// ANCHOR: solution
//! Lesson 10 solution: blocking calls on a thread pool, and a loop in
//! another thread that plain threads hand work to.

use corolab::aio::{self, Error, EventLoop, LoopHandle};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A blocking function: sums the bytes, slowly (it sleeps 200 ms first, as
/// a disk read or a C library call might block). (Given.)
pub fn slow_checksum(data: &[u8]) -> u64 {
    std::thread::sleep(Duration::from_millis(200));
    data.iter().map(|&b| u64::from(b)).sum()
}

// ANCHOR: checksums
/// The checksum of every input, in order, computed on the loop's executor
/// all at once, while the loop goes on running other tasks.
pub async fn checksums(inputs: Vec<Vec<u8>>) -> Vec<u64> {
    let calls = inputs.into_iter().map(|data| aio::run_in_executor(move || slow_checksum(&data)));
    aio::gather(calls).await.expect("slow_checksum does not panic")
}
// ANCHOR_END: checksums

// ANCHOR: start_loop_thread
/// Starts a thread that makes an event loop and runs it until it is
/// stopped; returns the loop's handle and the thread.
pub fn start_loop_thread() -> (LoopHandle, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let lp = EventLoop::new(); // the loop belongs to this thread
        tx.send(lp.handle()).expect("start_loop_thread is waiting for the handle");
        lp.run_forever();
    }); // the loop is dropped (closed) when run_forever returns
    let handle = rx.recv().expect("the loop thread sends its handle before anything else");
    (handle, thread)
}
// ANCHOR_END: start_loop_thread

// ANCHOR: call_on_loop
/// Runs `f` on the loop's thread and waits (blocking this plain thread) for
/// what it returns. `Err(LoopClosed)` if the loop is closed, or closes
/// before it gets to `f`.
pub fn call_on_loop<T, F>(handle: &LoopHandle, f: F) -> Result<T, Error>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    handle.call_soon_threadsafe(move || {
        let _ = tx.send(f()); // the caller may have given up; nothing to do then
    })?;
    // A loop that closes with our callback still queued drops it, and `tx`
    // with it: then `recv` fails.
    rx.recv().map_err(|_| Error::LoopClosed)
}

/// Runs a task on the loop that sleeps `ms` milliseconds and returns
/// `n * 2`, and blocks this plain thread until it has.
pub fn double_on_loop(handle: &LoopHandle, n: u64, ms: u64) -> Result<u64, Error> {
    let task = handle.spawn_threadsafe(async move {
        aio::sleep(Duration::from_millis(ms)).await; // on the loop's thread, among its tasks
        n * 2
    });
    task.wait()
}
// ANCHOR_END: call_on_loop

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
