//! # gevent: a hub that switches greenlets on IO and timers
//!
//! Python's gevent is greenlet plus a *hub*: one greenlet per thread that
//! runs the event loop (timers and socket readiness) and switches to
//! whichever greenlet can run. Sleeping, or reading a socket that has no
//! data, does not block the thread: the greenlet tells the hub what it waits
//! for and switches to it, and the hub switches back when it is time. This
//! module is that, on [`crate::greenlet`] and [`crate::reactor`]:
//!
//! ```
//! use corolab::gevent;
//! use std::time::{Duration, Instant};
//!
//! let started = Instant::now();
//! let handles: Vec<_> = (1..=10u64)
//!     .map(|i| gevent::spawn(move || { gevent::sleep(Duration::from_millis(100)); i * 10 }))
//!     .collect();
//! assert!(gevent::joinall(&handles, Some(Duration::from_secs(5))));
//! let values: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
//! assert_eq!(values, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
//! // Ten 100 ms sleeps at once take about 100 ms; one after another they
//! // would take a second (the bound is that order of magnitude, not a
//! // timing: a loaded machine may be slow).
//! assert!(started.elapsed() < Duration::from_secs(1));
//! ```
//!
//! | gevent (Python) | here | file |
//! | --- | --- | --- |
//! | the hub | (internal) | `hub/` |
//! | `gevent.spawn(f)`, `g.join()`, `g.kill()` | [`spawn()`], [`JoinHandle`] | `spawn.rs` |
//! | `gevent.joinall(gs, timeout)` | [`joinall`] | `spawn.rs` |
//! | `gevent.sleep(d)`, `sleep(0)` | [`sleep`], [`sleep_until`] | `spawn.rs` |
//! | `gevent.Timeout`, `with_timeout` | [`Timeout`], [`with_timeout`] | `timeout.rs` |
//! | `gevent.socket` (monkey patched) | [`net::TcpListener`], [`net::TcpStream`] | `net.rs` |
//! | asyncio-style streams, `open_connection` | [`streams::StreamReader`], [`streams::open_connection`] | `streams.rs` |
//! | `hub.threadpool.apply(f)` | [`run_in_thread`] | `thread.rs` |
//! | `gevent.event.Event` | [`Event`] | `event.rs` |
//! | `gevent.queue.Queue` | [`Queue`] | `queue.rs` |
//! | `gevent.lock.Semaphore` | [`Semaphore`] | `semaphore.rs` |
//! | `gevent.pool.Pool` | [`Pool`] | `pool.rs` |
//!
//! The same API on `may`'s multi-threaded scheduler is in [`may`].
//!
//! # Rules of the hub
//!
//! - One hub per thread; greenlets, handles, queues and sockets belong to
//!   the thread that made them (none is `Send`).
//! - A spawned greenlet first runs when its spawner waits (a join, a sleep,
//!   a socket call), never during `spawn`.
//! - Waiting is cooperative: only the calls of this module switch. A
//!   thread-blocking call (`std::thread::sleep`, `std::net`, a long
//!   computation) stops every greenlet of the thread, the hub included.
//! - Gevent calls are made from the thread's main code or from greenlets
//!   spawned here, not from raw [`crate::greenlet::Greenlet`]s.
//!
//! # Stacks
//!
//! A greenlet gets [`STACK_SIZE`] bytes (64 KiB) of stack: room for
//! ordinary code, formatting, a panic message and an echo loop's buffer,
//! while only the pages actually touched (typically 8 to 16 KiB) become
//! resident. Stacks come from a per-thread pool and go back to it when a
//! greenlet finishes, so spawning in a loop maps nothing. Each live stack
//! is two kernel mappings, so `vm.max_map_count` (65530 by default) caps
//! live greenlets near 28,000 here (see [`limits`]); past that, spawning
//! fails with an error saying so. Go avoids the wall with small stacks that
//! grow on demand; async tasks avoid it by having no stack of their own.

pub mod event;
mod hub;
pub mod may;
pub mod net;
pub mod pool;
pub mod queue;
pub mod semaphore;
pub mod spawn;
pub mod streams;
pub mod thread;
pub mod timeout;

/// The stack budget against `vm.max_map_count`: [`crate::stack::limits`],
/// here where gevent's users look for it.
pub use crate::stack::limits;

pub use event::Event;
pub use pool::Pool;
pub use queue::Queue;
pub use semaphore::{Semaphore, SemaphoreGuard};
pub use spawn::{Builder, JoinError, JoinHandle, joinall, live, sleep, sleep_until, spawn, try_spawn};
pub use thread::run_in_thread;
pub use timeout::{Elapsed, Timeout, with_timeout};

/// The stack size of a greenlet unless its [`Builder`] says otherwise.
pub const STACK_SIZE: usize = 64 * 1024;
