//! One server lifecycle, shared by every server (http, echo) on every backend.
//!
//! A server is two things that vary and one that does not:
//!
//! - a **per-connection handler**, the protocol: [`crate::http`]'s
//!   request loop, [`crate::echo`]'s copy loop. It is written once for
//!   blocking streams (`Read + Write`, which threads, gevent and may all
//!   offer) and once with `.await` for aio;
//! - a **per-backend accept loop**, the concurrency model: [`threads`] (a
//!   thread per connection), [`gevent`] (a greenlet per connection on one
//!   hub), [`may`] (a coroutine per connection on all cores), [`aio`] (a
//!   task per connection on one event loop), [`fork`] (a process per
//!   connection). Each takes any handler;
//! - the **lifecycle** in between, the same for all: [`ServerState`] (the
//!   stop flag, the counters, the registry of open connections and the
//!   knobs), [`Open`] (a connection's registration, removed when it drops,
//!   on every path, panics included) and [`ServerHandle`] (stop, wait, and
//!   the [`Summary`]).
//!
//! ```text
//!   ServerHandle::stop ── raise the stop flag, connect once to wake accept
//!                                            │
//!   accept loop:  accept ─► register (Open) ─► spawn handler(stream, state)
//!                   │ stopping                      │ returns or panics
//!                   ▼                               ▼
//!   state.shut_down_all()  ─► handlers see EOF ─► Open drops: unregistered
//!   drain: wait for open == 0, or the grace period; note who was cut off
//! ```
//!
//! # Plugging in
//!
//! **A new server** (a redis server, say) writes its handler, a function of
//! the stream and the [`ServerState`] that returns when the connection
//! should close, and a [`Protocol`] (its name, how a stop shuts its
//! connections down, what it answers when it is full); its `spawn(backend,
//! addr, config)` is then a `match` calling each backend's `spawn` with
//! that handler, as [`crate::echo::spawn`] is. The stall timeouts (reads
//! and writes that make no progress) are set by the accept loops; a
//! handler that wants a deadline of its own (HTTP's request head) sets
//! the read timeout itself through [`Socket`].
//!
//! **A new backend** (callbacks, genloop, fork) writes one file here with
//! `serve(listener, state, handler)`, the accept loop, following the four
//! that exist: stop when [`ServerState::stopping`], register each
//! connection with [`ServerState::register`] before handing it on, refuse
//! past [`ServerState::full`], and end with [`ServerState::shut_down_all`]
//! and a drain that waits its own way ([`ServerState::drain`] takes the
//! backend's sleep). Its `spawn` runs `serve` on a thread of its own and
//! returns [`ServerHandle::new`]. Then add the backend to each server's
//! `spawn` match and to its `BACKENDS`.
//!
//! # What a production server would do differently
//!
//! A stop here polls the open count every few milliseconds; tokio's
//! servers (mini-redis) wait on a channel that closes when the last
//! connection drops. Polling is one line on every backend, a channel would
//! be a different wait on each.
#![deny(unsafe_code)] // every file forbids it but fd.rs and process.rs, the fenced calls

pub mod aio;
pub mod callbacks;
mod config;
mod fd;
pub mod fork;
pub mod gevent;
mod handle;
pub mod may;
mod process;
mod state;
pub mod threads;

pub use config::{MAX_TIMEOUT, ServerConfig};
pub use handle::{ServerHandle, Summary};
pub use state::{Open, Protocol, ServerState};

use std::io;
use std::time::Duration;

/// The socket calls an accept loop and a handler make on a blocking
/// stream, whatever its backend: std's, gevent's or may's `TcpStream`.
pub trait Socket: std::os::fd::AsRawFd {
    /// How long a read may wait (`None`: for ever); past it, an error of
    /// kind `WouldBlock` or `TimedOut`.
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
    /// How long a write may make no progress; past it, the same errors.
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
    /// Sets `TCP_NODELAY`.
    fn set_nodelay(&self, on: bool) -> io::Result<()>;
}

macro_rules! socket {
    ($t:ty) => {
        impl Socket for $t {
            fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
                <$t>::set_read_timeout(self, timeout)
            }
            fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
                <$t>::set_write_timeout(self, timeout)
            }
            fn set_nodelay(&self, on: bool) -> io::Result<()> {
                <$t>::set_nodelay(self, on)
            }
        }
    };
}
socket!(std::net::TcpStream);
socket!(crate::gevent::net::TcpStream);
socket!(crate::gevent::may::net::TcpStream);

/// Whether an IO error is a timeout (std says `WouldBlock` for an expired
/// `SO_RCVTIMEO`, gevent and may say `TimedOut`).
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// Sets what every accepted connection gets: the stall timeout on reads
/// and on writes (a client that stops reading its answers is cut off as
/// one that stops sending), and `TCP_NODELAY`. None of these fails on a
/// connected socket; if one did, the connection would still work, only
/// without that timeout or with Nagle.
pub fn prepare<S: Socket>(stream: &S, config: &ServerConfig) {
    let _ = stream.set_read_timeout(Some(config.read_timeout));
    let _ = stream.set_write_timeout(Some(config.read_timeout));
    let _ = stream.set_nodelay(true);
}

/// How long an accept loop backs off after `accept` fails (out of file
/// descriptors, say), instead of spinning on the error.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// How often a stopping server looks at its open count.
pub const DRAIN_POLL: Duration = Duration::from_millis(5);
