//! `aio`: an asyncio-style event loop on async-task.
//!
//! Python's asyncio runs *tasks* (coroutines with their state) on an *event
//! loop*: one thread that runs whatever is ready, and sleeps in epoll when
//! nothing is, until a socket is ready, a timer is due or another thread
//! hands it work. This module is that loop in Rust, small enough to read in
//! an afternoon. `async fn` plays the coroutine, a [`Task`] wraps it, and
//! [`EventLoop`] runs tasks, callbacks, timers and sockets.
//!
//! ```
//! use corolab::aio;
//! use std::time::Duration;
//!
//! async fn worker(name: &'static str, pause_ms: u64, log: aio::Queue<String>) {
//!     for step in 0..2 {
//!         log.put_nowait(format!("{name} step {step}")).unwrap();
//!         aio::sleep(Duration::from_millis(pause_ms)).await; // other tasks run here
//!     }
//! }
//!
//! let lines = aio::run(async {
//!     let log = aio::Queue::unbounded();
//!     let a = aio::spawn(worker("a", 30, log.clone()));
//!     let b = aio::spawn(worker("b", 45, log.clone()));
//!     aio::gather([a, b]).await.unwrap();
//!     let mut lines = Vec::new();
//!     while let Ok(line) = log.get_nowait() {
//!         lines.push(line);
//!     }
//!     lines
//! });
//! assert_eq!(lines, ["a step 0", "b step 0", "a step 1", "b step 1"]);
//! ```
//!
//! # Map
//!
//! Each module's docs explain its part (the map below names them); start
//! with [`event_loop`], then [`task`].
//!
//! | asyncio | here | file |
//! | --- | --- | --- |
//! | `asyncio.run`, `new_event_loop`, `run_until_complete`, `run_forever`, `stop` | [`run`], [`EventLoop`] | `event_loop.rs` |
//! | `create_task`, `Task.cancel/done/add_done_callback` | [`spawn`], [`Task`] | `task.rs`, `task_table.rs` |
//! | `loop.create_future()`, `Future.set_result` | [`SettableFuture`] | `future.rs` |
//! | `call_soon`, `call_later`, `call_at`, `Handle.cancel` | [`call_soon`], [`Handle`] | `callback.rs` |
//! | `sleep`, `wait_for` | [`sleep`], [`wait_for`] | `time.rs` |
//! | `gather`, `wait`, `as_completed` | [`gather`], [`wait`], [`as_completed`] | `combinators.rs` |
//! | `Queue`, `Lock`, `Semaphore`, `Event` | [`Queue`], [`Lock`], [`Semaphore`], [`Event`] | `sync/` |
//! | `call_soon_threadsafe`, `run_coroutine_threadsafe` | [`LoopHandle`] | `handle.rs`, `remote.rs` |
//! | `concurrent.futures.Future` | [`ConcurrentFuture`] | `concurrent.rs` |
//! | `run_in_executor` | [`run_in_executor`], [`ThreadPool`] | `executor.rs` |
//! | `open_connection`, `start_server` | [`TcpStream`], [`TcpListener`] | `net.rs` |
//! | `async for` | [`AsyncIterator`] | `iter.rs` |
//! | debug mode (`PYTHONASYNCIODEBUG`) | [`debug`] | `debug.rs` |
//! | `set_exception_handler`, `default_exception_handler` | [`LoopRef::set_exception_handler`], [`default_exception_handler`] | `exception.rs` |
//! | `aiomultiprocess.Pool` | [`Pool`] | `pool.rs` |
//!
//! The reactor under the loop (epoll and the timer heap) is
//! [`crate::reactor`], shared with the gevent hub.
//!
//! # Where this loop differs from asyncio, and why
//!
//! - Dropping a [`Task`] cancels it ([`Task::detach`] lets it run on);
//!   asyncio keeps unreferenced tasks running, or loses them to the GC.
//! - Cancellation cannot be caught: the task's future is dropped at its next
//!   await point and its destructors run (asyncio raises `CancelledError`
//!   inside the coroutine, which may catch it).
//! - `gather` returning early drops, and so cancels, the other futures.
//! - Errors are values: awaiting a task gives `Result<T, Error>`; a panic in
//!   a task is caught and becomes [`Error::Panicked`] for whoever awaits it.
//! - Done callbacks run as the task finishes, borrowing its result, rather
//!   than being scheduled with `call_soon`. A panic in one (or in a
//!   `call_soon`/`call_later` callback) goes to the loop's exception
//!   handler, as in asyncio, and the loop goes on.
//! - asyncio has one loop per thread; here a thread may hold several, and
//!   the current one is the one whose `run_*` is on the stack.
//!
//! # What may cross threads
//!
//! A loop's tasks, and the handles to them, stay on the loop's thread:
//!
//! ```compile_fail
//! fn send<T: Send>(_: T) {}
//! corolab::aio::run(async {
//!     send(corolab::aio::spawn(async {})); // Task is !Send
//! });
//! ```
//!
//! ```compile_fail
//! fn send<T: Send>(_: T) {}
//! send(corolab::aio::EventLoop::new()); // so is the loop
//! ```
//!
//! ```compile_fail
//! fn send<T: Send>(_: T) {}
//! send(corolab::aio::Queue::<u32>::unbounded()); // and its sync primitives
//! ```
//!
//! What other threads may hold is the [`LoopHandle`] and the
//! [`ConcurrentFuture`]s it returns:
//!
//! ```
//! fn send_sync<T: Send + Sync + Clone>(_: T) {}
//! fn send<T: Send>(_: T) {}
//! let lp = corolab::aio::EventLoop::new();
//! send_sync(lp.handle());
//! send(lp.handle().spawn_threadsafe(async { 1 }));
//! ```
//!
//! Every file here forbids `unsafe` except two, each justified where it is:
//! `net.rs` registers sockets with the poller (one `unsafe` call), and
//! `task.rs` projects the pinned future inside a task's wrapper (one
//! `unsafe` block).

pub mod callback;
pub mod combinators;
pub mod concurrent;
pub mod debug;
pub mod error;
pub mod event_loop;
pub mod exception;
pub mod executor;
pub mod future;
pub mod handle;
pub mod iter;
pub mod net;
pub mod pool;
mod remote;
pub mod streams;
pub mod sync;
pub mod task;
mod task_table;
pub mod time;

pub use callback::Handle;
pub use combinators::{AsCompleted, ReturnWhen, as_completed, gather, gather_all, wait};
pub use concurrent::ConcurrentFuture;
pub use debug::Warning;
pub use error::Error;
pub use event_loop::{EventLoop, LoopRef, run};
pub use exception::{ExceptionContext, default_exception_handler};
pub use executor::{ThreadPool, run_in_executor};
pub use future::SettableFuture;
pub use handle::LoopHandle;
pub use iter::AsyncIterator;
pub use net::{Lines, TcpListener, TcpStream};
pub use pool::Pool;
pub use sync::{
    Event, Lock, LockGuard, Permit, Queue, QueueEmpty, QueueFull, QueueItems, QueueShutDown, Semaphore,
};
pub use task::Task;
pub use time::{Sleep, sleep, sleep_until, wait_for, yield_now};

use std::future::Future;
use std::time::{Duration, Instant};

/// The loop running on this thread: the one whose `run_*` call is on the
/// stack (asyncio's `get_running_loop`).
///
/// # Panics
///
/// Outside every `run_*` call (even if an [`EventLoop`] exists); see
/// [`try_current_loop`].
pub fn get_running_loop() -> LoopRef {
    LoopRef { inner: event_loop::current() }
}

/// The loop running on this thread, if one is.
pub fn try_current_loop() -> Option<LoopRef> {
    event_loop::with_current(|inner| LoopRef { inner: std::rc::Rc::clone(inner) })
}

/// Spawns `future` as a task on this thread's loop (asyncio's
/// `create_task`); see [`LoopRef::spawn`].
///
/// # Panics
///
/// If no [`EventLoop`] is running on this thread.
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    task::spawn_on(&event_loop::current(), None, future)
}

/// [`spawn`] with a name for traces and debug warnings.
///
/// # Panics
///
/// If no [`EventLoop`] is running on this thread.
pub fn spawn_named<F>(name: impl Into<String>, future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    task::spawn_on(&event_loop::current(), Some(name.into()), future)
}

/// [`LoopRef::call_soon`] on this thread's loop.
///
/// # Panics
///
/// If no [`EventLoop`] is running on this thread.
pub fn call_soon(f: impl FnOnce() + 'static) -> Handle {
    get_running_loop().call_soon(f)
}

/// [`LoopRef::call_later`] on this thread's loop.
///
/// # Panics
///
/// If no [`EventLoop`] is running on this thread.
pub fn call_later(delay: Duration, f: impl FnOnce() + 'static) -> Handle {
    get_running_loop().call_later(delay, f)
}

/// [`LoopRef::call_at`] on this thread's loop.
///
/// # Panics
///
/// If no [`EventLoop`] is running on this thread.
pub fn call_at(when: Instant, f: impl FnOnce() + 'static) -> Handle {
    get_running_loop().call_at(when, f)
}

/// A settable future (asyncio's `loop.create_future()`).
pub fn create_future<T>() -> SettableFuture<T> {
    SettableFuture::new()
}
