//! The echo server on `genloop`: a generator task per connection, and the
//! accept loop that spawns them, in the `yield from` style.
//!
//! [`serve_connection`] is [`super::serve_connection`] with every wait
//! spelled out: `sock_recv` and `sock_sendall` are sub-operations the
//! handler delegates to with `yield_from`, and each suspends the task
//! until the loop sees its socket ready. The stall timeout is the
//! stream's [`TcpStream::set_timeout`] (Python's `sock.settimeout`), kept
//! by the loop's timers. The accept loop follows [`crate::server`]'s
//! lifecycle as the other backends' do; it lives here rather than in
//! `server/` because echo is, for now, the one server genloop runs.
#![forbid(unsafe_code)]

use super::ECHO;
use crate::genloop::{self, Answer, Co, TcpListener, TcpStream, sock_accept, sock_recv, sock_sendall};
use crate::server::{ACCEPT_BACKOFF, Open, ServerConfig, ServerHandle, ServerState};
use std::io;
use std::rc::Rc;
use std::sync::Arc;

/// Binds `addr` and serves echo on a genloop in a thread of its own until
/// the handle stops it.
pub fn spawn(addr: impl std::net::ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    let listener = std::net::TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config, &ECHO);
    let thread = std::thread::Builder::new().name("echo-genloop".into()).spawn({
        let state = Arc::clone(&state);
        move || {
            let main = genloop::task("server", move |co| serve(co, listener, &state));
            genloop::run::<io::Result<()>>(main).map_err(|e| io::Error::other(e.to_string()))?
        }
    })?;
    Ok(ServerHandle::new(state, thread))
}

// ANCHOR: accept
/// The accept loop, in the calling task: a task per connection; returns
/// once the server is stopping and its connections have closed (or the
/// grace period is over; the loop closes the rest when it ends).
pub fn serve(co: &Co<'_>, listener: std::net::TcpListener, state: &Arc<ServerState>) -> io::Result<()> {
    let listener = Rc::new(TcpListener::from_std(listener)?);
    loop {
        let accepted = co.yield_from(sock_accept(Rc::clone(&listener)), Answer::Go)?;
        if state.stopping() {
            break;
        }
        let Ok((stream, _)) = accepted else {
            co.yield_from(genloop::sleep(ACCEPT_BACKOFF), Answer::Go)?; // out of fds
            continue;
        };
        if state.full(None) {
            state.refuse(stream.std());
            continue;
        }
        let _ = stream.std().set_nodelay(true);
        stream.set_timeout(Some(state.config.read_timeout));
        let conn = state.register(Rc::new(stream));
        let handler = genloop::task(format_args!("conn {}", conn.id()), move |co| handle(co, conn));
        // Detached: the handle is dropped, the task runs on.
        drop(co.yield_from(genloop::spawn::<()>(handler), Answer::Go)?);
    }
    state.shut_down_all();
    state.drain(|d| {
        let _ = co.yield_from(genloop::sleep(d), Answer::Go);
    });
    Ok(())
}
// ANCHOR_END: accept

/// One connection's task: echo it, count it, unregister it (as `conn`
/// drops).
fn handle(co: &Co<'_>, conn: Open<Rc<TcpStream>>) {
    let state = Arc::clone(conn.state());
    let (echoed, end) = serve_connection(co, Rc::clone(&conn));
    state.count_bytes(echoed);
    if end.is_err() {
        state.count_error();
    }
}

// ANCHOR: serve_connection
/// Echoes everything `stream` sends until it closes its side. Returns the
/// bytes echoed and how the connection ended, as the blocking loop does.
///
/// Python 3.4: `data = yield from loop.sock_recv(conn, 4096)` and
/// `yield from loop.sock_sendall(conn, data)`.
pub fn serve_connection(co: &Co<'_>, stream: Rc<TcpStream>) -> (u64, io::Result<()>) {
    let mut echoed = 0;
    let mut echo = || -> io::Result<()> {
        loop {
            let data = co.yield_from(sock_recv(Rc::clone(&stream), 4096), Answer::Go)??;
            if data.is_empty() {
                return Ok(());
            }
            let n = data.len() as u64;
            co.yield_from(sock_sendall(Rc::clone(&stream), data), Answer::Go)??;
            echoed += n;
        }
    };
    let end = echo();
    (echoed, end)
}
// ANCHOR_END: serve_connection
