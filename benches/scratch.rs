use std::cell::{Cell, RefCell, UnsafeCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::panic::{self, AssertUnwindSafe};
static ON: AtomicBool = AtomicBool::new(false);
#[derive(Debug)] #[allow(dead_code)] enum BigErr { A, B(String), C(std::io::Error, Option<u64>, Option<u64>) }

use std::hint::black_box;
use corosensei::{Coroutine, CoroutineResult};
use criterion::{Criterion, criterion_group, criterion_main};

enum Resume<T> { Value(T), Throw(Box<dyn std::error::Error>) }

fn benches(c: &mut Criterion) {
    c.bench_function("r0_raw", |b| {
        let mut co: Coroutine<(), (), ()> = Coroutine::new(|y, ()| loop { y.suspend(()); });
        b.iter(|| match co.resume(()) { CoroutineResult::Yield(v) => black_box(v), _ => unreachable!() })
    });
    if false { c.bench_function("r1_enum_in", |b| {
        let mut co: Coroutine<Resume<()>, (), ()> = Coroutine::new(|y, _| loop { if let Resume::Throw(_) = y.suspend(()) { break } });
        b.iter(|| match co.resume(Resume::Value(())) { CoroutineResult::Yield(v) => black_box(v), _ => unreachable!() })
    });
    c.bench_function("r2_refcell", |b| {
        let co: RefCell<Option<Coroutine<(), (), ()>>> = RefCell::new(Some(Coroutine::new(|y, ()| loop { y.suspend(()); })));
        b.iter(|| match co.borrow_mut().as_mut().unwrap().resume(()) { CoroutineResult::Yield(v) => black_box(v), _ => unreachable!() })
    });
    c.bench_function("r3_unsafecell_state", |b| {
        let co: UnsafeCell<Option<Coroutine<(), (), ()>>> = UnsafeCell::new(Some(Coroutine::new(|y, ()| loop { y.suspend(()); })));
        let state = Cell::new(1u8);
        b.iter(|| {
            if state.get() != 1 { panic!() }
            state.set(2);
            let r = match unsafe { &mut *co.get() }.as_mut().unwrap().resume(()) { CoroutineResult::Yield(v) => black_box(v), _ => unreachable!() };
            state.set(1);
            r
        })
    });
    c.bench_function("r4_catch", |b| {
        let co: UnsafeCell<Option<Coroutine<(), (), ()>>> = UnsafeCell::new(Some(Coroutine::new(|y, ()| loop { y.suspend(()); })));
        let state = Cell::new(1u8);
        b.iter(|| {
            if state.get() != 1 { panic!() }
            state.set(2);
            let co = unsafe { &mut *co.get() }.as_mut().unwrap();
            let r = match panic::catch_unwind(AssertUnwindSafe(|| co.resume(()))) { Ok(CoroutineResult::Yield(v)) => black_box(v), _ => unreachable!() };
            state.set(1);
            r
        })
    });
    c.bench_function("r5_catch_enum", |b| {
        let co: UnsafeCell<Option<Coroutine<Resume<()>, (), ()>>> = UnsafeCell::new(Some(Coroutine::new(|y, _| loop { if let Resume::Throw(_) = y.suspend(()) { break } })));
        let state = Cell::new(1u8);
        b.iter(|| {
            if state.get() != 1 { panic!() }
            state.set(2);
            let co = unsafe { &mut *co.get() }.as_mut().unwrap();
            let r = match panic::catch_unwind(AssertUnwindSafe(|| co.resume(Resume::Value(())))) { Ok(CoroutineResult::Yield(v)) => black_box(v), _ => unreachable!() };
            state.set(1);
            r
        })
    });
    c.bench_function("r6_trace", |b| {
        let co: UnsafeCell<Option<Coroutine<Resume<()>, (), ()>>> = UnsafeCell::new(Some(Coroutine::new(|y, _| loop { if let Resume::Throw(_) = y.suspend(()) { break } })));
        let state = Cell::new(1u8);
        let id = black_box(u32::MAX);
        b.iter(|| {
            if state.get() != 1 { panic!() }
            state.set(2);
            if id != u32::MAX && ON.load(Ordering::Relaxed) { panic!() }
            let co = unsafe { &mut *co.get() }.as_mut().unwrap();
            let r = match panic::catch_unwind(AssertUnwindSafe(|| co.resume(Resume::Value(())))) { Ok(CoroutineResult::Yield(v)) => black_box(v), _ => unreachable!() };
            state.set(1);
            if id != u32::MAX && ON.load(Ordering::Relaxed) { panic!() }
            r
        })
    });
    }
    c.bench_function("r7_result", |b| {
        let co: UnsafeCell<Option<Coroutine<Resume<()>, (), ()>>> = UnsafeCell::new(Some(Coroutine::new(|y, _| loop { if let Resume::Throw(_) = y.suspend(()) { break } })));
        let state = Cell::new(1u8);
        let id = black_box(u32::MAX);
        #[inline(always)]
        fn step(co: &UnsafeCell<Option<Coroutine<Resume<()>, (), ()>>>, state: &Cell<u8>, id: u32) -> Result<Option<()>, BigErr> {
            if state.get() != 1 { return Err(BigErr::A) }
            state.set(2);
            if id != u32::MAX && ON.load(Ordering::Relaxed) { panic!() }
            let co = unsafe { &mut *co.get() }.as_mut().unwrap();
            let r = match panic::catch_unwind(AssertUnwindSafe(|| co.resume(Resume::Value(())))) { Ok(CoroutineResult::Yield(v)) => Ok(Some(v)), Ok(_) => Ok(None), Err(_) => Err(BigErr::B(String::new())) };
            state.set(1);
            if id != u32::MAX && ON.load(Ordering::Relaxed) { panic!() }
            r
        }
        b.iter(|| black_box(step(&co, &state, id).is_ok()))
    });
    c.bench_function("r7b_small_err", |b| {
        let co: UnsafeCell<Option<Coroutine<Resume<()>, (), ()>>> = UnsafeCell::new(Some(Coroutine::new(|y, _| loop { if let Resume::Throw(_) = y.suspend(()) { break } })));
        let state = Cell::new(1u8);
        let id = black_box(u32::MAX);
        #[inline(always)]
        fn step(co: &UnsafeCell<Option<Coroutine<Resume<()>, (), ()>>>, state: &Cell<u8>, id: u32) -> Result<Option<()>, u8> {
            if state.get() != 1 { return Err(1) }
            state.set(2);
            if id != u32::MAX && ON.load(Ordering::Relaxed) { panic!() }
            let co = unsafe { &mut *co.get() }.as_mut().unwrap();
            let r = match panic::catch_unwind(AssertUnwindSafe(|| co.resume(Resume::Value(())))) { Ok(CoroutineResult::Yield(v)) => Ok(Some(v)), Ok(_) => Ok(None), Err(_) => Err(2) };
            state.set(1);
            if id != u32::MAX && ON.load(Ordering::Relaxed) { panic!() }
            r
        }
        b.iter(|| black_box(step(&co, &state, id).is_ok()))
    });
    c.bench_function("r7c_no_catch", |b| {
        let co: UnsafeCell<Option<Coroutine<Resume<()>, (), ()>>> = UnsafeCell::new(Some(Coroutine::new(|y, _| loop { if let Resume::Throw(_) = y.suspend(()) { break } })));
        let state = Cell::new(1u8);
        let id = black_box(u32::MAX);
        #[inline(always)]
        fn step(co: &UnsafeCell<Option<Coroutine<Resume<()>, (), ()>>>, state: &Cell<u8>, id: u32) -> Result<Option<()>, BigErr> {
            if state.get() != 1 { return Err(BigErr::A) }
            state.set(2);
            if id != u32::MAX && ON.load(Ordering::Relaxed) { panic!() }
            let co = unsafe { &mut *co.get() }.as_mut().unwrap();
            let r = match co.resume(Resume::Value(())) { CoroutineResult::Yield(v) => Ok(Some(v)), _ => Ok(None) };
            state.set(1);
            if id != u32::MAX && ON.load(Ordering::Relaxed) { panic!() }
            r
        }
        b.iter(|| black_box(step(&co, &state, id).is_ok()))
    });
}
criterion_group!(g, benches);
criterion_main!(g);
