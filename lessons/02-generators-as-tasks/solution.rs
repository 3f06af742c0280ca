// ANCHOR: solution
//! Lesson 02: generators as tasks, solved.

use corolab::genloop::{self, Answer, Co, Task};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// Where the tasks write what they do, in order.
pub type Log = Rc<RefCell<Vec<String>>>;

// ANCHOR: ticker
/// A task that writes `"{name} {k}"` for k in 0..n, sleeping `delay`
/// after each with the `sleep` sub-operation, and returns n.
///
/// Python 3.4:
/// `@asyncio.coroutine def ticker(name, n): for k in range(n):
/// log.append(f"{name} {k}"); yield from asyncio.sleep(delay)`
pub fn ticker(name: &'static str, n: u32, delay: Duration, log: Log) -> Task {
    genloop::task(name, move |co| {
        for k in 0..n {
            log.borrow_mut().push(format!("{name} {k}"));
            co.yield_from(genloop::sleep(delay), Answer::Go).expect("sleep runs");
        }
        n
    })
}
// ANCHOR_END: ticker

// ANCHOR: both
/// Spawns `a` and `b` (tasks returning `u32`), then joins each, and
/// returns the sum of what they returned: `asyncio.gather`, by hand.
pub fn both(co: &Co<'_>, a: Task, b: Task) -> u32 {
    let a = co.yield_from(genloop::spawn::<u32>(a), Answer::Go).expect("spawn runs");
    let b = co.yield_from(genloop::spawn::<u32>(b), Answer::Go).expect("spawn runs");
    let a = co.yield_from(genloop::join(a), Answer::Go).expect("join runs").expect("a returns");
    let b = co.yield_from(genloop::join(b), Answer::Go).expect("join runs").expect("b returns");
    a + b
}
// ANCHOR_END: both
// ANCHOR_END: solution

#[cfg(test)]
mod tests;
