//! The IO-free half of a buffered stream reader: one buffer, and the rules
//! for taking a line, a count, or a parsed frame out of it.
//!
//! asyncio's `StreamReader` and the gevent reader ([`crate::aio::streams`],
//! [`crate::gevent::streams`]) differ only in how they wait for more bytes:
//! one `.await`s, the other parks its greenlet. Everything else lives here,
//! written once, with no socket in sight ("sans-IO"): each `take_*` either
//! answers from what is buffered or says "need more" (`Ok(None)`), and a
//! driver then reads into [`spare`](ReadBuffer::spare), reports how much
//! came with [`filled`](ReadBuffer::filled), and asks again:
//!
//! ```text
//!   driver                           ReadBuffer
//!   ──────                           ──────────
//!   take_until(b"\n") ─────────────▶ Ok(None)            (no newline yet)
//!   n = socket.read(spare()) ──────▶ filled(n)
//!   take_until(b"\n") ─────────────▶ Ok(Some(line))      (bytes after it stay)
//!   take_exactly(5) ───────────────▶ Ok(Some(five bytes))
//! ```
//!
//! Because every kind of read takes from the same buffer, they mix without
//! losing a byte. At end of stream (`filled(0)`), a take that cannot be
//! answered any more is [`StreamError::IncompleteRead`], carrying what did
//! arrive.
//!
//! ```
//! use corolab::streambuf::ReadBuffer;
//!
//! let mut buf = ReadBuffer::new(64);
//! assert_eq!(buf.take_until(b"\n").unwrap(), None);
//! let room = buf.spare();
//! room[..9].copy_from_slice(b"one\ntwo!!");
//! buf.filled(9);
//! assert_eq!(buf.take_until(b"\n").unwrap(), Some(b"one\n".to_vec()));
//! assert_eq!(buf.take_exactly(3).unwrap(), Some(b"two".to_vec()));
//! assert_eq!(buf.buffered(), b"!!");
//! ```
#![forbid(unsafe_code)]

use std::fmt;
use std::io;

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

/// How many bytes of room [`ReadBuffer::spare`] offers at least: one read's worth.
pub const CHUNK: usize = 16 * 1024;

/// One buffer for every kind of read. See the module docs.
///
/// The bytes not yet taken are `bytes[start..end]`; taking one only moves
/// `start`, and the taken prefix is reclaimed when room is needed, so a
/// pipelined burst of small replies is not shifted once per reply.
#[derive(Debug)]
pub struct ReadBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    limit: usize,
    /// How far `take_until` has already searched for `searched_for`
    /// without finding it, so a long line is not rescanned per read.
    searched: usize,
    searched_for: Vec<u8>,
}

impl ReadBuffer {
    /// An empty buffer whose lines (`take_until`) may be at most `limit` bytes.
    pub fn new(limit: usize) -> ReadBuffer {
        ReadBuffer {
            bytes: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            limit,
            searched: 0,
            searched_for: Vec::new(),
        }
    }

    /// The line limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The bytes read and not yet taken.
    pub fn buffered(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// Whether the stream has ended (more bytes will never come).
    pub fn is_eof(&self) -> bool {
        self.eof
    }

    /// Whether the stream has ended and every byte was taken.
    pub fn at_eof(&self) -> bool {
        self.eof && self.start == self.end
    }

    /// Room for the next read: at least [`CHUNK`] bytes, made by reclaiming
    /// what was taken or by growing.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            self.searched = 0;
        }
        if self.bytes.len() - self.end < CHUNK {
            if self.start > 0 {
                self.bytes.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.searched = self.searched.saturating_sub(self.start);
                self.start = 0;
            }
            if self.bytes.len() - self.end < CHUNK {
                self.bytes.resize(self.end + CHUNK, 0);
            }
        }
        &mut self.bytes[self.end..]
    }

    /// Records that a read put `n` bytes at the front of [`spare`](Self::spare);
    /// `0` means end of stream.
    ///
    /// # Panics
    ///
    /// When `n` is more than the room `spare` offered.
    pub fn filled(&mut self, n: usize) {
        assert!(self.end + n <= self.bytes.len(), "filled more than spare() offered");
        self.end += n;
        if n == 0 {
            self.eof = true;
        }
    }

    /// Appends `data` (tests, and drivers that read into their own buffer).
    pub fn extend(&mut self, data: &[u8]) {
        let mut rest = data;
        while !rest.is_empty() {
            let room = self.spare();
            let n = room.len().min(rest.len());
            room[..n].copy_from_slice(&rest[..n]);
            self.end += n;
            rest = &rest[n..];
        }
    }

    /// Takes the first `n` buffered bytes.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let taken = self.bytes[self.start..self.start + n].to_vec();
        self.consume(n);
        taken
    }

    /// Drops the first `n` buffered bytes (a parser used them in place).
    ///
    /// # Panics
    ///
    /// When fewer than `n` are buffered.
    pub fn consume(&mut self, n: usize) {
        assert!(n <= self.end - self.start, "consumed more than is buffered");
        self.start += n;
        self.searched = self.start;
    }

    /// Everything buffered, as the partial bytes of an incomplete read.
    fn incomplete(&mut self, expected: Option<usize>) -> StreamError {
        let partial = self.take(self.end - self.start);
        StreamError::IncompleteRead { partial, expected }
    }

    // ANCHOR: take_until
    /// Up to and including `separator`; `Ok(None)` when more bytes are
    /// needed. A separator past the limit, or none within it, is
    /// [`StreamError::LimitOverrun`] and the bytes stay buffered.
    ///
    /// # Panics
    ///
    /// When `separator` is empty.
    pub fn take_until(&mut self, separator: &[u8]) -> Result<Option<Vec<u8>>, StreamError> {
        assert!(!separator.is_empty(), "readuntil needs a separator");
        if self.searched_for != separator {
            self.searched_for = separator.to_vec();
            self.searched = self.start;
        }
        let from = self.searched.max(self.start);
        let found = self.bytes[from..self.end].windows(separator.len()).position(|w| w == separator);
        if let Some(i) = found {
            let len = from + i + separator.len() - self.start;
            if len > self.limit {
                return Err(StreamError::LimitOverrun { limit: self.limit });
            }
            return Ok(Some(self.take(len)));
        }
        if self.end - self.start > self.limit {
            return Err(StreamError::LimitOverrun { limit: self.limit });
        }
        if self.eof {
            return Err(self.incomplete(None));
        }
        // The next search starts where a separator could still begin.
        self.searched = self.end.saturating_sub(separator.len() - 1).max(self.start);
        Ok(None)
    }
    // ANCHOR_END: take_until

    /// Exactly `n` bytes; `Ok(None)` when more are needed.
    pub fn take_exactly(&mut self, n: usize) -> Result<Option<Vec<u8>>, StreamError> {
        if self.end - self.start >= n {
            Ok(Some(self.take(n)))
        } else if self.eof {
            Err(self.incomplete(Some(n)))
        } else {
            Ok(None)
        }
    }

    /// At most `n` bytes of what is buffered; `None` when nothing is and
    /// the stream goes on (read once, then ask again). Empty at end of stream.
    pub fn take_up_to(&mut self, n: usize) -> Option<Vec<u8>> {
        let have = self.end - self.start;
        if have == 0 && !self.eof && n > 0 {
            return None;
        }
        Some(self.take(n.min(have)))
    }

    /// One frame that `parse` finds at the front of the buffer: `parse`
    /// answers `Ok(None)` for "not whole yet" or the frame and how many
    /// bytes it used (the shape of [`crate::redis`]'s RESP parser). At end
    /// of stream with no whole frame, an [`StreamError::IncompleteRead`]
    /// converted into `E`.
    pub fn take_frame<T, E: From<StreamError>>(
        &mut self,
        parse: impl FnOnce(&[u8]) -> Result<Option<(T, usize)>, E>,
    ) -> Result<Option<T>, E> {
        match parse(self.buffered())? {
            Some((frame, used)) => {
                self.consume(used);
                Ok(Some(frame))
            }
            None if self.eof => Err(self.incomplete(None).into()),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fed(chunks: &[&[u8]], limit: usize) -> ReadBuffer {
        let mut buf = ReadBuffer::new(limit);
        for chunk in chunks {
            buf.extend(chunk);
        }
        buf
    }

    #[test]
    fn a_separator_split_across_reads_is_found() {
        let mut buf = fed(&[b"ab\r"], 100);
        assert_eq!(buf.take_until(b"\r\n").unwrap(), None);
        buf.extend(b"\ncd");
        assert_eq!(buf.take_until(b"\r\n").unwrap(), Some(b"ab\r\n".to_vec()));
        assert_eq!(buf.buffered(), b"cd");
    }

    #[test]
    fn every_kind_of_take_shares_the_bytes() {
        let mut buf = fed(&[b"line\n12345rest"], 100);
        assert_eq!(buf.take_until(b"\n").unwrap().unwrap(), b"line\n");
        assert_eq!(buf.take_exactly(5).unwrap().unwrap(), b"12345");
        assert_eq!(buf.take_up_to(2).unwrap(), b"re");
        assert_eq!(buf.take_up_to(100).unwrap(), b"st");
        assert_eq!(buf.take_up_to(1), None, "empty and not ended: read first");
    }

    #[test]
    fn the_limit_is_an_overrun_and_keeps_the_bytes() {
        let mut buf = fed(&[b"0123456789"], 4);
        assert!(matches!(buf.take_until(b"\n"), Err(StreamError::LimitOverrun { limit: 4 })));
        assert_eq!(buf.buffered(), b"0123456789");
        let mut found_late = fed(&[b"01234\n"], 4);
        assert!(matches!(found_late.take_until(b"\n"), Err(StreamError::LimitOverrun { .. })));
    }

    #[test]
    fn end_of_stream_is_an_incomplete_read_with_the_partial_bytes() {
        let mut buf = fed(&[b"abc"], 100);
        buf.filled(0);
        match buf.take_exactly(5) {
            Err(StreamError::IncompleteRead { partial, expected: Some(5) }) => assert_eq!(partial, b"abc"),
            other => panic!("{other:?}"),
        }
        assert!(buf.at_eof());
        assert_eq!(buf.take_up_to(10).unwrap(), b"", "empty at end of stream");
    }

    #[test]
    fn frames_are_taken_in_place_and_room_is_reclaimed() {
        let mut buf = ReadBuffer::new(100);
        let digit = |b: &[u8]| -> Result<Option<(u8, usize)>, StreamError> { Ok(b.first().map(|&d| (d, 1))) };
        for round in 0..3 * CHUNK {
            buf.extend(&[b'0' + (round % 10) as u8]);
            assert_eq!(buf.take_frame(digit).unwrap(), Some(b'0' + (round % 10) as u8));
        }
        assert!(buf.bytes.len() <= 2 * CHUNK, "taken bytes were reclaimed, not kept");
        buf.filled(0);
        let ended = buf.take_frame(digit);
        assert!(
            matches!(&ended, Err(StreamError::IncompleteRead { partial, .. }) if partial.is_empty()),
            "{ended:?}"
        );
    }

    #[test]
    fn a_long_line_grows_the_buffer_past_one_chunk() {
        let mut buf = ReadBuffer::new(4 * CHUNK);
        let line = vec![b'x'; 3 * CHUNK];
        buf.extend(&line);
        assert_eq!(buf.take_until(b"\n").unwrap(), None);
        buf.extend(b"\n");
        assert_eq!(buf.take_until(b"\n").unwrap().unwrap().len(), 3 * CHUNK + 1);
    }
}
