//! Cooperative sockets: `std::net`'s API, blocking only the calling greenlet.
//!
//! # Monkey patching, and what it becomes in Rust
//!
//! Python's gevent makes ordinary blocking code concurrent by *monkey
//! patching*: `gevent.monkey.patch_all()` replaces `socket.socket`,
//! `time.sleep` and friends, at run time, with versions that, instead of
//! blocking the thread, register with the hub and switch to it. Code written
//! for the standard library (requests, a database driver) becomes
//! cooperative without a change.
//!
//! Rust cannot swap a function under code that is already compiled, so here
//! the patch is an import: [`TcpListener`] and [`TcpStream`] have the same
//! methods and traits as `std::net`'s, and code written against those (or
//! against `Read + Write`) works unchanged by changing the `use` line. Each
//! socket is nonblocking underneath; a call that would block registers the
//! socket with the hub's reactor, parks the greenlet and lets the others
//! run, and tries again when epoll says the socket is ready:
//!
//! ```text
//!   read(buf) ─▶ read(2) ── data ─────────────────────────▶ Ok(n)
//!                  └─ EAGAIN ─▶ leave a token, park ─ hub runs others ─┐
//!                  ▲                                                    │
//!                  └────────── epoll: readable, task ready ◀───────────┘
//! ```
//!
//! What monkey patching cannot fix here either: a *thread*-blocking call
//! (`std::net`, `std::thread::sleep`, a blocking file read) inside a
//! greenlet stops the whole hub, since the hub is just another greenlet on
//! the same thread. `tests/gevent.rs` shows it.
//!
//! Read and write timeouts (`set_read_timeout`) are kept by the hub's
//! timers and end a wait with `ErrorKind::TimedOut`.
//!
//! # Bound to the hub's thread
//!
//! A socket is registered with the hub of the thread that made it: its key
//! names a slot in *that* hub's table. Moved to another thread, its next
//! wait or its drop would use the other thread's hub, under a key that
//! there names some unrelated socket. So neither type is `Send` (nor
//! `Sync`); to hand a connection to another thread, hand over the
//! `std::net` socket ([`TcpStream::from_std`] makes a gevent one there).
//!
//! ```compile_fail,E0277
//! fn assert_send<T: Send>() {}
//! assert_send::<corolab::gevent::net::TcpStream>();
//! ```
//!
//! ```compile_fail,E0277
//! fn assert_send<T: Send>() {}
//! assert_send::<corolab::gevent::net::TcpListener>();
//! ```
//!
//! ```
//! use corolab::gevent::{self, net::{TcpListener, TcpStream}};
//! use std::io::{Read, Write};
//!
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! let server = gevent::spawn(move || -> std::io::Result<Vec<u8>> {
//!     let (mut conn, _) = listener.accept()?;
//!     let mut got = Vec::new();
//!     conn.read_to_end(&mut got)?;
//!     Ok(got)
//! });
//! let mut client = TcpStream::connect(addr)?;
//! client.write_all(b"hello")?;
//! drop(client);
//! assert_eq!(server.join().unwrap()?, b"hello");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read, Write};
use std::marker::PhantomData;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use super::hub::{self, hub};
use crate::reactor::Interest;

/// A socket registered with this thread's hub.
///
/// # Invariant
///
/// `socket` stays open while registered under `key`: `Drop` deregisters
/// it before the field is dropped (and the descriptor closed). `key` is a
/// key of the hub of the thread that made it, which is why this is not
/// `Send` (see the module docs).
pub(crate) struct Registered<S: AsFd> {
    socket: S,
    key: usize,
    read_timeout: Cell<Option<Duration>>,
    write_timeout: Cell<Option<Duration>>,
    _this_thread: PhantomData<*const ()>,
}

impl<S: AsFd> Registered<S> {
    pub(crate) fn new(socket: S) -> io::Result<Registered<S>> {
        // SAFETY: `socket` moves into the returned value, whose `Drop`
        // deregisters it before it is closed (the invariant above).
        let key = unsafe { hub().register(&socket)? };
        Ok(Registered {
            socket,
            key,
            read_timeout: Cell::new(None),
            write_timeout: Cell::new(None),
            _this_thread: PhantomData,
        })
    }

    /// Retries `op` until it does not return `WouldBlock`, parking the
    /// greenlet on the socket's readiness in between.
    pub(crate) fn retry<T>(
        &self,
        interest: Interest,
        mut op: impl FnMut(&S) -> io::Result<T>,
    ) -> io::Result<T> {
        let timeout = if interest.read { self.read_timeout.get() } else { self.write_timeout.get() };
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            match op(&self.socket) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let why = hub().wait_io(self.key, interest, deadline)?;
                    hub::deliver(why);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }
}

impl<S: AsFd> Drop for Registered<S> {
    fn drop(&mut self) {
        hub().deregister(self.key, &self.socket);
    }
}

/// A TCP connection whose blocking calls park only the calling greenlet.
pub struct TcpStream {
    inner: Registered<std::net::TcpStream>,
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream").field("socket", &self.inner.socket).finish()
    }
}

impl TcpStream {
    /// Wraps a connected std stream, making it nonblocking.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream { inner: Registered::new(stream)? })
    }

    /// Opens a connection to `addr`, trying each address it resolves to;
    /// the greenlet parks while the handshake is in flight. (Name lookup
    /// itself is the system's blocking resolver: use addresses, not host
    /// names, where that matters; gevent ships a resolver for this.)
    pub fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match TcpStream::connect_one(addr) {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")))
    }

    fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        use socket2::{Domain, Protocol, Socket, Type};
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        let started = match socket.connect(&addr.into()) {
            Ok(()) => true,
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => false,
            Err(e) => return Err(e),
        };
        let stream = TcpStream { inner: Registered::new(std::net::TcpStream::from(socket))? };
        if !started {
            // Writable means the handshake ended; SO_ERROR says how.
            let why = hub().wait_io(stream.inner.key, Interest::WRITE, None)?;
            hub::deliver(why);
            if let Some(e) = stream.inner.socket.take_error()? {
                return Err(e);
            }
            stream.inner.socket.peer_addr()?;
        }
        Ok(stream)
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.socket.peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.socket.local_addr()
    }

    /// Shuts down the read, write, or both halves.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.socket.shutdown(how)
    }

    /// Sets `TCP_NODELAY`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.socket.set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.socket.nodelay()
    }

    /// How long a read may wait (`None`: forever); past it, `TimedOut`.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.read_timeout.set(timeout);
        Ok(())
    }

    /// How long a write may wait (`None`: forever); past it, `TimedOut`.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.write_timeout.set(timeout);
        Ok(())
    }

    /// A duplicate of the underlying std socket (nonblocking!), for
    /// shutting the connection down from elsewhere.
    pub fn try_clone_std(&self) -> io::Result<std::net::TcpStream> {
        self.inner.socket.try_clone()
    }

    /// Reads what is there without taking it.
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.retry(Interest::READ, |s| s.peek(buf))
    }
}

impl Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }
}

impl Read for &TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.retry(Interest::READ, |mut s| s.read(buf))
    }
}

impl Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for &TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.retry(Interest::WRITE, |mut s| s.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.socket.as_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.socket.as_raw_fd()
    }
}

/// A TCP listener whose `accept` parks only the calling greenlet.
pub struct TcpListener {
    inner: Registered<std::net::TcpListener>,
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener").field("socket", &self.inner.socket).finish()
    }
}

impl TcpListener {
    /// Binds to `addr` and listens.
    pub fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        TcpListener::from_std(std::net::TcpListener::bind(addr)?)
    }

    /// Wraps a std listener, making it nonblocking.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener { inner: Registered::new(listener)? })
    }

    /// Waits for a connection (parking the greenlet) and returns it.
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.inner.retry(Interest::READ, |l| l.accept())?;
        Ok((TcpStream::from_std(stream)?, addr))
    }

    /// An endless iterator of `accept` results.
    pub fn incoming(&self) -> impl Iterator<Item = io::Result<TcpStream>> + '_ {
        std::iter::repeat_with(move || self.accept().map(|(s, _)| s))
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.socket.local_addr()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.socket.as_fd()
    }
}
