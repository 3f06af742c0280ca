//! The reactor: readiness from epoll and a timer heap, shared by the event
//! loops (`aio`) and the hub (`gevent`).
//!
//! A coroutine runtime spends most of its life waiting for one of three
//! things: a socket to become readable or writable, a deadline to pass, or
//! another thread to hand it work. This module answers all three and knows
//! nothing about who is waiting: it deals in plain `usize` keys and opaque
//! timer values. Each runtime puts its own meaning on top:
//!
//! - the `aio` loop maps a key to the [`Waker`](std::task::Waker)s of the
//!   tasks parked on that socket, and stores `Waker`s (or callbacks) in
//!   [`Timers`];
//! - the `gevent` hub maps a key to the greenlet parked on it, and stores
//!   greenlets in [`Timers`].
//!
//! The difference between the models is then only how a waiting coroutine is
//! parked and resumed, which is the point the lessons make.
//!
//! # The two halves
//!
//! [`Poller`] wraps the `polling` crate (epoll on Linux). A socket is
//! registered once under a key; interest is *oneshot* by default (the `aio`
//! loop uses [`Mode::Edge`] instead, see [`Poller`]'s module): after the reactor
//! reports the socket ready, the interest is switched off until the runtime
//! asks again with [`Poller::modify`]. Oneshot costs one `epoll_ctl` per wait,
//! but it cannot lose or duplicate a wakeup: the kernel re-checks readiness
//! when the interest is re-armed, so "try the read, it would block, arm the
//! interest" never misses data that arrived in between. [`Poller::notify`]
//! wakes a [`Poller::wait`] sleeping on another thread; that is how work
//! handed over from other threads (`call_soon_threadsafe`, a finished
//! executor job) reaches a sleeping loop.
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
//! use corolab::reactor::{Events, Interest, Poller, Timers};
//! use std::io::Write;
//! use std::time::{Duration, Instant};
//!
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let mut client = std::net::TcpStream::connect(listener.local_addr()?)?;
//! let (server, _) = listener.accept()?;
//! server.set_nonblocking(true)?;
//!
//! let poller = Poller::new()?;
//! // SAFETY: `server` is deleted from the poller before it is dropped.
//! unsafe { poller.add(&server, 0, Interest::READ)? };
//! let mut timers = Timers::new();
//! timers.insert(Instant::now() + Duration::from_millis(1), "tick");
//! client.write_all(b"hello")?;
//!
//! let mut events = Events::new();
//! let mut seen = Vec::new();
//! while seen.len() < 2 {
//!     let timeout = timers.next_deadline().map(|d| d.saturating_duration_since(Instant::now()));
//!     poller.wait(&mut events, timeout)?;
//!     seen.extend(events.iter().map(|r| if r.readable { "readable" } else { "?" }));
//!     while let Some(name) = timers.pop_due(Instant::now()) {
//!         seen.push(name);
//!     }
//! }
//! seen.sort();
//! assert_eq!(seen, ["readable", "tick"]);
//! poller.delete(&server)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The shape follows smol-rs/async-io's reactor (a poller, a timer map
//! ordered by deadline and id, a notify to break the wait), reduced to what a
//! single-threaded loop needs: no locks, because each loop owns its reactor
//! and only [`Poller::notify`] is called from other threads.

// No `forbid(unsafe_code)` here: `poller` wraps `polling`'s one unsafe call
// (registering a source). `timers` forbids it for itself.
mod poller;
mod slots;
mod timers;

pub use poller::{Events, Interest, Mode, Poller, RESERVED_KEY, Readiness};
pub use slots::{Direction, Slot, Slots};
pub use timers::{TimerId, Timers};
