//! Lesson 09's demo in Rust: `corolab demo 09`. The same story as
//! `original.py` on corolab's `aio` loop: a cancel, `wait_for` inside and
//! past its timeout, a deadline for a whole block, a race, and the one place
//! the two differ (a Rust task cannot refuse a cancel). (It uses the calls
//! the exercise asks for: solve the exercise first to find them yourself.)

use super::say;
use corolab::aio::{self, Error, ReturnWhen};
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A pretend connection: opening logs, and `Drop` logs the close. Drop is
/// Rust's `__aexit__`: it runs on return, on error and on cancel.
struct Connection(&'static str);

impl Connection {
    fn open(name: &'static str) -> Connection {
        say(format_args!("open {name}"));
        Connection(name)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        say(format_args!("close {}", self.0));
    }
}

async fn download(name: &'static str, delay: u64) -> &'static str {
    let _connection = Connection::open(name);
    aio::sleep(ms(delay)).await; // a cancel lands here: the future is dropped
    say(format_args!("done {name}"));
    name
}

async fn download_or_give_up(name: &'static str, delay: u64, timeout: u64) -> Option<&'static str> {
    aio::wait_for(download(name, delay), ms(timeout)).await.ok()
}

async fn race(downloads: &[(&'static str, u64)]) -> (&'static str, usize) {
    let tasks = downloads.iter().map(|&(name, delay)| aio::spawn(download(name, delay))).collect();
    let (done, pending) = aio::wait(tasks, ReturnWhen::FirstCompleted, None).await;
    for task in &pending {
        task.cancel();
    }
    // Wait until they are really gone: cancel() only asks.
    let mut cancelled = 0;
    for task in pending {
        cancelled += usize::from(task.await == Err(Error::Cancelled));
    }
    let mut winner = "none";
    for task in done {
        winner = task.await.unwrap_or("none");
    }
    (winner, cancelled)
}

/// Says so when its task's future is dropped.
struct Stubborn;

impl Drop for Stubborn {
    fn drop(&mut self) {
        say("stubborn dropped at its await: a Rust future cannot refuse a cancel");
    }
}

async fn stubborn() -> &'static str {
    let _guard = Stubborn;
    aio::sleep(ms(10_000)).await;
    "still here"
}

pub fn main() {
    aio::run(async {
        say("-- cancel: the task stops at its await, its cleanup runs");
        let task = aio::spawn(download("a", 10_000));
        aio::sleep(ms(20)).await;
        task.cancel();
        if task.await == Err(Error::Cancelled) {
            say("awaiting the cancelled task gave Err(Cancelled)");
        }

        say("-- wait_for: within the timeout, and past it");
        say(format_args!("quick -> {:?}", download_or_give_up("quick", 10, 5_000).await));
        say(format_args!("slow  -> {:?}", download_or_give_up("slow", 10_000, 50).await));

        say("-- wait_for on a block: a deadline for a whole block");
        let block = async {
            download("first", 50).await;
            // The deadline falls in here. (original.py sleeps 50 ms here and
            // races its 100 ms deadline; 80 ms leaves no doubt who wins.)
            download("second", 80).await;
        };
        if aio::wait_for(block, ms(100)).await == Err(Error::TimedOut) {
            say("the block ran out of time");
        }

        say("-- a race: the first to finish wins, the others are cancelled");
        let (winner, cancelled) = race(&[("slow", 10_000), ("fast", 100), ("middle", 5_000)]).await;
        say(format_args!("winner {winner}, {cancelled} cancelled"));

        say("-- the difference: a Python coroutine may refuse a cancel");
        let task = aio::spawn(stubborn());
        aio::sleep(ms(10)).await;
        task.cancel();
        say(format_args!("stubborn returned {:?}", task.await));
    });
}
