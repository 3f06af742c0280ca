//! A server's shared state: the stop flag, the counters, the open
//! connections, and the connection guard that keeps the registry true.
#![forbid(unsafe_code)]

use super::config::ServerConfig;
use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::ops::{Deref, DerefMut};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// What a server is, as the lifecycle sees it.
#[derive(Debug)]
pub struct Protocol {
    /// Its name, for threads and messages: `http`, `echo`.
    pub name: &'static str,
    /// How a stop shuts its open connections down: `Read` lets a request
    /// in progress be answered (HTTP), `Both` ends an echo at once.
    pub on_stop: Shutdown,
    /// What a connection past [`ServerConfig::max_connections`] is sent
    /// before it is closed (HTTP's 503; nothing for echo).
    pub busy: &'static [u8],
}

/// A server's shared state. Every connection of every backend holds an
/// `Arc` of it.
#[derive(Debug)]
pub struct ServerState {
    /// The address the listener is bound to.
    pub addr: SocketAddr,
    /// The knobs, already [bounded](ServerConfig::bounded).
    pub config: ServerConfig,
    /// What is served.
    pub protocol: &'static Protocol,
    stop: AtomicBool,
    next_id: AtomicU64,
    requests: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
    refused: AtomicU64,
    left_open: AtomicU64,
    open_at_stop: AtomicU64,
    /// The open connections: id to descriptor number (`None`: served by
    /// another process, out of this one's reach).
    ///
    /// # Invariant
    ///
    /// Every descriptor in here is open and is the connection its id
    /// names: [`Open`] removes its entry (under this lock) before its
    /// stream, and so the descriptor, is dropped.
    open: Mutex<HashMap<u64, Option<RawFd>>>,
}

impl ServerState {
    /// State for a `protocol` server listening on `addr`.
    pub fn new(addr: SocketAddr, config: ServerConfig, protocol: &'static Protocol) -> Arc<ServerState> {
        Arc::new(ServerState {
            addr,
            config: config.bounded(),
            protocol,
            stop: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            left_open: AtomicU64::new(0),
            open_at_stop: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the server has been asked to stop.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Asks the server to stop: raises the flag and connects once to wake
    /// an accept loop blocked in `accept` (the portable way to interrupt
    /// it); the loop sees the flag and stops.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        // If the loop already ended, nobody answers: fine.
        let _ = std::net::TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }

    // ANCHOR: register
    /// Registers a new connection: it counts as open until the returned
    /// guard drops, on whatever path (a return, an error, a panic).
    pub fn register<S: AsRawFd>(self: &Arc<Self>, stream: S) -> Open<S> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, Some(stream.as_raw_fd()));
        Open { state: Arc::clone(self), id, stream }
    }
    // ANCHOR_END: register

    /// Registers a connection that another process serves (the fork
    /// backend's children): counted open until the guard drops, like any
    /// other, but [`shut_down_all`](Self::shut_down_all) has no descriptor
    /// of it to shut down; the accept loop that forked the process stops
    /// it instead.
    pub fn register_elsewhere(self: &Arc<Self>) -> Open<()> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, None);
        Open { state: Arc::clone(self), id, stream: () }
    }

    /// Whether the server is serving as many connections as it may; the
    /// accept loop then turns new ones away ([`refuse`](Self::refuse)).
    /// `cap` is the backend's own limit, if it has one (threads).
    pub fn full(&self, cap: Option<usize>) -> bool {
        let cap = match (self.config.max_connections, cap) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(cap) => cap,
                None => return false,
            },
        };
        self.lock().len() >= cap
    }

    /// Turns a connection away: sends the protocol's busy answer (what
    /// the socket takes at once: a client that does not read is not waited
    /// for) and shuts it down; it closes when the caller drops it.
    pub fn refuse(&self, stream: &impl AsRawFd) {
        self.refused.fetch_add(1, Ordering::Relaxed);
        super::fd::answer_and_shut_down(stream.as_raw_fd(), self.protocol.busy);
    }

    /// Shuts every open connection down ([`Protocol::on_stop`]): a handler
    /// parked in `read` sees end of stream and ends on its own. Returns how
    /// many were open.
    pub fn shut_down_all(&self) -> usize {
        let open = self.lock();
        for &fd in open.values().flatten() {
            // A connection that is closing may already be shut down: fine.
            let _ = super::fd::shutdown(fd, self.protocol.on_stop);
        }
        self.open_at_stop.store(open.len() as u64, Ordering::Release);
        open.len()
    }

    /// Waits until no connection is open or the grace period is over,
    /// sleeping with the backend's `sleep` (a thread sleep, or a coroutine
    /// sleep that lets the connections run), then notes how many were cut
    /// off. Returns whether all closed.
    pub fn drain(&self, sleep: impl Fn(Duration)) -> bool {
        let deadline = self.grace_deadline();
        while self.open() > 0 && Instant::now() < deadline {
            sleep(super::DRAIN_POLL);
        }
        self.note_left_open()
    }

    /// When a drain that starts now gives up.
    pub fn grace_deadline(&self) -> Instant {
        Instant::now() + self.config.grace
    }

    /// Records how many connections are still open (at the end of the
    /// grace period, before a backend cancels them), for the summary.
    /// Returns whether none are.
    pub fn note_left_open(&self) -> bool {
        let open = self.open();
        self.left_open.store(open, Ordering::Release);
        open == 0
    }

    /// Counts one request answered.
    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `n` bytes served (echoed).
    pub fn count_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a connection that ended with an error (reset, broken pipe,
    /// a stalled write, a panic).
    pub fn count_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Connections accepted (registered) so far.
    pub fn connections(&self) -> u64 {
        self.next_id.load(Ordering::Relaxed)
    }

    /// Connections open right now.
    pub fn open(&self) -> u64 {
        self.lock().len() as u64
    }

    /// Bytes served so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Connections that ended with an error so far.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Connections turned away because the server was full.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Connections still open when the grace period ran out (0 until a
    /// stop has drained).
    pub fn left_open(&self) -> u64 {
        self.left_open.load(Ordering::Acquire)
    }

    /// Connections open when the stop shut them down.
    pub fn open_at_stop(&self) -> u64 {
        self.open_at_stop.load(Ordering::Acquire)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Option<RawFd>>> {
        // The map is consistent after any panic (one insert or remove).
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A registered connection: its stream, counted open until this drops.
///
/// Dropping it unregisters the connection first and closes the stream
/// after (a `Drop` impl runs before the fields drop), which is what keeps
/// [`ServerState`]'s registry invariant: no stop can shut down a number
/// the kernel has handed to someone else.
#[derive(Debug)]
pub struct Open<S> {
    state: Arc<ServerState>,
    id: u64,
    stream: S,
}

impl<S> Open<S> {
    /// The server this connection belongs to.
    pub fn state(&self) -> &Arc<ServerState> {
        &self.state
    }

    /// This connection's number, in accept order.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Runs `handler` on the connection, counts an error if it fails or
    /// panics, and lets a panic go on unwinding (the guard still drops).
    pub fn serve(mut self, handler: impl FnOnce(&mut S, &ServerState) -> io::Result<()>) {
        let state = Arc::clone(&self.state);
        let counted = CountPanic(&state);
        if handler(&mut self.stream, &state).is_err() {
            state.count_error();
        }
        std::mem::forget(counted);
    }
}

/// Counts a panic as an error while it unwinds past [`Open::serve`].
struct CountPanic<'a>(&'a ServerState);

impl Drop for CountPanic<'_> {
    fn drop(&mut self) {
        self.0.count_error();
    }
}

impl<S> Deref for Open<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.stream
    }
}

impl<S> DerefMut for Open<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.stream
    }
}

impl<S> Drop for Open<S> {
    fn drop(&mut self) {
        self.state.lock().remove(&self.id);
    }
}
