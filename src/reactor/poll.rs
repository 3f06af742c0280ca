//! A level-triggered [`Poller`] on poll(2) (System V, 1986): select
//! without the bitmap.
//!
//! Each wait hands the kernel an array of `pollfd { fd, events, revents }`,
//! one per descriptor watched; the kernel checks each one, fills in
//! `revents`, and the wait scans the array for the ones ready. Any
//! descriptor number fits (the array holds numbers, not bits), so poll has
//! no `FD_SETSIZE`; but like select it copies and checks all N entries on
//! every wait, however few are ready. epoll keeps the list in the kernel
//! instead and hands back only the ready ones.
//!
//! ```text
//!   [ {fd 3, IN}, {fd 7, IN|OUT}, {fd 1500, IN} ]  ──poll──▶  revents: -, OUT, IN
//! ```
//!
//! The `unsafe` here is the one libc call, fenced with its `SAFETY`.
#![allow(unsafe_code)]

use super::level::{Entry, LevelPoller, Notifier, Table, report};
use super::{Interest, Readiness};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A level-triggered poller on poll(2); see the module docs.
#[derive(Debug)]
pub struct Poller {
    state: Mutex<State>,
    notifier: Notifier,
}

/// The registrations, and the array each wait rebuilds from them (kept so
/// a wait does not allocate).
struct State {
    table: Table,
    fds: Vec<libc::pollfd>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("table", &self.table).finish_non_exhaustive()
    }
}

impl Poller {
    fn state(&self) -> MutexGuard<'_, State> {
        // One push, write or swap_remove per call: consistent after a panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// poll(2)'s timeout: milliseconds, rounded up (a 0.3 ms timeout must not
/// become a busy 0), `-1` for none.
fn millis(timeout: Option<Duration>) -> libc::c_int {
    match timeout {
        None => -1,
        Some(t) => {
            let ms = t.as_nanos().div_ceil(1_000_000);
            ms.min(libc::c_int::MAX as u128) as libc::c_int
        }
    }
}

/// The events `pollfd.events` asks for, for `interest`.
fn events_for(interest: Interest) -> libc::c_short {
    let mut events = 0;
    if interest.read {
        events |= libc::POLLIN;
    }
    if interest.write {
        events |= libc::POLLOUT;
    }
    events
}

impl LevelPoller for Poller {
    const NAME: &'static str = "poll";

    fn new() -> io::Result<Poller> {
        Ok(Poller {
            state: Mutex::new(State { table: Table::default(), fds: Vec::new() }),
            notifier: Notifier::new()?,
        })
    }

    unsafe fn add(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        self.state().table.add(Entry { fd: fd.as_raw_fd(), key, interest })
    }

    fn modify(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) -> io::Result<()> {
        self.state().table.modify(fd.as_raw_fd(), key, interest)
    }

    fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.state().table.delete(fd.as_raw_fd())
    }

    // ANCHOR: wait
    fn wait(&self, events: &mut Vec<Readiness>, timeout: Option<Duration>) -> io::Result<usize> {
        events.clear();
        let mut state = self.state();
        let State { table, fds } = &mut *state;
        fds.clear();
        fds.push(libc::pollfd { fd: self.notifier.fd(), events: libc::POLLIN, revents: 0 });
        fds.extend(table.entries.iter().map(|e| libc::pollfd {
            fd: e.fd,
            events: events_for(e.interest),
            revents: 0,
        }));
        // SAFETY: `fds` is a live, initialised array of `fds.len()` pollfds
        // that poll(2) reads and writes (`revents`) in place.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis(timeout)) };
        if ready < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted { Ok(0) } else { Err(e) };
        }
        if fds[0].revents != 0 {
            self.notifier.drain();
        }
        // Scan all N entries for the ones the kernel marked.
        let trouble = libc::POLLERR | libc::POLLHUP | libc::POLLNVAL;
        events.extend(table.entries.iter().zip(&fds[1..]).filter_map(|(e, p)| {
            let can_read = p.revents & (libc::POLLIN | trouble) != 0;
            let can_write = p.revents & (libc::POLLOUT | trouble) != 0;
            report(e.key, e.interest, can_read, can_write)
        }));
        Ok(events.len())
    }
    // ANCHOR_END: wait

    fn notify(&self) -> io::Result<()> {
        self.notifier.notify()
    }
}
