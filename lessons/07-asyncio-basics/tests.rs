//! The tests lesson 07's exercise and solution share.
//!
//! Delays are a hundred milliseconds apart, so the order of completion is
//! clear even on a busy machine.

use super::*;
use corolab::aio::{self, Error};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

#[test]
fn a_future_set_by_a_callback_gives_its_value_to_the_task_awaiting_it() {
    let value = aio::run(async { deliver_later(20 * MS, "hello").await });
    assert_eq!(value, Ok("hello"));
}

#[test]
fn deliver_later_returns_a_pending_future_that_the_callback_sets_later() {
    aio::run(async {
        let future = deliver_later(100 * MS, 7);
        assert!(!future.done(), "deliver_later should return at once, with the future still pending");
        aio::sleep(5 * MS).await;
        assert!(!future.done(), "the future was set before its delay passed");
        assert_eq!(future.clone().await, Ok(7));
        assert_eq!(future.set_result(8), Err(Error::InvalidState), "a future is set only once");
    });
}

#[test]
fn futures_set_by_callbacks_complete_in_deadline_order_not_creation_order() {
    let log = Rc::new(RefCell::new(Vec::new()));
    aio::run({
        let log = Rc::clone(&log);
        async move {
            let mut waiters = Vec::new();
            for (ms, name) in [(300, "slow"), (100, "fast"), (200, "middle")] {
                let log = Rc::clone(&log);
                waiters.push(aio::spawn(async move {
                    let name = deliver_later(ms * MS, name).await.unwrap();
                    log.borrow_mut().push(name);
                }));
            }
            aio::gather(waiters).await.unwrap();
        }
    });
    assert_eq!(*log.borrow(), ["fast", "middle", "slow"]);
}

#[test]
fn gather_gives_results_in_argument_order() {
    let results = aio::run(async { in_argument_order(spawn_sleepers(&[300, 100, 200])).await });
    assert_eq!(results, [0, 1, 2]);
}

#[test]
fn as_completed_gives_results_in_completion_order() {
    let results = aio::run(async { in_completion_order(spawn_sleepers(&[300, 100, 200])).await });
    assert_eq!(results, [1, 2, 0], "task 1 sleeps least, task 0 most");
}

#[test]
fn wait_first_completed_returns_the_quickest_and_leaves_the_rest_running() {
    aio::run(async {
        let (first, pending) = first_finished(spawn_sleepers(&[300, 100, 200])).await;
        assert_eq!(first, 1, "task 1 sleeps least");
        assert_eq!(pending.len(), 2, "the two slower tasks are still pending");
        assert!(pending.iter().all(|t| !t.is_done()));
        // Nothing was cancelled: the others still finish, with their values.
        assert_eq!(aio::gather(pending).await, Ok(vec![0, 2]));
    });
}

#[test]
fn tasks_run_concurrently_so_ten_sleeps_take_about_one_sleep() {
    let started = std::time::Instant::now();
    let results = aio::run(async { in_argument_order(spawn_sleepers(&[200; 10])).await });
    assert_eq!(results, (0..10).collect::<Vec<_>>());
    // Ten 200 ms sleeps one after another would take 2 s; at once, 0.2 s.
    assert!(started.elapsed() < 1500 * MS, "took {:?}", started.elapsed());
}
