//! A level-triggered [`Poller`] on epoll(7) (Linux 2.6, 2002), through
//! rustix's safe wrappers: the same answers as [`select`](super::select) and
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
//!
//! Both share the instance's set-up and its wait (`poller.rs`) and the
//! eventfd behind `notify` (`notifier.rs`).
#![deny(unsafe_code)] // but `add`, the trait's one unsafe method, with its contract

use super::level::{LevelPoller, already_registered, not_registered};
use super::notifier::Notifier;
use super::poller::{open, wait_into};
use super::{Interest, RESERVED_KEY, Readiness};
use rustix::event::epoll;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::time::Duration;

/// A level-triggered poller on epoll; see the module docs.
#[derive(Debug)]
pub struct Poller {
    epoll: OwnedFd,
    notifier: Notifier,
}

/// epoll's `EEXIST` and `ENOENT`, in the words select and poll use.
fn explain(fd: i32, e: rustix::io::Errno) -> io::Error {
    match e {
        rustix::io::Errno::EXIST => already_registered(fd),
        rustix::io::Errno::NOENT => not_registered(fd),
        _ => e.into(),
    }
}

fn data(key: usize) -> epoll::EventData {
    epoll::EventData::new_u64(key as u64)
}

impl LevelPoller for Poller {
    const NAME: &'static str = "epoll";

    fn new() -> io::Result<Poller> {
        let notifier = Notifier::new()?;
        Ok(Poller { epoll: open(&notifier)?, notifier })
    }

    #[allow(unsafe_code)]
    unsafe fn add(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        assert_ne!(key, RESERVED_KEY, "usize::MAX is the poller's notify key");
        epoll::add(&self.epoll, fd, data(key), interest.epoll_flags()).map_err(|e| explain(fd.as_raw_fd(), e))
    }

    fn modify(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        assert_ne!(key, RESERVED_KEY, "usize::MAX is the poller's notify key");
        epoll::modify(&self.epoll, fd, data(key), interest.epoll_flags())
            .map_err(|e| explain(fd.as_raw_fd(), e))
    }

    fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        epoll::delete(&self.epoll, fd).map_err(|e| explain(fd.as_raw_fd(), e))
    }

    fn wait(&self, out: &mut Vec<Readiness>, timeout: Option<Duration>) -> io::Result<usize> {
        wait_into(&self.epoll, &self.notifier, out, timeout)
    }

    fn notify(&self) -> io::Result<()> {
        self.notifier.notify()
    }
}
