//! The process-per-connection HTTP server: the articles' first model.
//!
//! [`crate::server::fork`] accepts and forks a child for every connection;
//! the child runs [`serve_connection`], the same blocking loop the threads
//! server runs, with `std::thread::sleep` as its sleep (a sleeping child
//! holds up nobody else), and exits. One crash costs one connection; every
//! connection costs a process.
//!
//! ```
//! use corolab::http::{Client, ServerConfig, fork};
//! use std::net::TcpStream;
//!
//! let server = fork::spawn("127.0.0.1:0", ServerConfig::default())?;
//! let mut client = Client::new(TcpStream::connect(server.addr())?);
//! let page = client.get("/hello/fork").unwrap();
//! assert_eq!((page.status, &page.body[..]), (200, &b"Hello, fork!\n"[..]));
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

// ANCHOR: spawn
/// Binds `addr` and serves with a process per connection until the handle
/// stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    crate::server::fork::spawn(addr, config, &HTTP, |stream, state| {
        serve_connection(stream, std::thread::sleep, state)
    })
}
// ANCHOR_END: spawn

/// Binds `addr` and serves `app` (handlers of your own) the same way: each
/// child has its own copy of the app, so a handler's state changes stay in
/// the child of that connection.
pub fn serve(addr: impl ToSocketAddrs, config: ServerConfig, app: App) -> io::Result<ServerHandle> {
    crate::server::fork::spawn(addr, config, &HTTP, move |stream, state| {
        serve_with(stream, std::thread::sleep, state, |request| app.handle(request))
    })
}
