//! Lesson 03: greenlets. Fill in the three TODOs, then run
//! `corolab check 03` until it says the lesson is solved.
//!
//! Reminders: `Greenlet::new(f)` makes a greenlet whose parent is the
//! current one; `g.switch(Box::new(x))` runs `g` until someone switches
//! back, and returns what they sent (`Result<Value, GreenletError>`);
//! `Greenlet::current()` is the greenlet running now. When a greenlet's
//! function returns, its value goes to its parent.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use corolab::greenlet::{Greenlet, Value};

/// The demo from greenlet's own documentation. gr1 records 12, switches to
/// gr2; gr2 records 56, switches to gr1; gr1 records 34 and returns (to
/// main), so gr2's 78 is never recorded. Returns what was recorded.
pub fn docs_demo() -> Vec<u32> {
    let out: Rc<RefCell<Vec<u32>>> = Rc::default();
    let gr1_cell: Rc<OnceCell<Greenlet>> = Rc::default();
    let _ = (&out, &gr1_cell, Greenlet::current(), None::<Value>);
    todo!("create gr2 (it needs gr1: use gr1_cell), then gr1, then switch to gr1 from main")
}

/// `k` greenlets in a ring: greenlet `i` records `i` and switches to
/// greenlet `(i + 1) % k`, `laps` times round. Returns the order in which
/// they recorded: `ring(3, 2) == [0, 1, 2, 0, 1, 2]`.
///
/// Symmetric switching: each greenlet names the next one directly, with
/// no scheduler in between.
pub fn ring(k: usize, laps: usize) -> Vec<usize> {
    let order: Rc<RefCell<Vec<usize>>> = Rc::default();
    let _ = (k, laps, &order);
    todo!("make k greenlets that find their successor through shared cells; the last visit returns to main")
}

/// Starts a greenlet that switches back to main and waits; then throws
/// `reason` into it. The greenlet's pending `switch` returns
/// `Err(GreenletError::Thrown(e))`; it returns the string
/// `"cleaned up after: {e}"`, which arrives at main as the result of the
/// throw.
pub fn cleanup_on_throw(reason: &str) -> String {
    let _ = reason;
    todo!("Greenlet::new(..); g.switch(..) once; then g.throw(reason.to_string()) and downcast its Ok value")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
