//! The round trips that `benches/switch.rs` (criterion) and
//! `benches/switch_ab.rs` (paired rounds) both time, built once here so
//! that the two measure the same code. Each bench owns only its loop.

use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use corolab::generator::Generator;
use corolab::greenlet::{Greenlet, Value};
use corosensei::Coroutine;

/// A bare corosensei coroutine: no input, no output.
pub type Raw = Coroutine<(), (), ()>;

/// The value a greenlet switch carries when it carries nothing: a box of
/// `()`, which does not allocate.
pub fn unit() -> Value {
    Box::new(())
}

/// Raw corosensei that suspends forever: one `resume` is one round trip.
pub fn raw() -> Raw {
    Coroutine::new(|yielder, ()| {
        loop {
            yielder.suspend(());
        }
    })
}

// ANCHOR: carrying
/// Raw corosensei carrying a greenlet's `Value` each way, dropped on
/// arrival: what a greenlet round trip costs before any greenlet
/// bookkeeping.
pub fn carrying_value() -> Coroutine<Value, Value, ()> {
    Coroutine::new(|yielder, first: Value| {
        drop(first);
        loop {
            drop(yielder.suspend(unit()));
        }
    })
}
// ANCHOR_END: carrying

/// A generator that yields `()` for as long as it is sent `()`.
pub fn generator() -> Generator<(), (), ()> {
    Generator::new(|co, ()| while co.yield_(()).is_ok() {})
}

/// A greenlet that switches straight back to main every time main
/// switches to it.
pub fn main_g() -> Greenlet {
    Greenlet::new(|_| {
        let main = Greenlet::current().parent().unwrap();
        loop {
            if main.switch(unit()).is_err() {
                return unit();
            }
        }
    })
}

/// Two greenlets, g and h, switching back and forth: g times the round
/// trips g -> h -> g on its own clock and hands the time to main, so
/// main's part is outside the measurement.
pub struct GreenletPair {
    g: Greenlet,
    iters: Rc<Cell<u64>>,
}

impl GreenletPair {
    pub fn new() -> GreenletPair {
        let iters = Rc::new(Cell::new(0u64));
        let g = Greenlet::new({
            let iters = iters.clone();
            move |_| {
                let main = Greenlet::current().parent().unwrap();
                // h is a child of g once g creates it: its result comes back here.
                let h = Greenlet::new(move |v| {
                    drop(v);
                    let g = Greenlet::current().parent().unwrap();
                    loop {
                        if g.switch(unit()).is_err() {
                            return unit();
                        }
                    }
                });
                loop {
                    let start = Instant::now();
                    for _ in 0..iters.get() {
                        black_box(h.switch(unit()).is_ok());
                    }
                    let took: Value = Box::new(start.elapsed());
                    if main.switch(took).is_err() {
                        return unit();
                    }
                }
            }
        });
        GreenletPair { g, iters }
    }

    /// How long `n` round trips g -> h -> g took.
    pub fn time(&self, n: u64) -> Duration {
        self.iters.set(n);
        *self.g.switch(unit()).unwrap().downcast::<Duration>().unwrap()
    }
}
