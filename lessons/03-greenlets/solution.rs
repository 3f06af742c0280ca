// ANCHOR: solution
//! Lesson 03: greenlets, solved.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use corolab::greenlet::{Greenlet, GreenletError, Value};

fn unit() -> Value {
    Box::new(())
}

// ANCHOR: docs_demo
/// The demo from greenlet's own documentation: records 12, 56, 34 (the
/// articles' version switches to gr2 once more, and records 78 too).
pub fn docs_demo() -> Vec<u32> {
    let out: Rc<RefCell<Vec<u32>>> = Rc::default();
    let gr1_cell: Rc<OnceCell<Greenlet>> = Rc::default();
    let gr2 = Greenlet::new({
        let (out, gr1) = (out.clone(), gr1_cell.clone());
        move |_| {
            out.borrow_mut().push(56);
            gr1.get().expect("gr1 is set").switch(unit()).ok();
            out.borrow_mut().push(78); // never reached
            unit()
        }
    });
    let gr1 = Greenlet::new({
        let out = out.clone();
        move |_| {
            out.borrow_mut().push(12);
            gr2.switch(unit()).ok();
            out.borrow_mut().push(34);
            unit() // back to the parent: main
        }
    });
    gr1_cell.set(gr1.clone()).ok();
    gr1.switch(unit()).expect("gr1 runs and returns");
    out.borrow().clone()
}
// ANCHOR_END: docs_demo

// ANCHOR: ring
/// `k` greenlets in a ring, each switching straight to the next.
pub fn ring(k: usize, laps: usize) -> Vec<usize> {
    let order: Rc<RefCell<Vec<usize>>> = Rc::default();
    let cells: Vec<Rc<OnceCell<Greenlet>>> = (0..k).map(|_| Rc::default()).collect();
    let total = k * laps;
    if total == 0 {
        return Vec::new();
    }
    for i in 0..k {
        let next = cells[(i + 1) % k].clone();
        let order = order.clone();
        let g = Greenlet::new(move |_| {
            loop {
                order.borrow_mut().push(i);
                if order.borrow().len() == total {
                    return unit(); // the last visit: back to main
                }
                let next = next.get().expect("every greenlet is made before the first switch");
                if next.switch(unit()).is_err() {
                    return unit();
                }
            }
        });
        cells[i].set(g).ok();
    }
    cells[0].get().unwrap().switch(unit()).expect("the ring runs");
    // The others are still suspended in `switch`. The one that returned
    // dropped its closure, which breaks the ring of handles, so dropping
    // `cells` drops the last handles and unwinds their stacks.
    order.borrow().clone()
}
// ANCHOR_END: ring

/// Throws into a waiting greenlet, which reports what it cleaned up.
pub fn cleanup_on_throw(reason: &str) -> String {
    let g = Greenlet::new(|_| {
        let main = Greenlet::current().parent().expect("main");
        match main.switch(unit()) {
            Err(GreenletError::Thrown(e)) => Box::new(format!("cleaned up after: {e}")),
            other => Box::new(format!("expected a throw, got {other:?}")),
        }
    });
    g.switch(unit()).expect("g starts and switches back");
    match g.throw(reason.to_string()) {
        Ok(value) => *value.downcast::<String>().expect("a String"),
        Err(e) => format!("the throw failed: {e}"),
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
