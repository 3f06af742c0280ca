//! The mini-redis on gevent: a greenlet per connection on one hub, the
//! store in an `Rc<RefCell>` (only the hub's thread touches it), and a
//! `BRPOP` parking its greenlet on a gevent [`Event`].
//!
//! No lock: greenlets switch only where they block (a read, a write, a
//! wait), never inside a command, so a command runs whole. The event is
//! replaced on every push: the old one is set (waking its waiters), the
//! new one is clear for the next waiters.
#![forbid(unsafe_code)]

use super::{Db, Keyspace, REDIS, Turn, serve_connection, slice_end};
use crate::gevent::{Event, net::TcpListener};
use crate::redis::session::Session;
use crate::server::{ServerConfig, ServerHandle, ServerState};
use std::cell::RefCell;
use std::io;
use std::net::ToSocketAddrs;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// The store of a gevent server, on its hub's thread.
#[derive(Debug, Default)]
pub struct Local {
    db: RefCell<Db>,
    pushed: RefCell<Rc<Event>>,
}

impl Keyspace for Local {
    fn run(&self, session: &mut Session) -> Turn {
        self.db.borrow_mut().run(session, Instant::now())
    }

    fn notify(&self) {
        let old = std::mem::take(&mut *self.pushed.borrow_mut());
        old.set();
    }

    fn wait(&self, pushes: u64, until: Option<Instant>) {
        if self.db.borrow().store.pushes() != pushes {
            return;
        }
        // Nothing runs between the check and the park: one thread, and
        // no switch in between.
        let event = Rc::clone(&self.pushed.borrow());
        let end = slice_end(until);
        event.wait_timeout(end.saturating_duration_since(Instant::now()));
    }
}

/// Binds `addr` and serves redis with a greenlet per connection, on a hub
/// in a thread of its own, until the handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    let listener = std::net::TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config, &REDIS);
    let thread = std::thread::Builder::new().name("redis-gevent".into()).spawn({
        let state = Arc::clone(&state);
        move || {
            // Made on the hub's thread: the Rc never leaves it.
            let local = Rc::new(Local::default());
            crate::server::gevent::serve(TcpListener::from_std(listener)?, &state, move |stream, state| {
                serve_connection(stream, state, &*local)
            })
        }
    })?;
    Ok(ServerHandle::new(state, thread))
}
