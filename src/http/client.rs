//! A small HTTP/1.1 client: `GET` with keep-alive over one connection.
//!
//! [`Client`] wraps any blocking `Read + Write` stream (std's, gevent's or
//! may's `TcpStream`) and sends one `GET` at a time, reusing the connection.
//! The two halves it is made of are public so that an async client can do
//! the same with its own reads and writes: [`request_bytes`] builds the
//! request, [`parse_response`] reads a response incrementally, like
//! [`parse_request`](super::request::parse_request) on the server side.
//!
//! Responses must carry a `Content-Length` (every response of corolab's
//! server does); a body delimited by closing the connection or chunked is
//! reported as [`ClientError::NoContentLength`]. A real client (reqwest,
//! hyper) reads all three.
#![forbid(unsafe_code)]

use std::fmt;
use std::io::{self, Read, Write};

/// The largest response body the client reads.
pub const MAX_RESPONSE_BYTES: usize = 16 << 20;

/// A response the client read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientResponse {
    /// The status code.
    pub status: u16,
    /// The headers, values decoded lossily as UTF-8.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ClientResponse {
    /// The first header called `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether the server said it closes the connection after this response.
    pub fn closes(&self) -> bool {
        self.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// Why a GET failed.
#[derive(Debug)]
pub enum ClientError {
    /// Reading or writing the socket failed.
    Io(io::Error),
    /// The server closed the connection before a whole response arrived.
    Closed,
    /// The response is not HTTP.
    Malformed(httparse::Error),
    /// The response has no usable `Content-Length`.
    NoContentLength,
    /// The body is longer than [`MAX_RESPONSE_BYTES`].
    TooLarge,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "io error: {e}"),
            ClientError::Closed => f.write_str("the server closed the connection mid-response"),
            ClientError::Malformed(e) => write!(f, "malformed response: {e}"),
            ClientError::NoContentLength => f.write_str("the response has no valid Content-Length"),
            ClientError::TooLarge => f.write_str("the response is too large"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

/// The bytes of a keep-alive `GET target` to `host`.
pub fn request_bytes(host: &str, target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: corolab\r\nAccept: */*\r\n\r\n")
        .into_bytes()
}

/// Parses the response at the start of `buf`: `Ok(None)` when it is not all
/// there yet, or the response and how many bytes it used.
pub fn parse_response(buf: &[u8]) -> Result<Option<(ClientResponse, usize)>, ClientError> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut raw = httparse::Response::new(&mut headers);
    let head_len = match raw.parse(buf).map_err(ClientError::Malformed)? {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial => return Ok(None),
    };
    let length = raw
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok())
        .ok_or(ClientError::NoContentLength)?;
    if length > MAX_RESPONSE_BYTES {
        return Err(ClientError::TooLarge);
    }
    let Some(body) = buf.get(head_len..head_len + length) else { return Ok(None) };
    let response = ClientResponse {
        status: raw.code.unwrap_or(0),
        headers: raw
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
            .collect(),
        body: body.to_vec(),
    };
    Ok(Some((response, head_len + length)))
}

// ANCHOR: client
/// A keep-alive HTTP client on one connection.
#[derive(Debug)]
pub struct Client<S> {
    stream: S,
    host: String,
    /// Bytes read past the last response (none, unless the server sent more).
    buf: Vec<u8>,
}

impl<S: Read + Write> Client<S> {
    /// A client sending `Host: localhost` on `stream`.
    pub fn new(stream: S) -> Client<S> {
        Client::with_host(stream, "localhost")
    }

    /// A client sending `Host: host` on `stream`.
    pub fn with_host(stream: S, host: &str) -> Client<S> {
        Client { stream, host: host.to_owned(), buf: Vec::new() }
    }

    /// Sends `GET target` and reads the whole response.
    pub fn get(&mut self, target: &str) -> Result<ClientResponse, ClientError> {
        self.stream.write_all(&request_bytes(&self.host, target))?;
        let mut chunk = [0u8; 8192];
        loop {
            if let Some((response, used)) = parse_response(&self.buf)? {
                self.buf.drain(..used);
                return Ok(response);
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(ClientError::Closed),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The stream, to set timeouts or shut it down.
    pub fn stream(&mut self) -> &mut S {
        &mut self.stream
    }
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_in_pieces_parses_once_whole() {
        let bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabcHTTP";
        for end in 0..bytes.len() - 4 {
            assert!(parse_response(&bytes[..end]).unwrap().is_none(), "{end}");
        }
        let (r, used) = parse_response(bytes).unwrap().unwrap();
        assert_eq!((r.status, &r.body[..], used, r.closes()), (200, &b"abc"[..], bytes.len() - 4, true));
    }

    #[test]
    fn a_response_without_length_is_an_error() {
        let err = parse_response(b"HTTP/1.1 200 OK\r\n\r\nabc").unwrap_err();
        assert!(matches!(err, ClientError::NoContentLength));
    }
}
