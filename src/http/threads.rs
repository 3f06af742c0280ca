//! The thread-per-connection HTTP server: the baseline.
//!
//! [`crate::server::threads`] accepts and gives every connection a thread
//! of its own running [`serve_connection`] with `std::thread::sleep` as its
//! sleep. Simple and fast for a hundred clients; each connection costs a
//! thread (a stack, a kernel task, a context switch per wake-up), which is
//! what the coroutine servers save.
//!
//! ```
//! use corolab::http::{Client, ServerConfig, threads};
//! use std::net::TcpStream;
//!
//! let server = threads::spawn("127.0.0.1:0", ServerConfig::default())?;
//! let mut client = Client::new(TcpStream::connect(server.addr())?);
//! let page = client.get("/hello/threads").unwrap();
//! assert_eq!((page.status, &page.body[..]), (200, &b"Hello, threads!\n"[..]));
//! drop(client);
//! assert_eq!(server.stop()?.requests, 1);
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]

use super::app::App;
use super::conn::{serve_connection, serve_with};
use super::server::{HTTP, ServerConfig, ServerHandle};
use std::io;
use std::net::ToSocketAddrs;
use std::sync::Arc;

// ANCHOR: spawn
/// Binds `addr` and serves on new threads until the handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    crate::server::threads::spawn(addr, config, &HTTP, |stream, state| {
        serve_connection(stream, std::thread::sleep, state)
    })
}
// ANCHOR_END: spawn

/// Binds `addr` and serves `app` (handlers of your own) the same way.
pub fn serve(addr: impl ToSocketAddrs, config: ServerConfig, app: App) -> io::Result<ServerHandle> {
    let app = Arc::new(app);
    crate::server::threads::spawn(addr, config, &HTTP, move |stream, state| {
        serve_with(stream, std::thread::sleep, state, |request| app.handle(request))
    })
}
