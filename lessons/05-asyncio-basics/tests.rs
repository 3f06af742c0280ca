//! The tests lesson 05's exercise and solution share.

use super::{all_in_order, first_to_finish, in_finishing_order};
use corolab::aio;
use std::time::{Duration, Instant};

#[test]
fn all_in_order_returns_values_in_argument_order() {
    assert_eq!(aio::run(all_in_order(&[30, 10, 20])), [30, 10, 20]);
}

#[test]
fn all_in_order_runs_the_tasks_concurrently() {
    let started = Instant::now();
    let out = aio::run(all_in_order(&[300; 10]));
    assert_eq!(out.len(), 10);
    // Ten 0.3 s sleeps one after another would take 3 s.
    assert!(started.elapsed() < Duration::from_millis(2000), "took {:?}", started.elapsed());
}

#[test]
fn first_to_finish_is_the_shortest_and_the_rest_are_cancelled() {
    let started = Instant::now();
    assert_eq!(aio::run(first_to_finish(&[5_000, 10, 4_000])), 10);
    assert!(started.elapsed() < Duration::from_millis(3000), "the slow tasks were waited for");
}

#[test]
fn in_finishing_order_sorts_by_completion() {
    assert_eq!(aio::run(in_finishing_order(&[30, 10, 50, 20])), [10, 20, 30, 50]);
}
