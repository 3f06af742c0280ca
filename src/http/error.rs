//! What can be wrong with a request, and how each is answered.
//!
//! Every way a client can send bad bytes ends up as one [`HttpError`], and
//! every `HttpError` has one status code. The connection is closed after
//! any of them: once a request head could not be parsed, nothing says where
//! the next one starts.
#![forbid(unsafe_code)]

use super::response::StatusCode;
use std::fmt;

/// A request the server will not serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// The request line or a header is not HTTP (httparse's reason).
    Malformed(httparse::Error),
    /// The HTTP version is not 1.0 or 1.1.
    Version,
    /// `Content-Length` is not a number, or two of them disagree.
    BadContentLength,
    /// The head is longer than [`MAX_HEAD_BYTES`](super::MAX_HEAD_BYTES)
    /// or has more than [`MAX_HEADERS`](super::MAX_HEADERS) headers.
    HeadTooLarge,
    /// The body is longer than [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES).
    BodyTooLarge,
    /// The body uses `Transfer-Encoding` (chunked), which this server does
    /// not speak.
    TransferEncoding,
    /// An HTTP/1.1 request without a `Host` header (RFC 9112 §3.2).
    MissingHost,
    /// The client started a request and then went quiet for longer than
    /// the read timeout, or took longer than the head's or the body's
    /// deadline.
    Timeout,
}

impl HttpError {
    /// The status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::Malformed(_) | HttpError::BadContentLength | HttpError::MissingHost => {
                StatusCode::BAD_REQUEST
            }
            HttpError::Version => StatusCode::VERSION_NOT_SUPPORTED,
            HttpError::HeadTooLarge => StatusCode::HEADERS_TOO_LARGE,
            HttpError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::TransferEncoding => StatusCode::NOT_IMPLEMENTED,
            HttpError::Timeout => StatusCode::REQUEST_TIMEOUT,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Malformed(e) => write!(f, "malformed request: {e}"),
            HttpError::Version => f.write_str("unsupported HTTP version"),
            HttpError::BadContentLength => f.write_str("invalid Content-Length"),
            HttpError::HeadTooLarge => f.write_str("request head too large"),
            HttpError::BodyTooLarge => f.write_str("request body too large"),
            HttpError::TransferEncoding => f.write_str("Transfer-Encoding is not supported"),
            HttpError::MissingHost => f.write_str("an HTTP/1.1 request without Host"),
            HttpError::Timeout => f.write_str("the client stalled mid-request"),
        }
    }
}

impl std::error::Error for HttpError {}
