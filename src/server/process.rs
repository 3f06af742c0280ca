//! Processes for the fork backend: `fork`, a child's first steps, signals
//! and reaping. The unsafe calls of the process-per-connection server,
//! fenced here; [`super::fork`] is the accept loop on top.
//!
//! `fork(2)` copies the whole process, but only the thread that calls it.
//! The child of a multi-threaded parent (a test binary, a scenario with
//! client threads) is therefore a strange place: every lock another thread
//! held at the fork stays locked for ever, and every descriptor any thread
//! had open is open in the child too. [`fork_serving`] makes the child a
//! place where the blocking handler can run:
//!
//! ```text
//!   parent thread                       child (one thread: the caller)
//!   ─────────────                       ──────────────────────────────
//!   block SIGTERM, SIGINT
//!   fork() ───────────────────────────▶ close every descriptor but 0-2,
//!   restore the signal mask               the connection and `keep`
//!   return Child { pid }                SIGTERM: shut the connection down
//!                                       SIGINT: ignored (the parent stops us)
//!                                       die with the forking thread
//!                                       restore the signal mask
//!                                       status = serve(), panics caught
//!                                       _exit(status): no destructors,
//!                                         no atexit, never back to the
//!                                         parent's code
//! ```
//!
//! Why each step:
//!
//! - **SIGTERM and SIGINT blocked across the fork**: the parent may have
//!   handlers for them (`corolab serve` has signal-hook's, which write to
//!   the parent's self-pipe); one reaching the child before it has set its
//!   own would run the parent's there. Blocked, it waits until the child's
//!   handlers are in place.
//! - **Descriptors closed**: a copy of another connection's socket in the
//!   child keeps that connection open after its owner closes it (no FIN
//!   while any process holds it), so a client thread of the same process
//!   would never see its server's end of stream. The parent's listener
//!   goes too, so a stopped server stops accepting even while children
//!   finish.
//! - **SIGTERM shuts the socket down**, the protocol's way: what
//!   [`ServerState::shut_down_all`](super::ServerState::shut_down_all)
//!   does for a connection in this process (HTTP answers the request in
//!   progress, then sees end of stream).
//! - **`PR_SET_PDEATHSIG`**: if the thread that forked dies (the server's
//!   process is killed, or its accept loop fails), the kernel sends the
//!   child SIGTERM, so no child outlives its server by more than a request.
//! - **`_exit`**: returning, or `exit`, would run the parent's code in the
//!   child: the rest of the accept loop, the test harness, `atexit`
//!   handlers and destructors that flush and close what the parent owns.
//!   A panic is caught for the same reason (unwinding would run them too).
//!
//! What stays unsafe in principle: between `fork` and `_exit` the child
//! runs ordinary Rust code (the handler), which POSIX allows only for a
//! single-threaded parent. It works on glibc because its `malloc` is reset
//! in the child, and because the handler touches no lock another thread
//! could hold (std's sockets, the server's atomic counters). A handler that
//! printed, or locked a `Mutex` shared with other threads, could hang the
//! child; the parent then kills it when the grace period ends.
#![allow(unsafe_code)]

use std::io;
use std::net::Shutdown;
use std::os::fd::RawFd;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicI32, Ordering};

/// The exit status of a child whose `serve` panicked.
pub const PANICKED: i32 = 101;

/// The connection this process serves, if it is a forked child: what its
/// SIGTERM handler shuts down (`-1`: none). Set once in the child, before
/// the handler is installed.
static CONNECTION: AtomicI32 = AtomicI32::new(-1);

/// How the SIGTERM handler shuts [`CONNECTION`] down (`SHUT_RD`, ...).
static HOW: AtomicI32 = AtomicI32::new(libc::SHUT_RDWR);

/// A child process of this one, not reaped yet.
///
/// # Invariant
///
/// `pid` is a child of this process that no wait has reaped. Until one
/// does, the kernel keeps the number for it (as a zombie once it has
/// exited), so a signal sent to `pid` reaches this child and no other
/// process. [`Child::try_wait`] sets `reaped` when a wait succeeds, and a
/// reaped child is never signalled.
#[derive(Debug)]
pub struct Child {
    pid: libc::pid_t,
    reaped: bool,
}

impl Child {
    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.pid as u32
    }

    /// Reaps the child if it has exited, without waiting: its status, or
    /// `None` while it runs.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.reaped {
            return Err(io::Error::other("child already reaped"));
        }
        self.wait(libc::WNOHANG)
    }

    /// Asks the child to stop (SIGTERM): it shuts its connection down and
    /// ends as its protocol does at end of stream.
    pub fn terminate(&self) -> io::Result<()> {
        self.signal(libc::SIGTERM)
    }

    /// Kills the child (SIGKILL) and waits until it is gone.
    pub fn kill_and_wait(&mut self) -> io::Result<ExitStatus> {
        if self.reaped {
            return Err(io::Error::other("child already reaped"));
        }
        self.signal(libc::SIGKILL)?;
        self.wait(0)?.ok_or_else(|| io::Error::other("waitpid returned without a status"))
    }

    fn signal(&self, signal: libc::c_int) -> io::Result<()> {
        if self.reaped {
            return Ok(()); // gone: nothing to signal, and the pid may be reused
        }
        // SAFETY: kill(2) reads no memory of ours; `pid` is our unreaped
        // child (the type's invariant, checked above), so it names it.
        match unsafe { libc::kill(self.pid, signal) } {
            0 => Ok(()),
            _ => Err(io::Error::last_os_error()),
        }
    }

    fn wait(&mut self, flags: libc::c_int) -> io::Result<Option<ExitStatus>> {
        let mut status = 0;
        loop {
            // SAFETY: `status` is a live local that waitpid(2) writes;
            // `pid` is our unreaped child, so the wait reaps no one else's
            // (std's `Command` children in the same process are safe).
            let done = unsafe { libc::waitpid(self.pid, &mut status, flags) };
            match done {
                0 => return Ok(None),
                pid if pid == self.pid => {
                    self.reaped = true;
                    return Ok(Some(ExitStatus::from_raw(status)));
                }
                _ => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        }
    }
}

impl Drop for Child {
    /// A child dropped unreaped (an accept loop that failed) is killed and
    /// reaped, so it leaves neither a process nor a zombie.
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.kill_and_wait();
        }
    }
}

/// Forks a child that serves `connection` with `serve` and exits with the
/// status `serve` returns ([`PANICKED`] if it panics), never returning to
/// the caller's code; returns the child in the parent. The child keeps
/// descriptors 0 to 2, `connection` and `keep` open and closes the rest;
/// SIGTERM makes it shut `connection` down `on_stop`. See the module docs
/// for each step, and for what `serve` must not do.
pub fn fork_serving(
    connection: RawFd,
    on_stop: Shutdown,
    keep: &[RawFd],
    serve: impl FnOnce() -> i32,
) -> io::Result<Child> {
    let parent = std::process::id() as libc::pid_t;
    let old_mask = block_stop_signals()?;
    // SAFETY: fork(2) through libc, whose fork runs glibc's own handlers
    // (which make malloc usable in the child; a raw clone would not). The
    // child runs only `child`, which ends in `_exit`, so no code of the
    // parent's runs twice; see the module docs for the rest.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        child(parent, connection, on_stop, keep, &old_mask, serve);
    }
    let forked = if pid < 0 { Err(io::Error::last_os_error()) } else { Ok(Child { pid, reaped: false }) };
    set_mask(&old_mask);
    forked
}

/// The child's side of [`fork_serving`]: never returns.
fn child(
    parent: libc::pid_t,
    connection: RawFd,
    on_stop: Shutdown,
    keep: &[RawFd],
    mask: &libc::sigset_t,
    serve: impl FnOnce() -> i32,
) -> ! {
    let mut kept: Vec<RawFd> = keep.iter().copied().chain([connection]).filter(|&fd| fd > 2).collect();
    kept.sort_unstable();
    close_all_but(&kept);
    CONNECTION.store(connection, Ordering::Relaxed);
    HOW.store(
        match on_stop {
            Shutdown::Read => libc::SHUT_RD,
            Shutdown::Write => libc::SHUT_WR,
            Shutdown::Both => libc::SHUT_RDWR,
        },
        Ordering::Relaxed,
    );
    set_handler(libc::SIGTERM, on_terminate as *const () as libc::sighandler_t);
    set_handler(libc::SIGINT, libc::SIG_IGN);
    // SAFETY: prctl(2) with PR_SET_PDEATHSIG takes integers only; getppid
    // takes nothing.
    let orphaned = unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong);
        libc::getppid() != parent
    };
    if orphaned {
        on_terminate(libc::SIGTERM); // the parent died before the prctl
    }
    set_mask(mask);
    let status = std::panic::catch_unwind(std::panic::AssertUnwindSafe(serve)).unwrap_or(PANICKED);
    // SAFETY: _exit(2) ends the process at once, without running atexit
    // handlers or destructors: nothing of the parent's runs here.
    unsafe { libc::_exit(status) }
}

/// The child's SIGTERM handler: shuts the connection down, as a stopping
/// server's `shut_down_all` does. Async-signal-safe: two atomic loads and
/// shutdown(2), with `errno` kept for the code it interrupted.
extern "C" fn on_terminate(_signal: libc::c_int) {
    let fd = CONNECTION.load(Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: __errno_location returns this thread's errno, which is
        // saved and restored around the call; shutdown(2) reads no memory
        // of ours, and `fd` is the connection this child owns until it
        // exits (it is never closed before `_exit`).
        unsafe {
            let errno = *libc::__errno_location();
            libc::shutdown(fd, HOW.load(Ordering::Relaxed));
            *libc::__errno_location() = errno;
        }
    }
}

/// Blocks SIGTERM and SIGINT, the signals whose actions the child
/// replaces, on this thread; returns the mask it had.
///
/// Only those two: a signal the process ignores by default (SIGCHLD from
/// another child exiting, say) that arrives while the forking thread
/// blocks it is queued instead of dropped, and its delivery to another
/// thread interrupts that thread's socket call with `EINTR` even though
/// nothing handles it (a read with `SO_RCVTIMEO` is not restarted).
fn block_stop_signals() -> io::Result<libc::sigset_t> {
    // SAFETY: both sets are live locals; sigemptyset initialises `stop`,
    // and pthread_sigmask writes the old mask into `old`.
    unsafe {
        let mut stop: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut stop);
        libc::sigaddset(&mut stop, libc::SIGTERM);
        libc::sigaddset(&mut stop, libc::SIGINT);
        match libc::pthread_sigmask(libc::SIG_BLOCK, &stop, &mut old) {
            0 => Ok(old),
            e => Err(io::Error::from_raw_os_error(e)),
        }
    }
}

/// Restores a signal mask [`block_stop_signals`] returned.
fn set_mask(mask: &libc::sigset_t) {
    // SAFETY: `mask` is a signal set pthread_sigmask filled in; a null old
    // set is allowed.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, mask, std::ptr::null_mut()) };
}

/// Sets `signal`'s action to `handler` (a function or `SIG_IGN`), with
/// `SA_RESTART` so an interrupted read resumes where it can.
fn set_handler(signal: libc::c_int, handler: libc::sighandler_t) {
    // SAFETY: `action` is a live local, zeroed (a valid sigaction: no
    // flags, empty mask) and then filled in; `handler` is SIG_IGN or an
    // `extern "C" fn(c_int)` that is async-signal-safe (`on_terminate`).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, std::ptr::null_mut());
    }
}

/// Closes every descriptor above 2 except `kept` (sorted, all above 2).
fn close_all_but(kept: &[RawFd]) {
    let mut first = 3;
    for &fd in kept.iter().chain([&RawFd::MAX]) {
        if fd > first {
            close_range(first, fd - 1);
        }
        first = fd.saturating_add(1);
    }
}

/// Closes descriptors `first..=last`: close_range(2), or, on a kernel
/// older than 5.9, each open one in that range as /proc/self/fd lists.
fn close_range(first: RawFd, last: RawFd) {
    // SAFETY: close_range(2) takes integers only. Closing descriptors
    // other code holds is the point here: in the child nothing will use
    // them (it runs only the handler on the kept connection, then exits).
    if unsafe { libc::close_range(first as libc::c_uint, last as libc::c_uint, 0) } == 0 {
        return;
    }
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else { return };
    let open: Vec<RawFd> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    for fd in open.into_iter().filter(|fd| (first..=last).contains(fd)) {
        // SAFETY: as above; the directory's own descriptor, closed when
        // `dir` dropped, is at worst closed twice (EBADF, harmless: the
        // child opens nothing meanwhile).
        unsafe { libc::close(fd) };
    }
}
