//! Panics nobody awaits: callbacks and done callbacks go to the loop's
//! exception handler, and the loop goes on.

use crate::{LIMIT, ms};
use corolab::aio::{self, EventLoop, ExceptionContext};
use std::cell::RefCell;
use std::rc::Rc;

fn collect_exceptions(lp: &EventLoop) -> Rc<RefCell<Vec<ExceptionContext>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    lp.set_exception_handler(move |context| log.borrow_mut().push(context.clone()));
    seen
}

#[test]
fn a_panicking_callback_is_reported_and_the_loop_goes_on() {
    let lp = EventLoop::new();
    let seen = collect_exceptions(&lp);
    let ran_after = Rc::new(RefCell::new(Vec::new()));
    lp.call_soon(|| panic!("soon"));
    let log = ran_after.clone();
    lp.call_soon(move || log.borrow_mut().push("next callback"));
    lp.call_later(ms(1), || panic!("later {}", 2));
    let other = lp.spawn(async {
        aio::sleep(ms(5)).await;
        "other task"
    });
    let out = lp.run_until_complete(aio::wait_for(other, LIMIT));
    assert_eq!(out, Ok(Ok("other task")), "the loop and its other tasks went on");
    assert_eq!(*ran_after.borrow(), ["next callback"]);
    let panics: Vec<String> = seen.borrow().iter().map(|c| c.panic.clone()).collect();
    assert_eq!(panics, ["soon", "later 2"]);
    assert!(seen.borrow().iter().all(|c| c.message == "Exception in callback"), "{:?}", seen.borrow());
}

#[test]
fn a_panicking_done_callback_is_reported_and_the_next_one_runs() {
    let lp = EventLoop::new();
    let seen = collect_exceptions(&lp);
    let results = Rc::new(RefCell::new(Vec::new()));
    let mut task = lp.spawn_named("worker", async {
        aio::sleep(ms(1)).await;
        5
    });
    task.add_done_callback(|_| panic!("in a done callback"));
    let log = results.clone();
    task.add_done_callback(move |r| log.borrow_mut().push(r.clone()));
    let out = lp.run_until_complete(aio::wait_for(task, LIMIT));
    assert_eq!(out, Ok(Ok(5)), "the task's result still reached its awaiter");
    assert_eq!(*results.borrow(), [Ok(5)]);
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].panic, "in a done callback");
    assert_eq!(seen[0].message, "Exception in done callback of task worker");
}
