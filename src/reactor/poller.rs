//! [`Poller`]: sockets registered under keys, edge-triggered readiness, and
//! a cross-thread wakeup, on epoll(7) directly (through rustix's safe
//! wrappers of its three system calls).
//!
//! It fixes the choices corolab's runtimes share: a source is registered
//! once, for both directions, *edge-triggered* ([`Poller::add_edge`]); a
//! wait interrupted by a signal is an empty wait rather than an error; and
//! the key `usize::MAX` is reserved for the eventfd behind
//! [`Poller::notify`] (see `notifier.rs`).
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
//!
//! # One system call per wait
//!
//! On the hot path a wait is one `epoll_wait` and nothing else: sources are
//! never re-armed, the notifier's eventfd is never read back or re-armed
//! (it is edge-triggered too), and the timeout is `epoll_wait`'s own, in
//! whole milliseconds rounded up, as tokio's is: a timer fires up to a
//! millisecond late, never early. (A general-purpose poller such as the
//! `polling` crate, which corolab used before, sets a timerfd for a
//! nanosecond timeout and re-arms a oneshot notifier after every wait:
//! five system calls where one will do.) A [`Poller::notify`] writes the
//! eventfd only when the waiting thread is, or may be, asleep.
#![deny(unsafe_code)] // but the one unsafe method, `Poller::add_edge`, with its contract

use super::notifier::Notifier;
use rustix::event::{Timespec, epoll};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
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

    /// The epoll flags that ask for this interest. An error or a hang-up
    /// is reported to both directions: the next read or write says which.
    pub(super) fn epoll_flags(self) -> epoll::EventFlags {
        let mut flags = epoll::EventFlags::empty();
        if self.read {
            flags |= READ_FLAGS;
        }
        if self.write {
            flags |= WRITE_FLAGS;
        }
        flags
    }
}

/// What epoll reports that a read would not block on.
const READ_FLAGS: epoll::EventFlags = epoll::EventFlags::IN
    .union(epoll::EventFlags::HUP)
    .union(epoll::EventFlags::ERR)
    .union(epoll::EventFlags::PRI);
/// What epoll reports that a write would not block on.
const WRITE_FLAGS: epoll::EventFlags =
    epoll::EventFlags::OUT.union(epoll::EventFlags::HUP).union(epoll::EventFlags::ERR);

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

impl Readiness {
    /// The report of one kernel event.
    pub(super) fn of(event: &epoll::Event) -> Readiness {
        let flags = event.flags;
        Readiness {
            key: event.data.u64() as usize,
            readable: flags.intersects(READ_FLAGS),
            writable: flags.intersects(WRITE_FLAGS),
        }
    }
}

/// How many reports one wait can bring back; more ready sources stay in
/// the kernel's ready list and are reported by the next wait.
const CAPACITY: usize = 256;

/// The buffer [`Poller::wait`] fills. Keep one and reuse it: it holds the
/// reports of the last wait.
pub struct Events {
    list: Vec<Readiness>,
}

impl Events {
    /// An empty buffer with room for the 256 reports a wait can bring.
    pub fn new() -> Events {
        Events { list: Vec::with_capacity(CAPACITY) }
    }

    /// The reports of the last wait.
    pub fn iter(&self) -> impl Iterator<Item = Readiness> + '_ {
        self.list.iter().copied()
    }

    /// How many reports the last wait left.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the last wait reported nothing (a timeout or a notify).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Forgets the reports (the next wait does this itself).
    pub fn clear(&mut self) {
        self.list.clear();
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
/// `Poller` is `Send + Sync`: the runtime that owns it waits on it (one
/// thread at a time), and other threads hold it (in an `Arc`) only to call
/// [`Poller::notify`].
#[derive(Debug)]
pub struct Poller {
    epoll: OwnedFd,
    notifier: Notifier,
}

/// The key of the poller's own eventfd (behind [`Poller::notify`]); no
/// source may use it.
pub const RESERVED_KEY: usize = usize::MAX;

/// Opens an epoll instance with `notifier`'s eventfd registered in it,
/// edge-triggered, under [`RESERVED_KEY`]. The level-triggered
/// [`epoll`](super::epoll) poller opens its instance here too.
pub(super) fn open(notifier: &Notifier) -> io::Result<OwnedFd> {
    let fd = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    let flags = epoll::EventFlags::IN | epoll::EventFlags::ET;
    epoll::add(&fd, notifier.fd(), epoll::EventData::new_u64(RESERVED_KEY as u64), flags)?;
    Ok(fd)
}

/// One `epoll_wait` on `epoll`, bracketed by `notifier`'s sleep marks;
/// replaces `out` with its reports, less the notifier's own. A signal is
/// an empty wait.
///
/// The kernel writes into an array on the stack (rustix fills
/// uninitialised memory safely and hands back the part it wrote), and
/// the reports are copied out as [`Readiness`]: a copy of a few bytes
/// per event, and no pointer-carrying kernel struct kept in `Events`.
pub(super) fn wait_into(
    epoll: &OwnedFd,
    notifier: &Notifier,
    out: &mut Vec<Readiness>,
    timeout: Option<Duration>,
) -> io::Result<usize> {
    out.clear();
    let mut buffer = [MaybeUninit::<epoll::Event>::uninit(); CAPACITY];
    let timeout = notifier.before_wait(timeout).map(timespec);
    let waited = epoll::wait(epoll, &mut buffer[..], timeout.as_ref());
    notifier.after_wait();
    let (ready, _) = match waited {
        Ok(parts) => parts,
        Err(rustix::io::Errno::INTR) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let notify = RESERVED_KEY as u64;
    out.extend(ready.iter().filter(|e| e.data.u64() != notify).map(Readiness::of));
    Ok(out.len())
}

/// `epoll_wait`'s timeout: at most `i32::MAX` milliseconds (24.8 days; a
/// longer wait returns then, and the runtime waits again).
fn timespec(timeout: Duration) -> Timespec {
    let timeout = timeout.min(Duration::from_millis(i32::MAX as u64));
    Timespec { tv_sec: timeout.as_secs() as _, tv_nsec: timeout.subsec_nanos() as _ }
}

impl Poller {
    /// Opens an epoll instance and the eventfd behind [`Poller::notify`].
    pub fn new() -> io::Result<Poller> {
        let notifier = Notifier::new()?;
        Ok(Poller { epoll: open(&notifier)?, notifier })
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
    /// `source` must stay open until it is removed with [`Poller::delete`].
    /// epoll registers the open *file*, not the number: a descriptor closed
    /// while registered cannot be deleted any more (the number is gone, or
    /// names a new file), yet its registration lives on while any copy of
    /// the file does (a `dup`, a forked child), and its events keep coming
    /// under the old key, to whoever owns that key by then. Nothing here
    /// can check the promise, so the function is `unsafe` to make each
    /// caller state how it keeps it. Runtimes do it by owning the socket in
    /// the same struct as its registration and deleting it in `Drop`,
    /// before the socket closes.
    ///
    /// # Panics
    ///
    /// If `key` is [`RESERVED_KEY`].
    #[allow(unsafe_code)]
    pub unsafe fn add_edge(&self, source: &impl AsFd, key: usize, interest: Interest) -> io::Result<()> {
        assert_ne!(key, RESERVED_KEY, "usize::MAX is the poller's notify key");
        let flags = interest.epoll_flags() | epoll::EventFlags::ET;
        Ok(epoll::add(&self.epoll, source.as_fd(), epoll::EventData::new_u64(key as u64), flags)?)
    }

    /// Removes a registered source. Call it before the source is closed.
    pub fn delete(&self, source: &impl AsFd) -> io::Result<()> {
        Ok(epoll::delete(&self.epoll, source.as_fd())?)
    }

    /// Waits until a source is ready, `timeout` passes (`None`: no limit),
    /// or [`Poller::notify`] is called, and returns how many reports
    /// `events` now holds. A reported source stays registered with the same
    /// interest: it is reported again at its next change, not before.
    ///
    /// A wait interrupted by a signal returns `Ok(0)`, like a timeout: the
    /// runtime looks at its timers and queues and waits again. So may a
    /// wait now and then for no reason (a notify that arrived just after
    /// the wait before had returned).
    pub fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<usize> {
        wait_into(&self.epoll, &self.notifier, &mut events.list, timeout)
    }

    /// Wakes the thread sleeping in [`Poller::wait`], or makes its next wait
    /// return at once. Callable from any thread; several notifies before a
    /// wait collapse into one wakeup. It writes the eventfd only if the
    /// waiting thread is, or may be, asleep; otherwise it sets a flag.
    pub fn notify(&self) -> io::Result<()> {
        self.notifier.notify()
    }
}

#[cfg(test)]
#[allow(unsafe_code)] // registering test sockets, each deleted before it drops
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
    fn every_notify_to_a_sleeping_wait_wakes_it() {
        // The eventfd is never read back: each write must be a new edge.
        let poller = Arc::new(Poller::new().unwrap());
        let mut events = Events::new();
        for round in 0..3 {
            let remote = Arc::clone(&poller);
            let notifier = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                remote.notify().unwrap();
            });
            let started = Instant::now();
            poller.wait(&mut events, Some(Duration::from_secs(30))).unwrap();
            notifier.join().unwrap();
            assert!(started.elapsed() < Duration::from_secs(10), "round {round}: not woken");
        }
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
