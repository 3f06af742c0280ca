//! One connection's state machine, and a blocking driver for it.
//!
//! [`Connection`] holds what a connection has read and not yet used, and
//! the answer it is about to send. It does no IO: [`Connection::step`] says
//! what the backend should do next, and the backend does it its own way:
//!
//! - [`Step::Read`]: read into [`Connection::read_buf`], waiting at most
//!   [`Connection::read_timeout`], then report how many bytes arrived with
//!   [`Connection::filled`] (0 means end of stream); if the read timed out
//!   (or no time was left), call [`Connection::timed_out`] instead;
//! - [`Step::Respond`]: wait the given delay (the route's `?delay_ms`), write
//!   all of [`Connection::output`], then call [`Connection::written`];
//! - [`Step::Close`]: close the socket.
//!
//! [`serve_connection`] is that loop for any blocking `Read + Write` stream
//! (std's, gevent's or may's `TcpStream`); an async backend writes the same
//! loop with `.await` on its reads, writes and sleeps.
//!
//! # Three timeouts
//!
//! A read waits at most the stall timeout, but that alone restarts on
//! every byte, so a client sending one byte per half timeout would hold
//! the connection for ever. So the whole request head also has a deadline,
//! counted from its first byte (nginx's `client_header_timeout`), and the
//! body one of its own, counted from the end of the head;
//! [`Connection::read_timeout`] gives the shorter of what is left. The
//! clock is passed in: the state machine still does no IO.
#![forbid(unsafe_code)]

use super::error::HttpError;
use super::request::Request;
use super::request::{Parsed, parse_request};
use super::response::{ConnectionHeader, Response};
use super::routes::{Routed, route};
use crate::server::{ServerConfig, ServerState, Socket, is_timeout};
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// How much room [`Connection::read_buf`] offers at least.
const READ_CHUNK: usize = 4096;

/// What a backend should do next with a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Read more bytes.
    Read,
    /// Sleep this long (often zero), then write [`Connection::output`].
    Respond(Duration),
    /// Close the connection: the client asked to, hung up, sent bad bytes
    /// or stalled.
    Close,
}

/// What [`Connection::next_request`] found: a step, or a request to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Do this now.
    Step(Step),
    /// Answer this, then call [`Connection::answer`].
    Request(Request),
}

/// What the connection needs to remember of a request to write its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// The request's HTTP/1.`minor_version`.
    pub minor_version: u8,
    /// Whether the connection stays open after the answer.
    pub keep_alive: bool,
    /// A `HEAD` request: the answer has no body.
    pub head_only: bool,
}

impl Head {
    /// The head of `request`.
    pub fn of(request: &Request) -> Head {
        Head {
            minor_version: request.minor_version,
            keep_alive: request.keep_alive,
            head_only: request.method == "HEAD",
        }
    }
}

/// Which part of a request a connection is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// Nothing buffered: idle between requests (only the stall timeout).
    Idle,
    /// A request head has begun and not ended (its deadline runs).
    Head,
    /// The head has ended, the body has not all arrived (its deadline runs).
    Body,
}

/// One HTTP connection, without its socket.
#[derive(Debug, Default)]
pub struct Connection {
    /// Bytes read; only `input[..filled]` is data, the rest is room to read into.
    input: Vec<u8>,
    filled: usize,
    /// The answer waiting to be written.
    output: Vec<u8>,
    /// Close once `output` is written.
    closing: bool,
    /// The client will send nothing more.
    eof: bool,
    /// Responses produced so far.
    served: u64,
    /// The part being waited for, and since when (its deadline's start).
    since: Option<(Waiting, Instant)>,
}

impl Connection {
    /// A fresh connection, waiting for its first request.
    pub fn new() -> Connection {
        Connection::default()
    }

    // ANCHOR: step
    /// What to do next. Parses what has been read; when a request is
    /// complete, routes it and puts the answer in [`output`](Self::output).
    pub fn step(&mut self) -> Step {
        self.step_with(|request| route(&request))
    }

    /// [`step`](Self::step) with `answer` in place of the demo routes: the
    /// answer to a complete request is `answer(request)` (an [`App`]'s).
    ///
    /// [`App`]: super::app::App
    pub fn step_with(&mut self, answer: impl FnOnce(Request) -> Routed) -> Step {
        match self.next_request() {
            Next::Step(step) => step,
            Next::Request(request) => {
                let head = Head::of(&request);
                let routed = answer(request);
                self.answer(head, &routed)
            }
        }
    }

    /// The first half of [`step_with`](Self::step_with), for a driver whose
    /// handler must be awaited: either a step to take now, or a request to
    /// answer (take its [`Head`] first, then hand both halves to
    /// [`answer`](Self::answer)).
    pub fn next_request(&mut self) -> Next {
        if !self.output.is_empty() {
            return Next::Step(Step::Respond(Duration::ZERO)); // not written yet: write it
        }
        if self.closing {
            return Next::Step(Step::Close);
        }
        match parse_request(&self.input[..self.filled]) {
            Ok(Parsed::Incomplete) if self.eof => Next::Step(Step::Close),
            Ok(Parsed::Incomplete) => Next::Step(Step::Read),
            Ok(Parsed::Complete(request, used)) => {
                self.input.copy_within(used..self.filled, 0);
                self.filled -= used;
                self.since = None; // the next request's deadlines start afresh
                Next::Request(request)
            }
            Err(error) => {
                self.reject(&error);
                Next::Step(Step::Respond(Duration::ZERO))
            }
        }
    }

    /// The second half: writes the answer to the request `head` described.
    pub fn answer(&mut self, head: Head, routed: &Routed) -> Step {
        let connection = ConnectionHeader::for_request(head.minor_version, head.keep_alive);
        routed.response.write_to(&mut self.output, head.head_only, connection);
        self.closing = !head.keep_alive;
        self.served += 1;
        Step::Respond(routed.delay)
    }
    // ANCHOR_END: step

    /// Answers `error` and closes after the answer.
    fn reject(&mut self, error: &HttpError) {
        Response::error(error.status()).write_to(&mut self.output, false, ConnectionHeader::Close);
        self.closing = true;
        self.served += 1;
    }

    /// Room to read into: at least 4 KiB.
    pub fn read_buf(&mut self) -> &mut [u8] {
        if self.input.len() - self.filled < READ_CHUNK {
            self.input.resize(self.filled + READ_CHUNK, 0);
        }
        &mut self.input[self.filled..]
    }

    /// Reports that `n` bytes were read into [`read_buf`](Self::read_buf);
    /// `0` means the client closed its side.
    ///
    /// # Panics
    ///
    /// If `n` is more than `read_buf` offered.
    pub fn filled(&mut self, n: usize) {
        assert!(self.filled + n <= self.input.len(), "filled more than read_buf offered");
        self.filled += n;
        self.eof |= n == 0;
    }

    /// Which part of a request the connection is waiting for.
    pub fn waiting(&self) -> Waiting {
        // A head ends within MAX_HEAD_BYTES or is an error, so the scan is
        // bounded however much body is buffered.
        let buffered = &self.input[..self.filled.min(super::MAX_HEAD_BYTES + 4)];
        let head_ends =
            |i: usize| buffered[i + 1..].starts_with(b"\n") || buffered[i + 1..].starts_with(b"\r\n");
        if buffered.is_empty() {
            Waiting::Idle
        } else if buffered.iter().enumerate().any(|(i, &b)| b == b'\n' && head_ends(i)) {
            Waiting::Body
        } else {
            Waiting::Head
        }
    }

    // ANCHOR: read_timeout
    /// How long the next read may wait at `now`: the stall timeout, cut
    /// short by the deadline of the head or the body in progress. `None`
    /// once that deadline has passed: call [`timed_out`](Self::timed_out).
    pub fn read_timeout(&mut self, now: Instant, config: &ServerConfig) -> Option<Duration> {
        let waiting = self.waiting();
        let limit = match waiting {
            Waiting::Idle => {
                self.since = None;
                return Some(config.read_timeout);
            }
            Waiting::Head => config.head_timeout(),
            Waiting::Body => config.body_timeout(),
        };
        let since = match self.since {
            Some((part, since)) if part == waiting => since,
            _ => self.since.insert((waiting, now)).1,
        };
        let left = (since + limit).saturating_duration_since(now);
        Some(left.min(config.read_timeout)).filter(|left| !left.is_zero())
    }
    // ANCHOR_END: read_timeout

    /// Reports that a read timed out. A client idle between requests is
    /// simply closed; one that stalled mid-request gets a 408 first.
    pub fn timed_out(&mut self) {
        if self.filled > 0 && !self.closing {
            self.reject(&HttpError::Timeout);
        } else {
            self.closing = true;
        }
    }

    /// Asks the connection to close once the request in progress (if any)
    /// is answered: a server that is stopping calls this.
    pub fn close_when_idle(&mut self) {
        if self.filled == 0 {
            self.closing = true;
        }
    }

    /// The bytes to write for [`Step::Respond`].
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Reports that all of [`output`](Self::output) was written.
    pub fn written(&mut self) {
        self.output.clear();
    }

    /// How many responses this connection has produced.
    pub fn served(&self) -> u64 {
        self.served
    }
}

// ANCHOR: serve_connection
/// Serves one connection on a blocking stream until it closes: the whole
/// server, minus accepting, for threads, gevent and may. `sleep` is the
/// backend's sleep (a thread sleep, or a coroutine sleep that lets others
/// run). The accept loop has set the stream's stall timeouts; this loop
/// shortens the read timeout while a head or body deadline runs.
pub fn serve_connection<S: Read + Write + Socket>(
    stream: &mut S,
    sleep: impl Fn(Duration),
    server: &ServerState,
) -> io::Result<()> {
    serve_with(stream, sleep, server, |request| route(&request))
}

/// [`serve_connection`] answering with `answer` (an [`App`]'s `handle`)
/// instead of the demo routes.
///
/// [`App`]: super::app::App
pub fn serve_with<S: Read + Write + Socket>(
    stream: &mut S,
    sleep: impl Fn(Duration),
    server: &ServerState,
    answer: impl Fn(Request) -> Routed,
) -> io::Result<()> {
    let mut conn = Connection::new();
    let mut timeout = server.config.read_timeout;
    loop {
        if server.stopping() {
            conn.close_when_idle();
        }
        match conn.step_with(&answer) {
            Step::Read => {
                let Some(left) = conn.read_timeout(Instant::now(), &server.config) else {
                    conn.timed_out();
                    continue;
                };
                if left != timeout {
                    stream.set_read_timeout(Some(left))?;
                    timeout = left;
                }
                match stream.read(conn.read_buf()) {
                    Ok(n) => conn.filled(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if is_timeout(&e) => conn.timed_out(),
                    Err(e) => return Err(e),
                }
            }
            Step::Respond(delay) => {
                if !delay.is_zero() {
                    sleep(delay);
                }
                // A write stalled past the stall timeout fails here, and the
                // connection closes.
                stream.write_all(conn.output())?;
                conn.written();
                server.count_request();
            }
            Step::Close => return stream.flush(),
        }
    }
}
// ANCHOR_END: serve_connection

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(conn: &mut Connection, bytes: &[u8]) {
        let buf = conn.read_buf();
        buf[..bytes.len()].copy_from_slice(bytes);
        conn.filled(bytes.len());
    }

    fn answer(conn: &mut Connection) -> String {
        let text = String::from_utf8(conn.output().to_vec()).unwrap();
        conn.written();
        text
    }

    #[test]
    fn pipelined_requests_are_answered_in_order() {
        let mut conn = Connection::new();
        feed(
            &mut conn,
            b"GET /hello/a HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/b?delay_ms=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(conn.step(), Step::Respond(Duration::ZERO));
        assert!(answer(&mut conn).ends_with("Hello, a!\n"));
        assert_eq!(conn.step(), Step::Respond(Duration::from_millis(3)));
        let b = answer(&mut conn);
        assert!(b.contains("Connection: close\r\n") && b.ends_with("Hello, b!\n"), "{b}");
        assert_eq!(conn.step(), Step::Close);
        assert_eq!(conn.served(), 2);
    }

    #[test]
    fn a_request_split_across_reads_waits_for_its_end() {
        let mut conn = Connection::new();
        feed(&mut conn, b"GET /da");
        assert_eq!(conn.step(), Step::Read);
        feed(&mut conn, b"ta HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(conn.step(), Step::Respond(Duration::ZERO));
        assert!(answer(&mut conn).contains("application/json"));
        assert_eq!(conn.step(), Step::Read);
    }

    #[test]
    fn a_stall_mid_request_gets_408_and_an_idle_one_just_closes() {
        let mut conn = Connection::new();
        feed(&mut conn, b"GET / HT");
        conn.timed_out();
        assert_eq!(conn.step(), Step::Respond(Duration::ZERO));
        assert!(answer(&mut conn).starts_with("HTTP/1.1 408 Request Timeout\r\n"));
        assert_eq!(conn.step(), Step::Close);

        let mut idle = Connection::new();
        idle.timed_out();
        assert_eq!(idle.step(), Step::Close);
    }

    #[test]
    fn a_trickled_head_runs_out_of_time_though_every_read_brings_a_byte() {
        let config = ServerConfig { read_timeout: Duration::from_secs(10), ..Default::default() };
        let t0 = Instant::now();
        let mut conn = Connection::new();
        assert_eq!(conn.read_timeout(t0, &config), Some(Duration::from_secs(10)), "idle: the stall timeout");
        let mut at = t0;
        for byte in b"GET / HTTP/1.1\r\n" {
            feed(&mut conn, &[*byte]);
            at += Duration::from_secs(5); // half the stall timeout per byte
            if conn.read_timeout(at, &config).is_none() {
                break;
            }
        }
        // The head's clock starts at the first read that sees its first
        // byte, so the cut comes within twice the stall timeout.
        assert!(at - t0 <= Duration::from_secs(20), "the head's deadline passed at {:?}", at - t0);
        assert_eq!(conn.waiting(), Waiting::Head);
        conn.timed_out();
        assert_eq!(conn.step(), Step::Respond(Duration::ZERO));
        assert!(answer(&mut conn).starts_with("HTTP/1.1 408 "));
    }

    #[test]
    fn the_body_gets_a_deadline_of_its_own() {
        let config = ServerConfig {
            head_timeout: Some(Duration::from_secs(1)),
            body_timeout: Some(Duration::from_secs(3)),
            ..Default::default()
        };
        let t0 = Instant::now();
        let mut conn = Connection::new();
        feed(&mut conn, b"POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab");
        assert_eq!(conn.step(), Step::Read);
        assert_eq!(conn.waiting(), Waiting::Body);
        let t1 = t0 + Duration::from_millis(900); // past nothing yet: the body's clock starts here
        assert_eq!(conn.read_timeout(t1, &config), Some(Duration::from_secs(3)));
        assert!(conn.read_timeout(t1 + Duration::from_secs(3), &config).is_none());
    }

    #[test]
    fn bad_input_is_answered_then_closed() {
        let mut conn = Connection::new();
        feed(&mut conn, b"\x00\x01garbage\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        assert_eq!(conn.step(), Step::Respond(Duration::ZERO));
        assert!(answer(&mut conn).starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert_eq!(conn.step(), Step::Close);
    }

    #[test]
    fn end_of_stream_after_a_request_answers_it_then_closes() {
        let mut conn = Connection::new();
        feed(&mut conn, b"HEAD /hello/x HTTP/1.1\r\nHost: x\r\n\r\n");
        conn.filled(0);
        assert_eq!(conn.step(), Step::Respond(Duration::ZERO));
        let head = answer(&mut conn);
        assert!(head.contains("Content-Length: 10\r\n") && head.ends_with("\r\n\r\n"), "{head}");
        assert_eq!(conn.step(), Step::Close);
    }
}
