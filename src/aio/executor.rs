//! [`ThreadPool`] and [`run_in_executor`]: blocking calls off the loop.
//!
//! The loop has one thread; a call that blocks it (a `thread::sleep`, a
//! blocking read, a slow computation) stops every task. `run_in_executor`
//! sends the call to a pool of plain threads instead and returns a
//! [`ConcurrentFuture`] the task awaits; the loop goes on running other
//! tasks, and the pool thread's `wake` brings the task back.
//!
//! ```text
//!   loop thread                    pool thread
//!   ───────────                    ───────────
//!   task: run_in_executor(f) ──job──▶ f()                (crossbeam channel)
//!   task: .await → Pending            │
//!   other tasks run ...               │
//!   ◀─────────── promise.set + wake ──┘                  (remote queue + notify)
//!   task resumes with f's result
//! ```
//!
//! The pool is a crossbeam channel of boxed jobs and N threads receiving from
//! it. Dropping the pool closes the channel; its threads finish the job in
//! hand and exit (they are not joined, so dropping never blocks the loop).
#![forbid(unsafe_code)]

use super::concurrent::{ConcurrentFuture, pair};
use super::error::Error;
use super::event_loop::current;
use crossbeam_channel::{Sender, unbounded};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads that run blocking closures.
#[derive(Debug)]
pub struct ThreadPool {
    jobs: Sender<Job>,
    size: usize,
}

impl ThreadPool {
    /// Starts `size` threads (at least one).
    ///
    /// # Panics
    ///
    /// If the OS refuses to start a thread.
    pub fn new(size: usize) -> ThreadPool {
        let size = size.max(1);
        let (jobs, receiver) = unbounded::<Job>();
        for i in 0..size {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("aio-executor-{i}"))
                .spawn(move || {
                    for job in receiver {
                        job();
                    }
                })
                .expect("aio: cannot start an executor thread");
        }
        ThreadPool { jobs, size }
    }

    /// asyncio's default: `min(32, cores + 4)`.
    pub fn default_size() -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (cores + 4).min(32)
    }

    /// How many threads it has.
    pub fn size(&self) -> usize {
        self.size
    }

    // ANCHOR: submit
    /// Runs `f` on a pool thread; the returned future gives its result, or
    /// `Err(Panicked)` if it panicked.
    pub fn submit<T, F>(&self, f: F) -> ConcurrentFuture<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (promise, future) = pair(Error::Cancelled);
        let job: Job = Box::new(move || {
            let result =
                catch_unwind(AssertUnwindSafe(f)).map_err(|p| Error::Panicked(crate::panic_message::of(&*p)));
            promise.set(result);
        });
        // A send fails only if every thread is gone; the job (and its
        // promise) is then dropped, and the future gives Err(Cancelled).
        let _ = self.jobs.send(job);
        future
    }
    // ANCHOR_END: submit
}

// ANCHOR: run_in_executor
/// Runs the blocking `f` on the current loop's executor and awaits its
/// result without blocking the loop (asyncio's `loop.run_in_executor(None,
/// f)`). The executor is made on first use, [`ThreadPool::default_size`]
/// threads, unless one was set with `set_default_executor`.
///
/// ```
/// use corolab::aio;
/// use std::time::Duration;
///
/// let n = aio::run(async {
///     aio::run_in_executor(|| {
///         std::thread::sleep(Duration::from_millis(10)); // blocks a pool thread, not the loop
///         42
///     })
///     .await
/// });
/// assert_eq!(n, Ok(42));
/// ```
///
/// # Panics
///
/// On a thread without an [`EventLoop`](super::EventLoop).
pub fn run_in_executor<T, F>(f: F) -> ConcurrentFuture<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let inner = current();
    let pool = Rc::clone(
        inner
            .executor
            .borrow_mut()
            .get_or_insert_with(|| Rc::new(ThreadPool::new(ThreadPool::default_size()))),
    );
    pool.submit(f)
}
// ANCHOR_END: run_in_executor
