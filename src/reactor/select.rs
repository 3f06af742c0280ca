//! A level-triggered [`Poller`] on select(2), the oldest readiness call
//! (4.2BSD, 1983), as Python's `select.select` and the articles' first
//! event loop use it.
//!
//! Each wait builds two `fd_set`s, bitmaps with one bit per descriptor
//! number, sets the bit of every descriptor watched for reading in one and
//! for writing in the other, and hands both to the kernel, which checks
//! every descriptor up to the highest one and clears the bits of the ones
//! not ready. The wait then scans all the registrations again to see whose
//! bit is still set. So a wait costs O(N) in the descriptors watched,
//! twice, however few are ready: the cost epoll removed.
//!
//! ```text
//!   fd_set (FD_SETSIZE = 1024 bits, fixed when libc was compiled)
//!   bit:  0 1 2 3 4 5 6 7 ...                         1023
//!         0 0 0 1 0 1 1 0 ...                            0
//!               in: "watch 3, 5, 6"   out: "3 and 6 are ready"
//! ```
//!
//! The bitmap's size is a compile-time constant, `FD_SETSIZE`: 1024 on
//! Linux. A descriptor numbered 1024 or more has no bit, and writing one
//! would write past the set (glibc's `FD_SET` does not check), so
//! [`Poller::add`](LevelPoller::add) refuses it with an error that says
//! so. A server on select therefore stops near a thousand connections,
//! whatever `ulimit -n` says.
//!
//! The `unsafe` here is the libc calls, each fenced with its `SAFETY`.
#![allow(unsafe_code)]

use super::level::{Entry, LevelPoller, Notifier, Table, report};
use super::{Interest, Readiness};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The highest descriptor number plus one that an `fd_set` can hold.
pub const FD_SETSIZE: usize = libc::FD_SETSIZE;

/// A level-triggered poller on select(2); see the module docs.
#[derive(Debug)]
pub struct Poller {
    table: Mutex<Table>,
    notifier: Notifier,
}

/// The error for a descriptor past the bitmap, saying why.
fn too_high(fd: i32) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "select(2) cannot watch descriptor {fd}: an fd_set is a bitmap of FD_SETSIZE = {FD_SETSIZE} bits, \
             fixed when libc was compiled, so only descriptors 0 to {} fit; poll(2) and epoll have no such limit",
            FD_SETSIZE - 1
        ),
    )
}

impl Poller {
    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        // One push, write or swap_remove per call: consistent after a panic.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An empty `fd_set`.
fn empty_set() -> libc::fd_set {
    // SAFETY: `fd_set` is a plain array of integers, for which all zeroes
    // is a valid value (and is what FD_ZERO writes).
    unsafe { std::mem::zeroed() }
}

/// Sets `fd`'s bit.
///
/// # Panics
///
/// If `fd` is not in `0..FD_SETSIZE` (callers have checked at `add`).
fn set(fd: i32, set: &mut libc::fd_set) {
    assert!((0..FD_SETSIZE as i32).contains(&fd), "descriptor {fd} past FD_SETSIZE");
    // SAFETY: `set` is a live, writable fd_set and `fd` is within its bits
    // (asserted above), so FD_SET writes inside it.
    unsafe { libc::FD_SET(fd, set) }
}

/// Whether `fd`'s bit is set.
fn is_set(fd: i32, set: &libc::fd_set) -> bool {
    // SAFETY: `set` is a live fd_set and `fd` is within its bits (every
    // descriptor in the table was checked at `add`), so FD_ISSET reads
    // inside it.
    (0..FD_SETSIZE as i32).contains(&fd) && unsafe { libc::FD_ISSET(fd, set) }
}

impl LevelPoller for Poller {
    const NAME: &'static str = "select";

    fn new() -> io::Result<Poller> {
        let notifier = Notifier::new()?;
        if notifier.fd() as usize >= FD_SETSIZE {
            return Err(too_high(notifier.fd()));
        }
        Ok(Poller { table: Mutex::new(Table::default()), notifier })
    }

    /// Refuses a descriptor of `FD_SETSIZE` or more (`InvalidInput`, with
    /// the reason), besides the trait's contract.
    unsafe fn add(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        let fd = fd.as_raw_fd();
        if fd as usize >= FD_SETSIZE {
            return Err(too_high(fd));
        }
        self.table().add(Entry { fd, key, interest })
    }

    fn modify(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        self.table().modify(fd.as_raw_fd(), key, interest)
    }

    fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.table().delete(fd.as_raw_fd())
    }

    // ANCHOR: wait
    fn wait(&self, events: &mut Vec<Readiness>, timeout: Option<Duration>) -> io::Result<usize> {
        events.clear();
        let table = self.table();
        let (mut readers, mut writers) = (empty_set(), empty_set());
        let wake = self.notifier.fd();
        set(wake, &mut readers);
        let mut highest = wake;
        for entry in &table.entries {
            if entry.interest.read {
                set(entry.fd, &mut readers);
            }
            if entry.interest.write {
                set(entry.fd, &mut writers);
            }
            if entry.interest.read || entry.interest.write {
                highest = highest.max(entry.fd);
            }
        }
        let mut limit = timeout.map(|t| libc::timeval {
            tv_sec: t.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
            tv_usec: t.subsec_micros() as libc::suseconds_t,
        });
        let limit_ptr = limit.as_mut().map_or(std::ptr::null_mut(), |t| t as *mut libc::timeval);
        // SAFETY: both sets and the timeval are live locals that select(2)
        // reads and writes in place; the exception set may be null; every
        // bit set is below FD_SETSIZE and `highest + 1` bounds them.
        let ready =
            unsafe { libc::select(highest + 1, &mut readers, &mut writers, std::ptr::null_mut(), limit_ptr) };
        if ready < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted { Ok(0) } else { Err(e) };
        }
        if is_set(wake, &readers) {
            self.notifier.drain();
        }
        // The kernel left set only the bits of ready descriptors: scan all
        // N registrations to find them.
        events.extend(
            table
                .entries
                .iter()
                .filter_map(|e| report(e.key, e.interest, is_set(e.fd, &readers), is_set(e.fd, &writers))),
        );
        Ok(events.len())
    }
    // ANCHOR_END: wait

    fn notify(&self) -> io::Result<()> {
        self.notifier.notify()
    }
}
