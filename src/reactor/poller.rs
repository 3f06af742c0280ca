//! [`Poller`]: sockets registered under keys, edge-triggered readiness, and
//! a cross-thread wakeup.
//!
//! A thin layer over `polling::Poller` that fixes the choices corolab's
//! runtimes share: a source is registered once, for both directions,
//! *edge-triggered* ([`Poller::add_edge`]); a wait interrupted by a signal
//! is an empty wait rather than an error; and the key `usize::MAX` is
//! reserved (`polling` uses it for [`Poller::notify`]).
//!
//! # Why edge-triggered
//!
//! Edge-triggered interest stays on after each event, and an event is
//! reported when readiness *changes* (new data, new buffer space, a peer's
//! close), not for as long as it lasts. So a runtime registers a socket
//! once and never touches its registration again until it closes: no
//! `epoll_ctl` per wait. The price is a rule the runtime must keep: it
//! parks on a socket only after the operation returned `WouldBlock` (so
//! the next change is one it will hear about), and no event may slip
//! between that failed try and the parking. Both of corolab's runtimes
//! keep it by construction: the thread that parks a task is the thread
//! that waits on the poller, and it handles events only between task
//! steps.
//!
//! A multi-threaded runtime, where another thread may be waiting on the
//! poller while a task tries its read, usually registers *oneshot* instead
//! (one event, then silent until re-armed with an `epoll_ctl`): the re-arm
//! makes the kernel check the level again, so no wakeup is lost whoever
//! waits. corolab has no such runtime, so it has no oneshot path.

use std::io;
use std::os::fd::AsFd;
use std::time::Duration;

/// Which readiness a runtime wants to hear about for a source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Interest {
    /// Report when a read would not block (data, a peer's close, an error,
    /// or a connection to accept).
    pub read: bool,
    /// Report when a write would not block (buffer space, a finished
    /// connect, or an error).
    pub write: bool,
}

impl Interest {
    /// Readable only.
    pub const READ: Interest = Interest { read: true, write: false };
    /// Writable only.
    pub const WRITE: Interest = Interest { read: false, write: true };
    /// Readable or writable.
    pub const BOTH: Interest = Interest { read: true, write: true };

    fn event(self, key: usize) -> polling::Event {
        polling::Event::new(key, self.read, self.write)
    }
}

/// One report from [`Poller::wait`]: the source under `key` is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Readiness {
    /// The key the source was registered under.
    pub key: usize,
    /// A read would not block.
    pub readable: bool,
    /// A write would not block.
    pub writable: bool,
}

/// The buffer [`Poller::wait`] fills. Keep one and reuse it: it holds the
/// kernel's event array.
pub struct Events {
    inner: polling::Events,
}

impl Events {
    /// An empty buffer with `polling`'s default capacity (1024 events a wait).
    pub fn new() -> Events {
        Events { inner: polling::Events::new() }
    }

    /// The reports of the last wait.
    pub fn iter(&self) -> impl Iterator<Item = Readiness> + '_ {
        self.inner.iter().map(|e| Readiness { key: e.key, readable: e.readable, writable: e.writable })
    }

    /// How many reports the last wait left.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the last wait reported nothing (a timeout or a notify).
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Forgets the reports (the next wait does this itself).
    pub fn clear(&mut self) {
        self.inner.clear();
    }
}

impl Default for Events {
    fn default() -> Self {
        Events::new()
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Sockets registered under keys, and a wait that returns when some are
/// ready, a timeout passes, or another thread calls [`Poller::notify`].
///
/// `Poller` is `Send + Sync`: the runtime that owns it waits on it, and
/// other threads hold it (in an `Arc`) only to call [`Poller::notify`].
#[derive(Debug)]
pub struct Poller {
    inner: polling::Poller,
}

/// The key `polling` keeps for its notify event; no source may use it.
pub const RESERVED_KEY: usize = usize::MAX;

impl Poller {
    /// Opens an epoll instance (and the eventfd behind [`Poller::notify`]).
    pub fn new() -> io::Result<Poller> {
        Ok(Poller { inner: polling::Poller::new()? })
    }

    /// Registers `source` under `key` *edge-triggered*, for `interest`
    /// (runtimes ask for [`Interest::BOTH`]): interest stays on after each
    /// event, and an event is reported each time the source *becomes* ready
    /// in a direction asked for, not for as long as it stays ready. Park on
    /// a source only after its operation returned `WouldBlock` (see the
    /// module docs for why that loses nothing).
    ///
    /// # Safety
    ///
    /// `source` must stay open until it is removed with [`Poller::delete`]:
    /// closing a registered file descriptor leaves the registration behind
    /// in `polling`'s bookkeeping, and a new file that reuses the number
    /// would receive the old source's events. Runtimes meet this by owning
    /// the socket in the same struct as its registration and deleting it in
    /// `Drop`, before the socket closes.
    ///
    /// # Panics
    ///
    /// If `key` is [`RESERVED_KEY`].
    pub unsafe fn add_edge(&self, source: &impl AsFd, key: usize, interest: Interest) -> io::Result<()> {
        assert_ne!(key, RESERVED_KEY, "usize::MAX is the poller's notify key");
        let fd = source.as_fd();
        // SAFETY: the caller promises (this function's contract) to delete
        // the source before closing it, which is `polling`'s requirement.
        unsafe { self.inner.add_with_mode(&fd, interest.event(key), polling::PollMode::Edge) }
    }

    /// Removes a registered source. Call it before the source is closed.
    pub fn delete(&self, source: &impl AsFd) -> io::Result<()> {
        self.inner.delete(source.as_fd())
    }

    /// Waits until a source is ready, `timeout` passes (`None`: no limit),
    /// or [`Poller::notify`] is called, and returns how many reports
    /// `events` now holds. A reported source stays registered with the same
    /// interest: it is reported again at its next change, not before.
    ///
    /// A wait interrupted by a signal returns `Ok(0)`, like a timeout: the
    /// runtime looks at its timers and queues and waits again.
    pub fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<usize> {
        events.inner.clear();
        match self.inner.wait(&mut events.inner, timeout) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Wakes the thread sleeping in [`Poller::wait`], or makes its next wait
    /// return at once. Callable from any thread; several notifies before a
    /// wait collapse into one wakeup.
    pub fn notify(&self) -> io::Result<()> {
        self.inner.notify()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::time::Instant;

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (b, _) = listener.accept().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        (a, b)
    }

    #[test]
    fn reports_readable_under_its_key_once_per_arrival() {
        let poller = Poller::new().unwrap();
        let (mut a, mut b) = pair();
        // SAFETY: `b` is deleted below, before it is dropped.
        unsafe { poller.add_edge(&b, 7, Interest::READ) }.unwrap();
        let mut events = Events::new();
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0, "nothing sent yet");
        let mut buf = [0; 8];
        for round in 0..3 {
            a.write_all(b"x").unwrap();
            poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap();
            let got: Vec<Readiness> = events.iter().collect();
            assert_eq!(got, [Readiness { key: 7, readable: true, writable: false }], "round {round}");
            // Edge: the byte is still unread, but the level is not re-reported.
            poller.wait(&mut events, Some(Duration::ZERO)).unwrap();
            assert!(events.is_empty(), "round {round}: reported again without a change: {events:?}");
            assert_eq!(b.read(&mut buf).unwrap(), 1);
        }
        poller.delete(&b).unwrap();
    }

    #[test]
    fn a_new_connection_reports_writable_once() {
        let poller = Poller::new().unwrap();
        let (a, _b) = pair();
        // SAFETY: `a` is deleted below, before it is dropped.
        unsafe { poller.add_edge(&a, 1, Interest::BOTH) }.unwrap();
        let mut events = Events::new();
        poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap();
        let got: Vec<Readiness> = events.iter().collect();
        assert_eq!(got, [Readiness { key: 1, readable: false, writable: true }]);
        poller.wait(&mut events, Some(Duration::ZERO)).unwrap();
        assert!(events.is_empty(), "the send buffer stayed free: no new edge, got {events:?}");
        poller.delete(&a).unwrap();
    }

    #[test]
    fn a_peer_close_is_reported_readable() {
        // How a parked reader hears of EOF: the close is an edge too.
        let poller = Poller::new().unwrap();
        let (a, mut b) = pair();
        // SAFETY: `b` is deleted below, before it is dropped.
        unsafe { poller.add_edge(&b, 2, Interest::READ) }.unwrap();
        let mut events = Events::new();
        drop(a);
        poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap();
        assert_eq!(events.iter().map(|r| (r.key, r.readable)).collect::<Vec<_>>(), [(2, true)]);
        assert_eq!(b.read(&mut [0; 1]).unwrap(), 0, "the read sees EOF");
        poller.delete(&b).unwrap();
    }

    #[test]
    fn notify_from_another_thread_wakes_a_sleeping_wait() {
        let poller = Arc::new(Poller::new().unwrap());
        let remote = Arc::clone(&poller);
        let started = Instant::now();
        let notifier = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            remote.notify().unwrap();
        });
        let mut events = Events::new();
        poller.wait(&mut events, Some(Duration::from_secs(30))).unwrap();
        notifier.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "the notify did not wake the wait");
        assert!(events.is_empty(), "a notify is not a source event");
    }

    #[test]
    fn a_notify_before_the_wait_is_not_lost() {
        let poller = Poller::new().unwrap();
        poller.notify().unwrap();
        poller.notify().unwrap();
        let mut events = Events::new();
        let started = Instant::now();
        poller.wait(&mut events, Some(Duration::from_secs(30))).unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
        // The two notifies collapsed into one: the next wait times out.
        poller.wait(&mut events, Some(Duration::from_millis(1))).unwrap();
        assert!(events.is_empty());
    }

    #[test]
    #[should_panic(expected = "notify key")]
    fn the_notify_key_is_refused() {
        let poller = Poller::new().unwrap();
        let (a, _b) = pair();
        // SAFETY: the call panics before registering anything.
        let _ = unsafe { poller.add_edge(&a, RESERVED_KEY, Interest::READ) };
    }
}
