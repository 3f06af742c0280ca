//! The mini-redis on threads: a thread per connection, the store behind a
//! `std::sync::Mutex`, and a `BRPOP` blocking its thread on a `Condvar`.
#![forbid(unsafe_code)]

use super::{Db, Keyspace, REDIS, Turn, serve_connection, slice_end};
use crate::redis::session::Session;
use crate::server::{ServerConfig, ServerHandle};
use std::io;
use std::net::ToSocketAddrs;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Instant;

/// The store shared by every connection thread, and the condition a
/// `BRPOP` waits on.
#[derive(Debug, Default)]
pub struct Shared {
    db: Mutex<Db>,
    pushed: Condvar,
}

impl Keyspace for Shared {
    fn run(&self, session: &mut Session) -> Turn {
        // A panic mid-command leaves a consistent store (each command is
        // one method call); go on serving the others.
        self.db.lock().unwrap_or_else(PoisonError::into_inner).run(session, Instant::now())
    }

    fn notify(&self) {
        self.pushed.notify_all();
    }

    // ANCHOR: wait
    fn wait(&self, pushes: u64, until: Option<Instant>) {
        let end = slice_end(until);
        let mut db = self.db.lock().unwrap_or_else(PoisonError::into_inner);
        // Checked under the lock a pusher takes: no wake-up is lost.
        while db.store.pushes() == pushes {
            let now = Instant::now();
            if now >= end {
                return;
            }
            db = self.pushed.wait_timeout(db, end - now).unwrap_or_else(PoisonError::into_inner).0;
        }
    }
    // ANCHOR_END: wait
}

/// Binds `addr` and serves redis with a thread per connection until the
/// handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    let shared = Arc::new(Shared::default());
    crate::server::threads::spawn(addr, config, &REDIS, move |stream, state| {
        serve_connection(stream, state, &*shared)
    })
}
