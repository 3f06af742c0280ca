// ANCHOR: solution
//! Lesson 05 solution: spawn, joinall, sleep and a timeout on the gevent hub.

use corolab::gevent;
use std::cell::RefCell;
use std::rc::Rc;
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
    let handles: Vec<_> = delays.iter().map(|&ms| gevent::spawn(move || fetch(ms))).collect();
    handles.into_iter().map(|h| h.join().expect("fetch does not panic")).collect()
}

/// The delays in the order their jobs finish.
pub fn finish_order(delays: &[u64]) -> Vec<u64> {
    let done = Rc::new(RefCell::new(Vec::new()));
    // One start for all: each job ends at start + ms, so the order cannot
    // depend on when each greenlet got to begin.
    let start = Instant::now();
    let handles: Vec<_> = delays
        .iter()
        .map(|&ms| {
            let done = done.clone();
            gevent::spawn(move || {
                // Not `done.borrow_mut().push(fetch_from(..))`: that borrows
                // first, and holds the borrow across fetch's switch to the
                // hub, where the next greenlet's borrow panics. Never hold
                // a RefCell borrow across a switch.
                let finished = fetch_from(start, ms);
                done.borrow_mut().push(finished);
            })
        })
        .collect();
    gevent::joinall(&handles, None);
    done.take()
}

/// `fetch(ms)`, or `None` after `timeout`.
pub fn fetch_or_give_up(ms: u64, timeout: Duration) -> Option<u64> {
    gevent::with_timeout(timeout, || fetch(ms)).ok()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
