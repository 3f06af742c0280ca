//! The may HTTP server: a coroutine per connection, M:N on may's workers.
//!
//! [`crate::server::may`]'s accept loop and every connection are may
//! coroutines, so the same blocking [`serve_connection`] that the threads
//! server runs on an OS thread runs here on a coroutine: may's `TcpStream`
//! parks the coroutine, not the thread, when a read would block, and
//! `gevent::may::sleep` parks it for `?delay_ms`.
#![forbid(unsafe_code)]

use super::app::App;
use super::conn::{serve_connection, serve_with};
use super::server::{HTTP, ServerConfig, ServerHandle};
use crate::gevent::may as gevent;
use std::io;
use std::net::ToSocketAddrs;
use std::sync::Arc;

/// Binds `addr` and serves with a may coroutine per connection until the
/// handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    crate::server::may::spawn(addr, config, &HTTP, |stream, state| {
        serve_connection(stream, gevent::sleep, state)
    })
}

/// Binds `addr` and serves `app` (handlers of your own) the same way.
pub fn serve(addr: impl ToSocketAddrs, config: ServerConfig, app: App) -> io::Result<ServerHandle> {
    let app = Arc::new(app);
    crate::server::may::spawn(addr, config, &HTTP, move |stream, state| {
        serve_with(stream, gevent::sleep, state, |request| app.handle(request))
    })
}
