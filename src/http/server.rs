//! What every backend's server shares: its state, its handle, its summary.
//!
//! Each backend has a `spawn(addr, config)` that binds a listener, starts
//! serving on a thread of its own (an accept loop on threads, a hub on
//! gevent, an event loop on aio) and returns a [`ServerHandle`]. The handle
//! reads the counters and stops the server: [`ServerHandle::stop`] raises the
//! stop flag, wakes the accept loop with one connection to itself (the
//! portable way to interrupt a blocking `accept`), and waits for the server
//! to close its connections.
#![forbid(unsafe_code)]

use crate::scenarios::Backend;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The backends that have an HTTP server, in table order.
pub const BACKENDS: &[Backend] = &[Backend::Threads, Backend::Gevent, Backend::May, Backend::Aio];

/// Starts the HTTP server of `backend` on `addr` (`127.0.0.1:0` picks a
/// free port; [`ServerHandle::addr`] says which).
pub fn spawn(backend: Backend, addr: SocketAddr, config: ServerConfig) -> io::Result<ServerHandle> {
    match backend {
        Backend::Threads => super::threads::spawn(addr, config),
        Backend::Gevent => super::gevent::spawn(addr, config),
        Backend::May => super::may::spawn(addr, config),
        Backend::Aio => super::aio::spawn(addr, config),
        other => Err(io::Error::new(io::ErrorKind::Unsupported, format!("no HTTP server on {other}"))),
    }
}

/// The knobs of a server.
#[derive(Clone, Copy, Debug)]
pub struct ServerConfig {
    /// How long a connection may stay silent, idle between requests or
    /// stalled in the middle of one, before the server gives up on it.
    pub read_timeout: Duration,
    /// How long [`ServerHandle::stop`] waits for open connections to close.
    pub grace: Duration,
    /// Worker threads, for the backends that have several (may); `None`
    /// leaves the backend's default (one per core).
    pub workers: Option<usize>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig { read_timeout: Duration::from_secs(10), grace: Duration::from_secs(2), workers: None }
    }
}

/// A server's shared state: the stop flag and the counters. Every
/// connection of every backend holds an `Arc` of it.
#[derive(Debug)]
pub struct ServerState {
    /// The address the listener is bound to.
    pub addr: SocketAddr,
    /// The knobs.
    pub config: ServerConfig,
    stop: AtomicBool,
    requests: AtomicU64,
    connections: AtomicU64,
    open: AtomicU64,
}

impl ServerState {
    /// State for a server listening on `addr`.
    pub fn new(addr: SocketAddr, config: ServerConfig) -> Arc<ServerState> {
        Arc::new(ServerState {
            addr,
            config,
            stop: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            open: AtomicU64::new(0),
        })
    }

    /// Whether the server has been asked to stop.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Counts one response written.
    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a new connection; it counts as open until the guard drops.
    pub fn open_connection(self: &Arc<Self>) -> OpenConnection {
        self.connections.fetch_add(1, Ordering::Relaxed);
        self.open.fetch_add(1, Ordering::AcqRel);
        OpenConnection { server: Arc::clone(self) }
    }

    /// Responses written so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Connections open right now.
    pub fn open(&self) -> u64 {
        self.open.load(Ordering::Acquire)
    }

    /// Waits (polling every few milliseconds) until no connection is open
    /// or the grace period is over. Returns whether all closed.
    pub fn wait_closed(&self) -> bool {
        let deadline = Instant::now() + self.config.grace;
        while self.open() > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
}

/// Marks a connection open while it lives.
#[derive(Debug)]
pub struct OpenConnection {
    server: Arc<ServerState>,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.server.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What a server did, reported when it stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Responses written.
    pub requests: u64,
    /// Connections served (the stop's own wake-up connection is not counted).
    pub connections: u64,
    /// Connections still open when the grace period ran out.
    pub left_open: u64,
}

/// A running server. Dropping it stops the server too.
#[derive(Debug)]
#[must_use = "the server stops when its handle is dropped"]
pub struct ServerHandle {
    state: Arc<ServerState>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ServerHandle {
    /// Wraps a server running on `thread` with `state`. The thread must
    /// return once [`ServerState::stopping`] is true and a connection has
    /// arrived to wake its accept loop.
    pub fn new(state: Arc<ServerState>, thread: JoinHandle<io::Result<()>>) -> ServerHandle {
        ServerHandle { state, thread: Some(thread) }
    }

    /// The address the server listens on (useful after binding port 0).
    pub fn addr(&self) -> SocketAddr {
        self.state.addr
    }

    /// The server's state and counters.
    pub fn state(&self) -> &ServerState {
        &self.state
    }

    /// Stops accepting, lets open connections finish their request in
    /// progress and close, and reports. An error is the server thread's
    /// (an accept loop that failed, or a panic).
    pub fn stop(mut self) -> io::Result<Summary> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> io::Result<Summary> {
        let Some(thread) = self.thread.take() else {
            return Err(io::Error::other("server already stopped"));
        };
        self.state.stop.store(true, Ordering::Release);
        // Wake the accept loop; if it already ended, nobody answers: fine.
        let _ = TcpStream::connect_timeout(&self.state.addr, Duration::from_secs(1));
        let result = thread.join().unwrap_or_else(|_| Err(io::Error::other("the server thread panicked")));
        result?;
        Ok(Summary {
            requests: self.state.requests(),
            connections: self.state.connections(),
            left_open: self.state.open(),
        })
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.shut_down();
        }
    }
}
