//! Primitives that park tasks instead of threads: [`Queue`], [`Lock`],
//! [`Semaphore`], [`Event`] (asyncio's `asyncio.Queue`, `Lock`, `Semaphore`,
//! `Event`).
//!
//! They are single-threaded (`Rc` inside, `!Send`): a loop's tasks share them,
//! and no atomics or OS locks are needed, because only one task runs at a
//! time. A task that must wait leaves its `Waker` in a FIFO `WaitList` (`waiters.rs`) and
//! returns `Pending`; whoever frees the resource wakes the first waiter.
//!
//! The resources are released by RAII, the Rust form of `async with`:
//! `lock().await` returns a guard, and dropping the guard (at the end of
//! its scope, or early with `drop`) releases the lock. That is the
//! async-context-manager pattern: acquire with `.await`, release on scope
//! end.
#![forbid(unsafe_code)]

mod event;
mod lock;
mod queue;
mod semaphore;
mod waiters;

pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use queue::{Queue, QueueEmpty, QueueFull, QueueItems, QueueShutDown};
pub use semaphore::{Permit, Semaphore};
pub(crate) use waiters::{WaitList, Waiting};
