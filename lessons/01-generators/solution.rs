// ANCHOR: solution
//! Lesson 01: generators, solved.

use corolab::generator::Generator;

// ANCHOR: countdown
/// Yields `n`, `n - 1`, ..., `1`, then returns.
pub fn countdown(n: u64) -> Generator<(), u64, ()> {
    Generator::new(move |co, ()| {
        let mut n = n;
        while n > 0 {
            if co.yield_(n).is_err() {
                return;
            }
            n -= 1;
        }
    })
}
// ANCHOR_END: countdown

/// Yields the Fibonacci numbers 0, 1, 1, 2, 3, 5, ... forever.
pub fn fibonacci() -> Generator<(), u64, ()> {
    Generator::new(|co, ()| {
        let (mut a, mut b) = (0u64, 1u64);
        while co.yield_(a).is_ok() {
            (a, b) = (b, a.wrapping_add(b));
        }
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

// ANCHOR: averager
/// Each `send(x)` answers with the running average; a `throw` ends it with
/// a `Summary`.
pub fn averager() -> Generator<f64, f64, Summary> {
    Generator::new(|co, first: f64| {
        let (mut total, mut count) = (first, 1u64);
        loop {
            match co.yield_(total / count as f64) {
                Ok(x) => {
                    total += x;
                    count += 1;
                }
                Err(_thrown) => return Summary { count, average: total / count as f64 },
            }
        }
    })
}
// ANCHOR_END: averager

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
