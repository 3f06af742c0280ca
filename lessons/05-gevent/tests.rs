//! The tests lesson 05's exercise and solution share. Each runs on its own
//! thread, so on its own hub.

use super::*;
use std::time::{Duration, Instant};

#[test]
fn fetch_all_returns_every_result_in_spawn_order() {
    assert_eq!(
        fetch_all(&[30, 10, 20]),
        [30, 10, 20],
        "TODO 1: join the handles in the order you spawned them"
    );
}

#[test]
fn fetch_all_runs_the_jobs_concurrently() {
    let started = Instant::now();
    let got = fetch_all(&[200; 10]);
    assert_eq!(got, [200; 10]);
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1500),
        "TODO 1: ten 200 ms jobs took {took:?}: spawn them all before joining any (and use gevent::sleep)"
    );
}

#[test]
fn finish_order_follows_the_delays() {
    assert_eq!(
        finish_order(&[50, 10, 30, 20]),
        [10, 20, 30, 50],
        "TODO 2: push each delay when its fetch_from(start, ms) returns"
    );
}

#[test]
fn a_slow_job_is_given_up_on() {
    let started = Instant::now();
    assert_eq!(fetch_or_give_up(5_000, Duration::from_millis(20)), None, "TODO 3");
    assert!(started.elapsed() < Duration::from_secs(2), "TODO 3: with_timeout should stop the wait");
    assert_eq!(
        fetch_or_give_up(10, Duration::from_secs(2)),
        Some(10),
        "TODO 3: a fast job returns its value"
    );
}
