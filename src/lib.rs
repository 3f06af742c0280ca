//! # corolab: learn coroutines by running them
//!
//! corolab holds the concurrency models that Python programmers meet as
//! generators, greenlet, gevent and asyncio, written small in Rust, side by
//! side with plain OS threads, and runs the same lesson scenarios on each so
//! they can be watched and measured.
//!
//! | model | module | what it is built on |
//! | --- | --- | --- |
//! | generators: `yield`, `send`, `throw`, `close` | `generator` | corosensei stackful coroutines |
//! | greenlets: explicit `switch()` | `greenlet` | corosensei, through a trampoline |
//! | gevent: a hub that switches on IO | `gevent` | greenlets + timers + epoll (`polling`); or `may` |
//! | asyncio: an event loop of tasks | `aio` | async-task + timers + epoll |
//! | coroutine stacks: a per-thread pool, overflow reports | `stack` | corosensei `DefaultStack`, a `SIGSEGV` handler |
//! | OS threads | [`scenarios`] (`threads` backend) | std threads + crossbeam-channel |
//!
//! Start reading at [`scenarios`], which shows the same work on every
//! model, and [`trace`], which draws who ran when. [`reactor`] is the epoll
//! poller and timer heap that `aio` and `gevent` share.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms, clippy::undocumented_unsafe_blocks)]

pub mod aio;
pub mod backend;
pub mod bench;
pub mod generator;
pub mod gevent;
pub mod greenlet;
pub mod http;
pub mod lessons;
pub mod measure;
pub mod panic_message;
pub mod reactor;
pub mod scenarios;
pub mod stack;
pub mod svg;
pub mod term;
pub mod trace;
