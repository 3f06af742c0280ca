//! Lesson 08 exercise: async iterators and async resources.
//!
//! Three things to write; `corolab check 08` runs the tests.
//!
//! 1. [`Countdown`]'s `next`: `None` once `left` is 0; otherwise sleep
//!    1 ms (`aio::sleep`), take one off `left`, and yield the number
//!    before it (3, then 2, then 1).
//! 2. [`shout`]: `while let Some(line) = stream.lines().next().await` (keep
//!    the `Lines` in a variable), write `LINE.to_uppercase() + "\n"` back with
//!    `write_all`, count; at the end shut down the writing half
//!    (`stream.shutdown(Shutdown::Write)`) and return the count.
//! 3. [`most_at_once`]: spawn `tasks` tasks; each holds a permit of a shared
//!    `Semaphore::new(limit)` (`let _permit = sem.acquire().await;`), bumps
//!    a shared `inside` counter, records the peak, sleeps 2 ms, and
//!    decrements. Gather them and return the peak.

#![allow(unused_imports)] // the imports are for you to use

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
        let _ = self.left;
        todo!("TODO 1: None at 0; else sleep 1 ms, count down, yield")
    }
}

/// Answers each line with its upper-case copy until the stream ends.
pub async fn shout(stream: &TcpStream) -> io::Result<usize> {
    let _ = stream;
    todo!("TODO 2: lines(), write_all each answer, shutdown(Write), count")
}

/// The most tasks ever inside a `limit`-permit semaphore at once.
pub async fn most_at_once(tasks: usize, limit: usize) -> usize {
    let _ = (tasks, limit);
    todo!("TODO 3: spawn tasks that hold a permit while inside; return the peak")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
