//! The process-per-connection accept loop: the articles' first server
//! model, as Python's `socketserver.ForkingMixIn` runs it.
//!
//! The parent accepts a connection, forks a child, closes its own copy of
//! the socket and goes back to accepting. The child serves the connection
//! with the same blocking handler the threads backend runs, then exits.
//! Nothing is shared after the fork: a crash in one child touches no other
//! connection, and each child is as simple as a sequential program. Each
//! connection costs a process (a fork that copies the parent's page
//! tables, the pages the child writes to, a kernel task) and a connection's
//! counters live in the child's copy of memory, so they reach the parent
//! as a message.
//!
//! ```text
//!   parent: poll(listener, reports) ──▶ accept ──▶ fork ──▶ close its copy
//!              ▲        │                           │
//!              │        └ a report: reap that child │ child: serve(stream)
//!              └──────────── report {pid, requests, bytes} ◀─┘ then _exit
//! ```
//!
//! The parent is a small event loop of its own on the
//! [`selectors`](crate::reactor::selectors) API over poll(2): two sources,
//! the listener and the socket the children send their reports on. A
//! report says a child is finishing; the parent reaps it then, without
//! blocking (`waitpid` with `WNOHANG`), and every so often looks at all
//! its children for one that died without a word (killed, or crashed).
//! A stop sends every child SIGTERM, which shuts its connection down as
//! [`ServerState::shut_down_all`] would, and waits the grace period; the
//! children still there at its end are killed. The unsafe calls (fork,
//! signals, waits) are fenced in `process.rs`.
//!
//! A production forking server would pre-fork a pool of workers that
//! each accept (Apache's prefork) instead of paying a fork per
//! connection, and would reap on SIGCHLD rather than on a report.
#![forbid(unsafe_code)]

use super::process::{self, Child};
use super::{ACCEPT_BACKOFF, Open, Protocol, ServerConfig, ServerHandle, ServerState};
use crate::reactor::poll;
use crate::reactor::selectors::{EVENT_READ, Selector};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the parent looks at every child for one that died without a
/// report (a report reaps its child at once).
pub const SWEEP: Duration = Duration::from_millis(200);

/// How long the parent waits before it tries again to reap a child that
/// has reported but not exited yet (its `_exit` is a system call away).
const FINISHING: Duration = Duration::from_millis(1);

/// The most connections one wake-up accepts before it looks at reports.
const ACCEPT_BATCH: usize = 32;

/// The child's exit status when the handler returned an error.
const FAILED: i32 = 1;

/// Binds `addr` and serves `protocol` with `handler`, a process per
/// connection, until the handle stops it.
pub fn spawn<H>(
    addr: impl std::net::ToSocketAddrs,
    config: ServerConfig,
    protocol: &'static Protocol,
    handler: H,
) -> io::Result<ServerHandle>
where
    H: Fn(&mut TcpStream, &ServerState) -> io::Result<()> + Send + 'static,
{
    let listener = TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config, protocol);
    let thread = std::thread::Builder::new().name(format!("{}-fork", protocol.name)).spawn({
        let state = Arc::clone(&state);
        move || serve(listener, &state, handler)
    })?;
    Ok(ServerHandle::new(state, thread))
}

// ANCHOR: accept
/// The accept loop, on the calling thread: returns once the server is
/// stopping and its children have exited (or been killed at the end of
/// the grace period).
pub fn serve<H>(listener: TcpListener, state: &Arc<ServerState>, handler: H) -> io::Result<()>
where
    H: Fn(&mut TcpStream, &ServerState) -> io::Result<()>,
{
    listener.set_nonblocking(true)?;
    let listener = Rc::new(listener);
    let mut parent = Parent::new(state)?;
    parent.selector.register(Rc::clone(&listener), EVENT_READ, Source::Listener)?;
    while !state.stopping() {
        for (key, _) in parent.selector.select(Some(parent.timeout()))? {
            match parent.selector.get(key).map(|k| k.data) {
                Some(Source::Listener) => parent.accept(&listener, &handler),
                Some(Source::Reports) => parent.read_reports(),
                None => {}
            }
        }
        parent.reap();
    }
    // Stopping: every child shuts its connection down, as `shut_down_all`
    // does to the connections of this process (it counts them here).
    state.shut_down_all();
    parent.terminate_all();
    let parent = RefCell::new(parent);
    state.drain(|pause| parent.borrow_mut().collect(pause));
    // The grace period is over: whoever is left is killed.
    parent.into_inner().kill_all();
    Ok(())
}
// ANCHOR_END: accept

/// What the parent's selector watches.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// The listening socket: readable when a connection waits.
    Listener,
    /// The children's report socket: readable when one is finishing.
    Reports,
}

/// A child and the registration that counts its connection open.
#[derive(Debug)]
struct Forked {
    process: Child,
    _open: Open<()>,
}

/// The parent's side of the server.
#[derive(Debug)]
struct Parent<'a> {
    state: &'a Arc<ServerState>,
    selector: Selector<Source, poll::Poller>,
    /// Where the parent reads reports (non-blocking).
    reports: Rc<UnixDatagram>,
    /// What each child inherits to send its report on (blocking: a child
    /// with a report to send waits for room).
    report_to: UnixDatagram,
    children: HashMap<u32, Forked>,
    /// Children that have reported, not reaped yet.
    finishing: Vec<u32>,
    next_sweep: Instant,
}

impl<'a> Parent<'a> {
    fn new(state: &'a Arc<ServerState>) -> io::Result<Parent<'a>> {
        let (reports, report_to) = UnixDatagram::pair()?;
        reports.set_nonblocking(true)?;
        let reports = Rc::new(reports);
        let mut selector = Selector::new()?;
        selector.register(Rc::clone(&reports), EVENT_READ, Source::Reports)?;
        let children = HashMap::new();
        let next_sweep = Instant::now() + SWEEP;
        Ok(Parent { state, selector, reports, report_to, children, finishing: Vec::new(), next_sweep })
    }

    /// How long the next wait may sleep.
    fn timeout(&self) -> Duration {
        if self.finishing.is_empty() {
            self.next_sweep.saturating_duration_since(Instant::now())
        } else {
            FINISHING
        }
    }

    // ANCHOR: fork
    /// Accepts what is waiting, and forks a child for each connection.
    fn accept<H>(&mut self, listener: &TcpListener, handler: &H)
    where
        H: Fn(&mut TcpStream, &ServerState) -> io::Result<()>,
    {
        let state = self.state;
        for _ in 0..ACCEPT_BATCH {
            let mut stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => {
                    // Out of descriptors, or a connection reset before we
                    // took it: try again, a little later.
                    std::thread::sleep(ACCEPT_BACKOFF);
                    return;
                }
            };
            if state.stopping() {
                return; // the stop's wake-up call
            }
            if state.full(None) || stream.set_nonblocking(false).is_err() {
                state.refuse(&stream);
                continue;
            }
            super::prepare(&stream, &state.config);
            // Registered before the fork: the child may answer its client
            // before the parent is back from `fork`.
            let open = state.register_elsewhere();
            let conn = stream.as_raw_fd();
            let keep = [self.report_to.as_raw_fd()];
            let report_to = &self.report_to;
            let forked = process::fork_serving(conn, state.protocol.on_stop, &keep, || {
                child(&mut stream, state, handler, report_to)
            });
            match forked {
                Ok(process) => {
                    self.children.insert(process.id(), Forked { process, _open: open });
                }
                // Out of processes or memory: the connection closes (and
                // `open` unregisters it) as a thread that cannot start does.
                Err(_) => state.count_error(),
            }
            // `stream` drops here: the parent's copy closes, the child's
            // stays open.
        }
    }
    // ANCHOR_END: fork

    /// Reads every report waiting: credits its counters to the server and
    /// notes its child as finishing.
    fn read_reports(&mut self) {
        let mut buf = [0u8; Report::LEN];
        while let Ok(n) = self.reports.recv(&mut buf) {
            let Some(report) = Report::from_bytes(&buf[..n]) else { continue };
            for _ in 0..report.requests {
                self.state.count_request();
            }
            self.state.count_bytes(report.bytes);
            self.finishing.push(report.pid);
        }
    }

    /// Reaps the children that reported, and every child once a sweep is
    /// due, without blocking.
    fn reap(&mut self) {
        for pid in std::mem::take(&mut self.finishing) {
            if !self.try_reap(pid) {
                self.finishing.push(pid); // reported, not gone yet
            }
        }
        if Instant::now() >= self.next_sweep {
            self.next_sweep = Instant::now() + SWEEP;
            let pids: Vec<u32> = self.children.keys().copied().collect();
            for pid in pids {
                self.try_reap(pid);
            }
        }
    }

    /// Reaps child `pid` if it has exited, counting an error if it failed;
    /// returns whether it is gone.
    fn try_reap(&mut self, pid: u32) -> bool {
        let Some(child) = self.children.get_mut(&pid) else { return true };
        match child.process.try_wait() {
            Ok(None) => return false,
            Ok(Some(status)) if status.success() => {}
            Ok(Some(_)) | Err(_) => self.state.count_error(), // failed, or lost
        }
        self.children.remove(&pid); // unregistered: no longer open
        true
    }

    /// Asks every child to stop.
    fn terminate_all(&self) {
        for child in self.children.values() {
            let _ = child.process.terminate();
        }
    }

    /// Waits up to `pause` for reports, and reaps (the drain's sleep).
    fn collect(&mut self, pause: Duration) {
        if self.selector.select(Some(pause.min(self.timeout()))).is_ok() {
            self.read_reports();
        }
        self.reap();
    }

    /// Kills the children the grace period left (counted as left open).
    fn kill_all(self) {
        for (_, mut child) in self.children {
            let _ = child.process.kill_and_wait();
        }
    }
}

/// What a child tells the parent as it finishes: the counters of its copy
/// of the server's state, which the parent cannot see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Report {
    pid: u32,
    requests: u64,
    bytes: u64,
}

impl Report {
    /// Its size on the wire: one datagram, so reports never interleave.
    const LEN: usize = 20;

    fn to_bytes(self) -> [u8; Report::LEN] {
        let mut out = [0u8; Report::LEN];
        out[..4].copy_from_slice(&self.pid.to_ne_bytes());
        out[4..12].copy_from_slice(&self.requests.to_ne_bytes());
        out[12..].copy_from_slice(&self.bytes.to_ne_bytes());
        out
    }

    fn from_bytes(bytes: &[u8]) -> Option<Report> {
        let bytes: &[u8; Report::LEN] = bytes.try_into().ok()?;
        Some(Report {
            pid: u32::from_ne_bytes(bytes[..4].try_into().ok()?),
            requests: u64::from_ne_bytes(bytes[4..12].try_into().ok()?),
            bytes: u64::from_ne_bytes(bytes[12..].try_into().ok()?),
        })
    }
}

// ANCHOR: child
/// A child's whole life: serve the connection, report what it served,
/// return the exit status (`process` exits with it).
fn child<H>(stream: &mut TcpStream, state: &ServerState, handler: &H, report_to: &UnixDatagram) -> i32
where
    H: Fn(&mut TcpStream, &ServerState) -> io::Result<()>,
{
    // The counters are the parent's as they were at the fork: what this
    // child adds is the difference.
    let (requests, bytes) = (state.requests(), state.bytes());
    let served = std::panic::catch_unwind(AssertUnwindSafe(|| handler(stream, state)));
    let report = Report {
        pid: std::process::id(),
        requests: state.requests() - requests,
        bytes: state.bytes() - bytes,
    };
    let _ = report_to.send(&report.to_bytes());
    match served {
        Ok(Ok(())) => 0,
        Ok(Err(_)) => FAILED,
        Err(_) => process::PANICKED,
    }
}
// ANCHOR_END: child

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_survives_its_trip_through_bytes() {
        let report = Report { pid: 4242, requests: 7, bytes: u64::MAX - 1 };
        assert_eq!(Report::from_bytes(&report.to_bytes()), Some(report));
        assert_eq!(Report::from_bytes(&report.to_bytes()[..19]), None, "a short datagram is no report");
    }
}
