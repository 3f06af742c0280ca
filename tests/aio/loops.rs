//! Loops as values: which loop is current, and what dropping one does.

use crate::{DropFlag, LIMIT, ms};
use corolab::aio::{self, Error, EventLoop};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// Runs `f` on a thread of its own and fails if it does not return within
/// `LIMIT` (a loop that waits for ever fails the test instead of hanging it).
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(LIMIT).expect("the loop never returned")
}

#[test]
fn dropping_a_loop_drops_its_parked_tasks_and_their_handles_give_cancelled() {
    let awaited = bounded(|| {
        let dropped = Rc::new(Cell::new(false));
        let first = EventLoop::new();
        let flag = dropped.clone();
        let parked = first.spawn(async move {
            let _guard = DropFlag(flag);
            aio::sleep(Duration::from_secs(3600)).await;
        });
        first.run_until_complete(aio::sleep(ms(5))); // it starts and parks
        assert!(!dropped.get());
        drop(first);
        assert!(dropped.get(), "the parked task's future was dropped with its loop");
        let second = EventLoop::new();
        second.run_until_complete(aio::wait_for(parked, LIMIT))
    });
    assert_eq!(awaited, Ok(Err(Error::Cancelled)));
}

#[test]
fn the_current_loop_is_the_running_one_not_the_newest() {
    let out = bounded(|| {
        let a = EventLoop::new();
        let b = EventLoop::new();
        let from_a = a.run_until_complete(async {
            aio::sleep(ms(5)).await; // its timer must go to a
            aio::spawn(async { "a" }).await
        });
        let from_b = b.run_until_complete(async { aio::spawn(async { "b" }).await });
        (from_a, from_b)
    });
    assert_eq!(out, (Ok("a"), Ok("b")));
}

#[test]
fn two_loops_on_one_thread_work_in_either_drop_order() {
    for drop_older_first in [true, false] {
        let out = bounded(move || {
            let a = EventLoop::new();
            let b = EventLoop::new();
            let (kept, gone) = if drop_older_first { (b, a) } else { (a, b) };
            drop(gone);
            kept.run_until_complete(async {
                aio::sleep(ms(1)).await;
                aio::spawn(async { 7 }).await
            })
        });
        assert_eq!(out, Ok(7), "drop_older_first = {drop_older_first}");
    }
}

#[test]
fn outside_a_running_loop_there_is_no_current_loop() {
    let lp = EventLoop::new();
    assert!(aio::try_current_loop().is_none(), "a loop that is not running is not current");
    assert!(lp.run_until_complete(async { aio::try_current_loop().is_some() }));
    assert!(aio::try_current_loop().is_none(), "nor is it after run_until_complete returns");
    let message = std::panic::catch_unwind(|| aio::spawn(async {}).detach()).unwrap_err();
    let message = corolab::panic_message::of(&*message);
    assert!(message.contains("no running aio event loop"), "{message}");
}
