//! Settable futures, callbacks and timers, sleeps and `wait_for`.

use crate::{DropFlag, ms, run};
use corolab::aio::{self, Error};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

#[test]
fn a_settable_future_is_set_once_and_every_awaiter_gets_the_result() {
    run(async {
        let fut = aio::create_future::<u32>();
        let a = aio::spawn(fut.clone());
        let b = aio::spawn(fut.clone());
        aio::yield_now().await;
        fut.set_result(9).unwrap();
        assert_eq!(fut.set_result(10), Err(Error::InvalidState));
        assert_eq!(a.await, Ok(Ok(9)));
        assert_eq!(b.await, Ok(Ok(9)));

        let failing = aio::create_future::<u32>();
        failing.set_exception("nope").unwrap();
        assert_eq!(failing.await, Err(Error::Exception("nope".into())));
    });
}

#[test]
fn call_soon_runs_in_order_and_a_cancelled_handle_does_not_run() {
    run(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        for i in 0..3 {
            let log = log.clone();
            aio::call_soon(move || log.borrow_mut().push(i));
        }
        let log2 = log.clone();
        let handle = aio::call_soon(move || log2.borrow_mut().push(99));
        handle.cancel();
        aio::sleep(ms(5)).await;
        assert_eq!(*log.borrow(), [0, 1, 2]);
    });
}

#[test]
fn timers_fire_in_deadline_order_and_ties_in_scheduling_order() {
    run(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let t0 = Instant::now();
        for (name, delay) in [("c", 30), ("a", 10), ("d", 40), ("b", 20)] {
            let log = log.clone();
            aio::call_at(t0 + ms(delay), move || log.borrow_mut().push(name));
        }
        let at = t0 + ms(50);
        for name in ["tie1", "tie2", "tie3"] {
            let log = log.clone();
            aio::call_at(at, move || log.borrow_mut().push(name));
        }
        let log2 = log.clone();
        aio::call_later(ms(15), move || log2.borrow_mut().push("cancelled")).cancel();
        aio::sleep_until(t0 + ms(80)).await;
        assert_eq!(*log.borrow(), ["a", "b", "c", "d", "tie1", "tie2", "tie3"]);
    });
}

#[test]
fn sleepers_wake_in_deadline_order() {
    run(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let t0 = Instant::now();
        // 100 ms apart: a task first polled after its deadline finishes at
        // once, in spawn order, so a stall must not pass two deadlines.
        let tasks: Vec<_> = [400u64, 100, 300, 200]
            .into_iter()
            .map(|d| {
                let log = log.clone();
                aio::spawn(async move {
                    aio::sleep_until(t0 + ms(d)).await;
                    log.borrow_mut().push(d);
                })
            })
            .collect();
        aio::gather(tasks).await.unwrap();
        assert_eq!(*log.borrow(), [100, 200, 300, 400]);
    });
}

#[test]
fn ten_half_second_sleeps_overlap() {
    let started = std::time::Instant::now();
    run(async {
        let tasks: Vec<_> = (0..10).map(|_| aio::spawn(aio::sleep(ms(500)))).collect();
        aio::gather(tasks).await.unwrap();
    });
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
}

#[test]
fn wait_for_times_out_and_drops_the_inner_future() {
    run(async {
        let dropped = Rc::new(Cell::new(false));
        let flag = dropped.clone();
        let slow = async move {
            let _guard = DropFlag(flag);
            aio::sleep(Duration::from_secs(3600)).await;
        };
        assert_eq!(aio::wait_for(slow, ms(10)).await, Err(Error::TimedOut));
        assert!(dropped.get());
    });
}
