//! The tests lesson 08's exercise and solution share.

use super::*;
use std::task::Waker;

const D: Duration = Duration::from_millis(20);

fn run_both(a: &'static str, b: &'static str) -> (Vec<String>, usize, usize) {
    let log = Log::default();
    let (x, y) = aio::run(async {
        let x = aio::spawn(greet(a, D, Rc::clone(&log)));
        let y = aio::spawn(Greet::new(b, D, Rc::clone(&log)));
        (x.await.unwrap(), y.await.unwrap())
    });
    let lines = log.borrow().clone();
    (lines, x, y)
}

#[test]
fn the_hand_written_future_is_pending_until_its_sleep_is_over() {
    let log = Log::default();
    aio::run(async {
        let mut greet = Greet::new("ann", D, Rc::clone(&log));
        let mut cx = Context::from_waker(Waker::noop());
        let first = Pin::new(&mut greet).poll(&mut cx);
        assert!(first.is_pending(), "TODO poll: the first poll stops at the first sleep");
        assert!(log.borrow().is_empty(), "nothing is written before the first sleep is over");
    });
}

#[test]
fn the_hand_written_future_does_what_the_async_fn_does_in_step() {
    let (lines, x, y) = run_both("ann", "bob");
    assert_eq!(x, y, "TODO poll: return greeting.len() at the end");
    assert_eq!(lines, ["hello, ann", "hello, bob", "bye, ann", "bye, bob"], "TODO poll: the two take turns");
}
