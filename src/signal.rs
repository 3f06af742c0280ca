//! Waiting for Ctrl-C, without a signal handler.
//!
//! A signal handler may run on any thread at any instruction and can do
//! almost nothing safely. The calmer way on Unix is to *block* `SIGINT` and
//! `SIGTERM` in every thread and have one thread wait for them with
//! `sigwait`, as an ordinary blocking call: `corolab serve` starts its
//! server, then waits here, then stops the server cleanly.
//!
//! The mask is inherited by threads created afterwards, so
//! [`block_interrupts`] must run before the threads (a server's, a runtime's)
//! are spawned; a thread created earlier would still get the default action
//! (the process dies), which is what Ctrl-C did anyway.

use std::fmt;
use std::io;

/// `SIGINT` and `SIGTERM`, blocked in this thread and its future children.
pub struct Interrupts {
    set: libc::sigset_t,
}

impl fmt::Debug for Interrupts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Interrupts { SIGINT, SIGTERM }")
    }
}

/// Blocks `SIGINT` (Ctrl-C) and `SIGTERM` in the calling thread, and so in
/// every thread it spawns from now on.
pub fn block_interrupts() -> io::Result<Interrupts> {
    // SAFETY: sigset_t is plain data; an all-zero value is a valid argument
    // for sigemptyset, which initialises it.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, exclusively borrowed sigset_t; these calls
    // only write to it, and SIGINT/SIGTERM are valid signal numbers.
    unsafe {
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
    }
    // SAFETY: `set` is initialised; a null old-mask pointer is allowed.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(Interrupts { set })
}

impl Interrupts {
    /// Blocks until Ctrl-C or `SIGTERM` arrives; returns the signal number.
    pub fn wait(&self) -> io::Result<i32> {
        let mut signal: libc::c_int = 0;
        // SAFETY: `self.set` was initialised by `block_interrupts`, and
        // `signal` is a valid place for sigwait to write the signal number.
        let rc = unsafe { libc::sigwait(&self.set, &mut signal) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(signal)
    }
}
