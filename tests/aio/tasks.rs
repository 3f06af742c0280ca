//! Tasks: values, panics, cancelling, dropping, detaching, done callbacks.

use crate::{DropFlag, ms, run};
use corolab::aio::{self, Error, EventLoop};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

#[test]
fn awaiting_a_task_gives_its_value() {
    assert_eq!(run(async { aio::spawn(async { 7 }).await }), Ok(7));
}

#[test]
fn a_panic_in_a_task_arrives_as_an_error_and_the_loop_goes_on() {
    run(async {
        let bad = aio::spawn(async {
            aio::yield_now().await;
            panic!("boom");
        });
        let good = aio::spawn(async { "fine" });
        assert_eq!(bad.await, Err(Error::Panicked("boom".into())));
        assert_eq!(good.await, Ok("fine"));
    });
}

#[test]
fn cancel_stops_a_task_at_its_next_await_and_runs_its_destructors() {
    run(async {
        let dropped = Rc::new(Cell::new(false));
        let reached_end = Rc::new(Cell::new(false));
        let task = aio::spawn({
            let (dropped, reached_end) = (dropped.clone(), reached_end.clone());
            async move {
                let _guard = DropFlag(dropped);
                aio::sleep(Duration::from_secs(3600)).await;
                reached_end.set(true);
            }
        });
        aio::sleep(ms(5)).await; // let it start and park
        assert!(!task.is_done());
        assert!(task.cancel());
        assert_eq!(task.await, Err(Error::Cancelled));
        assert!(dropped.get(), "the task's destructors ran before its awaiter saw Cancelled");
        assert!(!reached_end.get());
    });
}

#[test]
fn cancel_before_the_first_step_never_runs_the_body() {
    run(async {
        let ran = Rc::new(Cell::new(false));
        let task = aio::spawn({
            let ran = ran.clone();
            async move { ran.set(true) }
        });
        task.cancel();
        assert_eq!(task.await, Err(Error::Cancelled));
        assert!(!ran.get());
    });
}

#[test]
fn cancelling_a_finished_task_returns_false_and_keeps_its_result() {
    run(async {
        let task = aio::spawn(async { 5 });
        aio::sleep(ms(1)).await;
        assert!(task.is_done());
        assert!(!task.cancel());
        assert_eq!(task.await, Ok(5));
    });
}

#[test]
fn dropping_a_task_cancels_it_and_detach_lets_it_run() {
    run(async {
        let dropped_flag = Rc::new(Cell::new(false));
        let dropped_ran = Rc::new(Cell::new(false));
        let task = aio::spawn({
            let (flag, ran) = (dropped_flag.clone(), dropped_ran.clone());
            async move {
                let _guard = DropFlag(flag);
                aio::sleep(ms(20)).await;
                ran.set(true);
            }
        });
        aio::yield_now().await;
        drop(task);

        let detached_ran = Rc::new(Cell::new(false));
        let t0 = Instant::now();
        aio::spawn({
            let ran = detached_ran.clone();
            async move {
                aio::sleep_until(t0 + ms(20)).await;
                ran.set(true);
            }
        })
        .detach();

        aio::sleep_until(t0 + ms(60)).await;
        assert!(dropped_flag.get(), "the dropped task's future was dropped");
        assert!(!dropped_ran.get(), "the dropped task did not run on");
        assert!(detached_ran.get(), "the detached task ran to completion");
    });
}

#[test]
fn done_callbacks_see_the_result_when_the_task_ends() {
    run(async {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let mut task = aio::spawn(async {
            aio::sleep(ms(5)).await;
            3
        });
        let s = seen.clone();
        task.add_done_callback(move |r| s.borrow_mut().push(format!("{r:?}")));
        assert_eq!(task.await, Ok(3));
        assert_eq!(*seen.borrow(), ["Ok(3)"]);

        let mut cancelled = aio::spawn(aio::sleep(Duration::from_secs(3600)));
        let s = seen.clone();
        cancelled.add_done_callback(move |r| s.borrow_mut().push(format!("{r:?}")));
        aio::yield_now().await;
        cancelled.cancel();
        let _ = cancelled.await;
        assert_eq!(seen.borrow()[1], "Err(Cancelled)");
    });
}

#[test]
fn run_until_complete_may_borrow_locals_and_leaves_other_tasks_pending() {
    let lp = EventLoop::new();
    let mut local = vec![1, 2];
    let background = lp.spawn(async {
        aio::sleep(Duration::from_secs(3600)).await;
    });
    lp.run_until_complete(async {
        local.push(3);
    });
    assert_eq!(local, [1, 2, 3]);
    assert!(!background.is_done());
    assert!(background.cancel());
    assert_eq!(lp.run_until_complete(background), Err(Error::Cancelled));
}

#[test]
fn dropping_the_loop_drops_pending_tasks_futures() {
    let dropped = Rc::new(Cell::new(false));
    {
        let lp = EventLoop::new();
        let flag = dropped.clone();
        lp.spawn(async move {
            let _guard = DropFlag(flag);
            aio::sleep(Duration::from_secs(3600)).await;
        })
        .detach();
        lp.run_until_complete(aio::sleep(ms(1)));
        assert!(!dropped.get());
    }
    assert!(dropped.get(), "closing the loop dropped the parked task's future");
}
