//! Lesson 01: generators. Fill in the three TODOs, then run
//! `corolab check 01` until it says the lesson is solved.
//!
//! Each function returns a `Generator` whose body is a closure: it gets `co`
//! (call `co.yield_(value)` to hand a value out and wait) and the first
//! `send`'s input.

use corolab::generator::Generator;

/// Yields `n`, `n - 1`, ..., `1`, then returns.
///
/// Python: `def countdown(n): while n > 0: yield n; n -= 1`
pub fn countdown(n: u64) -> Generator<(), u64, ()> {
    Generator::new(move |co, ()| {
        let _ = (co, n);
        todo!("yield n, n - 1, ..., 1 with co.yield_(..)")
    })
}

/// Yields the Fibonacci numbers 0, 1, 1, 2, 3, 5, ... forever.
pub fn fibonacci() -> Generator<(), u64, ()> {
    Generator::new(|co, ()| {
        let _ = co;
        todo!("loop forever, yielding a and moving (a, b) to (b, a + b)")
    })
}

/// What `averager` returns when it is told to stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// How many numbers it was sent.
    pub count: u64,
    /// Their average.
    pub average: f64,
}

/// A coroutine in the Python sense: each `send(x)` answers with the running
/// average of everything sent so far. A `throw` ends it: the body sees the
/// pending `yield_` return `Err(..)` and returns a `Summary`.
///
/// Note the first `send`: in Python you would prime it with `send(None)`;
/// here the first number arrives as the closure's second argument.
pub fn averager() -> Generator<f64, f64, Summary> {
    Generator::new(|co, first: f64| {
        let _ = (co, first);
        todo!("keep a total and a count; yield the average; on Err from yield_, return the Summary")
    })
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
