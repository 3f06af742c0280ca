//! A running server's handle, and what it reports when it stops.
#![forbid(unsafe_code)]

use super::state::ServerState;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

/// What a server did, reported when it stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Requests answered (HTTP; 0 for echo).
    pub requests: u64,
    /// Connections served (the stop's own wake-up connection is not counted).
    pub connections: u64,
    /// Bytes served (echo; 0 for HTTP).
    pub bytes: u64,
    /// Connections that ended with an error (a reset, a stalled write, a
    /// panic in the handler).
    pub errors: u64,
    /// Connections turned away because the server was full.
    pub refused: u64,
    /// Connections open when the stop shut them down.
    pub open_at_stop: u64,
    /// Connections still open when the grace period ran out.
    pub left_open: u64,
}

impl Summary {
    /// The counters of `state` as they are now.
    pub fn of(state: &ServerState) -> Summary {
        Summary {
            requests: state.requests(),
            connections: state.connections(),
            bytes: state.bytes(),
            errors: state.errors(),
            refused: state.refused(),
            open_at_stop: state.open_at_stop(),
            left_open: state.left_open(),
        }
    }
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
    /// arrived to wake its accept loop, after draining its connections.
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

    /// Stops accepting, shuts the open connections down, lets them finish
    /// (a request in progress is answered) within the grace period, and
    /// reports. An error is the server thread's (an accept loop that
    /// failed, or a panic).
    pub fn stop(mut self) -> io::Result<Summary> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> io::Result<Summary> {
        let Some(thread) = self.thread.take() else {
            return Err(io::Error::other("server already stopped"));
        };
        self.state.stop();
        let result = thread.join().unwrap_or_else(|_| Err(io::Error::other("the server thread panicked")));
        result?;
        Ok(Summary::of(&self.state))
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.shut_down();
        }
    }
}
