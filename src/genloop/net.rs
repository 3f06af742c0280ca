//! Sockets on the loop, and the socket sub-operations `sock_accept`,
//! `sock_connect`, `sock_recv` and `sock_sendall`, as asyncio's loop had
//! them in the `yield from` era.
//!
//! A [`TcpStream`] or [`TcpListener`] is a non-blocking std socket
//! registered once with the running loop's poller (edge-triggered, both
//! directions) under a key of its slot table. An op tries the system call
//! first; only on `WouldBlock` does it yield `Readable(key)` or
//! `Writable(key)`, and it tries again when the loop resumes it:
//!
//! ```text
//!   sock_recv: read() ── data ─────────────────────────────▶ return it
//!                │
//!                └─ WouldBlock ─▶ yield Readable(key) ... loop: key ready
//!                                 ◀── Answer::Go ── try read() again
//! ```
//!
//! Sockets are shared with ops through an `Rc`: an op is a generator of
//! its own, and its body must own what it uses.

// This file's one unsafe call: registering a socket with the poller.
#![allow(unsafe_code)]

use super::ops::{op, thrown};
use super::request::{Answer, Co, Op, Request};
use super::scheduler::{Reactor, current, not_registered};
use crate::generator::GeneratorError;
use crate::reactor::Interest;
use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;
use std::time::Duration;

/// A non-blocking socket registered with the running loop.
struct Source<T: AsFd> {
    io: T,
    key: usize,
    reactor: Rc<Reactor>,
}

impl<T: AsFd> Source<T> {
    fn new(io: T) -> io::Result<Source<T>> {
        let reactor = current();
        let key = reactor.io.borrow_mut().insert();
        // SAFETY: `io` is owned by this `Source`, whose `Drop` deletes it
        // from the poller before the field `io` is dropped (and closed).
        if let Err(e) = unsafe { reactor.poller.add_edge(&io, key, Interest::BOTH) } {
            reactor.io.borrow_mut().remove(key);
            return Err(e);
        }
        Ok(Source { io, key, reactor })
    }
}

impl<T: AsFd> Drop for Source<T> {
    fn drop(&mut self) {
        let _ = self.reactor.poller.delete(&self.io);
        self.reactor.io.borrow_mut().remove(self.key);
    }
}

// ANCHOR: io
/// Which way a socket op waits.
#[derive(Clone, Copy)]
enum Wait {
    Read,
    Write,
}

/// Runs `op` until it does not return `WouldBlock`, yielding `Readable`
/// or `Writable` to the loop in between: the one place a socket op
/// suspends its task.
fn retry<R>(
    co: &Co<'_>,
    key: usize,
    wait: Wait,
    timeout: Option<Duration>,
    mut op: impl FnMut() -> io::Result<R>,
) -> io::Result<R> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let request = match wait {
                    Wait::Read => Request::Readable { key, timeout },
                    Wait::Write => Request::Writable { key, timeout },
                };
                match co.yield_(request).map_err(thrown)? {
                    Answer::NotRegistered => return Err(not_registered()),
                    Answer::TimedOut => return Err(io::ErrorKind::TimedOut.into()),
                    _ => {}
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            result => return result,
        }
    }
}
// ANCHOR_END: io

/// A TCP socket listening for connections, registered with the loop.
pub struct TcpListener {
    source: Source<std::net::TcpListener>,
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpListener").field("addr", &self.local_addr().ok()).finish()
    }
}

impl TcpListener {
    /// Binds `addr` (port 0: any free port) and registers it.
    ///
    /// # Panics
    ///
    /// On a thread not running a genloop.
    pub fn bind(addr: impl std::net::ToSocketAddrs) -> io::Result<TcpListener> {
        TcpListener::from_std(std::net::TcpListener::bind(addr)?)
    }

    /// Registers a bound std listener (made non-blocking here).
    ///
    /// # Panics
    ///
    /// On a thread not running a genloop.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener { source: Source::new(listener)? })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.io.local_addr()
    }
}

/// A TCP connection registered with the loop.
pub struct TcpStream {
    source: Source<std::net::TcpStream>,
    /// How long one wait in `sock_recv` or `sock_sendall` may last.
    timeout: Cell<Option<Duration>>,
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpStream").field("peer", &self.source.io.peer_addr().ok()).finish()
    }
}

impl TcpStream {
    /// Registers a connected std stream (made non-blocking here).
    ///
    /// # Panics
    ///
    /// On a thread not running a genloop.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream { source: Source::new(stream)?, timeout: Cell::new(None) })
    }

    /// How long `sock_recv` and `sock_sendall` may wait for the socket
    /// without progress before they fail with `TimedOut` (`None`, the
    /// default: for ever): Python's `sock.settimeout`.
    pub fn set_timeout(&self, timeout: Option<Duration>) {
        self.timeout.set(timeout);
    }

    /// The std socket underneath (to set options, shut it down, or
    /// duplicate it).
    pub fn std(&self) -> &std::net::TcpStream {
        &self.source.io
    }
}

// ANCHOR: sock_ops
/// Accepts a connection: `conn, addr = yield from loop.sock_accept(sock)`.
pub fn sock_accept(listener: Rc<TcpListener>) -> Op<io::Result<(TcpStream, SocketAddr)>> {
    op(move |co| {
        let source = &listener.source;
        let (stream, addr) = retry(co, source.key, Wait::Read, None, || source.io.accept())?;
        Ok((TcpStream::from_std(stream)?, addr))
    })
}

/// Reads what is there, at most `max` bytes (empty at end of stream):
/// `data = yield from loop.sock_recv(sock, max)`.
pub fn sock_recv(stream: Rc<TcpStream>, max: usize) -> Op<io::Result<Vec<u8>>> {
    op(move |co| {
        let mut buf = vec![0; max];
        let source = &stream.source;
        let n = retry(co, source.key, Wait::Read, stream.timeout.get(), || (&source.io).read(&mut buf))?;
        buf.truncate(n);
        Ok(buf)
    })
}

/// Writes all of `data`: `yield from loop.sock_sendall(sock, data)`.
pub fn sock_sendall(stream: Rc<TcpStream>, data: Vec<u8>) -> Op<io::Result<()>> {
    op(move |co| {
        let source = &stream.source;
        let mut rest = &data[..];
        while !rest.is_empty() {
            match retry(co, source.key, Wait::Write, stream.timeout.get(), || (&source.io).write(rest))? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => rest = &rest[n..],
            }
        }
        Ok(())
    })
}

/// Connects to `addr` without blocking the loop: `yield from
/// loop.sock_connect(sock, addr)`.
pub fn sock_connect(addr: SocketAddr) -> Op<io::Result<TcpStream>> {
    op(move |co| {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        let in_progress = match socket.connect(&addr.into()) {
            Ok(()) => false,
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => true,
            Err(e) => return Err(e),
        };
        let stream = TcpStream::from_std(std::net::TcpStream::from(socket))?;
        if in_progress {
            // Writable once the connect is done, well or badly.
            if let Answer::NotRegistered =
                co.yield_(Request::Writable { key: stream.source.key, timeout: None }).map_err(thrown)?
            {
                return Err(not_registered());
            }
            if let Some(e) = stream.source.io.take_error()? {
                return Err(e);
            }
            stream.source.io.peer_addr()?; // NotConnected if it did not connect
        }
        let _ = stream.source.io.set_nodelay(true);
        Ok(stream)
    })
}
// ANCHOR_END: sock_ops

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.source.io.as_raw_fd()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.source.io.as_raw_fd()
    }
}

/// A sub-operation that did not run to its end (it panicked, or had no
/// stack) is an IO error of the task that delegated to it, so `?` works
/// on `co.yield_from(sock_recv(..), Answer::Go)??` in a function that
/// returns `io::Result`.
impl From<GeneratorError> for io::Error {
    fn from(e: GeneratorError) -> io::Error {
        io::Error::other(e.to_string())
    }
}
