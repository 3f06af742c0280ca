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
//! | generators as tasks: `yield from` asyncio | `genloop` | generators + timers + epoll |
//! | greenlets: explicit `switch()` | `greenlet` | corosensei, through a trampoline |
//! | gevent: a hub that switches on IO | `gevent` | greenlets + timers + epoll; or `may` |
//! | asyncio: an event loop of tasks | `aio` | async-task + timers + epoll |
//! | callbacks: an event loop with no coroutines | `callbacks` | `reactor::selectors` + timers |
//! | coroutine stacks: a per-thread pool, overflow reports | `stack` | corosensei `DefaultStack`, a `SIGSEGV` handler |
//! | OS threads | [`scenarios`] (`threads` backend) | std threads + crossbeam-channel |
//! | a process per connection | `server::fork` (`fork` backend) | fork(2), waitpid(2), signals |
//!
//! Start reading at [`scenarios`], which shows the same work on every
//! model, and [`trace`], which draws who ran when. [`reactor`] is the epoll
//! poller and timer heap that `aio` and `gevent` share.
//!
//! # The layers
//!
//! The modules stack in layers, and a module uses only its own layer and
//! the ones below it, never one above, so the graph has no cycle and each
//! layer can be read knowing only what is under it:
//!
//! ```text
//!  tools        cli      bench     lessons     svg     timeline
//!                 |        |
//!  scenarios    scenarios: one file per scenario, every backend side by side
//!               portable: workloads written once over a `Loop` trait
//!                 |
//!  servers      http (the app, its routes, a server per backend)   echo
//!                 |
//!  models       generator  genloop  greenlet  gevent (+ may)  aio  callbacks  threads
//!                 |            |          |                      |
//!  foundations  stack   reactor   trace (recording)   backend   panic_message
//!               measure   term   streambuf
//! ```
//!
//! - foundations know nothing of coroutines: coroutine stacks and their
//!   overflow guard ([`stack`]), readiness, timers and socket slots
//!   ([`reactor`]), trace events ([`trace`]), the backends' names
//!   ([`backend`]), a panic payload as text ([`panic_message`]), time and
//!   memory ([`measure`]), the terminal's width ([`term`]), the IO-free
//!   buffer behind every stream reader ([`streambuf`]);
//! - models are the concurrency models; `gevent` is built on `greenlet`,
//!   as Python's is, and `threads` is std itself (`fork`, a process per
//!   connection, is a server backend only, in `server`);
//! - servers serve real clients on any model; a scenario may start a
//!   server (`crawl` does), a server never runs a scenario;
//! - scenarios run the lessons' workloads on every model and check them;
//! - tools run, time, draw and teach: the `corolab` binary is a thin
//!   layer of parsing and printing over them; trace rendering is
//!   [`timeline`] (`src/timeline/`), drawing what the foundation
//!   `trace` recorded.
//!
//! `tests/layers.rs` reads every source file and fails on a reference to a
//! higher layer or on a cycle, naming the file and line.
// The other lints come from `[workspace.lints]` in Cargo.toml, for every target;
// missing_docs is the library's alone: its API is what a learner reads.
#![warn(missing_docs)]

// foundations
pub mod backend;
pub mod measure;
pub mod panic_message;
pub mod reactor;
pub mod stack;
pub mod streambuf;
pub mod term;
pub mod trace;

// models
pub mod aio;
pub mod callbacks;
pub mod generator;
pub mod genloop;
pub mod gevent;
pub mod greenlet;

// servers
pub mod echo;
pub mod http;
pub mod redis;
pub mod server;

// scenarios
pub mod portable;
pub mod scenarios;

// tools
pub mod bench;
pub mod lessons;
pub mod svg;
pub mod timeline;
