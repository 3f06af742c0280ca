//! [`LevelPoller`]: the one API the three level-triggered pollers share
//! ([`select`](super::select), [`poll`](super::poll),
//! [`epoll`](super::epoll)), so the selectors, the callbacks loop, the
//! bench and the tests run on any of them.
//!
//! *Level-triggered* means a wait reports a source for as long as it is
//! ready in a direction asked for: data left unread is reported again at
//! the next wait, and an idle socket with room in its send buffer is
//! writable at every wait. That is what select(2) and poll(2) can do (they
//! keep no state between calls: every call hands the kernel the whole list
//! and the kernel checks each one), and it is how Python's `selectors`
//! behave. A loop on a level poller therefore changes a source's interest
//! as its needs change ([`LevelPoller::modify`]): write interest only while
//! there is something to write, or every wait returns at once.
//!
//! The runtimes (`aio`, `gevent`) use the edge-triggered
//! [`Poller`](super::Poller) instead: register once, never modify. Edge
//! triggering needs the kernel to remember each source between waits (an
//! interest list and a ready list), which is what epoll added; select and
//! poll cannot emulate it without losing wakeups, so they have no edge
//! path.
//!
//! ```text
//!   select / poll                          epoll
//!   ─────────────                          ─────
//!   each wait: copy N entries in,          epoll_ctl once per change;
//!   the kernel checks all N,               each wait: the kernel hands
//!   copy N entries out, scan N             back only the ready ones
//!   cost per wait: O(N watched)            cost per wait: O(ready)
//! ```
#![deny(unsafe_code)] // but the one unsafe method, `LevelPoller::add`, with its contract

use super::{Interest, Readiness};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// A level-triggered poller: descriptors registered under keys, and a wait
/// that reports the ones ready now.
///
/// All methods take `&self`: the loop that owns the poller waits on it,
/// and other threads may hold it (in an `Arc`) to call
/// [`notify`](LevelPoller::notify). Registering from another thread while
/// a wait is in progress blocks until that wait returns (select and poll
/// rebuild their list under a lock for each wait).
pub trait LevelPoller: Send + Sync + std::fmt::Debug {
    /// The system call it waits in: `"select"`, `"poll"`, `"epoll"`.
    const NAME: &'static str;

    /// A poller watching nothing yet (with the pipe or eventfd behind
    /// [`notify`](LevelPoller::notify)).
    fn new() -> io::Result<Self>
    where
        Self: Sized;

    /// Starts watching `fd` under `key` for `interest` ([`Interest::default`]
    /// watches nothing until [`modify`](LevelPoller::modify)). A descriptor
    /// already registered is refused (`AlreadyExists`).
    ///
    /// # Safety
    ///
    /// `fd` must stay open until [`delete`](LevelPoller::delete) removes it:
    /// a descriptor closed while registered leaves its entry behind, and a
    /// new file that reuses the number would be reported under the old key
    /// (epoll would even keep reporting the old file while another process
    /// holds a copy of it). `Selector` keeps
    /// this by holding a reference to every source it watches.
    ///
    /// # Panics
    ///
    /// If `key` is [`RESERVED_KEY`](super::RESERVED_KEY).
    #[allow(unsafe_code)]
    unsafe fn add(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()>;

    /// Changes what a registered `fd` is watched for, and its key.
    fn modify(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()>;

    /// Stops watching `fd`. Call it before `fd` closes.
    fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()>;

    /// Waits until a registered descriptor is ready in a direction it is
    /// watched for, `timeout` passes (`None`: no limit) or
    /// [`notify`](LevelPoller::notify) is called; replaces the contents of
    /// `events` with one report per ready key and returns how many. A
    /// signal that interrupts the wait makes it return `Ok(0)`.
    fn wait(&self, events: &mut Vec<Readiness>, timeout: Option<Duration>) -> io::Result<usize>;

    /// Wakes a thread sleeping in [`wait`](LevelPoller::wait), or makes the
    /// next wait return at once. Callable from any thread; several notifies
    /// before a wait collapse into one wakeup.
    fn notify(&self) -> io::Result<()>;
}

/// The readiness a wait reports for a source watched for `interest` that
/// the kernel found readable (`can_read`) or writable (`can_write`), or
/// `None` when nothing asked for is ready. An error or a hang-up counts as
/// both (the next read or write reports it), as epoll does.
pub(super) fn report(key: usize, interest: Interest, can_read: bool, can_write: bool) -> Option<Readiness> {
    let readable = interest.read && can_read;
    let writable = interest.write && can_write;
    (readable || writable).then_some(Readiness { key, readable, writable })
}

/// The error for a descriptor registered twice (what epoll's `EEXIST` says).
pub(super) fn already_registered(fd: i32) -> io::Error {
    io::Error::new(io::ErrorKind::AlreadyExists, format!("descriptor {fd} is already registered"))
}

/// The error for a descriptor that is not registered (epoll's `ENOENT`).
pub(super) fn not_registered(fd: i32) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("descriptor {fd} is not registered"))
}

/// One registration of a select or poll poller.
#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    pub fd: RawFd,
    pub key: usize,
    pub interest: Interest,
}

/// What select and poll keep between waits, since the kernel keeps
/// nothing: the registrations, in a vector the wait walks, with an index
/// by descriptor so `modify` and `delete` are O(1).
#[derive(Debug, Default)]
pub(super) struct Table {
    pub entries: Vec<Entry>,
    index: HashMap<RawFd, usize>,
}

impl Table {
    pub fn add(&mut self, entry: Entry) -> io::Result<()> {
        assert_ne!(entry.key, super::RESERVED_KEY, "usize::MAX is the poller's notify key");
        if self.index.contains_key(&entry.fd) {
            return Err(already_registered(entry.fd));
        }
        self.index.insert(entry.fd, self.entries.len());
        self.entries.push(entry);
        Ok(())
    }

    pub fn modify(&mut self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        assert_ne!(key, super::RESERVED_KEY, "usize::MAX is the poller's notify key");
        let &i = self.index.get(&fd).ok_or_else(|| not_registered(fd))?;
        self.entries[i] = Entry { fd, key, interest };
        Ok(())
    }

    pub fn delete(&mut self, fd: RawFd) -> io::Result<()> {
        let i = self.index.remove(&fd).ok_or_else(|| not_registered(fd))?;
        self.entries.swap_remove(i);
        if let Some(moved) = self.entries.get(i) {
            self.index.insert(moved.fd, i);
        }
        Ok(())
    }
}

/// The self-pipe behind `notify` for select and poll: a socket pair whose
/// reading end every wait watches; a notify writes a byte to the other.
#[derive(Debug)]
pub(super) struct Notifier {
    rx: UnixStream,
    tx: UnixStream,
}

impl Notifier {
    pub fn new() -> io::Result<Notifier> {
        let (rx, tx) = UnixStream::pair()?;
        rx.set_nonblocking(true)?;
        tx.set_nonblocking(true)?;
        Ok(Notifier { rx, tx })
    }

    /// The descriptor a wait watches for reading.
    pub fn fd(&self) -> RawFd {
        self.rx.as_raw_fd()
    }

    pub fn notify(&self) -> io::Result<()> {
        match (&self.tx).write(&[1]) {
            // A full pipe already holds a wakeup.
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => Err(e),
            _ => Ok(()),
        }
    }

    /// Empties the pipe after a wait saw it readable: the notifies so far
    /// collapse into the one wakeup just delivered.
    pub fn drain(&self) {
        let mut buf = [0u8; 64];
        while matches!((&self.rx).read(&mut buf), Ok(n) if n > 0) {}
    }
}
