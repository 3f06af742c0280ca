//! The aio accept loop: a task per connection on one event loop.
//!
//! The handler is an `async fn` of the connection: a read that would block
//! parks its task and the loop runs another. One thread serves every
//! connection. Handlers keep their own stall timeouts (an
//! [`aio::wait_for`] around each read and write), since aio's sockets have
//! no timeout of their own.
#![forbid(unsafe_code)]

use super::{ACCEPT_BACKOFF, DRAIN_POLL, Open, Protocol, ServerConfig, ServerHandle, ServerState};
use crate::aio::{self, TcpListener, TcpStream};
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Binds `addr` and serves `protocol` with `handler`, a task per
/// connection on an event loop in a thread of its own, until the handle
/// stops it.
pub fn spawn<H, F>(
    addr: impl std::net::ToSocketAddrs,
    config: ServerConfig,
    protocol: &'static Protocol,
    handler: H,
) -> io::Result<ServerHandle>
where
    H: Fn(Open<TcpStream>) -> F + Send + 'static,
    F: Future<Output = io::Result<()>> + 'static,
{
    let listener = std::net::TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config, protocol);
    let thread = std::thread::Builder::new().name(format!("{}-aio", protocol.name)).spawn({
        let state = Arc::clone(&state);
        move || aio::run(async move { serve(TcpListener::from_std(listener)?, &state, handler).await })
    })?;
    Ok(ServerHandle::new(state, thread))
}

// ANCHOR: accept
/// The accept loop, as a task of the running loop: returns once the
/// server is stopping and its connections have closed (or the grace
/// period is over; the loop cancels the rest when it ends).
pub async fn serve<H, F>(listener: TcpListener, state: &Arc<ServerState>, handler: H) -> io::Result<()>
where
    H: Fn(Open<TcpStream>) -> F,
    F: Future<Output = io::Result<()>> + 'static,
{
    loop {
        let accepted = listener.accept().await;
        if state.stopping() {
            break;
        }
        let Ok((stream, _)) = accepted else {
            aio::sleep(ACCEPT_BACKOFF).await; // out of fds: let others finish
            continue;
        };
        if state.full(None) {
            state.refuse(&stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let served = handler(state.register(stream));
        let state = Arc::clone(state);
        aio::spawn(async move {
            if served.await.is_err() {
                state.count_error();
            }
        })
        .detach();
    }
    // Stopping: wake every connection parked in `read`, then give them the
    // grace period, polling the count the loop's own way, and count the
    // ones cut off before the loop cancels them.
    state.shut_down_all();
    let deadline = Instant::now() + state.config.grace;
    while state.open() > 0 && Instant::now() < deadline {
        aio::sleep(DRAIN_POLL).await;
    }
    state.note_left_open();
    Ok(())
}
// ANCHOR_END: accept

/// Writes all of `buf`, failing with `TimedOut` when a write makes no
/// progress for `stall` (a client that stopped reading its answers): what
/// `set_write_timeout` gives the blocking backends.
pub async fn write_all(stream: &TcpStream, mut buf: &[u8], stall: Duration) -> io::Result<()> {
    while !buf.is_empty() {
        match aio::wait_for(stream.write(buf), stall).await {
            Ok(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(Ok(n)) => buf = &buf[n..],
            Ok(Err(e)) => return Err(e),
            Err(_timed_out) => return Err(io::ErrorKind::TimedOut.into()),
        }
    }
    Ok(())
}

/// Reads what is there, failing with `TimedOut` after `stall` of silence.
pub async fn read(stream: &TcpStream, buf: &mut [u8], stall: Duration) -> io::Result<usize> {
    match aio::wait_for(stream.read(buf), stall).await {
        Ok(read) => read,
        Err(_timed_out) => Err(io::ErrorKind::TimedOut.into()),
    }
}
