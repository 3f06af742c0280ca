//! Lesson 03's demo in Rust: `corolab demo 03`. The same story as
//! `original.py`, line for line, on corolab's `Greenlet`: greenlet's own
//! documentation demo (12 56 34), the articles' version (12 56 34 78), a
//! ring of greenlets each switching to the next, and an error thrown into
//! a greenlet where it waits. (It uses the calls the exercise asks for:
//! solve the exercise first to find them yourself.)

use super::say;
use corolab::greenlet::{Greenlet, GreenletError, Value};
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

fn unit() -> Value {
    Box::new(())
}

/// A greenlet made later, for a closure made now to switch to.
type Later = Rc<OnceCell<Greenlet>>;

fn switch_to(cell: &Later) {
    if let Some(g) = cell.get() {
        g.switch(unit()).ok();
    }
}

fn docs_demo() -> Vec<u32> {
    let out: Rc<RefCell<Vec<u32>>> = Rc::default();
    let gr1_cell: Later = Rc::default();
    let gr2 = Greenlet::new({
        let (out, gr1) = (out.clone(), gr1_cell.clone());
        move |_| {
            out.borrow_mut().push(56);
            say("test2: 56, switches to gr1");
            switch_to(&gr1);
            out.borrow_mut().push(78); // never reached
            say("test2: 78");
            unit()
        }
    });
    let gr1 = Greenlet::new({
        let (out, gr2) = (out.clone(), gr2.clone());
        move |_| {
            out.borrow_mut().push(12);
            say("test1: 12, switches to gr2");
            gr2.switch(unit()).ok();
            out.borrow_mut().push(34);
            say("test1: 34, returns: back to its parent, main");
            unit()
        }
    });
    gr1_cell.set(gr1.clone()).ok();
    gr1.switch(unit()).ok();
    if !gr2.is_dead() {
        say("main: gr2 still waits in its switch; nobody comes back");
    }
    out.borrow().clone()
}

fn articles_demo() -> Vec<u32> {
    let out: Rc<RefCell<Vec<u32>>> = Rc::default();
    let gr1_cell: Later = Rc::default();
    let gr2 = Greenlet::new({
        let (out, gr1) = (out.clone(), gr1_cell.clone());
        move |_| {
            out.borrow_mut().push(56);
            say("test2: 56, switches to gr1");
            switch_to(&gr1);
            out.borrow_mut().push(78);
            say("test2: 78, returns: back to its parent, main");
            unit()
        }
    });
    let gr1 = Greenlet::new({
        let out = out.clone();
        move |_| {
            out.borrow_mut().push(12);
            say("test1: 12, switches to gr2");
            gr2.switch(unit()).ok();
            out.borrow_mut().push(34);
            say("test1: 34, switches to gr2 again");
            gr2.switch(unit()).ok();
            unit()
        }
    });
    gr1_cell.set(gr1.clone()).ok();
    gr1.switch(unit()).ok();
    out.borrow().clone()
}

fn ring(k: usize, laps: usize) -> Vec<usize> {
    let order: Rc<RefCell<Vec<usize>>> = Rc::default();
    let cells: Vec<Later> = (0..k).map(|_| Rc::default()).collect();
    let total = k * laps;
    for i in 0..k {
        let (next, order) = (cells[(i + 1) % k].clone(), order.clone());
        let g = Greenlet::new(move |_| {
            loop {
                order.borrow_mut().push(i);
                let turn = order.borrow().len();
                if turn == total {
                    say(format_args!("greenlet {i}: turn {turn} of {total}, returns to main"));
                    return unit();
                }
                say(format_args!("greenlet {i}: turn {turn}, switches to {}", (i + 1) % k));
                switch_to(&next);
            }
        });
        cells[i].set(g).ok();
    }
    if total > 0 {
        switch_to(&cells[0]);
    }
    // The others still wait in `switch`: dropping `cells` drops their last
    // handles, which unwinds their stacks.
    order.borrow().clone()
}

fn cleanup_on_throw(reason: &str) -> String {
    let g = Greenlet::new(|_| {
        let main = Greenlet::current().parent().expect("main is alive");
        say("g: switches back to main and waits there");
        match main.switch(unit()) {
            Err(GreenletError::Thrown(e)) => {
                say("g: ShuttingDown raised in its switch; it cleans up");
                Box::new(format!("cleaned up after: {e}"))
            }
            other => Box::new(format!("expected a throw, got {other:?}")),
        }
    });
    g.switch(unit()).ok();
    say("main: throws ShuttingDown into g");
    match g.throw(reason.to_string()) {
        Ok(value) => value.downcast::<String>().map(|s| *s).unwrap_or_default(),
        Err(e) => format!("the throw failed: {e}"),
    }
}

pub fn main() {
    say("-- greenlet's docs demo: gr1 returns after 34, so 78 never prints");
    say(format_args!("main: {:?}", docs_demo()));
    say("-- the articles' demo: test1 switches to gr2 twice: 12 56 34 78");
    say(format_args!("main: {:?}", articles_demo()));
    say("-- a ring of 3 greenlets, 2 laps: each switches to the next");
    say(format_args!("main: order {:?}", ring(3, 2)));
    say("-- throw: the exception is raised where the greenlet waits");
    say(format_args!("main: g returned: {}", cleanup_on_throw("shutting down")));
}
