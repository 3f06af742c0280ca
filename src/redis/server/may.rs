//! The mini-redis on may: a coroutine per connection on every core, the
//! store behind may's `Mutex`, and a `BRPOP` parking its coroutine (not
//! the worker thread) on may's `Condvar`.
#![forbid(unsafe_code)]

use super::{Db, Keyspace, REDIS, Turn, serve_connection, slice_end};
use crate::redis::session::Session;
use crate::server::{ServerConfig, ServerHandle};
use may::sync::{Condvar, Mutex};
use std::io;
use std::net::ToSocketAddrs;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

/// The shortest timed park this backend asks may for.
const MIN_PARK: Duration = Duration::from_millis(2);

/// The store shared by every connection coroutine, and the condition a
/// `BRPOP` waits on; both park coroutines, never may's workers.
#[derive(Default)]
pub struct Shared {
    db: Mutex<Db>,
    pushed: Condvar,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Keyspace for Shared {
    fn run(&self, session: &mut Session) -> Turn {
        self.db.lock().unwrap_or_else(PoisonError::into_inner).run(session, Instant::now())
    }

    fn notify(&self) {
        self.pushed.notify_all();
    }

    fn wait(&self, pushes: u64, until: Option<Instant>) {
        let end = slice_end(until);
        let mut db = self.db.lock().unwrap_or_else(PoisonError::into_inner);
        while db.store.pushes() == pushes {
            let now = Instant::now();
            if now >= end {
                return;
            }
            // may's timed park can miss a wake-up under a millisecond
            // (seen here: a 0.8 ms park that never returned); overshoot
            // instead, a BRPOP timeout being a minimum anyway.
            db = self
                .pushed
                .wait_timeout(db, (end - now).max(MIN_PARK))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// Binds `addr` and serves redis with a may coroutine per connection
/// until the handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    let shared = Arc::new(Shared::default());
    crate::server::may::spawn(addr, config, &REDIS, move |stream, state| {
        serve_connection(stream, state, &*shared)
    })
}
