//! Lesson 11's demo in Rust: `corolab demo 11`. The same story as
//! `original.py` on corolab's `aio` loop: an async iterator that sleeps
//! between items, the lines of a TCP stream summed as they arrive, a
//! queue's items, then a pool of two connections whose users wait for a
//! slot, and a cancelled holder that gives its slot back. (It uses the
//! calls the exercise asks for: solve the exercise first to find them
//! yourself.)

use super::say;
use corolab::aio::{self, AsyncIterator, Permit, Semaphore, TcpListener, TcpStream};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `total` numbers, one every `every`: Python's `async def ticker` with
/// `yield`, written as the iterator `async for` would drive.
struct Ticker {
    next: u32,
    total: u32,
    every: Duration,
}

impl AsyncIterator for Ticker {
    type Item = u32;

    async fn next(&mut self) -> Option<u32> {
        if self.next == self.total {
            return None;
        }
        aio::sleep(self.every).await;
        self.next += 1;
        Some(self.next - 1)
    }
}

async fn sum_numbers(stream: &TcpStream) -> i64 {
    let mut lines = stream.lines(); // one `Lines`: it holds what was read ahead
    let mut total = 0;
    while let Some(Ok(line)) = lines.next().await {
        total += line.trim().parse::<i64>().unwrap_or(0);
    }
    total
}

async fn iterators_demo() {
    let other = aio::spawn(async {
        aio::sleep(ms(150)).await;
        say("other task");
    });
    let mut ticker = Ticker { next: 0, total: 3, every: ms(100) };
    while let Some(n) = ticker.next().await {
        say(format_args!("tick {n}"));
    }
    let _ = other.await;

    let Ok(listener) = TcpListener::bind("127.0.0.1:0").await else { return say("cannot bind 127.0.0.1") };
    let Ok(addr) = listener.local_addr() else { return };
    let server = aio::spawn(async move {
        let Ok((stream, _)) = listener.accept().await else { return };
        for chunk in [&b"1\n2"[..], b"0\n\n", b"-4\r\n2", b"5"] {
            let _ = stream.write_all(chunk).await;
            aio::sleep(ms(5)).await;
        }
        let _ = stream.close().await;
    });
    if let Ok(stream) = TcpStream::connect(addr).await {
        say(format_args!("sum of the numbers on the stream: {}", sum_numbers(&stream).await));
    }
    let _ = server.await;

    let queue = aio::Queue::unbounded();
    for word in ["one", "two", "three"] {
        let _ = queue.put_nowait(word);
    }
    queue.shutdown(); // the end marker: Python 3.13's Queue.shutdown()
    let mut items = queue.items();
    let mut seen = Vec::new();
    while let Some(word) = items.next().await {
        seen.push(word);
    }
    say(format_args!("items of a queue: {seen:?}"));
}

/// At most `size` connections at once.
struct Pool {
    slots: Semaphore,
}

/// A connection from the pool: `close` is the polite, awaited exit
/// (`__aexit__` without an error); `Drop` the one a cancel gets.
struct Connection {
    name: &'static str,
    closed: bool,
    _slot: Permit,
}

impl Pool {
    async fn acquire(&self, name: &'static str) -> Connection {
        let slot = self.slots.acquire().await; // wait for a slot
        say(format_args!("open {name}"));
        Connection { name, closed: false, _slot: slot }
    }
}

impl Connection {
    async fn close(mut self) {
        aio::sleep(ms(10)).await; // the goodbye, on the wire: exits may await
        say(format_args!("bye {}", self.name));
        say(format_args!("close {}", self.name));
        self.closed = true;
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if !self.closed {
            say(format_args!("close {} (cancelled)", self.name)); // no goodbye
        }
    } // then `_slot` goes back to the pool
}

async fn resources_demo() {
    let pool = Rc::new(Pool { slots: Semaphore::new(2) });
    let (open_now, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let users = ["a", "b", "c", "d", "e"].map(|name| {
        let (pool, open_now, most) = (pool.clone(), open_now.clone(), most.clone());
        async move {
            let connection = pool.acquire(name).await;
            open_now.set(open_now.get() + 1);
            most.set(most.get().max(open_now.get()));
            aio::sleep(ms(20)).await;
            open_now.set(open_now.get() - 1);
            connection.close().await;
        }
    });
    aio::gather_all(users).await;
    say(format_args!("at most {} open at once, with 2 slots", most.get()));

    let holder = aio::spawn({
        let pool = pool.clone();
        async move {
            let _connection = pool.acquire("holder").await;
            aio::sleep(Duration::from_secs(60)).await;
        }
    });
    aio::sleep(ms(20)).await;
    holder.cancel();
    let _ = holder.await;
    let next = pool.acquire("next").await;
    say("the cancelled holder gave its slot back");
    next.close().await;
}

pub fn main() {
    aio::run(async {
        say("-- async iteration");
        iterators_demo().await;
        say("-- async resources");
        resources_demo().await;
    });
}
