//! Lesson 05's demo in Rust: `corolab demo 05`. The same story as
//! `original.py` on corolab's gevent hub: ten sleepers one after another,
//! then all at once as greenlets, a blocking call that stops the hub, and
//! a `Timeout` raised where a greenlet waits. (It uses the calls the
//! exercise asks for: solve the exercise first to find them yourself.)

use super::say;
use corolab::gevent;
use std::time::{Duration, Instant};

const N: usize = 10;
const DELAY: Duration = Duration::from_millis(500);

fn sleeper(i: usize, delay: Duration, sleep: fn(Duration)) -> usize {
    say(format_args!("sleeper {i} going to sleep for {} ms", delay.as_millis()));
    sleep(delay);
    say(format_args!("sleeper {i} woke"));
    i
}

fn sequential() {
    say("-- sequential: one after another");
    let t = Instant::now();
    let results: Vec<usize> = (0..N).map(|i| sleeper(i, DELAY, std::thread::sleep)).collect();
    say(format_args!("-- sequential: {results:?} in {:.2} s", t.elapsed().as_secs_f64()));
}

fn concurrent() {
    say("-- gevent: all at once");
    let t = Instant::now();
    let greenlets: Vec<_> = (0..N).map(|i| gevent::spawn(move || sleeper(i, DELAY, gevent::sleep))).collect();
    gevent::joinall(&greenlets, Some(Duration::from_secs(5)));
    let values: Vec<usize> = greenlets.into_iter().filter_map(|g| g.join().ok()).collect();
    say(format_args!("-- gevent: {values:?} in {:.2} s", t.elapsed().as_secs_f64()));
}

fn blocking() {
    say("-- a blocking call stops the hub");
    let ticker = gevent::spawn(|| {
        let mut ticks = Vec::new();
        for _ in 0..5 {
            ticks.push(Instant::now());
            gevent::sleep(Duration::from_millis(1));
        }
        ticks
    });
    // std's sleep is not the hub's: it blocks the thread, and so the hub.
    let blocker = gevent::spawn(|| std::thread::sleep(Duration::from_millis(300)));
    gevent::joinall(&[blocker], None);
    let ticks = ticker.join().unwrap_or_default();
    let longest = ticks.windows(2).map(|w| w[1] - w[0]).max().unwrap_or_default();
    say(format_args!("-- longest gap between ticks: {} ms (1 ms if nothing blocked)", longest.as_millis()));
}

fn timeout() {
    if gevent::with_timeout(Duration::from_millis(20), || gevent::sleep(Duration::from_secs(10))).is_err() {
        say("-- the Timeout was raised where the greenlet waited");
    }
}

pub fn main() {
    sequential();
    concurrent();
    blocking();
    timeout();
}
