//! Status codes and response writing.
//!
//! A [`Response`] is a status, a content type and a body; [`Response::write_to`]
//! appends it to an output buffer as HTTP/1.1 bytes with a correct
//! `Content-Length`, so a keep-alive client knows where it ends, and
//! `X-Content-Type-Options: nosniff`, so that a browser takes a text
//! answer that echoes the client's input (`/hello/<script>...`) as the text
//! it says it is, never as HTML it guessed.
//!
//! ```
//! use corolab::http::response::{ConnectionHeader, Response, StatusCode};
//!
//! let mut out = Vec::new();
//! Response::text(StatusCode::OK, "hi\n").write_to(&mut out, false, ConnectionHeader::Omit);
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "HTTP/1.1 200 OK\r\nServer: corolab\r\nContent-Type: text/plain; charset=utf-8\r\n\
//!      X-Content-Type-Options: nosniff\r\nContent-Length: 3\r\n\r\nhi\n"
//! );
//! ```
#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::fmt;
use std::io::Write;

/// An HTTP status code. The constants are the ones this server sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StatusCode(pub u16);

impl StatusCode {
    /// 200: here it is.
    pub const OK: StatusCode = StatusCode(200);
    /// 400: the request is not valid HTTP, or a parameter is wrong.
    pub const BAD_REQUEST: StatusCode = StatusCode(400);
    /// 404: no route has this path.
    pub const NOT_FOUND: StatusCode = StatusCode(404);
    /// 405: the route exists, but not for this method.
    pub const METHOD_NOT_ALLOWED: StatusCode = StatusCode(405);
    /// 408: the client started a request and stalled.
    pub const REQUEST_TIMEOUT: StatusCode = StatusCode(408);
    /// 413: the body is larger than the server reads.
    pub const PAYLOAD_TOO_LARGE: StatusCode = StatusCode(413);
    /// 431: the request head is larger than the server buffers.
    pub const HEADERS_TOO_LARGE: StatusCode = StatusCode(431);
    /// 503: full; try again later.
    pub const SERVICE_UNAVAILABLE: StatusCode = StatusCode(503);
    /// 501: a feature of HTTP this server does not implement (chunked bodies).
    pub const NOT_IMPLEMENTED: StatusCode = StatusCode(501);
    /// 505: not HTTP/1.0 or HTTP/1.1.
    pub const VERSION_NOT_SUPPORTED: StatusCode = StatusCode(505);

    /// The reason phrase sent after the code.
    pub fn reason(self) -> &'static str {
        match self.0 {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            413 => "Content Too Large",
            431 => "Request Header Fields Too Large",
            501 => "Not Implemented",
            503 => "Service Unavailable",
            505 => "HTTP Version Not Supported",
            _ => "Unknown",
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}

/// What a response's `Connection` header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionHeader {
    /// Nothing: HTTP/1.1 keeps the connection open by default.
    Omit,
    /// `keep-alive`: needed by HTTP/1.0 clients, whose default is to close.
    KeepAlive,
    /// `close`: the server closes the connection after this response.
    Close,
}

impl ConnectionHeader {
    /// The header for an answer to a request of HTTP/1.`minor_version`.
    pub fn for_request(minor_version: u8, keep_alive: bool) -> ConnectionHeader {
        match (keep_alive, minor_version) {
            (false, _) => ConnectionHeader::Close,
            (true, 0) => ConnectionHeader::KeepAlive,
            (true, _) => ConnectionHeader::Omit,
        }
    }
}

/// A response about to be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status.
    pub status: StatusCode,
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// The body; borrowed when it is a constant, so static pages cost no copy.
    pub body: Cow<'static, [u8]>,
    /// An `Allow` header, sent with 405.
    pub allow: Option<&'static str>,
}

impl Response {
    /// A `text/plain` response.
    pub fn text(status: StatusCode, body: impl Into<Cow<'static, str>>) -> Response {
        let body = match body.into() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        };
        Response { status, content_type: "text/plain; charset=utf-8", body, allow: None }
    }

    /// A response with any content type.
    pub fn with_type(
        status: StatusCode,
        content_type: &'static str,
        body: impl Into<Cow<'static, [u8]>>,
    ) -> Response {
        Response { status, content_type, body: body.into(), allow: None }
    }

    /// The plain-text answer to an error status: the code and reason, one line.
    pub fn error(status: StatusCode) -> Response {
        Response::text(status, format!("{status}\n"))
    }

    // ANCHOR: write
    /// Appends the response to `out`. `head_only` leaves out the body (the
    /// answer to `HEAD`, which still says how long the body would be).
    pub fn write_to(&self, out: &mut Vec<u8>, head_only: bool, connection: ConnectionHeader) {
        // Writing to a Vec cannot fail.
        let _ = write!(
            out,
            "HTTP/1.1 {}\r\nServer: corolab\r\nContent-Type: {}\r\nX-Content-Type-Options: nosniff\r\n\
             Content-Length: {}\r\n",
            self.status,
            self.content_type,
            self.body.len()
        );
        if let Some(allow) = self.allow {
            let _ = write!(out, "Allow: {allow}\r\n");
        }
        match connection {
            ConnectionHeader::Omit => {}
            ConnectionHeader::KeepAlive => out.extend_from_slice(b"Connection: keep-alive\r\n"),
            ConnectionHeader::Close => out.extend_from_slice(b"Connection: close\r\n"),
        }
        out.extend_from_slice(b"\r\n");
        if !head_only {
            out.extend_from_slice(&self.body);
        }
    }
    // ANCHOR_END: write
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_only_keeps_the_length_but_not_the_body() {
        let mut out = Vec::new();
        Response::text(StatusCode::OK, "12345").write_to(&mut out, true, ConnectionHeader::Close);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Content-Length: 5\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn errors_say_their_status() {
        let r = Response::error(StatusCode::HEADERS_TOO_LARGE);
        assert_eq!(&*r.body, b"431 Request Header Fields Too Large\n");
    }
}
