//! What one switch costs, from the stackless floor up.
//!
//! | bench | what one iteration is |
//! | --- | --- |
//! | `state_machine/next` | `next()` on a hand-written iterator enum: no stack switch at all, the floor |
//! | `corosensei/resume_suspend` | a raw corosensei `resume` plus the coroutine's `suspend` back |
//! | `corosensei/carrying_value` | the same, carrying a greenlet [`Value`] (`Box<dyn Any>`) each way and dropping it |
//! | `corosensei/depth5` | the same, but with five (not inlined) calls between the loop and `resume`, and five between the body and `suspend` |
//! | `generator/send_yield` | `Generator::send(())` plus the body's `yield_(())` back |
//! | `greenlet/main_g` | `g.switch(())` from main plus `main.switch(())` back: 2 context switches |
//! | `greenlet/g_h` | `h.switch(())` from greenlet g plus `g.switch(())` back: 4 context switches (through the trampoline) |
//!
//! Run pinned to one core: `taskset -c 0 cargo bench --bench switch`.
//!
//! # Figures
//!
//! `taskset -c 0 cargo bench --bench switch` on the 2-core development VM
//! (shared with other builds; this run at load average 1.0, earlier ones
//! at 7-9 gave every figure up to twice as high: compare ratios within a
//! run, not figures across runs). "Before" is the same bench built from
//! the code before the switch path was trimmed (see "What a switch costs"
//! in `crate::greenlet`), run back to back with "after":
//!
//! | bench | before | after | after vs raw corosensei |
//! | --- | --- | --- | --- |
//! | `state_machine/next` | 0.78 ns | 0.77 ns | 0.3× |
//! | `corosensei/resume_suspend` | 2.36 ns | 2.28 ns | 1× |
//! | `corosensei/carrying_value` | the same, carrying a greenlet [`Value`] (`Box<dyn Any>`) each way and dropping it |
//! | `corosensei/depth5` | 66.7 ns | 66.5 ns | 29× |
//! | `generator/send_yield` | 4.84 ns | 4.63 ns | 2.0× |
//! | `greenlet/main_g` | 12.5 ns (5.3×) | 9.6 ns | 4.2× |
//! | `greenlet/g_h` | 17.4 ns (7.4×) | 18.5 ns | 8.1× (4 context switches against raw's 2: 4× per switch) |
//!
//! Over five such paired runs (the other four with
//! `--bench --warm-up-time 1 --measurement-time 3` on the two binaries),
//! `greenlet/main_g` went from 5.3×–5.9× raw to 3.8×–5.0× raw (8.3–11.4
//! ns, against 12.4–13.6 ns before). `greenlet/g_h` got 5–9% *slower* in
//! every run (16.8–17.8 ns before, 17.6–19.3 ns after). Which change
//! costs it is not pinned down: in earlier runs, the `UnsafeCell` alone
//! left it where it was, so the likeliest suspect is the thread-local
//! split (or the code layout it brought); the gevent hub, whose switches
//! are all g → h, got faster all the same (`benches/gevent.rs`).
//!
//! The greenlet still misses the target of 2× raw. With the call
//! frames and the bookkeeping that a switch did not need gone, what is left
//! on each side of a switch is a short run of well-predicted checks that
//! greenlet's semantics ask for: is the target dead, is a dropped greenlet
//! unwinding, who is current, is this greenlet on its own stack (not in a
//! generator), is the target main; plus the mailbox's store and load, the
//! hook and trace flags, and the `Result` that `switch` returns. g → h
//! also pays a reference count on the target (the trampoline owns the
//! greenlet it runs) and two context switches per hop instead of one.
//! Getting to 2× would take a different shape rather than a leaner one:
//! typed values instead of `Box<dyn Any>` in a `Result`, no checks for
//! misuse on the hot path, or symmetric switching that does not go
//! through main (corosensei has none).
//!
//! # What `corosensei/depth5` shows
//!
//! A context switch itself is a handful of instructions. What it costs on
//! top is the processor's return-address predictor: it remembers the calls
//! made on the stack it is running, so after a switch every `ret` back up
//! through a call frame that was entered on the *other* stack is
//! mispredicted. Raw corosensei in a tight loop has almost no frames in
//! between; a library that wraps `resume` in a few layers of functions (a
//! `RefCell`, a `catch_unwind`, a thread-local lookup, a trampoline loop)
//! pays for each frame on each switch. This is why `greenlet` forces its hot
//! path inline, and why `greenlet/g_h`, whose trampoline stays in its loop
//! between hops, costs less per switch than `greenlet/main_g`, which
//! returns through the caller's frames every time.

use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use corolab::generator::Generator;
use corolab::greenlet::{Greenlet, Value};
use corosensei::{Coroutine, CoroutineResult};
use criterion::{Criterion, criterion_group, criterion_main};

/// The stackless floor: a generator written by hand as a state machine,
/// which is what a compiler turns an `async fn` or a Python-less generator
/// into.
enum Counter {
    Start,
    Counting(u64),
}

impl Iterator for Counter {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        let next = match *self {
            Counter::Start => 0,
            Counter::Counting(n) => n.wrapping_add(1),
        };
        *self = Counter::Counting(next);
        Some(next)
    }
}

type Raw = Coroutine<(), (), ()>;

// ANCHOR: depth
// Five real calls between the caller's loop and `resume`, five between the
// body's loop and `suspend`: each is a return the predictor gets wrong
// after a switch.
#[inline(never)]
fn resume1(co: &mut Raw) {
    black_box(co.resume(()));
}
#[inline(never)]
fn resume2(co: &mut Raw) {
    resume1(co);
    black_box(());
}
#[inline(never)]
fn resume3(co: &mut Raw) {
    resume2(co);
    black_box(());
}
#[inline(never)]
fn resume4(co: &mut Raw) {
    resume3(co);
    black_box(());
}
#[inline(never)]
fn resume5(co: &mut Raw) {
    resume4(co);
    black_box(());
}
#[inline(never)]
fn suspend1(y: &corosensei::Yielder<(), ()>) {
    y.suspend(());
}
#[inline(never)]
fn suspend2(y: &corosensei::Yielder<(), ()>) {
    suspend1(y);
    black_box(());
}
#[inline(never)]
fn suspend3(y: &corosensei::Yielder<(), ()>) {
    suspend2(y);
    black_box(());
}
#[inline(never)]
fn suspend4(y: &corosensei::Yielder<(), ()>) {
    suspend3(y);
    black_box(());
}
#[inline(never)]
fn suspend5(y: &corosensei::Yielder<(), ()>) {
    suspend4(y);
    black_box(());
}
// ANCHOR_END: depth

fn unit() -> Value {
    Box::new(())
}

fn benches(c: &mut Criterion) {
    c.bench_function("state_machine/next", |b| {
        let mut it = Counter::Start;
        // `unwrap_or`: black-boxing the `Option` itself measured a store
        // forwarding stall (two 8-byte stores read back as one 16-byte load).
        b.iter(|| black_box(it.next().unwrap_or(0)))
    });

    c.bench_function("corosensei/resume_suspend", |b| {
        let mut co: Coroutine<(), (), ()> = Coroutine::new(|yielder, ()| {
            loop {
                yielder.suspend(());
            }
        });
        b.iter(|| match co.resume(()) {
            CoroutineResult::Yield(v) => black_box(v),
            CoroutineResult::Return(()) => unreachable!(),
        })
    });

    // ANCHOR: bench_carrying
    c.bench_function("corosensei/carrying_value", |b| {
        // A greenlet's `Value` each way, dropped on arrival: what a greenlet
        // round trip costs before any greenlet bookkeeping.
        let mut co: Coroutine<Value, Value, ()> = Coroutine::new(|yielder, first: Value| {
            drop(first);
            loop {
                drop(yielder.suspend(unit()));
            }
        });
        b.iter(|| match co.resume(unit()) {
            CoroutineResult::Yield(v) => drop(black_box(v)),
            CoroutineResult::Return(()) => unreachable!(),
        })
    });
    // ANCHOR_END: bench_carrying

    c.bench_function("corosensei/depth5", |b| {
        let mut co: Raw = Coroutine::new(|yielder, ()| {
            loop {
                suspend5(yielder);
            }
        });
        b.iter(|| resume5(&mut co))
    });

    // ANCHOR: bench_generator
    c.bench_function("generator/send_yield", |b| {
        let g: Generator<(), (), ()> = Generator::new(|co, ()| while co.yield_(()).is_ok() {});
        b.iter(|| black_box(g.send(()).is_ok()))
    });
    // ANCHOR_END: bench_generator

    c.bench_function("greenlet/main_g", |b| {
        let g = Greenlet::new(|_| {
            let main = Greenlet::current().parent().unwrap();
            loop {
                if main.switch(unit()).is_err() {
                    return unit();
                }
            }
        });
        b.iter(|| black_box(g.switch(unit()).is_ok()))
    });

    c.bench_function("greenlet/g_h", |b| {
        // g measures `iters` round trips g -> h -> g on its own clock and
        // hands the time to main; main's part is outside the measurement.
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
        b.iter_custom(|n| {
            iters.set(n);
            *g.switch(unit()).unwrap().downcast::<Duration>().unwrap()
        })
    });
}

criterion_group!(switch, benches);
criterion_main!(switch);
