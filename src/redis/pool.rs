//! A small pool of blocking redis connections, for threads.
//!
//! Connecting costs a round trip (and a thread of the server's, on some
//! servers); a pool keeps a few idle clients and hands one out per
//! [`Pool::get`]. The [`Pooled`] guard derefs to a [`Client`] and goes back
//! to the pool when dropped, unless a command broke it mid-way
//! ([`Client::is_broken`]): a connection out of step with its server would
//! hand the next user someone else's reply.
//!
//! ```no_run
//! use corolab::redis::Pool;
//!
//! let pool = Pool::new("127.0.0.1:6379".parse().unwrap(), 4);
//! std::thread::scope(|s| {
//!     for _ in 0..8 {
//!         s.spawn(|| pool.get().unwrap().incr("hits").unwrap());
//!     }
//! });
//! assert!(pool.idle() <= 4);
//! ```
#![forbid(unsafe_code)]

use super::client::Client;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Idle connections to one server, shared by threads. See the module docs.
#[derive(Debug)]
pub struct Pool {
    addr: SocketAddr,
    max_idle: usize,
    timeout: Option<Duration>,
    idle: Mutex<Vec<Client<TcpStream>>>,
}

impl Pool {
    /// A pool for the server at `addr` keeping at most `max_idle` idle
    /// connections (more may be out at once; the extra ones close when
    /// returned). Replies time out after 10 s.
    pub fn new(addr: SocketAddr, max_idle: usize) -> Pool {
        Pool { addr, max_idle, timeout: Some(Duration::from_secs(10)), idle: Mutex::new(Vec::new()) }
    }

    /// An idle connection, or a new one.
    pub fn get(&self) -> io::Result<Pooled<'_>> {
        let reused = self.lock().pop();
        let client = match reused {
            Some(client) => client,
            None => {
                let client = Client::connect(self.addr)?;
                client.set_timeout(self.timeout)?;
                client
            }
        };
        Ok(Pooled { pool: self, client: Some(client) })
    }

    /// How many connections are idle in the pool now.
    pub fn idle(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Client<TcpStream>>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection lent by a [`Pool`]; returned to it on drop.
#[derive(Debug)]
pub struct Pooled<'a> {
    pool: &'a Pool,
    client: Option<Client<TcpStream>>,
}

impl Deref for Pooled<'_> {
    type Target = Client<TcpStream>;
    fn deref(&self) -> &Client<TcpStream> {
        self.client.as_ref().expect("present until drop")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client<TcpStream> {
        self.client.as_mut().expect("present until drop")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        let mut idle = self.pool.lock();
        if !client.is_broken() && idle.len() < self.pool.max_idle {
            idle.push(client);
        }
    }
}
