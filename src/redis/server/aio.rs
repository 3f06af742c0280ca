//! The mini-redis on aio: a task per connection on one event loop, the
//! store in an `Rc<RefCell>` on the loop's thread, and a `BRPOP` parking
//! its task on an aio [`Event`].
//!
//! [`serve_connection`] is [`super::serve_connection`] with `.await`: a
//! read that would block parks the task and the loop runs another; a
//! command never awaits, so it runs whole without a lock.
#![forbid(unsafe_code)]

use super::{Db, READ_BUF, REDIS, slice_end};
use crate::aio::{self, Event, TcpListener, TcpStream};
use crate::redis::session::{Next, Session};
use crate::server::{Open, ServerConfig, ServerHandle, ServerState, aio::write_all};
use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::ToSocketAddrs;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use std::time::Instant;

/// The store of an aio server, on its loop's thread.
#[derive(Debug, Default)]
pub struct Local {
    db: RefCell<Db>,
    pushed: RefCell<Event>,
}

impl Local {
    fn notify(&self) {
        let old = std::mem::take(&mut *self.pushed.borrow_mut());
        old.set();
    }

    async fn wait(&self, pushes: u64, until: Option<Instant>) {
        if self.db.borrow().store.pushes() != pushes {
            return;
        }
        let event = self.pushed.borrow().clone();
        let end = slice_end(until);
        let _ = aio::wait_for(event.wait(), end.saturating_duration_since(Instant::now())).await;
    }
}

/// Binds `addr` and serves redis with a task per connection, on an event
/// loop in a thread of its own, until the handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    let listener = std::net::TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config, &REDIS);
    let thread = std::thread::Builder::new().name("redis-aio".into()).spawn({
        let state = Arc::clone(&state);
        move || {
            aio::run(async move {
                let local = Rc::new(Local::default());
                let handler = move |conn: Open<TcpStream>| serve(conn, Rc::clone(&local));
                crate::server::aio::serve(TcpListener::from_std(listener)?, &state, handler).await
            })
        }
    })?;
    Ok(ServerHandle::new(state, thread))
}

async fn serve(conn: Open<TcpStream>, local: Rc<Local>) -> io::Result<()> {
    let state = Arc::clone(conn.state());
    serve_connection(&conn, &state, &local).await
}

// ANCHOR: serve_connection
/// One connection: read, run every whole command, write the replies, and
/// park while a `BRPOP` waits, as the blocking handler does.
pub async fn serve_connection(stream: &TcpStream, state: &ServerState, local: &Local) -> io::Result<()> {
    let stall = state.config.read_timeout;
    let mut session = Session::new();
    let mut buf = vec![0u8; READ_BUF];
    let mut counted = 0;
    loop {
        let n = match read_now_or_later(stream, &mut buf, stall).await {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Ok(()), // idle: hang up
            Err(e) => return Err(e),
        };
        session.received(&buf[..n]);
        loop {
            let turn = local.db.borrow_mut().run(&mut session, Instant::now());
            if turn.pushed {
                local.notify();
            }
            if !session.output().is_empty() {
                write_all(stream, session.output(), stall).await?;
                session.clear_output();
            }
            for _ in counted..session.commands() {
                state.count_request();
            }
            counted = session.commands();
            match turn.next {
                Next::Read => break,
                Next::Close => return Ok(()),
                Next::Wait(_) if state.stopping() => return Ok(()),
                Next::Wait(until) => local.wait(turn.pushes, until).await,
            }
        }
    }
}
// ANCHOR_END: serve_connection

/// A read that costs no timer when the bytes are already there (a
/// pipelining client, a busy one): polled once first, and only when that
/// would wait is the stall timeout armed around it.
async fn read_now_or_later(stream: &TcpStream, buf: &mut [u8], stall: Duration) -> io::Result<usize> {
    let mut now = std::pin::pin!(stream.read(buf));
    let first = std::future::poll_fn(|cx| Poll::Ready(now.as_mut().poll(cx))).await;
    match first {
        Poll::Ready(read) => read,
        Poll::Pending => match aio::wait_for(now, stall).await {
            Ok(read) => read,
            Err(_timed_out) => Err(io::ErrorKind::TimedOut.into()),
        },
    }
}
