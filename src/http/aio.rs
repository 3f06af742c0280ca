//! The aio server and client: a task per connection on one event loop.
//!
//! The same [`Connection`] state machine the blocking servers drive with
//! `read`, `write` and `sleep` is driven here with `.await`: a read that
//! would block parks the task and the loop runs another; `?delay_ms` is an
//! [`aio::sleep`] timer, and the stall timeout is
//! [`aio::wait_for`] around each read. One thread
//! serves every connection.
//!
//! [`AsyncClient`] is the keep-alive client of [`super::client`] with the
//! same halves ([`request_bytes`], [`parse_response`]) and async IO.
#![forbid(unsafe_code)]

use super::client::{ClientError, ClientResponse, parse_response, request_bytes};
use super::conn::{Connection, Step};
use super::server::{ServerConfig, ServerHandle, ServerState};
use crate::aio::{self, TcpListener, TcpStream};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;

/// Binds `addr` and serves on an aio event loop in a thread of its own
/// until the handle stops it.
pub fn spawn(addr: SocketAddr, config: ServerConfig) -> io::Result<ServerHandle> {
    let (bound_tx, bound_rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new().name("http-aio".into()).spawn(move || {
        aio::run(async move {
            let listener = match TcpListener::bind(addr).await.and_then(|l| Ok((l.local_addr()?, l))) {
                Ok((local, listener)) => {
                    let state = ServerState::new(local, config);
                    let _ = bound_tx.send(Ok(Arc::clone(&state)));
                    (listener, state)
                }
                Err(e) => {
                    let _ = bound_tx.send(Err(e));
                    return Ok(());
                }
            };
            accept_loop(listener.0, listener.1).await
        })
    })?;
    match bound_rx.recv() {
        Ok(Ok(state)) => Ok(ServerHandle::new(state, thread)),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(io::Error::other("the aio server thread died before binding")),
    }
}

/// The open connections, so that a stop can wake their parked reads.
type Open = Rc<RefCell<HashMap<u64, Rc<TcpStream>>>>;

// ANCHOR: accept
async fn accept_loop(listener: TcpListener, state: Arc<ServerState>) -> io::Result<()> {
    let open: Open = Rc::default();
    for id in 0u64.. {
        let accepted = listener.accept().await;
        if state.stopping() {
            break;
        }
        let Ok((stream, _)) = accepted else {
            aio::sleep(std::time::Duration::from_millis(1)).await; // out of fds: let others finish
            continue;
        };
        let _ = stream.set_nodelay(true);
        let stream = Rc::new(stream);
        open.borrow_mut().insert(id, Rc::clone(&stream));
        let (state, open) = (Arc::clone(&state), Rc::clone(&open));
        let guard = state.open_connection();
        aio::spawn(async move {
            let _ = serve_connection(&stream, &state).await;
            open.borrow_mut().remove(&id);
            drop(guard);
        })
        .detach();
    }
    // Stopping: wake every connection parked in `read`, then give them the
    // grace period, polling the count the loop's own way.
    for stream in open.borrow().values() {
        let _ = stream.shutdown(Shutdown::Read);
    }
    let deadline = std::time::Instant::now() + state.config.grace;
    while state.open() > 0 && std::time::Instant::now() < deadline {
        aio::sleep(std::time::Duration::from_millis(5)).await;
    }
    Ok(())
}
// ANCHOR_END: accept

// ANCHOR: serve_connection
/// Serves one connection until it closes: [`super::serve_connection`] with
/// `.await` at every wait.
pub async fn serve_connection(stream: &TcpStream, server: &ServerState) -> io::Result<()> {
    let mut conn = Connection::new();
    loop {
        if server.stopping() {
            conn.close_when_idle();
        }
        match conn.step() {
            Step::Read => match aio::wait_for(stream.read(conn.read_buf()), server.config.read_timeout).await
            {
                Ok(Ok(n)) => conn.filled(n),
                Ok(Err(e)) => return Err(e),
                Err(_timed_out) => conn.timed_out(),
            },
            Step::Respond(delay) => {
                if !delay.is_zero() {
                    aio::sleep(delay).await;
                }
                stream.write_all(conn.output()).await?;
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
