//! The sleepers workload, once for every [`Loop`]: `n` tasks each sleep
//! `nap` at once, then all are awaited in the order they were started.
//!
//! It measures what a loop pays per waiting task: the task itself (its
//! allocation, its place in the run queue) and its timer (an entry in a
//! heap or a wheel). The whole run takes `nap` plus the loop's own work,
//! so the time above `nap` is the loop's.
#![forbid(unsafe_code)]

use super::Loop;
use std::io;
use std::time::{Duration, Instant};

// ANCHOR: run
/// Starts `n` sleepers of `nap` and awaits them all; how many woke no
/// earlier than `nap` after they were started.
pub async fn run<L: Loop>(n: u64, nap: Duration) -> io::Result<u64> {
    let sleepers: Vec<_> = (0..n)
        .map(|_| {
            L::spawn(async move {
                let started = Instant::now();
                L::sleep(nap).await;
                started.elapsed() >= nap
            })
        })
        .collect();
    let mut woke = 0;
    for sleeper in sleepers {
        woke += u64::from(sleeper.await?);
    }
    Ok(woke)
}
// ANCHOR_END: run
