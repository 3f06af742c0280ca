//! The may HTTP server: a coroutine per connection, M:N on may's workers.
//!
//! [`crate::server::may`]'s accept loop and every connection are may
//! coroutines, so the same blocking [`serve_connection`] that the threads
//! server runs on an OS thread runs here on a coroutine: may's `TcpStream`
//! parks the coroutine, not the thread, when a read would block, and
//! `gevent::may::sleep` parks it for `?delay_ms`.
#![forbid(unsafe_code)]

use super::conn::serve_connection;
use super::server::{HTTP, ServerConfig, ServerHandle};
use crate::gevent::may as gevent;
use std::io;
use std::net::ToSocketAddrs;

/// Binds `addr` and serves with a may coroutine per connection until the
/// handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    crate::server::may::spawn(addr, config, &HTTP, |stream, state| {
        serve_connection(stream, gevent::sleep, state)
    })
}
