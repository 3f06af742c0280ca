//! A level-triggered [`Poller`] on epoll(7) (Linux 2.6, 2002), through the
//! `polling` crate: the same answers as [`select`](super::select) and
//! [`poll`](super::poll), without their O(N) per wait.
//!
//! epoll keeps the list of watched descriptors *in the kernel*, changed
//! one entry at a time (`epoll_ctl`: add, modify, delete), and a ready
//! list that the kernel's network stack appends to as sockets become
//! ready. A wait only hands back that ready list: its cost follows the
//! ready descriptors, not the watched ones, so one busy connection among
//! ten thousand idle ones costs what it costs alone.
//!
//! ```text
//!   epoll_ctl(ADD fd 7)  ─▶ interest list (in the kernel) ─┐ data arrives on 7
//!   epoll_wait()         ◀─ ready list: [7]  ◀─────────────┘
//! ```
//!
//! This is the level-triggered mode, for the selectors and the callbacks
//! loop; the runtimes use the edge-triggered [`Poller`](super::Poller) on
//! the same system call.
#![allow(unsafe_code)] // `add`: polling's one unsafe call, with its SAFETY

use super::level::{LevelPoller, already_registered, not_registered};
use super::{Interest, RESERVED_KEY, Readiness};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// A level-triggered poller on epoll; see the module docs.
#[derive(Debug)]
pub struct Poller {
    inner: polling::Poller,
    /// The kernel's event array, reused by every wait.
    events: Mutex<polling::Events>,
}

fn event(key: usize, interest: Interest) -> polling::Event {
    polling::Event::new(key, interest.read, interest.write)
}

/// epoll's `EEXIST` and `ENOENT`, in the words select and poll use.
fn explain(fd: i32, e: io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(libc::EEXIST) => already_registered(fd),
        Some(libc::ENOENT) => not_registered(fd),
        _ => e,
    }
}

impl LevelPoller for Poller {
    const NAME: &'static str = "epoll";

    fn new() -> io::Result<Poller> {
        Ok(Poller { inner: polling::Poller::new()?, events: Mutex::new(polling::Events::new()) })
    }

    unsafe fn add(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        assert_ne!(key, RESERVED_KEY, "usize::MAX is the poller's notify key");
        let raw = fd.as_raw_fd();
        // SAFETY: the caller promises (this function's contract) to delete
        // `fd` before closing it, which is `polling`'s requirement.
        unsafe { self.inner.add_with_mode(&fd, event(key, interest), polling::PollMode::Level) }
            .map_err(|e| explain(raw, e))
    }

    fn modify(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        assert_ne!(key, RESERVED_KEY, "usize::MAX is the poller's notify key");
        let raw = fd.as_raw_fd();
        self.inner
            .modify_with_mode(fd, event(key, interest), polling::PollMode::Level)
            .map_err(|e| explain(raw, e))
    }

    fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        let raw = fd.as_raw_fd();
        self.inner.delete(fd).map_err(|e| explain(raw, e))
    }

    fn wait(&self, out: &mut Vec<Readiness>, timeout: Option<Duration>) -> io::Result<usize> {
        out.clear();
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events.clear();
        match self.inner.wait(&mut events, timeout) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(e) => return Err(e),
        }
        out.extend(events.iter().filter(|e| e.key != RESERVED_KEY).map(|e| Readiness {
            key: e.key,
            readable: e.readable,
            writable: e.writable,
        }));
        Ok(out.len())
    }

    fn notify(&self) -> io::Result<()> {
        self.inner.notify()
    }
}
