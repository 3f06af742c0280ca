//! The tests lesson 14's exercise and solution share: the workloads of
//! `corolab::portable`, written once over `Loop`, run on your `MyAio`.
//!
//! Sleeps are hundreds of milliseconds, so the checks hold on a busy
//! machine.

use super::*;
use corolab::portable::{Aio, echo, sleepers};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

const MS: Duration = Duration::from_millis(1);

#[test]
fn a_spawned_task_runs_without_being_awaited() {
    let ran = Rc::new(Cell::new(false));
    let seen = Rc::clone(&ran);
    let answer = MyAio::block_on(async move {
        let task = MyAio::spawn(async move {
            seen.set(true);
            42
        });
        MyAio::sleep(100 * MS).await;
        assert!(ran.get(), "TODO 1: the spawned task should have run while main slept (TODO 2)");
        task.await.unwrap()
    });
    assert_eq!(answer, 42, "TODO 1: awaiting the task gives its value");
}

#[test]
fn a_sleep_waits_at_least_its_duration() {
    let started = Instant::now();
    MyAio::block_on(MyAio::sleep(150 * MS));
    assert!(started.elapsed() >= 150 * MS, "TODO 2: sleep returned after {:?}", started.elapsed());
}

#[test]
fn a_thousand_sleepers_all_wake_and_none_early() {
    let woke = MyAio::block_on(sleepers::run::<MyAio>(1000, 100 * MS));
    assert_eq!(woke.unwrap(), 1000, "TODO 1 and 2: every sleeper should wake, none before 100 ms");
}

#[test]
fn sleepers_sleep_at_once_so_ten_take_about_one_sleep() {
    let started = Instant::now();
    let woke = MyAio::block_on(sleepers::run::<MyAio>(10, 200 * MS));
    assert_eq!(woke.unwrap(), 10);
    // One after another they would take 2 s; at once, 0.2 s.
    assert!(started.elapsed() < 1500 * MS, "took {:?}: are the sleepers spawned?", started.elapsed());
}

#[test]
fn every_echo_comes_back_byte_for_byte() {
    let good = MyAio::block_on(echo::run::<MyAio>(5, 200));
    assert_eq!(good.unwrap(), 1000, "TODO 3 and 4: 5 clients x 200 messages, each echoed");
}

#[test]
fn your_loop_and_corolabs_run_the_same_workload_alike() {
    let yours = MyAio::block_on(echo::run::<MyAio>(3, 50)).unwrap();
    let ours = Aio::block_on(echo::run::<Aio>(3, 50)).unwrap();
    assert_eq!((yours, MyAio::NAME), (ours, "my aio"), "the workload does not know which loop runs it");
}
