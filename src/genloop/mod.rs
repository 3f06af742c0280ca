//! # genloop: generators as tasks, driven by a loop
//!
//! Before `async`/`await`, asyncio's coroutines were generators
//! (`@asyncio.coroutine` and `yield from`, Python 3.4), and before that
//! David Beazley showed a whole "operating system" of generators: each
//! task is a generator that *yields a request* to a scheduler (sleep for a
//! time, wait until a socket is readable, spawn a task, wait for one) and
//! is resumed with the answer when it is due. This module is that loop,
//! on corolab's [`Generator`](crate::generator::Generator) and the shared
//! [`reactor`](crate::reactor) (poller, timers, slots).
//!
//! | Python (3.4) | here |
//! | --- | --- |
//! | `@asyncio.coroutine def main(): ...` | `genloop::task("main", \|co\| ...)` |
//! | `yield from asyncio.sleep(1)` | `co.yield_from(genloop::sleep(d), Answer::Go)?` |
//! | `data = yield from loop.sock_recv(sock, 4096)` | `co.yield_from(sock_recv(sock, 4096), Answer::Go)??` |
//! | `t = asyncio.async(coro)` | `co.yield_from(genloop::spawn::<T>(task), Answer::Go)?` |
//! | `r = yield from t` | `co.yield_from(genloop::join(t), Answer::Go)??` |
//! | `loop.run_until_complete(main())` | `genloop::run(task)` |
//!
//! The body of every task and every sub-operation is an ordinary closure
//! on a stack of its own; a sub-operation (`sleep`, `sock_recv`) is a
//! generator that yields the task's [`Request`]s for it, run by
//! [`Co::yield_from`](crate::generator::Co::yield_from), which passes its
//! requests out to the loop and the loop's answers back in (PEP 380).
//! Every point where a task can be suspended is visible in its source as
//! a `yield_` or a `yield_from`: that is what `yield from` bought Python
//! over callbacks, and what `await` later spelled shorter.
//!
//! ```
//! use corolab::genloop::{self, Answer};
//! use std::time::{Duration, Instant};
//!
//! let started = Instant::now();
//! let got = genloop::run::<Vec<&str>>(genloop::task("main", |co| {
//!     let a = genloop::task("A", |co| {
//!         co.yield_from(genloop::sleep(Duration::from_millis(50)), Answer::Go).unwrap();
//!         "A"
//!     });
//!     let b = genloop::task("B", |co| {
//!         co.yield_from(genloop::sleep(Duration::from_millis(50)), Answer::Go).unwrap();
//!         "B"
//!     });
//!     let a = co.yield_from(genloop::spawn::<&str>(a), Answer::Go).unwrap();
//!     let b = co.yield_from(genloop::spawn::<&str>(b), Answer::Go).unwrap();
//!     let a = co.yield_from(genloop::join(a), Answer::Go).unwrap().unwrap();
//!     let b = co.yield_from(genloop::join(b), Answer::Go).unwrap().unwrap();
//!     vec![a, b]
//! }))
//! .unwrap();
//! assert_eq!(got, ["A", "B"]);
//! // The two sleeps overlapped: about 50 ms, not 100.
//! assert!(started.elapsed() < Duration::from_millis(95));
//! ```
//!
//! # What a production loop does differently
//!
//! asyncio's generator-based loop was made of futures and callbacks
//! underneath: `yield from future` parked the task on the future, and the
//! future's callback rescheduled it. Here the requests go straight to the
//! loop, as in Beazley's scheduler, which is shorter to read. Each task
//! and each sub-operation has a stack of its own (pooled, see
//! [`crate::stack`]); Python's generators keep a heap frame instead, and
//! Rust's `async fn` a state machine (lesson "inside async fn").
#![deny(unsafe_code)] // `forbid` would reach into net.rs, which registers sockets

mod net;
mod ops;
mod request;
mod scheduler;

pub use net::{TcpListener, TcpStream, sock_accept, sock_connect, sock_recv, sock_sendall};
pub use ops::{OP_STACK, TASK_STACK, join, op, sleep, spawn, task};
pub use request::{Answer, Co, JoinHandle, Op, Request, Task, TaskError, TaskGen, Tid, Value};
pub use scheduler::run_task;

/// Runs `main` on a new loop on this thread until it returns, and returns
/// what it returned (see [`run_task`]).
///
/// # Errors
///
/// As [`run_task`], and [`TaskError::Failed`] if `main` returns another
/// type than `T`.
pub fn run<T: 'static>(main: Task) -> Result<T, TaskError> {
    let value = run_task(main)?;
    value.downcast::<T>().map(|v| *v).map_err(|_| TaskError::Failed("main returned another type".into()))
}
