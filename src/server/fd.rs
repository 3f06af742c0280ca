//! Shutting a connection down by its descriptor number: the one unsafe
//! call of the servers, fenced here.
//!
//! A stopping server must wake every handler parked on a silent client.
//! `shutdown(2)` does it (the parked read sees end of stream), and needs
//! only the descriptor's number, so the registry keeps that number instead
//! of a second descriptor (a `try_clone` per connection would halve how
//! many connections fit under `ulimit -n`).
#![allow(unsafe_code)]

use std::io;
use std::net::Shutdown;
use std::os::fd::RawFd;

/// Shuts down `how` of the socket `fd`.
///
/// # Invariant
///
/// Not a memory-safety contract (`shutdown(2)` reads and writes no
/// memory of ours), but a correctness one the caller keeps: `fd` must
/// still be the connection it names, not a number the kernel has since
/// given to another file. The registry keeps it by removing a connection
/// under its lock *before* the descriptor closes (see `state::Open`) and by
/// calling this under the same lock.
pub fn shutdown(fd: RawFd, how: Shutdown) -> io::Result<()> {
    let how = match how {
        Shutdown::Read => libc::SHUT_RD,
        Shutdown::Write => libc::SHUT_WR,
        Shutdown::Both => libc::SHUT_RDWR,
    };
    // SAFETY: shutdown(2) takes two integers and touches no memory of this
    // process; `fd` is still open (the registry's invariant, above).
    match unsafe { libc::shutdown(fd, how) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

/// Sends what `bytes` the socket `fd` takes at once (never waiting: a
/// client turned away gets its answer only if it has room for it), then
/// shuts the socket down. The caller closes it by dropping its stream.
pub fn answer_and_shut_down(fd: RawFd, bytes: &[u8]) {
    if !bytes.is_empty() {
        // SAFETY: the pointer and length are those of a live slice that
        // send(2) only reads; `fd` is a socket the caller owns (it holds
        // the stream), so it names the connection meant.
        let _ = unsafe {
            libc::send(fd, bytes.as_ptr().cast(), bytes.len(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL)
        };
    }
    let _ = shutdown(fd, Shutdown::Both);
}

/// Hands a std listener to may (may's own `bind` sets `SO_REUSEPORT`,
/// which would let two servers share a port without an error).
pub fn into_may(listener: std::net::TcpListener) -> crate::gevent::may::net::TcpListener {
    use std::os::fd::{FromRawFd, IntoRawFd};
    let fd = listener.into_raw_fd();
    // SAFETY: `fd` is a listening socket that `into_raw_fd` just released:
    // nobody else owns or will close it, so may's listener takes sole
    // ownership of it.
    unsafe { crate::gevent::may::net::TcpListener::from_raw_fd(fd) }
}
