//! The reactor: readiness from epoll, a timer heap and a slot table, shared
//! by the event loops (`aio`) and the hub (`gevent`).
//!
//! A coroutine runtime spends most of its life waiting for one of three
//! things: a socket to become readable or writable, a deadline to pass, or
//! another thread to hand it work. This module answers all three and knows
//! nothing about who is waiting: it deals in plain `usize` keys and opaque
//! timer values. Each runtime puts its own meaning on top:
//!
//! - the `aio` loop parks a task's [`Waker`](std::task::Waker) in the
//!   [`Slots`] of a socket's key, and stores `Waker`s (or callbacks) in
//!   [`Timers`];
//! - the `gevent` hub parks a greenlet's *wake token* (task, park number) in
//!   the same [`Slots`], and stores wake tokens and timeouts in [`Timers`].
//!
//! The difference between the models is then only how a waiting coroutine is
//! parked and resumed, which is the point the lessons make.
//!
//! # The three parts
//!
//! [`Poller`] is epoll, called directly (through rustix's safe wrappers),
//! at one system call per wait. A socket is
//! registered once under a key, for both directions, *edge-triggered*
//! ([`Poller::add_edge`]): its registration never changes until it closes,
//! and the poller reports it each time it becomes readable or writable. A
//! runtime therefore always tries the operation first and parks only on
//! `WouldBlock`; the poller's module says why nothing is lost that way on
//! a single-threaded loop, and what a multi-threaded runtime does instead.
//! [`Poller::notify`] wakes a [`Poller::wait`] sleeping on another thread;
//! that is how work handed over from other threads
//! (`call_soon_threadsafe`, a finished executor job) reaches a sleeping
//! loop, through an eventfd written only when the loop may be asleep
//! (`notifier.rs` shows the handshake).
//!
//! # Level-triggered pollers, for the road underneath
//!
//! Beside the runtimes' edge-triggered [`Poller`], three sibling files
//! export a level-triggered `Poller` each, behind one trait,
//! [`LevelPoller`]: [`select`] on select(2), [`poll`] on poll(2) and
//! [`epoll`] on epoll. They answer the same questions at different costs
//! (select and poll check every watched descriptor on every wait; select
//! cannot even hold a descriptor past `FD_SETSIZE`), which is why epoll
//! exists. [`selectors`] is a safe, Python-style API over any of them,
//! and the `callbacks` event loop is built on it.
//!
//! [`Slots`] is the other half of a registration: key to who waits to read
//! and who waits to write, with a free list so keys are reused, and a count
//! of the slots someone waits on ([`Slots::waiting`]), so a loop knows
//! whether blocking in the poller could wake anyone.
//!
//! [`Timers`] is a binary heap of `(deadline, sequence)` pairs beside a slab
//! of values. Equal deadlines fire in insertion order (the sequence number
//! breaks ties), cancelling is O(1) (the slab slot is emptied, and the heap
//! entry is skipped when it reaches the top: *lazy deletion*), and the heap
//! is rebuilt when cancelled entries outnumber live ones, so a runtime that
//! sets and cancels a timeout per request does not grow without bound.
//!
//! ```text
//!   runtime loop                         reactor
//!   ────────────                         ───────
//!   run what is ready
//!   timeout = timers.next_deadline() ──▶ poller.wait(events, timeout)
//!                                         ├─ a socket is ready  → event(key)
//!                                         ├─ the deadline passed → no events
//!                                         └─ notify() from a thread → no events
//!   for each event: wake what waits on key
//!   timers.pop_due(now, ..): wake those
//! ```
//!
//! A whole (tiny) runtime turn, with a socket and a timer:
//!
//! ```
//! use corolab::reactor::{Direction, Events, Interest, Poller, Slots, Timers};
//! use std::io::Write;
//! use std::time::{Duration, Instant};
//!
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let mut client = std::net::TcpStream::connect(listener.local_addr()?)?;
//! let (server, _) = listener.accept()?;
//! server.set_nonblocking(true)?;
//!
//! let poller = Poller::new()?;
//! let mut slots = Slots::new();
//! let key = slots.insert();
//! // SAFETY: `server` is deleted from the poller before it is dropped.
//! unsafe { poller.add_edge(&server, key, Interest::READ)? };
//! // A "task" tried to read, got `WouldBlock`, and parks on the socket.
//! slots.park(key, Direction::Read, "reader").unwrap();
//! let mut timers = Timers::new();
//! timers.insert(Instant::now() + Duration::from_millis(1), "tick");
//! client.write_all(b"hello")?;
//!
//! let mut events = Events::new();
//! let mut woken = Vec::new();
//! while woken.len() < 2 {
//!     let timeout = timers.next_deadline().map(|d| d.saturating_duration_since(Instant::now()));
//!     poller.wait(&mut events, timeout)?;
//!     for ready in events.iter() {
//!         let (reader, writer) = slots.take_ready(ready.key);
//!         woken.extend(reader.into_iter().chain(writer));
//!     }
//!     while let Some(name) = timers.pop_due(Instant::now()) {
//!         woken.push(name);
//!     }
//! }
//! woken.sort();
//! assert_eq!(woken, ["reader", "tick"]);
//! assert_eq!(slots.waiting(), 0);
//! poller.delete(&server)?;
//! slots.remove(key);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The shape follows smol-rs/async-io's reactor (a poller, a timer map
//! ordered by deadline and id, a notify to break the wait), reduced to what a
//! single-threaded loop needs: no locks, because each loop owns its reactor
//! and only [`Poller::notify`] is called from other threads.

// No `forbid(unsafe_code)` here: `select` and `poll` make their libc calls,
// and `poller`, `epoll` and `level` declare the one unsafe contract
// (register a source, delete it before it closes). The others forbid it
// for themselves.
pub mod epoll;
mod level;
mod notifier;
pub mod poll;
mod poller;
pub mod select;
pub mod selectors;
mod slots;
mod timers;

pub use level::LevelPoller;
pub use poller::{Events, Interest, Poller, RESERVED_KEY, Readiness};

// ANCHOR: default_poller
/// The level-triggered poller [`selectors::DefaultSelector`] and the
/// `callbacks` loop use, chosen here once, as Python's `selectors` picks
/// the best the platform has: epoll, else poll, else select. (Swap the
/// line for `poll::Poller` or `select::Poller` to watch a server run on
/// the older calls; [`selectors::Selector`] takes any of them.)
pub type DefaultPoller = epoll::Poller;
// ANCHOR_END: default_poller
pub use slots::{Direction, Slot, Slots};
pub use timers::{TimerId, Timers};
