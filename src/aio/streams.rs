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
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;

/// asyncio's default line limit: 64 KiB.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// What can go wrong reading a stream.
#[derive(Debug)]
pub enum StreamError {
    /// The stream ended before the separator or the count asked for;
    /// `partial` is what arrived (asyncio's `IncompleteReadError`).
    IncompleteRead {
        /// The bytes that arrived.
        partial: Vec<u8>,
        /// How many were asked for (`None`: up to a separator).
        expected: Option<usize>,
    },
    /// No separator within `limit` bytes; the bytes stay buffered
    /// (asyncio's `LimitOverrunError`).
    LimitOverrun {
        /// The reader's limit.
        limit: usize,
    },
    /// The socket failed.
    Io(io::Error),
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::IncompleteRead { partial, expected: Some(n) } => {
                write!(f, "stream ended after {} of {n} expected bytes", partial.len())
            }
            StreamError::IncompleteRead { partial, expected: None } => {
                write!(f, "stream ended after {} bytes without the separator", partial.len())
            }
            StreamError::LimitOverrun { limit } => {
                write!(f, "separator not found within the {limit}-byte limit")
            }
            StreamError::Io(e) => write!(f, "reading the stream failed: {e}"),
        }
    }
}

impl std::error::Error for StreamError {}

impl From<io::Error> for StreamError {
    fn from(e: io::Error) -> Self {
        StreamError::Io(e)
    }
}

/// The reading half: one buffer shared by every read.
#[derive(Debug)]
pub struct StreamReader {
    stream: Rc<TcpStream>,
    buf: Vec<u8>,
    eof: bool,
    limit: usize,
}

impl StreamReader {
    /// A reader over `stream` with line limit `limit`.
    pub fn new(stream: Rc<TcpStream>, limit: usize) -> StreamReader {
        StreamReader { stream, buf: Vec::new(), eof: false, limit }
    }

    /// Reads once more from the socket into the buffer; false at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// Up to and including `separator`.
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, StreamError> {
        assert!(!separator.is_empty(), "readuntil needs a separator");
        let mut searched = 0;
        loop {
            if let Some(i) = self.buf[searched..].windows(separator.len()).position(|w| w == separator) {
                let end = searched + i + separator.len();
                if end > self.limit {
                    return Err(StreamError::LimitOverrun { limit: self.limit });
                }
                return Ok(self.buf.drain(..end).collect());
            }
            if self.buf.len() > self.limit {
                return Err(StreamError::LimitOverrun { limit: self.limit });
            }
            searched = self.buf.len().saturating_sub(separator.len() - 1);
            if !self.fill().await? {
                return Err(StreamError::IncompleteRead {
                    partial: std::mem::take(&mut self.buf),
                    expected: None,
                });
            }
        }
    }

    /// One line with its `\n`; at end of stream, whatever is left (empty
    /// once all is read), as asyncio's `readline`.
    pub async fn readline(&mut self) -> Result<Vec<u8>, StreamError> {
        match self.readuntil(b"\n").await {
            Err(StreamError::IncompleteRead { partial, .. }) => Ok(partial),
            other => other,
        }
    }

    /// Exactly `n` bytes.
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, StreamError> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(StreamError::IncompleteRead {
                    partial: std::mem::take(&mut self.buf),
                    expected: Some(n),
                });
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// At most `n` bytes: what is buffered, or one read's worth; empty at end of stream.
    pub async fn read(&mut self, n: usize) -> Result<Vec<u8>, StreamError> {
        if self.buf.is_empty() {
            self.fill().await?;
        }
        let n = n.min(self.buf.len());
        Ok(self.buf.drain(..n).collect())
    }

    /// The stream under the reader (what is buffered is dropped).
    pub fn into_stream(self) -> Rc<TcpStream> {
        self.stream
    }

    /// Whether the stream has ended and the buffer is empty.
    pub fn at_eof(&self) -> bool {
        self.eof && self.buf.is_empty()
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
