//! The tests lesson 02's exercise and solution share.

use super::*;
use std::time::Instant;

const D: Duration = Duration::from_millis(30);

#[test]
fn a_ticker_ticks_n_times_and_returns_n() {
    let log = Log::default();
    let got = genloop::run::<u32>(ticker("A", 3, Duration::ZERO, Rc::clone(&log))).unwrap();
    assert_eq!(got, 3, "ticker returns n");
    assert_eq!(*log.borrow(), ["A 0", "A 1", "A 2"], "TODO ticker: one line per tick");
}

#[test]
fn two_tickers_interleave_and_sleep_at_the_same_time() {
    let log = Log::default();
    let (a, b) = (ticker("A", 3, D, Rc::clone(&log)), ticker("B", 3, D, Rc::clone(&log)));
    let started = Instant::now();
    let total = genloop::run::<u32>(genloop::task("main", move |co| both(co, a, b))).unwrap();
    let took = started.elapsed();
    assert_eq!(total, 6, "TODO both: the sum of what the two tasks returned");
    assert_eq!(*log.borrow(), ["A 0", "B 0", "A 1", "B 1", "A 2", "B 2"], "TODO: the tasks take turns");
    // One after another would be 6 sleeps; together, 3 (and a busy machine).
    assert!(took < D * 6, "TODO both: spawn both before joining either ({took:?})");
}
