//! The tests lesson 06's exercise and solution share.

use super::{cancel_after, with_timeout};
use corolab::aio::{self, Error};
use std::time::{Duration, Instant};

#[test]
fn a_quick_job_beats_its_timeout() {
    assert_eq!(aio::run(with_timeout(5, 5_000)), Ok("done"));
}

#[test]
fn a_slow_job_times_out_without_waiting_for_it() {
    let started = Instant::now();
    assert_eq!(aio::run(with_timeout(60_000, 20)), Err(Error::TimedOut));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_cancelled_task_cleans_up_before_its_awaiter_hears() {
    let (result, log) = aio::run(cancel_after(60_000, 10));
    assert_eq!(result, Err(Error::Cancelled));
    assert_eq!(log, ["started", "cleaned up", "awaiter saw Cancelled"]);
}

#[test]
fn a_task_that_finishes_first_is_not_cancelled() {
    let (result, log) = aio::run(cancel_after(5, 200));
    assert_eq!(result, Ok(()));
    assert_eq!(log, ["started", "finished", "cleaned up", "awaiter saw Ok"]);
}
