//! Selectors: Python's `selectors.DefaultSelector`, safe, over any of the
//! three level-triggered pollers.
//!
//! An event loop without coroutines is this loop and nothing else: ask
//! which sockets are ready, and for each one run the code that was waiting
//! for it. Python's `selectors` module gives it four calls, and so does
//! [`Selector`]:
//!
//! | Python | here |
//! | --- | --- |
//! | `key = sel.register(sock, EVENT_READ, data)` | `let key = sel.register(Rc::new(sock), EVENT_READ, data)?` |
//! | `sel.modify(sock, EVENT_READ \| EVENT_WRITE)` | `sel.modify(key, EVENT_READ \| EVENT_WRITE)?` |
//! | `sel.unregister(sock)` | `sel.unregister(key)?` (hands back the source and data) |
//! | `for key, mask in sel.select(timeout):` | `for (key, mask) in sel.select(timeout)? {` |
//! | `key.fileobj`, `key.data` | `sel.get(key)`: `.source::<S>()`, `.data` |
//!
//! Level-triggered, as Python's: a socket with unread data is reported at
//! every `select` until it is drained, and one registered for
//! [`EVENT_WRITE`] is reported whenever its send buffer has room, so a
//! loop asks for write readiness only while it has something to write.
//!
//! # Why it is safe
//!
//! The pollers' `add` is `unsafe`: a descriptor closed while registered
//! leaves its entry behind, and the next file to get that number would be
//! reported under the old key. A selector cannot be misused that way: it
//! keeps an [`Rc`] of every source it watches, so the descriptor stays
//! open until [`Selector::unregister`] (or dropping the selector) has
//! removed it from the poller. Keys carry a generation, so a key kept
//! after its source was unregistered finds nothing, even when its slot has
//! been reused. And a source is told apart by the descriptor it had when
//! it was registered: a source whose `as_fd` later answers another number
//! (safe code can write one) is refused by `modify` and `unregister`
//! instead of deleting the wrong descriptor, and stays registered (and
//! held open) until the selector drops, whose poller closes first.
//!
//! ```
//! use corolab::reactor::selectors::{DefaultSelector, EVENT_READ};
//! use std::io::{Read, Write};
//! use std::net::{TcpListener, TcpStream};
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! listener.set_nonblocking(true)?;
//! let mut client = TcpStream::connect(listener.local_addr()?)?;
//! let mut sel = DefaultSelector::new()?;
//! sel.register(Rc::new(listener), EVENT_READ, "accept")?;
//!
//! client.write_all(b"hi")?;
//! let mut echoed = false;
//! while !echoed {
//!     for (key, _mask) in sel.select(Some(Duration::from_secs(5)))? {
//!         match sel.get(key).unwrap().data {
//!             "accept" => {
//!                 let listener = sel.get(key).unwrap().source::<TcpListener>().unwrap();
//!                 let (conn, _) = listener.accept()?;
//!                 conn.set_nonblocking(true)?;
//!                 sel.register(Rc::new(conn), EVENT_READ, "read")?;
//!             }
//!             _read => {
//!                 let conn = sel.get(key).unwrap().source::<TcpStream>().unwrap();
//!                 let mut buf = [0; 64];
//!                 let n = (&*conn).read(&mut buf)?;
//!                 (&*conn).write_all(&buf[..n])?;
//!                 sel.unregister(key)?; // the last Rc drops: the socket closes
//!                 echoed = true;
//!             }
//!         }
//!     }
//! }
//! let mut back = Vec::new();
//! client.read_to_end(&mut back)?;
//! assert_eq!(back, b"hi");
//! # Ok::<(), std::io::Error>(())
//! ```
#![deny(unsafe_code)] // but the one call to the poller's `add`, with its SAFETY

use super::{DefaultPoller, Interest, LevelPoller, Readiness};
use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::ops::BitOr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::rc::Rc;
use std::time::Duration;

/// Wait for a source to be readable (Python's `selectors.EVENT_READ`).
pub const EVENT_READ: Interest = Interest::READ;
/// Wait for a source to be writable (Python's `selectors.EVENT_WRITE`).
pub const EVENT_WRITE: Interest = Interest::WRITE;

impl BitOr for Interest {
    type Output = Interest;
    /// Both sets of events: `EVENT_READ | EVENT_WRITE`.
    fn bitor(self, other: Interest) -> Interest {
        Interest { read: self.read || other.read, write: self.write || other.write }
    }
}

/// A selector on the platform's best poller (epoll), as Python's
/// `selectors.DefaultSelector`.
pub type DefaultSelector<T> = Selector<T, DefaultPoller>;

/// Names one registration of a [`Selector`]. Copy it freely: once its
/// source is unregistered, it names nothing ([`Selector::get`] is `None`),
/// even after the slot is reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    index: usize,
    generation: u64,
}

/// A registered source, what it waits for, and the data registered with it
/// (Python's `SelectorKey`).
pub struct SelectorKey<T> {
    fd: Rc<dyn AsFd>,
    /// The descriptor number `fd` had when it was registered: the one the
    /// poller watches.
    raw: RawFd,
    any: Rc<dyn Any>,
    /// The events waited for.
    pub events: Interest,
    /// What was registered with the source: often the callback to run.
    pub data: T,
}

impl<T> SelectorKey<T> {
    /// The source, if it is an `S` (Python's `key.fileobj`).
    pub fn source<S: 'static>(&self) -> Option<Rc<S>> {
        Rc::clone(&self.any).downcast::<S>().ok()
    }

    /// The source's descriptor number, as it was registered.
    pub fn fd(&self) -> RawFd {
        self.raw
    }

    /// The source's descriptor, if it is still the one registered.
    fn registered_fd(&self) -> io::Result<BorrowedFd<'_>> {
        let fd = self.fd.as_fd();
        if fd.as_raw_fd() == self.raw {
            return Ok(fd);
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the source now says it is descriptor {}, but it was registered as {}; \
                 it stays registered (and open) until the selector drops",
                fd.as_raw_fd(),
                self.raw
            ),
        ))
    }
}

impl<T: fmt::Debug> fmt::Debug for SelectorKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectorKey")
            .field("fd", &self.fd())
            .field("events", &self.events)
            .field("data", &self.data)
            .finish()
    }
}

struct Slot<T> {
    generation: u64,
    key: Option<SelectorKey<T>>,
}

/// Sources registered with events and data, and a `select` that says
/// which are ready; see the module docs.
pub struct Selector<T, P: LevelPoller = DefaultPoller> {
    /// First field, so it drops first: once `Drop` has deleted what it
    /// could, the poller is gone before any source it watched can close.
    poller: P,
    slots: Vec<Slot<T>>,
    free: Vec<usize>,
    by_fd: HashMap<RawFd, usize>,
    ready: Vec<Readiness>,
}

impl<T, P: LevelPoller> fmt::Debug for Selector<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selector").field("poller", &P::NAME).field("registered", &self.len()).finish()
    }
}

impl<T, P: LevelPoller> Selector<T, P> {
    /// A selector watching nothing, on a new poller `P`.
    pub fn new() -> io::Result<Self> {
        Ok(Selector {
            poller: P::new()?,
            slots: Vec::new(),
            free: Vec::new(),
            by_fd: HashMap::new(),
            ready: Vec::new(),
        })
    }

    /// The poller's name: `"epoll"`, `"poll"` or `"select"`.
    pub fn poller_name(&self) -> &'static str {
        P::NAME
    }

    /// Starts watching `source` for `events`, with `data`. The selector
    /// keeps a reference to `source` until it is unregistered. Errors:
    /// `AlreadyExists` for a descriptor already registered here, and what
    /// the poller refuses (select: a descriptor past `FD_SETSIZE`).
    pub fn register<S: AsFd + 'static>(
        &mut self,
        source: Rc<S>,
        events: Interest,
        data: T,
    ) -> io::Result<Key> {
        // Ask the source for its descriptor once: the number registered is
        // the number remembered.
        let borrowed = source.as_fd();
        let fd = borrowed.as_raw_fd();
        if self.by_fd.contains_key(&fd) {
            return Err(super::level::already_registered(fd));
        }
        let index = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot { generation: 0, key: None });
            self.slots.len() - 1
        });
        // SAFETY: `source` is kept in the slot below until `unregister` has
        // deleted this very number from the poller (it refuses a source
        // whose number changed) or until the selector drops, and then the
        // poller (its first field) drops before the slots: the descriptor
        // is open for as long as the poller watches it, `add`'s contract.
        #[allow(unsafe_code)]
        let added = unsafe { self.poller.add(borrowed, index, events) };
        if let Err(e) = added {
            self.free.push(index);
            return Err(e);
        }
        let slot = &mut self.slots[index];
        slot.key = Some(SelectorKey { fd: source.clone(), raw: fd, any: source, events, data });
        self.by_fd.insert(fd, index);
        Ok(Key { index, generation: slot.generation })
    }

    /// Changes the events `key`'s source waits for. On an error nothing
    /// changed.
    pub fn modify(&mut self, key: Key, events: Interest) -> io::Result<()> {
        let entry = self.get(key).ok_or_else(stale)?;
        if entry.events == events {
            return Ok(()); // no system call for no change
        }
        self.poller.modify(entry.registered_fd()?, key.index, events)?;
        self.get_mut(key).expect("checked above").events = events;
        Ok(())
    }

    /// Stops watching `key`'s source and hands back its registration (drop
    /// it to release the source: a socket nobody else holds closes). On an
    /// error the source stays registered, and held, so that it can never
    /// close while the poller still watches its number.
    pub fn unregister(&mut self, key: Key) -> io::Result<SelectorKey<T>> {
        let entry = self.get(key).ok_or_else(stale)?;
        self.poller.delete(entry.registered_fd()?)?;
        let slot = &mut self.slots[key.index];
        let entry = slot.key.take().expect("checked above");
        slot.generation += 1;
        self.free.push(key.index);
        self.by_fd.remove(&entry.raw);
        Ok(entry)
    }

    /// The registration `key` names, if it is still registered.
    pub fn get(&self, key: Key) -> Option<&SelectorKey<T>> {
        self.slots.get(key.index).filter(|s| s.generation == key.generation)?.key.as_ref()
    }

    /// The same, to change its data.
    pub fn get_mut(&mut self, key: Key) -> Option<&mut SelectorKey<T>> {
        self.slots.get_mut(key.index).filter(|s| s.generation == key.generation)?.key.as_mut()
    }

    /// The key `source` is registered under (Python's `get_key`).
    pub fn key_of(&self, source: &impl AsFd) -> Option<Key> {
        let &index = self.by_fd.get(&source.as_fd().as_raw_fd())?;
        Some(Key { index, generation: self.slots[index].generation })
    }

    /// How many sources are registered.
    pub fn len(&self) -> usize {
        self.by_fd.len()
    }

    /// Whether nothing is registered (a `select` could only time out).
    pub fn is_empty(&self) -> bool {
        self.by_fd.is_empty()
    }

    /// Waits until a source is ready for an event it waits for, or
    /// `timeout` passes (`None`: no limit), and returns the ready keys with
    /// the events each is ready for (none on a timeout or a signal).
    pub fn select(&mut self, timeout: Option<Duration>) -> io::Result<Vec<(Key, Interest)>> {
        self.poller.wait(&mut self.ready, timeout)?;
        Ok(self
            .ready
            .iter()
            .map(|r| {
                let key = Key { index: r.key, generation: self.slots[r.key].generation };
                (key, Interest { read: r.readable, write: r.writable })
            })
            .collect())
    }

    /// The poller underneath.
    pub fn poller(&self) -> &P {
        &self.poller
    }
}

impl<T, P: LevelPoller> Drop for Selector<T, P> {
    fn drop(&mut self) {
        // Delete every registration while its source is still held.
        // (A source that changed its descriptor cannot be deleted by
        // number; the poller, dropped first, forgets it with the rest.)
        for slot in &self.slots {
            if let Some(fd) = slot.key.as_ref().and_then(|entry| entry.registered_fd().ok()) {
                let _ = self.poller.delete(fd);
            }
        }
    }
}

fn stale() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "this key's source is no longer registered")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reactor::{poll, select};
    use std::net::{TcpListener, TcpStream};

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (b, _) = listener.accept().unwrap();
        (a, b)
    }

    fn a_stale_key_finds_nothing_even_when_its_slot_is_reused<P: LevelPoller>() {
        let mut sel = Selector::<&str, P>::new().unwrap();
        let (_a, b) = pair();
        let (_c, d) = pair();
        let old = sel.register(Rc::new(b), EVENT_READ, "b").unwrap();
        sel.unregister(old).unwrap();
        let new = sel.register(Rc::new(d), EVENT_READ, "d").unwrap();
        assert!(sel.get(old).is_none(), "{}", P::NAME);
        assert_eq!(sel.get(new).unwrap().data, "d");
        assert_eq!(sel.modify(old, EVENT_WRITE).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(sel.unregister(old).unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    /// A source whose `as_fd` answers one descriptor, then another: safe
    /// code can write it, so the selector must not trust the second answer.
    struct Shifty {
        first: TcpStream,
        second: TcpStream,
        asked: std::cell::Cell<u32>,
    }

    impl AsFd for Shifty {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.asked.set(self.asked.get() + 1);
            if self.asked.get() == 1 { self.first.as_fd() } else { self.second.as_fd() }
        }
    }

    fn a_source_that_changes_its_descriptor_stays_registered<P: LevelPoller>() {
        let mut sel = Selector::<&str, P>::new().unwrap();
        let ((_a, first), (_c, second)) = (pair(), pair());
        let registered = first.as_raw_fd();
        let shifty = Rc::new(Shifty { first, second, asked: Default::default() });
        let key = sel.register(Rc::clone(&shifty), EVENT_READ, "shifty").unwrap();
        assert_eq!(sel.get(key).unwrap().fd(), registered, "{}", P::NAME);
        let refused = sel.unregister(key).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::InvalidInput, "{}: {refused}", P::NAME);
        assert_eq!(sel.modify(key, EVENT_WRITE).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        // Still registered, and the selector still holds the source open.
        assert_eq!(sel.get(key).unwrap().events, EVENT_READ, "{}", P::NAME);
        assert_eq!(Rc::strong_count(&shifty), 3, "{}: ours, and the key's two", P::NAME);
        drop(sel);
        assert_eq!(Rc::strong_count(&shifty), 1, "{}", P::NAME);
    }

    #[test]
    fn a_source_that_changes_its_descriptor_is_refused_on_every_poller() {
        a_source_that_changes_its_descriptor_stays_registered::<select::Poller>();
        a_source_that_changes_its_descriptor_stays_registered::<poll::Poller>();
        a_source_that_changes_its_descriptor_stays_registered::<DefaultPoller>();
    }

    #[test]
    fn a_stale_key_finds_nothing_on_every_poller() {
        a_stale_key_finds_nothing_even_when_its_slot_is_reused::<select::Poller>();
        a_stale_key_finds_nothing_even_when_its_slot_is_reused::<poll::Poller>();
        a_stale_key_finds_nothing_even_when_its_slot_is_reused::<DefaultPoller>();
    }
}
