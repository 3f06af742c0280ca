//! The gevent HTTP server: a greenlet per connection on one thread's hub.
//!
//! This is the threads server with two things changed, which is the point
//! of gevent: the accept loop is [`crate::server::gevent`]'s, whose
//! sockets park the calling greenlet instead of the thread when a call
//! would block, and `?delay_ms` sleeps with [`gevent::sleep`]. The same
//! blocking [`serve_connection`] runs unchanged in every greenlet; one
//! thread and its hub serve every connection.
#![forbid(unsafe_code)]

use super::app::App;
use super::conn::{serve_connection, serve_with};
use super::server::{HTTP, ServerConfig, ServerHandle};
use crate::gevent;
use std::io;
use std::net::ToSocketAddrs;
use std::sync::Arc;

// ANCHOR: spawn
/// Binds `addr` and serves with a greenlet per connection, on a thread of
/// its own (its hub), until the handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    crate::server::gevent::spawn(addr, config, &HTTP, |stream, state| {
        serve_connection(stream, gevent::sleep, state)
    })
}
// ANCHOR_END: spawn

/// Binds `addr` and serves `app` (handlers of your own) the same way.
pub fn serve(addr: impl ToSocketAddrs, config: ServerConfig, app: App) -> io::Result<ServerHandle> {
    let app = Arc::new(app);
    crate::server::gevent::spawn(addr, config, &HTTP, move |stream, state| {
        serve_with(stream, gevent::sleep, state, |request| app.handle(request))
    })
}
