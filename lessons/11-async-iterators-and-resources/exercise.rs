//! Lesson 11 exercise: an async iterator of your own, the lines of a
//! stream, and an async resource (acquire with `.await`, release on drop
//! or by an explicit async close).
//!
//! Five small pieces. `corolab check 11` runs the tests in `tests.rs`; they
//! fail until all are done. `solution.rs` has one answer.
//!
//! 1. `AsyncIterator for Ticker`: `next()` returns `None` once `total` ticks
//!    were given (and every time after); otherwise it sleeps `every`
//!    (`aio::sleep(..).await`) and returns `Some(n)`, counting from 0.
//! 2. [`sum_numbers`]: `stream.lines()` is an `AsyncIterator` of
//!    `io::Result<String>`; loop with `while let Some(line) =
//!    lines.next().await`, skip blank lines, parse the rest as `i64` (a bad
//!    one is `io::Error::new(io::ErrorKind::InvalidData, e)`), and sum.
//! 3. [`ConnectionPool::acquire`]: wait for a slot (`self.slots.acquire()
//!    .await` gives a `Permit`), then `PooledConnection::open(..)` in it.
//! 4. [`PooledConnection::close`] (make it `mut self`): the polite, async
//!    close. Sleep 10 ms (the goodbye on the wire), log `bye NAME` then
//!    `close NAME`, and set `closed`; the slot goes back when `self` drops
//!    at the end.
//! 5. `Drop for PooledConnection`: if `close` did not run, log
//!    `close NAME (dropped)`. Drop cannot `.await`, so there is no goodbye.
//!    The permit gives the slot back by its own `Drop`.

use corolab::aio::{AsyncIterator, Permit, Semaphore, TcpStream};
use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

/// Ticks `0, 1, .. total - 1`, one every `every`: Python's
/// `async def ticker(): for i in range(total): await sleep(every); yield i`.
#[derive(Debug)]
pub struct Ticker {
    next: u32,
    total: u32,
    every: Duration,
}

impl Ticker {
    /// A ticker of `total` ticks. (Given.)
    pub fn new(total: u32, every: Duration) -> Ticker {
        Ticker { next: 0, total, every }
    }
}

impl AsyncIterator for Ticker {
    type Item = u32;

    async fn next(&mut self) -> Option<u32> {
        let _ = (self.next, self.total, self.every);
        todo!("TODO 1: None when all ticks were given; else sleep, then Some(n)")
    }
}

/// The sum of the numbers on the stream, one per line, until the peer
/// closes it. Blank lines are skipped; anything else that is not a number
/// is an `InvalidData` error.
pub async fn sum_numbers(stream: &TcpStream) -> io::Result<i64> {
    let _ = stream;
    todo!("TODO 2: while let Some(line) = stream.lines().next().await (keep one `lines`!)")
}

/// What happened, in order: `"open a"`, `"bye a"`, `"close a"`, ...
pub type Log = Rc<RefCell<Vec<String>>>;

/// At most `size` connections at once.
#[derive(Debug)]
pub struct ConnectionPool {
    slots: Semaphore,
    log: Log,
}

/// A connection from a [`ConnectionPool`]; it holds one of the pool's
/// slots until it is closed or dropped.
#[derive(Debug)]
pub struct PooledConnection {
    name: &'static str,
    log: Log,
    /// Whether `close` ran (so `Drop` need not).
    closed: bool,
    /// The pool slot, given back when this is dropped.
    _slot: Permit,
}

impl PooledConnection {
    /// Opens a connection in the slot `slot` (logs `open NAME`). (Given.)
    pub fn open(name: &'static str, slot: Permit, log: &Log) -> PooledConnection {
        log.borrow_mut().push(format!("open {name}"));
        PooledConnection { name, log: Rc::clone(log), closed: false, _slot: slot }
    }
}

impl ConnectionPool {
    /// A pool of `size` slots. (Given.)
    pub fn new(size: usize, log: &Log) -> ConnectionPool {
        ConnectionPool { slots: Semaphore::new(size), log: Rc::clone(log) }
    }

    /// Free slots now. (Given.)
    pub fn available(&self) -> usize {
        self.slots.available()
    }
}

impl ConnectionPool {
    /// Waits for a free slot, then opens a connection in it.
    pub async fn acquire(&self, name: &'static str) -> PooledConnection {
        let _ = (name, &self.slots, &self.log);
        todo!("TODO 3: self.slots.acquire().await, then PooledConnection::open")
    }
}

impl PooledConnection {
    /// Closes it politely: says goodbye to the peer (an `await`: 10 ms on
    /// the network), logs `bye NAME` then `close NAME`, and gives the slot
    /// back.
    pub async fn close(self) {
        let _ = self;
        todo!("TODO 4: sleep 10 ms, log `bye NAME` and `close NAME`, set closed")
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        // TODO 5: unless `close` ran, log `close NAME (dropped)`. (Not a
        // `todo!()`: a panic in a destructor would hide the other failures.)
        let _ = (self.name, &self.log, self.closed);
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
