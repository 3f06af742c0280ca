//! Lesson 02: generators as tasks. Fill in the two TODOs, then run
//! `corolab check 02` until it says the lesson is solved.
//!
//! A task is a generator the loop drives. It asks the loop for things by
//! delegating to sub-operations with `co.yield_from(op, Answer::Go)`:
//! `genloop::sleep(d)`, `genloop::spawn::<T>(task)`, `genloop::join(h)`.

use corolab::genloop::{self, Answer, Co, Task};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// Where the tasks write what they do, in order.
pub type Log = Rc<RefCell<Vec<String>>>;

/// A task that writes `"{name} {k}"` for k in 0..n, sleeping `delay`
/// after each with the `sleep` sub-operation, and returns n.
pub fn ticker(name: &'static str, n: u32, delay: Duration, log: Log) -> Task {
    genloop::task(name, move |co| {
        let _ = (co, delay, &log, Answer::Go);
        todo!(
            "for k in 0..n: push \"{{name}} {{k}}\" to log, then yield_from genloop::sleep(delay); return n"
        )
    })
}

/// Spawns `a` and `b` (tasks returning `u32`), then joins each, and
/// returns the sum of what they returned: `asyncio.gather`, by hand.
pub fn both(co: &Co<'_>, a: Task, b: Task) -> u32 {
    let _ = (co, a, b);
    todo!("yield_from genloop::spawn::<u32> for each, then genloop::join each, and add")
}

#[cfg(test)]
mod tests;
