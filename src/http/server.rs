//! The HTTP server on every backend: the shared [`crate::server`]
//! lifecycle, with [`serve_connection`](super::serve_connection) as the
//! handler.
//!
//! Each backend's file (`fork`, `threads`, `gevent`, `may`, `aio`) is a `spawn`
//! that hands its accept loop in [`crate::server`] the HTTP handler with
//! the backend's sleep; [`spawn`] here picks one by [`Backend`].
#![forbid(unsafe_code)]

use crate::backend::Backend;
use crate::server::Protocol;
use std::io;
use std::net::{Shutdown, SocketAddr};

pub use crate::server::{ServerConfig, ServerHandle, ServerState, Summary};

/// The backends that have an HTTP server, in table order.
pub const BACKENDS: &[Backend] =
    &[Backend::Fork, Backend::Threads, Backend::Callbacks, Backend::Gevent, Backend::May, Backend::Aio];

/// HTTP as the lifecycle sees it: a stop shuts reads down, so a request in
/// progress is still answered; a connection past the cap gets a 503.
pub static HTTP: Protocol = Protocol { name: "http", on_stop: Shutdown::Read, busy: BUSY };

/// The answer to a connection past the cap (what
/// `Response::error(SERVICE_UNAVAILABLE)` writes, as a constant so a full
/// server allocates nothing to refuse).
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nServer: corolab\r\n\
Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: 24\r\n\
Connection: close\r\n\r\n503 Service Unavailable\n";

/// Starts the HTTP server of `backend` on `addr` (`127.0.0.1:0` picks a
/// free port; [`ServerHandle::addr`] says which).
pub fn spawn(backend: Backend, addr: SocketAddr, config: ServerConfig) -> io::Result<ServerHandle> {
    match backend {
        Backend::Fork => super::fork::spawn(addr, config),
        Backend::Threads => super::threads::spawn(addr, config),
        Backend::Gevent => super::gevent::spawn(addr, config),
        Backend::May => super::may::spawn(addr, config),
        Backend::Aio => super::aio::spawn(addr, config),
        Backend::Callbacks => super::callbacks::spawn(addr, config),
        other => Err(io::Error::new(io::ErrorKind::Unsupported, format!("no HTTP server on {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::response::{ConnectionHeader, Response, StatusCode};

    #[test]
    fn the_busy_answer_is_the_503_response() {
        let mut out = Vec::new();
        Response::error(StatusCode::SERVICE_UNAVAILABLE).write_to(&mut out, false, ConnectionHeader::Close);
        assert_eq!(String::from_utf8_lossy(BUSY), String::from_utf8_lossy(&out));
    }
}
