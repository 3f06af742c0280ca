//! Lesson 08 solution: async iterators and async resources.

use corolab::aio::{self, AsyncIterator, Semaphore, TcpStream};
use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

/// Counts down from `n` to 1, sleeping 1 ms before each number.
#[derive(Debug)]
pub struct Countdown {
    left: u32,
}

impl Countdown {
    /// A countdown from `n`.
    pub fn new(n: u32) -> Countdown {
        Countdown { left: n }
    }
}

impl AsyncIterator for Countdown {
    type Item = u32;

    async fn next(&mut self) -> Option<u32> {
        if self.left == 0 {
            return None;
        }
        aio::sleep(Duration::from_millis(1)).await;
        self.left -= 1;
        Some(self.left + 1)
    }
}

/// Answers each line of `stream` with its upper-case copy (and `\n`) until
/// the stream ends, then closes its writing half. Returns how many lines.
pub async fn shout(stream: &TcpStream) -> io::Result<usize> {
    let mut lines = stream.lines();
    let mut count = 0;
    while let Some(line) = lines.next().await {
        let answer = format!("{}\n", line?.to_uppercase());
        stream.write_all(answer.as_bytes()).await?;
        count += 1;
    }
    stream.shutdown(std::net::Shutdown::Write)?;
    Ok(count)
}

/// Runs `tasks` tasks that each take a permit of a `limit`-permit
/// semaphore, stay inside 2 ms, and leave; returns the most that were ever
/// inside at once.
pub async fn most_at_once(tasks: usize, limit: usize) -> usize {
    let sem = Semaphore::new(limit);
    let inside = Rc::new(Cell::new(0));
    let peak = Rc::new(Cell::new(0));
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
            aio::spawn(async move {
                let _permit = sem.acquire().await; // async with sem:
                inside.set(inside.get() + 1);
                peak.set(peak.get().max(inside.get()));
                aio::sleep(Duration::from_millis(2)).await;
                inside.set(inside.get() - 1);
            }) // the permit is given back here, however the block is left
        })
        .collect();
    aio::gather(workers).await.expect("no worker fails");
    peak.get()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
