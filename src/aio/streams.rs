//! Streams as asyncio has them: a buffered reader and a writer over a TCP
//! connection, and `open_connection(host, port)`.
//!
//! [`StreamReader`] keeps ONE buffer for all its reads, so
//! [`readline`](StreamReader::readline), [`readuntil`](StreamReader::readuntil),
//! [`readexactly`](StreamReader::readexactly) and [`read`](StreamReader::read)
//! mix without losing a byte: the headers of an HTTP answer read line by
//! line, then its body read exactly, from the same reader. A line longer
//! than the reader's limit is [`StreamError::LimitOverrun`] (asyncio's
//! `LimitOverrunError`), and an end of stream before what was asked for is
//! [`StreamError::IncompleteRead`] (`IncompleteReadError`), carrying the
//! bytes that did arrive.
//!
//! The rules for taking from that buffer are IO-free and live in
//! [`crate::streambuf`], shared with gevent's reader
//! ([`crate::gevent::streams`]); this file only awaits the socket.
//!
//! [`StreamWriter::write`] only buffers; [`StreamWriter::drain`] waits until
//! the kernel has taken every buffered byte (the task parks while the
//! socket's send buffer is full: that is backpressure).
//!
//! ```
//! use corolab::aio::{self, streams};
//!
//! let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
//! let port = server.local_addr().unwrap().port();
//! std::thread::spawn(move || {
//!     use std::io::Write;
//!     let (mut s, _) = server.accept().unwrap();
//!     s.write_all(b"one\ntwo\r\n12345").unwrap();
//! });
//! aio::run(async move {
//!     let (mut reader, _writer) = streams::open_connection("localhost", port).await.unwrap();
//!     assert_eq!(reader.readline().await.unwrap(), b"one\n");
//!     assert_eq!(reader.readuntil(b"\r\n").await.unwrap(), b"two\r\n");
//!     assert_eq!(reader.readexactly(5).await.unwrap(), b"12345");
//! });
//! ```
#![forbid(unsafe_code)]

use super::net::TcpStream;
pub use crate::streambuf::StreamError;
use crate::streambuf::{ReadBuffer, StreamError as E};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;

/// asyncio's default line limit: 64 KiB.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

// ANCHOR: reader
/// The reading half: one [`ReadBuffer`] shared by every read; each read
/// asks the buffer, and awaits one more socket read while it needs more.
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

    /// Reads once more from the socket into the buffer (the task parks
    /// until the socket is readable).
    async fn fill(&mut self) -> io::Result<()> {
        let n = self.stream.read(self.buf.spare()).await?;
        self.buf.filled(n);
        Ok(())
    }

    /// Up to and including `separator`.
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, E> {
        loop {
            if let Some(line) = self.buf.take_until(separator)? {
                return Ok(line);
            }
            self.fill().await?;
        }
    }
    // ANCHOR_END: reader

    /// One line with its `\n`; at end of stream, whatever is left (empty
    /// once all is read), as asyncio's `readline`.
    pub async fn readline(&mut self) -> Result<Vec<u8>, E> {
        match self.readuntil(b"\n").await {
            Err(E::IncompleteRead { partial, .. }) => Ok(partial),
            other => other,
        }
    }

    /// Exactly `n` bytes.
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, E> {
        loop {
            if let Some(bytes) = self.buf.take_exactly(n)? {
                return Ok(bytes);
            }
            self.fill().await?;
        }
    }

    /// At most `n` bytes: what is buffered, or one read's worth; empty at end of stream.
    pub async fn read(&mut self, n: usize) -> Result<Vec<u8>, E> {
        loop {
            if let Some(bytes) = self.buf.take_up_to(n) {
                return Ok(bytes);
            }
            self.fill().await?;
        }
    }

    /// One frame found by `parse` (see [`ReadBuffer::take_frame`]): how
    /// a protocol client (redis's RESP) reads its replies from the same
    /// buffer.
    pub async fn read_frame<T, Err: From<E> + From<io::Error>>(
        &mut self,
        mut parse: impl FnMut(&[u8]) -> Result<Option<(T, usize)>, Err>,
    ) -> Result<T, Err> {
        loop {
            if let Some(frame) = self.buf.take_frame(&mut parse)? {
                return Ok(frame);
            }
            self.fill().await?;
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

/// The writing half: `write` buffers, `drain` waits until the kernel took it all.
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

    /// Sends everything buffered, parking while the socket's send buffer is full.
    pub async fn drain(&mut self) -> io::Result<()> {
        self.stream.write_all(&self.pending).await?;
        self.pending.clear();
        Ok(())
    }

    /// Drains, then shuts the sending side down (the peer reads end of stream).
    pub async fn close(mut self) -> io::Result<()> {
        self.drain().await?;
        self.stream.shutdown(std::net::Shutdown::Write)
    }
}

/// Connects to `host:port`, resolving the name on the executor (a
/// resolver blocks; the loop must not): asyncio's `open_connection`.
pub async fn open_connection(host: &str, port: u16) -> io::Result<(StreamReader, StreamWriter)> {
    let name = format!("{host}:{port}");
    let lookup = name.clone();
    let addrs: Vec<SocketAddr> = super::run_in_executor(move || lookup.to_socket_addrs().map(Vec::from_iter))
        .await
        .map_err(|e| io::Error::other(format!("resolving {name}: {e}")))?
        .map_err(|e| io::Error::new(e.kind(), format!("resolving {name}: {e}")))?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("resolving {name}: no address"));
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let stream = Rc::new(stream);
                return Ok((StreamReader::new(Rc::clone(&stream), DEFAULT_LIMIT), StreamWriter::new(stream)));
            }
            Err(e) => last = io::Error::new(e.kind(), format!("connecting to {name} ({addr}): {e}")),
        }
    }
    Err(last)
}
