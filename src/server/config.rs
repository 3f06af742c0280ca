//! The knobs of a server, and their bounds.
#![forbid(unsafe_code)]

use std::time::Duration;

/// The longest timeout a server accepts: a day. Longer ones are cut to
/// it, so that `now + timeout` can never overflow a clock.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// The knobs of a server.
#[derive(Clone, Copy, Debug)]
pub struct ServerConfig {
    /// The stall timeout: how long a read or a write may make no progress
    /// (a client idle between requests, stalled in the middle of one, or
    /// not reading its answers) before the server gives up on it.
    pub read_timeout: Duration,
    /// How long a whole request head may take to arrive, counted from its
    /// first byte (nginx's `client_header_timeout`), so that a trickle of
    /// one byte per half stall timeout is still cut off; `None`: the stall
    /// timeout. Servers without request heads ignore it.
    pub head_timeout: Option<Duration>,
    /// The same for a request body, counted from the end of the head
    /// (nginx's `client_body_timeout` counts between reads; this is a
    /// deadline for the whole body); `None`: the stall timeout.
    pub body_timeout: Option<Duration>,
    /// How long [`ServerHandle::stop`](super::ServerHandle::stop) waits for
    /// open connections to close.
    pub grace: Duration,
    /// Worker threads, for the backends that have several (may); `None`
    /// leaves the backend's default (one per core).
    pub workers: Option<usize>,
    /// The most connections served at once; past it, a new one gets the
    /// protocol's busy answer and is closed. `None`: no cap, except on
    /// the threads backend, which stops at the threads `vm.max_map_count`
    /// leaves room for (a thread past it would abort the process).
    pub max_connections: Option<usize>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            read_timeout: Duration::from_secs(10),
            head_timeout: None,
            body_timeout: None,
            grace: Duration::from_secs(2),
            workers: None,
            max_connections: None,
        }
    }
}

impl ServerConfig {
    /// The same knobs with every timeout cut to [`MAX_TIMEOUT`] (and made
    /// at least a millisecond: a zero timeout means "for ever" to
    /// `set_read_timeout`'s callers and is refused by std).
    pub fn bounded(self) -> ServerConfig {
        let bound = |t: Duration| t.clamp(Duration::from_millis(1), MAX_TIMEOUT);
        ServerConfig {
            read_timeout: bound(self.read_timeout),
            head_timeout: self.head_timeout.map(bound),
            body_timeout: self.body_timeout.map(bound),
            grace: self.grace.min(MAX_TIMEOUT),
            ..self
        }
    }

    /// The deadline for a whole request head.
    pub fn head_timeout(&self) -> Duration {
        self.head_timeout.unwrap_or(self.read_timeout)
    }

    /// The deadline for a whole request body.
    pub fn body_timeout(&self) -> Duration {
        self.body_timeout.unwrap_or(self.read_timeout)
    }
}
