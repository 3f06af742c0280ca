//! Streams as asyncio has them, in greenlets: a buffered reader and a
//! writer over a gevent [`TcpStream`], and `open_connection(host, port)`.
//!
//! The API is [`crate::aio::streams`]'s without `.await`: [`StreamReader`]
//! keeps ONE buffer (a [`ReadBuffer`], the IO-free rules both readers
//! share) for [`readline`](StreamReader::readline),
//! [`readuntil`](StreamReader::readuntil),
//! [`readexactly`](StreamReader::readexactly) and
//! [`read`](StreamReader::read), so they mix without losing a byte; a line
//! past the limit is [`StreamError::LimitOverrun`], an early end of
//! stream [`StreamError::IncompleteRead`]. Where aio's reader awaits a
//! read, this one calls the gevent socket's `read`, which parks the
//! greenlet until epoll says the socket is readable.
//!
//! [`StreamWriter::write`] only buffers; [`StreamWriter::drain`] sends it
//! all, parking the greenlet while the kernel's send buffer is full.
//!
//! [`open_connection`] resolves the name on a thread of its own
//! ([`run_in_thread`](super::run_in_thread)): the system resolver blocks,
//! and a blocked hub would stop every greenlet.
//!
//! ```
//! use corolab::gevent::{self, streams};
//!
//! let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
//! let port = server.local_addr().unwrap().port();
//! std::thread::spawn(move || {
//!     use std::io::Write;
//!     let (mut s, _) = server.accept().unwrap();
//!     s.write_all(b"one\ntwo\r\n12345").unwrap();
//! });
//! let reader = gevent::spawn(move || {
//!     let (mut reader, _writer) = streams::open_connection("localhost", port).unwrap();
//!     assert_eq!(reader.readline().unwrap(), b"one\n");
//!     assert_eq!(reader.readuntil(b"\r\n").unwrap(), b"two\r\n");
//!     assert_eq!(reader.readexactly(5).unwrap(), b"12345");
//! });
//! reader.join().unwrap();
//! ```
#![forbid(unsafe_code)]

use super::net::TcpStream;
pub use crate::streambuf::StreamError;
use crate::streambuf::{ReadBuffer, StreamError as E};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;

/// asyncio's default line limit: 64 KiB.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

// ANCHOR: reader
/// The reading half: one [`ReadBuffer`] shared by every read; each read
/// asks the buffer, and reads the socket once more (parking the greenlet)
/// while it needs more.
#[derive(Debug)]
pub struct StreamReader {
    stream: Rc<TcpStream>,
    buf: ReadBuffer,
}

impl StreamReader {
    /// A reader over `stream` with line limit `limit`.
    pub fn new(stream: Rc<TcpStream>, limit: usize) -> StreamReader {
        StreamReader { stream, buf: ReadBuffer::new(limit) }
    }

    /// Reads once more from the socket into the buffer.
    fn fill(&mut self) -> io::Result<()> {
        let n = (&*self.stream).read(self.buf.spare())?;
        self.buf.filled(n);
        Ok(())
    }

    /// Up to and including `separator`.
    pub fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, E> {
        loop {
            if let Some(line) = self.buf.take_until(separator)? {
                return Ok(line);
            }
            self.fill()?;
        }
    }
    // ANCHOR_END: reader

    /// One line with its `\n`; at end of stream, whatever is left (empty
    /// once all is read), as asyncio's `readline`.
    pub fn readline(&mut self) -> Result<Vec<u8>, E> {
        match self.readuntil(b"\n") {
            Err(E::IncompleteRead { partial, .. }) => Ok(partial),
            other => other,
        }
    }

    /// Exactly `n` bytes.
    pub fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, E> {
        loop {
            if let Some(bytes) = self.buf.take_exactly(n)? {
                return Ok(bytes);
            }
            self.fill()?;
        }
    }

    /// At most `n` bytes: what is buffered, or one read's worth; empty at end of stream.
    pub fn read(&mut self, n: usize) -> Result<Vec<u8>, E> {
        loop {
            if let Some(bytes) = self.buf.take_up_to(n) {
                return Ok(bytes);
            }
            self.fill()?;
        }
    }

    /// One frame found by `parse` (see [`ReadBuffer::take_frame`]).
    pub fn read_frame<T, Err: From<E> + From<io::Error>>(
        &mut self,
        mut parse: impl FnMut(&[u8]) -> Result<Option<(T, usize)>, Err>,
    ) -> Result<T, Err> {
        loop {
            if let Some(frame) = self.buf.take_frame(&mut parse)? {
                return Ok(frame);
            }
            self.fill()?;
        }
    }

    /// The stream under the reader (what is buffered is dropped).
    pub fn into_stream(self) -> Rc<TcpStream> {
        self.stream
    }

    /// Whether the stream has ended and the buffer is empty.
    pub fn at_eof(&self) -> bool {
        self.buf.at_eof()
    }
}

/// The writing half: `write` buffers, `drain` sends it all.
#[derive(Debug)]
pub struct StreamWriter {
    stream: Rc<TcpStream>,
    pending: Vec<u8>,
}

impl StreamWriter {
    /// A writer over `stream`.
    pub fn new(stream: Rc<TcpStream>) -> StreamWriter {
        StreamWriter { stream, pending: Vec::new() }
    }

    /// The socket under the writer, to set options on (`set_nodelay`):
    /// asyncio's `writer.get_extra_info('socket')`.
    pub fn socket(&self) -> &TcpStream {
        &self.stream
    }

    /// Buffers `data`; nothing is sent until [`drain`](Self::drain).
    pub fn write(&mut self, data: &[u8]) {
        self.pending.extend_from_slice(data);
    }

    /// Sends everything buffered, parking the greenlet while the socket's
    /// send buffer is full.
    pub fn drain(&mut self) -> io::Result<()> {
        (&*self.stream).write_all(&self.pending)?;
        self.pending.clear();
        Ok(())
    }

    /// Drains, then shuts the sending side down (the peer reads end of stream).
    pub fn close(mut self) -> io::Result<()> {
        self.drain()?;
        self.stream.shutdown(std::net::Shutdown::Write)
    }
}

/// Connects to `host:port`, resolving the name on a thread of its own,
/// then trying each address: asyncio's `open_connection`, in a greenlet.
pub fn open_connection(host: &str, port: u16) -> io::Result<(StreamReader, StreamWriter)> {
    let name = format!("{host}:{port}");
    let lookup = name.clone();
    let addrs: Vec<SocketAddr> = super::run_in_thread(move || lookup.to_socket_addrs().map(Vec::from_iter))
        .map_err(|e| io::Error::other(format!("resolving {name}: {e}")))?
        .map_err(|e| io::Error::new(e.kind(), format!("resolving {name}: {e}")))?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("resolving {name}: no address"));
    for addr in addrs {
        match TcpStream::connect(addr) {
            Ok(stream) => {
                let stream = Rc::new(stream);
                return Ok((StreamReader::new(Rc::clone(&stream), DEFAULT_LIMIT), StreamWriter::new(stream)));
            }
            Err(e) => last = io::Error::new(e.kind(), format!("connecting to {name} ({addr}): {e}")),
        }
    }
    Err(last)
}
