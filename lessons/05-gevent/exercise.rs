//! Lesson 05 exercise: spawn, joinall, sleep and a timeout on the gevent hub.
//!
//! Three functions to write. `corolab check 05` runs the tests in
//! `tests.rs`; they fail until all three are done. `solution.rs` has one
//! answer.
//!
//! 1. [`fetch_all`]: run [`fetch`] for every delay *concurrently* (a
//!    greenlet each, `gevent::spawn`), then return the results in the order
//!    of `delays` (join each handle; `join()` gives `Result<u64, _>`).
//! 2. [`finish_order`]: the same jobs, but record the order in which they
//!    *finish*: take one start time, then each greenlet calls
//!    [`fetch_from`] with it and pushes its delay into a shared
//!    `Rc<RefCell<Vec<u64>>>`. Use `gevent::joinall`.
//! 3. [`fetch_or_give_up`]: `fetch(ms)`, or `None` if it takes longer than
//!    `timeout` (`gevent::with_timeout` returns `Err(Elapsed)` then).

use corolab::gevent;
use std::time::{Duration, Instant};

/// A pretend download: waits `ms` milliseconds without blocking the hub,
/// then returns `ms`. (Given.)
pub fn fetch(ms: u64) -> u64 {
    gevent::sleep(Duration::from_millis(ms));
    ms
}

/// `fetch(ms)` for jobs started together: waits until `start + ms`, so a
/// job that begins late (the machine was busy) still finishes in its
/// place. (Given.)
pub fn fetch_from(start: Instant, ms: u64) -> u64 {
    gevent::sleep_until(start + Duration::from_millis(ms));
    ms
}

/// Every `fetch(delay)`, run at once; the results in the order of `delays`.
pub fn fetch_all(delays: &[u64]) -> Vec<u64> {
    // TODO 1: spawn a greenlet per delay, then join them in order.
    delays.iter().map(|&ms| fetch(ms)).collect() // one after another: too slow
}

/// The delays in the order their jobs finish.
pub fn finish_order(delays: &[u64]) -> Vec<u64> {
    // TODO 2: take `Instant::now()` once, then spawn a greenlet per delay
    // that calls `fetch_from(start, ms)` and records its delay.
    delays.to_vec()
}

/// `fetch(ms)`, or `None` after `timeout`.
pub fn fetch_or_give_up(ms: u64, timeout: Duration) -> Option<u64> {
    // TODO 3: wrap the fetch in gevent::with_timeout.
    let _ = timeout;
    Some(fetch(ms.min(1)))
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
