//! What one switch costs, from the stackless floor up.
//!
//! | bench | what one iteration is |
//! | --- | --- |
//! | `state_machine/next` | `next()` on a hand-written iterator enum: no stack switch at all, the floor |
//! | `corosensei/resume_suspend` | a raw corosensei `resume` plus the coroutine's `suspend` back |
//! | `corosensei/consumed_as_bool` | the same, its result consumed as the generator's and greenlet's are: `black_box(result.is_ok())` |
//! | `corosensei/carrying_value` | the raw round trip, carrying a greenlet [`Value`] (`Box<dyn Any>`) each way and dropping it on arrival |
//! | `corosensei/carrying_u64` | the same, carrying a `u64` each way |
//! | `corosensei/restore_local` | the raw round trip, noting who runs in a thread-local before `resume` and putting back a value kept in a local after it |
//! | `corosensei/restore_thread_local` | the same, putting back a value read from another thread-local instead |
//! | `corosensei/depth5` | the same, but with five (not inlined) calls between the loop and `resume`, and five between the body and `suspend` |
//! | `generator/send_yield` | `Generator::send(())` plus the body's `yield_(())` back |
//! | `greenlet/main_g` | `g.switch(())` from main plus `main.switch(())` back: 2 context switches |
//! | `greenlet/g_h` | `h.switch(())` from greenlet g plus `g.switch(())` back: 4 context switches (through the trampoline) |
//!
//! Run pinned to one core:
//! `taskset -c 0 cargo bench -p corolab-benches --bench switch`.
//!
//! # Figures
//!
//! On the 2-core development VM, pinned with `taskset -c 0`, load average
//! about 1: the median of three runs of
//! `cargo bench -p corolab-benches --bench switch -- --warm-up-time 1
//! --measurement-time 2`, and ratios of those medians.
//!
//! | bench | time | vs raw | vs raw consumed as a `bool` |
//! | --- | --- | --- | --- |
//! | `state_machine/next` | 0.77 ns | 0.3× | |
//! | `corosensei/resume_suspend` | 2.26 ns | 1× | |
//! | `corosensei/consumed_as_bool` | 2.92 ns | 1.29× | 1× |
//! | `corosensei/carrying_value` | 4.08 ns | 1.81× | |
//! | `corosensei/carrying_u64` | 3.30 ns | 1.46× | |
//! | `corosensei/restore_local` | 3.44 ns | | 1.18× |
//! | `corosensei/restore_thread_local` | 3.33 ns | | 1.14× |
//! | `corosensei/depth5` | 65 ns | 29× | |
//! | `generator/send_yield` | 3.94 ns | 1.74× | **1.35×** (target 1.5×) |
//! | `greenlet/main_g` | 8.30 ns | 3.7× | **2.84×** (target 2×) |
//! | `greenlet/g_h` | 17.8 ns | 7.9× | 6.1× (4 context switches, not 2) |
//!
//! **Compare like with like.** The generator and greenlet rows consume
//! each result as `black_box(result.is_ok())`; `black_box` stores the
//! `bool` on the stack and loads it back inside the timed loop, and that
//! alone makes raw corosensei 1.29× slower here
//! (`corosensei/consumed_as_bool`) while the bare row consumes nothing.
//! The fair baseline for them is the raw round trip consumed the same way,
//! the last column. Against it the generator meets the 1.5×, and
//! the greenlet misses its 2×.
//!
//! Criterion runs one bench after the other, and on a shared machine a
//! ratio of two figures taken a minute apart moves with the load (runs of
//! one binary gave the generator 3.9 to 4.6 ns, and once 7.1).
//! `benches/switch_ab.rs` times the same round trips in alternating
//! batches and takes each ratio within a round, against both raw rows: its
//! medians (generator 1.47× raw consumed as a `bool`, main ↔ g 3.1×) are
//! the steadier figures, and they say the same.
//!
//! # Where the rest of the time goes
//!
//! - **Carrying anything costs.** `corosensei/carrying_value` is raw
//!   corosensei with a `Box<dyn Any>` each way, dropped on arrival: 1.8×
//!   the bare round trip before any greenlet logic runs. A `u64` each way
//!   (`corosensei/carrying_u64`) measured 1.5×, so typed values (the next
//!   step an earlier note proposed) would save little: what costs is a
//!   value crossing the switch at all, not its type. A greenlet round trip
//!   is about 2× this floor.
//! - **Bookkeeping around the switch.** Noting in a thread-local who runs
//!   before `resume`, and putting it back after, costs 0.4 to 0.5 ns a
//!   round trip by itself (`corosensei/restore_*` against
//!   `corosensei/consumed_as_bool`), whichever way the old value comes
//!   back. A greenlet does this on every switch (its `current`), and its
//!   mailbox is two more such slots.
//! - **Code layout.** Changes that take instructions off the path measured
//!   within noise, and some that did nothing to the path moved the
//!   figure: consuming `send`'s result with a `match` instead of
//!   `is_ok()` measured the generator at 2.25× instead of 1.66× in
//!   `switch_ab`; removing the two state stores of `send` (unsound, as an
//!   experiment) made it slower, not faster. At two to four nanoseconds, a
//!   round trip is a handful of cycles and where the compiler puts things
//!   decides a good part of it.
//!
//! What changed in the generator, for a small gain: panics are caught once at the base of
//! its stack instead of around every `resume` (the coroutine returns how
//! the body ended), a thrown error waits in a thread-local so the input
//! that crosses the switch is one byte, and the coroutine sits in an
//! `UnsafeCell` guarded by the generator's state rather than in a
//! `RefCell` (see `crate::generator`). Together, against the bare raw row:
//! 2.02× to 1.86× in eight alternating criterion runs of each build, but
//! only 1.69× to 1.66× in `switch_ab`, which is near its noise.
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

use corosensei::{Coroutine, CoroutineResult};
use criterion::{Criterion, criterion_group, criterion_main};

#[path = "common/switch.rs"]
mod common;
use common::{GreenletPair, Raw, unit};

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

thread_local! {
    /// Stands in for a runtime's "who is running" slot.
    static RUNNING: Cell<usize> = const { Cell::new(0) };
    /// What `RUNNING` goes back to.
    static MAIN: Cell<usize> = const { Cell::new(0) };
}

fn benches(c: &mut Criterion) {
    c.bench_function("state_machine/next", |b| {
        let mut it = Counter::Start;
        // `unwrap_or`: black-boxing the `Option` itself measured a store
        // forwarding stall (two 8-byte stores read back as one 16-byte load).
        b.iter(|| black_box(it.next().unwrap_or(0)))
    });

    c.bench_function("corosensei/resume_suspend", |b| {
        let mut co = common::raw();
        b.iter(|| match co.resume(()) {
            CoroutineResult::Yield(v) => black_box(v),
            CoroutineResult::Return(()) => unreachable!(),
        })
    });

    // The rows below consume each result as `black_box(result.is_ok())`,
    // and `black_box` stores the `bool` to the stack and loads it back:
    // raw corosensei consumed the same way is their baseline.
    c.bench_function("corosensei/consumed_as_bool", |b| {
        let mut co = common::raw();
        b.iter(|| black_box(co.resume(()).as_yield().is_some()))
    });

    c.bench_function("corosensei/carrying_value", |b| {
        let mut co = common::carrying_value();
        b.iter(|| match co.resume(unit()) {
            CoroutineResult::Yield(v) => drop(black_box(v)),
            CoroutineResult::Return(()) => unreachable!(),
        })
    });

    c.bench_function("corosensei/carrying_u64", |b| {
        let mut co: Coroutine<u64, u64, ()> = Coroutine::new(|yielder, first: u64| {
            let mut n = first;
            loop {
                n = yielder.suspend(n + 1);
            }
        });
        b.iter(|| match co.resume(1) {
            CoroutineResult::Yield(v) => black_box(v),
            CoroutineResult::Return(()) => unreachable!(),
        })
    });

    // A runtime notes who runs before it resumes, and puts it back after.
    // Putting back a value the caller kept in a local: the local lives
    // across the switch, so it is stored on the stack and loaded back.
    c.bench_function("corosensei/restore_local", |b| {
        let mut co = common::raw();
        b.iter(|| {
            let before = RUNNING.get();
            RUNNING.set(1);
            let step = co.resume(());
            RUNNING.set(before);
            black_box(step.as_yield().is_some())
        })
    });
    // Putting back a value read from a thread-local after the switch:
    // nothing of the caller's lives across it.
    c.bench_function("corosensei/restore_thread_local", |b| {
        let mut co = common::raw();
        b.iter(|| {
            RUNNING.set(1);
            let step = co.resume(());
            RUNNING.set(MAIN.get());
            black_box(step.as_yield().is_some())
        })
    });

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
        let g = common::generator();
        b.iter(|| black_box(g.send(()).is_ok()))
    });
    // ANCHOR_END: bench_generator

    c.bench_function("greenlet/main_g", |b| {
        let g = common::main_g();
        b.iter(|| black_box(g.switch(unit()).is_ok()))
    });

    c.bench_function("greenlet/g_h", |b| {
        let pair = GreenletPair::new();
        b.iter_custom(|n| pair.time(n))
    });
}

criterion_group!(switch, benches);
criterion_main!(switch);
