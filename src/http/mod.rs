//! A minimal HTTP/1.1 server and client, shared by every backend.
//!
//! The protocol lives here once, written *sans-IO*: nothing in this module
//! reads a socket, writes one or sleeps, except the small blocking drivers
//! that take the socket as a parameter. A backend (threads, gevent, may,
//! aio) brings its own sockets and its own way to wait, and the only
//! difference between the servers is the concurrency model, which is the
//! point of corolab.
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`request`] | incremental request parsing on `httparse`: need more bytes, a request, or an error |
//! | [`response`] | status codes and response writing, with `Content-Length` |
//! | [`app`] | the aiohttp-style app API: handlers by method and path pattern, `match_info`, `json_response` |
//! | [`app_async`] | the same with `async` handlers, for aio |
//! | [`routes`] | the demo app: `/`, `/hello/{name}`, `/data`, and `?delay_ms=N` |
//! | [`conn`] | the per-connection state machine, and a blocking driver for `Read + Write` streams |
//! | [`client`] | a keep-alive GET client (blocking), and the response parser an async client reuses |
//! | [`error`] | what can be wrong with a request, and the status each answer gets |
//! | [`server`] | `spawn(backend, addr, config)`, and HTTP as the shared [`crate::server`] lifecycle sees it |
//! | [`fork`] | the process-per-connection server |
//! | [`threads`] | the thread-per-connection server |
//! | [`wget`] | the articles' "wget": headers read line by line over aio streams |
//! | [`gevent`] | a greenlet per connection on one thread's hub |
//! | [`may`] | a may coroutine per connection, on may's worker threads |
//! | [`aio`] | a task per connection on an aio event loop, and an async client |
//! | [`callbacks`] | a connection's state carried between readiness and timer callbacks |
//!
//! The five backend files are each a `spawn` that hands
//! [`serve_connection`] (or its async twin) to that backend's accept loop
//! in [`crate::server`], which every server shares: accepting, the stall
//! timeouts, the connection registry, stopping and the summary live there.
//!
//! # One connection, step by step
//!
//! ```text
//!            ┌────────────── Step::Read ◄────────────────┐
//!            ▼                                           │
//!  read into conn.read_buf() ── conn.filled(n) ──► conn.step()
//!                                                   │     │
//!                   Step::Respond(delay) ◄──────────┘     └──► Step::Close
//!                   sleep(delay) the backend's way,
//!                   write conn.output(), conn.written()
//! ```
//!
//! A server loop asks [`conn::Connection::step`] what to do next and does
//! it with its own read, write and sleep: that is all a backend has to write.
//!
//! ```
//! use corolab::http::conn::{Connection, Step};
//!
//! let mut conn = Connection::new();
//! assert_eq!(conn.step(), Step::Read);
//! let request = b"GET /hello/w%C3%B6rld HTTP/1.1\r\nHost: x\r\n\r\n";
//! conn.read_buf()[..request.len()].copy_from_slice(request);
//! conn.filled(request.len());
//! assert_eq!(conn.step(), Step::Respond(std::time::Duration::ZERO));
//! let answer = String::from_utf8(conn.output().to_vec()).unwrap();
//! assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(answer.ends_with("\r\n\r\nHello, wörld!\n"));
//! conn.written();
//! assert_eq!(conn.step(), Step::Read); // keep-alive: ready for the next one
//! ```
//!
//! # What a production server would do differently
//!
//! This is a teaching server. It answers `GET` and `HEAD`, reads bodies only
//! when they come with a `Content-Length` (up to [`MAX_BODY_BYTES`]), does
//! not speak chunked request bodies (501), HTTP/2 or TLS, sends no `Date`
//! header, and answers pipelined requests one at a time. hyper does all of
//! that; what this module keeps is the part every server has: parse
//! incrementally, bound what a client can make you buffer, answer bad input
//! with a 4xx instead of a panic, and time out clients that stall, trickle
//! or stop reading.
#![deny(unsafe_code)] // every file forbids it, but may.rs, which hands a socket to may

pub mod aio;
pub mod app;
pub mod app_async;
pub mod callbacks;
pub mod client;
pub mod conn;
pub mod error;
pub mod fork;
pub mod gevent;
pub mod may;
pub mod request;
pub mod response;
pub mod routes;
pub mod server;
pub mod threads;
pub mod wget;

pub use app::{App, WebRequest, escape_html, html_response, json_response, text_response};
pub use app_async::AsyncApp;
pub use client::{Client, ClientError, ClientResponse};
pub use conn::{Connection, Step, serve_connection};
pub use error::HttpError;
pub use request::{Parsed, Request, parse_request};
pub use response::{Response, StatusCode};
pub use routes::{Routed, route};
pub use server::{ServerConfig, ServerHandle, ServerState, Summary};

/// The largest request head (request line and headers) a server buffers;
/// a longer one is answered with 431 and the connection is closed.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// The most headers a request may carry; more are answered with 431.
pub const MAX_HEADERS: usize = 32;

/// The largest request body a server reads (bodies are read into the
/// request so the next request starts in the right place; no route uses
/// one). A larger `Content-Length` is answered with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The longest `?delay_ms=N` a route accepts (a minute); longer is a 400.
pub const MAX_DELAY_MS: u64 = 60_000;
