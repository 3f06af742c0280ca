//! [`LoopHandle`]: reaching a loop from other threads.
//!
//! A loop is single-threaded: its tasks, timers and queues are `!Send` and
//! touched only by its own thread. Another thread reaches it the way asyncio
//! allows, by handing it work: [`LoopHandle::call_soon_threadsafe`] queues a
//! closure, [`LoopHandle::spawn_threadsafe`] a future (asyncio's
//! `run_coroutine_threadsafe`), and both wake the loop if it is asleep in
//! epoll. The handle holds only the loop's thread-safe part (the poller and
//! a locked queue), so it is `Send + Sync + Clone` and outlives the loop
//! harmlessly: work handed to a closed loop is refused with
//! [`Error::LoopClosed`].
//!
//! ```
//! use corolab::aio::{self, EventLoop};
//!
//! let (tx, rx) = std::sync::mpsc::channel();
//! let worker = std::thread::spawn(move || {
//!     let lp = EventLoop::new();
//!     tx.send(lp.handle()).unwrap();
//!     lp.run_forever();
//! });
//! let handle = rx.recv().unwrap();
//! let answer = handle.spawn_threadsafe(async { 6 * 7 }).wait();
//! assert_eq!(answer, Ok(42));
//! handle.stop().unwrap();
//! worker.join().unwrap();
//! ```
#![forbid(unsafe_code)]

use super::concurrent::{ConcurrentFuture, pair};
use super::error::Error;
use super::event_loop::current;
use super::remote::{Remote, RemoteJob};
use super::task;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

/// A thread-safe handle to a loop (see the [module docs](self)).
#[derive(Clone)]
pub struct LoopHandle {
    remote: Arc<Remote>,
}

impl fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopHandle").field("closed", &self.remote.is_closed()).finish()
    }
}

impl LoopHandle {
    pub(crate) fn new(remote: Arc<Remote>) -> LoopHandle {
        LoopHandle { remote }
    }

    // ANCHOR: call_soon_threadsafe
    /// Runs `f` on the loop's thread at its next turn, waking the loop if
    /// it sleeps.
    pub fn call_soon_threadsafe(&self, f: impl FnOnce() + Send + 'static) -> Result<(), Error> {
        self.remote.push(RemoteJob::Call(Box::new(f))).map_err(|_| Error::LoopClosed)
    }
    // ANCHOR_END: call_soon_threadsafe

    // ANCHOR: spawn_threadsafe
    /// Spawns `future` on the loop from any thread, and returns a
    /// [`ConcurrentFuture`] for its result: `.wait()` on it from a plain
    /// thread, or `.await` it on another loop. A loop that closes before
    /// the task finishes gives `Err(LoopClosed)`.
    pub fn spawn_threadsafe<F>(&self, future: F) -> ConcurrentFuture<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (promise, result) = pair(Error::LoopClosed);
        let job = move || {
            let inner = current();
            let task = task::spawn_on(&inner, None, future);
            task::spawn_on(&inner, None, async move { promise.set(task.await) }).detach();
        };
        // Refused by a closed loop: the job, and the promise in it, are
        // dropped, which sets LoopClosed.
        let _ = self.call_soon_threadsafe(job);
        result
    }
    // ANCHOR_END: spawn_threadsafe

    /// Asks the loop's `run_forever` to return (like `loop.stop()` handed
    /// over with `call_soon_threadsafe`).
    pub fn stop(&self) -> Result<(), Error> {
        self.call_soon_threadsafe(current_stop)
    }

    /// Whether the loop has been closed (dropped).
    pub fn is_closed(&self) -> bool {
        self.remote.is_closed()
    }
}

fn current_stop() {
    super::get_running_loop().stop();
}
