//! Incremental request parsing on `httparse`.
//!
//! A server reads whatever the socket has into a buffer and calls
//! [`parse_request`] on everything buffered so far. There are three answers:
//!
//! - `Ok(Parsed::Incomplete)`: the head or the body has not all arrived;
//!   read more and call again with the longer buffer;
//! - `Ok(Parsed::Complete(request, used))`: the first `used` bytes were one
//!   whole request; whatever follows is the start of the next one
//!   (pipelining);
//! - `Err(HttpError)`: the bytes are not a request this server serves; the
//!   error says which status to answer with.
//!
//! The parser never buffers without bound: a head still incomplete after
//! [`MAX_HEAD_BYTES`] is an error, and so is a body longer than
//! [`MAX_BODY_BYTES`], so a client cannot make the server hold more than
//! about 72 KiB per connection.
//!
//! ```
//! use corolab::http::request::{parse_request, Parsed};
//!
//! let bytes = b"GET /hello/ada?delay_ms=5 HTTP/1.1\r\nHost: x\r\n\r\nGET /";
//! assert!(matches!(parse_request(&bytes[..20]), Ok(Parsed::Incomplete)));
//! let Ok(Parsed::Complete(request, used)) = parse_request(bytes) else { panic!() };
//! assert_eq!((request.path(), request.query()), ("/hello/ada", Some("delay_ms=5")));
//! assert!(request.keep_alive);
//! assert_eq!(&bytes[used..], b"GET /"); // the next request has begun
//! ```
#![forbid(unsafe_code)]

use super::error::HttpError;
use super::{MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADERS};

/// One parsed request, owning its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, `POST`, ... exactly as sent.
    pub method: String,
    /// The request target: path and query, still percent-encoded (an
    /// absolute-form target, `http://host/path`, is kept in origin form,
    /// `/path`).
    pub target: String,
    /// The minor version: `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub minor_version: u8,
    /// The headers in the order sent; values as raw bytes (HTTP does not
    /// promise UTF-8).
    pub headers: Vec<(String, Vec<u8>)>,
    /// Whether the connection stays open after the answer: HTTP/1.1 unless
    /// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    pub keep_alive: bool,
    /// The body (empty unless a `Content-Length` said otherwise). No route
    /// uses it; it is read so that the next request starts where it should.
    pub body: Vec<u8>,
}

impl Request {
    /// The path part of the target, before any `?`.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(path, _)| path)
    }

    /// The query part of the target, after the first `?`, if any.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, query)| query)
    }

    /// The first header called `name` (compared ASCII case-insensitively).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }
}

/// What [`parse_request`] found in a buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Not a whole request yet: read more bytes.
    Incomplete,
    /// A whole request, and how many bytes of the buffer it used.
    Complete(Request, usize),
}

// ANCHOR: parse
/// Parses the request at the start of `buf`. See the [module docs](self).
pub fn parse_request(buf: &[u8]) -> Result<Parsed, HttpError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut raw = httparse::Request::new(&mut headers);
    let head_len = match raw.parse(buf) {
        Ok(httparse::Status::Complete(len)) if len <= MAX_HEAD_BYTES => len,
        Ok(httparse::Status::Complete(_)) => return Err(HttpError::HeadTooLarge),
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD_BYTES => return Err(HttpError::HeadTooLarge),
        Ok(httparse::Status::Partial) => return Ok(Parsed::Incomplete),
        Err(httparse::Error::TooManyHeaders) => return Err(HttpError::HeadTooLarge),
        Err(httparse::Error::Version) => return Err(HttpError::Version),
        Err(e) => return Err(HttpError::Malformed(e)),
    };
    // A complete parse always fills method, path and version.
    let (Some(method), Some(target), Some(minor_version)) = (raw.method, raw.path, raw.version) else {
        return Err(HttpError::Malformed(httparse::Error::Token));
    };
    let mut content_length: Option<usize> = None;
    let mut host = false;
    let mut connection_close = false;
    let mut connection_keep_alive = false;
    for h in raw.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = parse_content_length(h.value)?;
            if content_length.is_some_and(|m| m != n) {
                return Err(HttpError::BadContentLength);
            }
            content_length = Some(n);
        } else if h.name.eq_ignore_ascii_case("host") {
            host = true;
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(HttpError::TransferEncoding);
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in h.value.split(|&b| b == b',') {
                let token = token.trim_ascii();
                connection_close |= token.eq_ignore_ascii_case(b"close");
                connection_keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        }
    }
    // RFC 9112 §3.2: a server answers 400 to an HTTP/1.1 request without Host.
    if minor_version == 1 && !host {
        return Err(HttpError::MissingHost);
    }
    let body_len = content_length.unwrap_or(0);
    let Some(body) = buf.get(head_len..head_len + body_len) else {
        return Ok(Parsed::Incomplete);
    };
    let keep_alive = !connection_close && (minor_version == 1 || connection_keep_alive);
    let request = Request {
        method: method.to_owned(),
        target: origin_form(target).to_owned(),
        minor_version,
        headers: raw.headers.iter().map(|h| (h.name.to_owned(), h.value.to_vec())).collect(),
        keep_alive,
        body: body.to_vec(),
    };
    Ok(Parsed::Complete(request, head_len + body_len))
}
// ANCHOR_END: parse

/// The target in origin form (`/path?query`): an absolute-form target
/// (`http://host/path`, what a client sends to a proxy, and what RFC 9112
/// §3.2.2 says a server must accept) loses its scheme and authority.
fn origin_form(target: &str) -> &str {
    let scheme = ["http://", "https://"]
        .iter()
        .find(|s| target.get(..s.len()).is_some_and(|t| t.eq_ignore_ascii_case(s)));
    let Some(scheme) = scheme else { return target };
    let rest = &target[scheme.len()..];
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => &rest[i..],
        // `http://host` or `http://host?q`: the path is `/`, which the
        // router finds by the same name either way.
        _ => "/",
    }
}

/// A `Content-Length` value: ASCII digits only (no sign, no spaces inside),
/// at most [`MAX_BODY_BYTES`].
fn parse_content_length(value: &[u8]) -> Result<usize, HttpError> {
    let digits = value.trim_ascii();
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(HttpError::BadContentLength);
    }
    let n = digits.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    if n > MAX_BODY_BYTES as u64 {
        return Err(HttpError::BodyTooLarge);
    }
    Ok(n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(bytes: &[u8]) -> (Request, usize) {
        match parse_request(bytes) {
            Ok(Parsed::Complete(r, used)) => (r, used),
            other => panic!("expected a request, got {other:?}"),
        }
    }

    #[test]
    fn every_prefix_of_a_request_is_incomplete() {
        let bytes = b"POST /x?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
        for end in 0..bytes.len() {
            assert_eq!(parse_request(&bytes[..end]), Ok(Parsed::Incomplete), "prefix of {end} bytes");
        }
        let (r, used) = complete(bytes);
        assert_eq!(used, bytes.len());
        assert_eq!(r.body, b"hello");
        assert_eq!(r.method, "POST");
        assert_eq!(r.header("HOST"), Some(&b"h"[..]));
    }

    #[test]
    fn keep_alive_follows_version_and_connection_header() {
        let cases: [(&[u8], bool); 5] = [
            (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", true),
            (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
            (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
            (b"GET / HTTP/1.0\r\n\r\n", false),
            (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ];
        for (bytes, keep_alive) in cases {
            assert_eq!(complete(bytes).0.keep_alive, keep_alive, "{}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn http11_without_host_is_a_bad_request_but_http10_needs_none() {
        assert_eq!(parse_request(b"GET / HTTP/1.1\r\n\r\n"), Err(HttpError::MissingHost));
        assert_eq!(HttpError::MissingHost.status().0, 400);
        assert!(complete(b"GET / HTTP/1.0\r\n\r\n").0.header("host").is_none());
        assert!(complete(b"GET / HTTP/1.1\r\nhOsT: x\r\n\r\n").0.keep_alive);
    }

    #[test]
    fn an_absolute_form_target_is_served_by_its_path() {
        let (r, _) =
            complete(b"GET http://example.com/hello/x?delay_ms=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assert_eq!((r.path(), r.query()), ("/hello/x", Some("delay_ms=1")));
        assert_eq!(complete(b"GET HTTP://h HTTP/1.1\r\nHost: h\r\n\r\n").0.path(), "/");
        assert_eq!(complete(b"GET /http://x HTTP/1.1\r\nHost: h\r\n\r\n").0.path(), "/http://x");
    }

    #[test]
    fn bad_content_lengths_are_rejected() {
        for value in ["-1", "abc", "1 2", "", "+5", "99999999999999999999999"] {
            let bytes = format!("GET / HTTP/1.1\r\nContent-Length: {value}\r\n\r\n");
            assert_eq!(parse_request(bytes.as_bytes()), Err(HttpError::BadContentLength), "{value:?}");
        }
        let two = b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab";
        assert_eq!(parse_request(two), Err(HttpError::BadContentLength));
        let big = format!("GET / HTTP/1.1\r\nContent-Length: {}\r\n\r\n", MAX_BODY_BYTES + 1);
        assert_eq!(parse_request(big.as_bytes()), Err(HttpError::BodyTooLarge));
    }

    #[test]
    fn oversized_heads_are_rejected_before_they_complete() {
        let mut bytes = b"GET / HTTP/1.1\r\nX-Long: ".to_vec();
        bytes.resize(MAX_HEAD_BYTES + 1, b'a');
        assert_eq!(parse_request(&bytes), Err(HttpError::HeadTooLarge));
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
        let bytes = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(parse_request(bytes.as_bytes()), Err(HttpError::HeadTooLarge));
    }

    #[test]
    fn garbage_and_chunked_bodies_are_errors() {
        assert!(matches!(parse_request(b"HELLO\r\n\r\n"), Err(HttpError::Malformed(_))));
        assert!(matches!(
            parse_request(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
            Err(HttpError::Malformed(_))
        ));
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(parse_request(chunked), Err(HttpError::TransferEncoding));
    }
}
