// ANCHOR: solution
//! Lesson 11 solution: an async iterator of your own, the lines of a
//! stream, and an async resource (acquire with `.await`, release on drop
//! or by an explicit async close).

use corolab::aio::{self, AsyncIterator, Permit, Semaphore, TcpStream};
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

// ANCHOR: ticker
impl AsyncIterator for Ticker {
    type Item = u32;

    async fn next(&mut self) -> Option<u32> {
        if self.next == self.total {
            return None; // exhausted, and stays so
        }
        aio::sleep(self.every).await;
        self.next += 1;
        Some(self.next - 1)
    }
}
// ANCHOR_END: ticker

// ANCHOR: sum_numbers
/// The sum of the numbers on the stream, one per line, until the peer
/// closes it. Blank lines are skipped; anything else that is not a number
/// is an `InvalidData` error.
pub async fn sum_numbers(stream: &TcpStream) -> io::Result<i64> {
    let mut lines = stream.lines();
    let mut sum = 0;
    while let Some(line) = lines.next().await {
        let line = line?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let n: i64 = line.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        sum += n;
    }
    Ok(sum)
}
// ANCHOR_END: sum_numbers

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

// ANCHOR: resource
impl ConnectionPool {
    /// Waits for a free slot, then opens a connection in it.
    pub async fn acquire(&self, name: &'static str) -> PooledConnection {
        let slot = self.slots.acquire().await;
        PooledConnection::open(name, slot, &self.log)
    }
}

impl PooledConnection {
    /// Closes it politely: says goodbye to the peer (an `await`: 10 ms on
    /// the network), logs `bye NAME` then `close NAME`, and gives the slot
    /// back.
    pub async fn close(mut self) {
        aio::sleep(Duration::from_millis(10)).await; // the goodbye, on the wire
        self.log.borrow_mut().push(format!("bye {}", self.name));
        self.log.borrow_mut().push(format!("close {}", self.name));
        self.closed = true;
    } // `self` is dropped here: Drop runs (and sees `closed`), the slot goes back
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        // Drop cannot await: no goodbye, just let go.
        if !self.closed {
            self.log.borrow_mut().push(format!("close {} (dropped)", self.name));
        }
    } // then `_slot` is dropped: the permit goes back to the pool
}
// ANCHOR_END: resource

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
