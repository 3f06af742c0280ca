//! The aio server and client: a task per connection on one event loop.
//!
//! The same [`Connection`] state machine the blocking servers drive with
//! `read`, `write` and `sleep` is driven here with `.await`: a read that
//! would block parks the task and the loop runs another; `?delay_ms` is an
//! [`aio::sleep`] timer, and the timeouts are [`aio::wait_for`] around
//! each read (the stall timeout, cut short by the head's or body's
//! deadline) and each write (the stall timeout). One thread serves every
//! connection; the accept loop is [`crate::server::aio`]'s.
//!
//! [`AsyncClient`] is the keep-alive client of [`super::client`] with the
//! same halves ([`request_bytes`], [`parse_response`]) and async IO.
#![forbid(unsafe_code)]

use super::app_async::AsyncApp;
use super::client::{ClientError, ClientResponse, parse_response, request_bytes};
use super::conn::{Connection, Head, Next, Step};
use super::routes::demo_async_app;
use super::server::{HTTP, ServerConfig, ServerHandle, ServerState};
use crate::aio::{self, TcpStream};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

// ANCHOR: spawn
/// Binds `addr` and serves on an aio event loop in a thread of its own
/// until the handle stops it.
pub fn spawn(addr: SocketAddr, config: ServerConfig) -> io::Result<ServerHandle> {
    serve(addr, config, demo_async_app())
}

/// Binds `addr` and serves `app` (async handlers of your own) the same way.
pub fn serve(addr: SocketAddr, config: ServerConfig, app: AsyncApp) -> io::Result<ServerHandle> {
    let app = Arc::new(app);
    crate::server::aio::spawn(addr, config, &HTTP, move |conn| {
        let app = Arc::clone(&app);
        async move {
            let state = Arc::clone(conn.state());
            serve_app(&conn, &state, &app).await
        }
    })
}
// ANCHOR_END: spawn

// ANCHOR: serve_connection
/// Serves one connection until it closes: [`super::serve_connection`] with
/// `.await` at every wait, and the timeouts kept by [`aio::wait_for`].
pub async fn serve_connection(stream: &TcpStream, server: &ServerState) -> io::Result<()> {
    serve_app(stream, server, &demo_async_app()).await
}

/// [`serve_connection`] answering with `app`: the handler is awaited
/// between [`Connection::next_request`] and [`Connection::answer`].
pub async fn serve_app(stream: &TcpStream, server: &ServerState, app: &AsyncApp) -> io::Result<()> {
    let mut conn = Connection::new();
    loop {
        if server.stopping() {
            conn.close_when_idle();
        }
        let step = match conn.next_request() {
            Next::Step(step) => step,
            Next::Request(request) => {
                let head = Head::of(&request);
                let routed = app.handle(request).await;
                conn.answer(head, &routed)
            }
        };
        match step {
            Step::Read => {
                let Some(left) = conn.read_timeout(Instant::now(), &server.config) else {
                    conn.timed_out();
                    continue;
                };
                match aio::wait_for(stream.read(conn.read_buf()), left).await {
                    Ok(Ok(n)) => conn.filled(n),
                    Ok(Err(e)) => return Err(e),
                    Err(_timed_out) => conn.timed_out(),
                }
            }
            Step::Respond(delay) => {
                if !delay.is_zero() {
                    aio::sleep(delay).await;
                }
                crate::server::aio::write_all(stream, conn.output(), server.config.read_timeout).await?;
                conn.written();
                server.count_request();
            }
            Step::Close => return Ok(()),
        }
    }
}
// ANCHOR_END: serve_connection

/// A keep-alive HTTP client on one aio connection.
#[derive(Debug)]
pub struct AsyncClient {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl AsyncClient {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> io::Result<AsyncClient> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(AsyncClient { stream, buf: Vec::new() })
    }

    /// Sends `GET target` and reads the whole response.
    pub async fn get(&mut self, target: &str) -> Result<ClientResponse, ClientError> {
        self.stream.write_all(&request_bytes("localhost", target)).await?;
        let mut chunk = [0u8; 8192];
        loop {
            if let Some((response, used)) = parse_response(&self.buf)? {
                self.buf.drain(..used);
                return Ok(response);
            }
            match self.stream.read(&mut chunk).await? {
                0 => return Err(ClientError::Closed),
                n => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }
}
