//! Async TCP: [`TcpListener`] and [`TcpStream`] on the loop's reactor
//! (asyncio's `start_server` / `open_connection`, as types).
//!
//! Every socket is non-blocking and registered once with the loop's poller,
//! under its own key, edge-triggered for both directions. An operation first
//! simply *tries* the system call; only when the kernel says `WouldBlock`
//! does the task park, leaving its waker in the socket's slot:
//!
//! ```text
//!   read(buf) ──▶ recv() ── data ──────────────────────────────▶ Ok(n)
//!                   │
//!                   └─ WouldBlock ─▶ slot.reader = waker, Pending
//!                                        ... epoll: key readable (an edge) ...
//!                                    loop wakes slot.reader ─▶ retry recv()
//! ```
//!
//! Why no wakeup can be lost: the loop's thread is the only one that reads
//! epoll events, and it does so between task steps. Data that arrives after
//! the failed `recv()` makes a new edge, which the loop sees at its next
//! wait, after the task has parked. Events for a socket nobody waits on are
//! simply dropped: the next operation tries the system call first anyway.
//! (A first version re-armed a oneshot interest after every `WouldBlock`;
//! that cost one `epoll_ctl` per wait, about 15% of loopback echo
//! throughput.)
//!
//! One task may read and another write the same stream at once (the slot
//! has a reader and a writer); two tasks *reading* the same stream at once
//! would take each other's wakeups, so don't (wrap it in a
//! [`Lock`](super::Lock) if you must).
//!
//! The methods are the `AsyncRead`/`AsyncWrite` set as plain async fns:
//! `read`, `write`, `read_exact`, `write_all`, `flush`, `shutdown`, plus
//! [`TcpStream::lines`], an [`AsyncIterator`] of lines, and
//! [`TcpStream::close`], the explicit async close of the async resource
//! pattern (dropping the stream closes it too).
//!
//! ```
//! use corolab::aio::{self, TcpListener, TcpStream};
//!
//! aio::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let server = aio::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let mut buf = [0; 5];
//!         stream.read_exact(&mut buf).await?;
//!         stream.write_all(&buf).await?; // echo it
//!         Ok::<_, std::io::Error>(())
//!     });
//!     let client = TcpStream::connect(addr).await?;
//!     client.write_all(b"hello").await?;
//!     let mut echoed = [0; 5];
//!     client.read_exact(&mut echoed).await?;
//!     assert_eq!(&echoed, b"hello");
//!     server.await.unwrap()
//! })
//! .unwrap();
//! ```

// This file's one unsafe call: registering a socket with the poller (the
// other unsafe of `aio` is the pin projection in `task.rs`).

use super::event_loop::{Inner, current};
use super::iter::AsyncIterator;
use super::task::trace_wait;
use crate::reactor::{Direction, Interest};
use crate::trace::Wait;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::os::fd::AsFd;
use std::rc::Rc;
use std::task::{Context, Poll};

/// A non-blocking socket registered with this thread's loop.
struct Source<T: AsFd> {
    io: T,
    key: usize,
    inner: Rc<Inner>,
}

impl<T: AsFd> Source<T> {
    fn new(io: T) -> io::Result<Source<T>> {
        let inner = current();
        let key = inner.io.borrow_mut().insert();
        // SAFETY: `io` is owned by this `Source`, whose `Drop` deletes it from
        // the poller before the field `io` is dropped (and closed).
        if let Err(e) = unsafe { add(&inner, &io, key) } {
            let slot = inner.io.borrow_mut().remove(key);
            drop(slot); // outside the borrow
            return Err(e);
        }
        Ok(Source { io, key, inner })
    }

    /// Ready once the socket may be ready in `dir` (see the module docs).
    fn poll_ready(&self, dir: Direction, parked: &mut bool, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut io = self.inner.io.borrow_mut();
        if !io.contains(self.key) {
            return Poll::Ready(Err(io::Error::other("aio: socket is no longer registered")));
        }
        let replaced = match io.waiter(self.key, dir) {
            // The loop took our waker: an event came.
            None if *parked => return Poll::Ready(Ok(())),
            Some(w) if w.will_wake(cx.waker()) => None,
            _ => io.park(self.key, dir, cx.waker().clone()).ok().flatten(),
        };
        *parked = true;
        drop(io);
        drop(replaced); // outside the borrow
        trace_wait(Wait::Io);
        Poll::Pending
    }

    async fn ready(&self, dir: Direction) -> io::Result<()> {
        let mut parked = false;
        poll_fn(|cx| self.poll_ready(dir, &mut parked, cx)).await
    }

    /// Runs `op` until it does not return `WouldBlock`, parking in between.
    async fn io<R>(&self, dir: Direction, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        loop {
            match op(&self.io) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.ready(dir).await?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return result,
            }
        }
    }
}

/// # Safety
///
/// `io` must be deleted from the poller before it is closed.
unsafe fn add(inner: &Inner, io: &impl AsFd, key: usize) -> io::Result<()> {
    // SAFETY: forwarded to our caller (this function's contract).
    unsafe { inner.remote.poller.add_edge(io, key, Interest::BOTH) }
}

impl<T: AsFd> Drop for Source<T> {
    fn drop(&mut self) {
        // Deleting can fail only if the fd is already gone; nothing to do then.
        let _ = self.inner.remote.poller.delete(&self.io);
        let slot = self.inner.io.borrow_mut().remove(self.key);
        drop(slot); // outside the borrow: dropping a waker may schedule
    }
}

/// A TCP socket listening for connections.
pub struct TcpListener {
    source: Source<std::net::TcpListener>,
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpListener").field("addr", &self.local_addr().ok()).finish()
    }
}

impl TcpListener {
    /// Binds to `addr` (use port 0 for any free port) and listens.
    ///
    /// # Panics
    ///
    /// On a thread without an [`EventLoop`](super::EventLoop).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Ok(TcpListener { source: Source::new(listener)? })
    }

    /// Wraps a bound std listener (made non-blocking here).
    ///
    /// # Panics
    ///
    /// On a thread without an [`EventLoop`](super::EventLoop).
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener { source: Source::new(listener)? })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.io.local_addr()
    }

    /// Waits for a connection and accepts it.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.source.io(Direction::Read, |l| l.accept()).await?;
        Ok((TcpStream::from_std(stream)?, addr))
    }
}

/// A TCP connection. The methods take `&self`, so one task may read while
/// another writes (see the module docs).
pub struct TcpStream {
    source: Source<std::net::TcpStream>,
}

impl std::os::fd::AsRawFd for TcpStream {
    /// The descriptor's number (a server's registry keeps it, to shut the
    /// connection down at stop without a second descriptor).
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.source.io)
    }
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpStream").field("peer", &self.peer_addr().ok()).finish()
    }
}

impl TcpStream {
    /// Wraps a connected std stream (made non-blocking here).
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream { source: Source::new(stream)? })
    }

    // ANCHOR: connect
    /// Connects to `addr` without blocking the loop: the socket is created
    /// non-blocking, `connect` returns "in progress", and the task waits for
    /// the socket to become writable, then asks the kernel how it went.
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        let in_progress = match socket.connect(&addr.into()) {
            Ok(()) => false,
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => true,
            Err(e) => return Err(e),
        };
        let stream = TcpStream { source: Source::new(std::net::TcpStream::from(socket))? };
        if in_progress {
            stream.source.ready(Direction::Write).await?;
            if let Some(e) = stream.source.io.take_error()? {
                return Err(e);
            }
            stream.source.io.peer_addr()?; // NotConnected if it did not connect
        }
        Ok(stream)
    }
    // ANCHOR_END: connect

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.io.peer_addr()
    }

    /// This end's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.io.local_addr()
    }

    /// A blocking std handle to the same socket (a duplicated descriptor),
    /// for another thread to shut it down or inspect it. Reading or writing
    /// through it bypasses the loop.
    pub fn try_clone_std(&self) -> io::Result<std::net::TcpStream> {
        Ok(std::net::TcpStream::from(self.source.io.as_fd().try_clone_to_owned()?))
    }

    /// Sets `TCP_NODELAY` (send small writes at once, no Nagle delay).
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.source.io.set_nodelay(on)
    }

    /// Reads what is available (at least one byte), or `Ok(0)` at the end
    /// of the stream.
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.source.io(Direction::Read, |mut s| s.read(buf)).await
    }

    /// Writes some of `buf` and says how much.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.source.io(Direction::Write, |mut s| s.write(buf)).await
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends
    /// first.
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Writes all of `buf`.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Reads until the end of the stream, appending to `out`.
    pub async fn read_to_end(&self, out: &mut Vec<u8>) -> io::Result<usize> {
        let mut chunk = [0; 4096];
        let mut total = 0;
        loop {
            match self.read(&mut chunk).await? {
                0 => return Ok(total),
                n => {
                    out.extend_from_slice(&chunk[..n]);
                    total += n;
                }
            }
        }
    }

    /// Nothing to do: writes go straight to the kernel. Here for the
    /// `AsyncWrite` shape.
    pub async fn flush(&self) -> io::Result<()> {
        Ok(())
    }

    /// Shuts down reading, writing or both (never blocks).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.source.io.shutdown(how)
    }

    // ANCHOR: close
    /// Closes the connection: tells the peer we are done writing, then
    /// closes the socket (asyncio's `writer.close(); await
    /// writer.wait_closed()`).
    pub async fn close(self) -> io::Result<()> {
        match self.source.io.shutdown(Shutdown::Write) {
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Err(e),
            _ => Ok(()),
        }
    }
    // ANCHOR_END: close

    /// The stream's lines (without their `\n` or `\r\n`), as an
    /// [`AsyncIterator`] of `io::Result<String>`.
    pub fn lines(&self) -> Lines<'_> {
        Lines { stream: self, buf: Vec::new(), done: false }
    }
}

/// The lines of a [`TcpStream`] (see [`TcpStream::lines`]).
#[derive(Debug)]
pub struct Lines<'a> {
    stream: &'a TcpStream,
    buf: Vec<u8>,
    done: bool,
}

impl Lines<'_> {
    fn take_line(&mut self, end: usize) -> io::Result<String> {
        let mut line: Vec<u8> = self.buf.drain(..end).collect();
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        String::from_utf8(line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

// ANCHOR: lines
impl AsyncIterator for Lines<'_> {
    type Item = io::Result<String>;

    async fn next(&mut self) -> Option<io::Result<String>> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                return Some(self.take_line(i + 1));
            }
            if self.done {
                let rest = self.buf.len();
                return if rest == 0 { None } else { Some(self.take_line(rest)) };
            }
            let mut chunk = [0; 4096];
            match self.stream.read(&mut chunk).await {
                Ok(0) => self.done = true,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
// ANCHOR_END: lines
