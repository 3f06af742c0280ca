//! The mini-redis server on every backend: the shared [`crate::server`]
//! lifecycle with a redis handler.
//!
//! Every backend runs the same IO-free [`Session`] over
//! one [`Db`] per server; they differ in three things, which are the
//! lesson:
//!
//! | backend | the store is shared as | a `BRPOP` parks on |
//! | --- | --- | --- |
//! | threads | `std::sync::Mutex` | a `std::sync::Condvar` (blocks a thread) |
//! | may | `may::sync::Mutex` | a `may::sync::Condvar` (parks a coroutine) |
//! | gevent | `Rc<RefCell>` on the hub's thread | a gevent [`Event`](crate::gevent::Event) |
//! | aio | `Rc<RefCell>` on the loop's thread | an aio [`Event`](crate::aio::Event) |
//!
//! A waiter remembers the store's push count ([`Store::pushes`]) and
//! parks until it changes; a connection that pushed wakes every waiter,
//! which each try their pop again, so exactly one of them gets a given
//! value. The blocking backends share one handler, [`serve_connection`],
//! generic over [`Keyspace`]; aio has its own with `.await`.
//!
//! Waiters also wake every [`WAIT_SLICE`] to see whether the server is
//! stopping (a stop shuts the sockets down, but a parked `BRPOP` is not
//! reading its socket), so Ctrl-C ends a server with clients blocked.
//!
//! Active expiry ([`Store::purge_expired`]) runs at most every
//! [`PURGE_EVERY`], on the next command after it is due: no timer thread
//! per server, and an idle server has nothing new to expire.
#![forbid(unsafe_code)]

pub mod aio;
pub mod gevent;
pub mod may;
pub mod threads;

use super::session::{Next, Session};
use super::store::Store;
use crate::backend::Backend;
use crate::server::{Protocol, ServerConfig, ServerHandle, ServerState};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

/// The backends that have a redis server, in table order.
pub const BACKENDS: &[Backend] = &[Backend::Threads, Backend::Gevent, Backend::May, Backend::Aio];

/// redis as the lifecycle sees it: a stop shuts reads down (commands
/// already read are answered), and a connection past the cap gets
/// redis's own refusal.
pub static REDIS: Protocol =
    Protocol { name: "redis", on_stop: Shutdown::Read, busy: b"-ERR max number of clients reached\r\n" };

/// How long a parked `BRPOP` sleeps at most before it looks at the stop flag.
pub const WAIT_SLICE: Duration = Duration::from_millis(100);

/// How often, at most, expired keys nobody reads are purged.
pub const PURGE_EVERY: Duration = Duration::from_millis(100);

/// Read buffer per connection.
pub(crate) const READ_BUF: usize = 16 * 1024;

/// Starts the mini-redis of `backend` on `addr` (`127.0.0.1:0` picks a free
/// port; [`ServerHandle::addr`] says which).
pub fn spawn(backend: Backend, addr: SocketAddr, config: ServerConfig) -> io::Result<ServerHandle> {
    match backend {
        Backend::Threads => threads::spawn(addr, config),
        Backend::Gevent => gevent::spawn(addr, config),
        Backend::May => may::spawn(addr, config),
        Backend::Aio => aio::spawn(addr, config),
        other => Err(io::Error::new(io::ErrorKind::Unsupported, format!("no redis server on {other}"))),
    }
}

/// A server's keyspace, with the time of its last purge.
#[derive(Debug)]
pub struct Db {
    store: Store,
    last_purge: Instant,
}

impl Default for Db {
    fn default() -> Db {
        Db { store: Store::new(), last_purge: Instant::now() }
    }
}

/// What one turn of a session did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    /// What the connection does next.
    pub next: Next,
    /// Whether a list was pushed to (waiters must be woken).
    pub pushed: bool,
    /// The store's push count after the turn (a waiter parks until it changes).
    pub pushes: u64,
}

impl Db {
    /// Runs `session`'s commands against the store at `now` (purging
    /// expired keys first when a purge is due).
    pub fn run(&mut self, session: &mut Session, now: Instant) -> Turn {
        if now.duration_since(self.last_purge) >= PURGE_EVERY {
            self.store.purge_expired(now);
            self.last_purge = now;
        }
        let before = self.store.pushes();
        let next = session.run(&mut self.store, now);
        let pushes = self.store.pushes();
        Turn { next, pushed: pushes != before, pushes }
    }

    /// The store (tests and scenarios look inside).
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }
}

// ANCHOR: keyspace
/// How a blocking backend shares its [`Db`] and parks a `BRPOP`.
pub trait Keyspace {
    /// Runs one turn of `session` with the store locked.
    fn run(&self, session: &mut Session) -> Turn;
    /// Wakes every connection parked in [`Keyspace::wait`].
    fn notify(&self);
    /// Parks the calling thread or coroutine until the push count is no
    /// longer `pushes`, `until` has passed, or [`WAIT_SLICE`] is over
    /// (whichever comes first); spurious returns are fine.
    fn wait(&self, pushes: u64, until: Option<Instant>);
}
// ANCHOR_END: keyspace

/// The latest instant a wait that starts now sleeps to: `until`, cut to
/// one [`WAIT_SLICE`].
pub fn slice_end(until: Option<Instant>) -> Instant {
    let slice = Instant::now() + WAIT_SLICE;
    until.map_or(slice, |u| u.min(slice))
}

// ANCHOR: serve_connection
/// The handler the blocking accept loops run (threads, gevent, may): read,
/// run every whole command, write the replies, and park while a `BRPOP`
/// waits, until the client closes, says `QUIT`, breaks the protocol, or
/// the server stops.
pub fn serve_connection<S: Read + Write, K: Keyspace>(
    stream: &mut S,
    state: &ServerState,
    keyspace: &K,
) -> io::Result<()> {
    let mut session = Session::new();
    let mut buf = vec![0u8; READ_BUF];
    let mut counted = 0;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if crate::server::is_timeout(&e) => return Ok(()), // idle: hang up
            Err(e) => return Err(e),
        };
        session.received(&buf[..n]);
        loop {
            let turn = keyspace.run(&mut session);
            if turn.pushed {
                keyspace.notify();
            }
            if !session.output().is_empty() {
                stream.write_all(session.output())?;
                session.clear_output();
            }
            for _ in counted..session.commands() {
                state.count_request();
            }
            counted = session.commands();
            match turn.next {
                Next::Read => break,
                Next::Close => return Ok(()),
                Next::Wait(_) if state.stopping() => return Ok(()),
                Next::Wait(until) => keyspace.wait(turn.pushes, until),
            }
        }
    }
}
// ANCHOR_END: serve_connection
