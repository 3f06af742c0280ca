//! Generator semantics, as Python programmers know them.

use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;

use corolab::generator::{Generator, GeneratorError, GeneratorState, Step};

#[test]
fn iterator_yields_values_then_stops() {
    let g = Generator::new(|co, ()| {
        for i in 1..=3 {
            co.yield_(i).unwrap();
        }
    });
    assert_eq!(g.collect::<Vec<_>>(), [1, 2, 3]);
}

#[test]
fn send_delivers_value_to_pending_yield() {
    let g = Generator::new(|co, first: String| {
        let mut seen = vec![first];
        while let Ok(next) = co.yield_(seen.len()) {
            if next.is_empty() {
                break;
            }
            seen.push(next);
        }
        seen.join(",")
    });
    assert_eq!(g.send("a".into()).unwrap(), Step::Yielded(1));
    assert_eq!(g.send("b".into()).unwrap(), Step::Yielded(2));
    assert_eq!(g.send(String::new()).unwrap(), Step::Returned("a,b".to_string()));
    assert!(matches!(g.send("late".into()), Err(GeneratorError::Finished)));
}

#[test]
fn yield_from_deep_inside_nested_calls() {
    fn walk(co: &corolab::generator::Co<'_, (), u32>, depth: u32) {
        if depth == 0 {
            co.yield_(0).unwrap();
            return;
        }
        co.yield_(depth).unwrap();
        walk(co, depth - 1);
    }
    let g = Generator::new(|co, ()| walk(co, 3));
    assert_eq!(g.collect::<Vec<_>>(), [3, 2, 1, 0]);
}

#[test]
fn throw_is_seen_by_the_body_as_an_error() {
    let g = Generator::new(|co, ()| match co.yield_(1) {
        Ok(()) => "no throw".to_string(),
        Err(thrown) => format!("caught {thrown}"),
    });
    assert_eq!(g.send(()).unwrap(), Step::Yielded(1));
    assert_eq!(g.throw("oops").unwrap(), Step::Returned("caught oops".to_string()));
    assert_eq!(g.state(), GeneratorState::Finished);
}

#[test]
fn body_may_keep_going_after_a_throw() {
    let g = Generator::new(|co, ()| {
        let mut errors = 0;
        for i in 0..3 {
            if co.yield_(i).is_err() {
                errors += 1;
            }
        }
        errors
    });
    assert_eq!(g.send(()).unwrap(), Step::Yielded(0));
    assert_eq!(g.throw("x").unwrap(), Step::Yielded(1));
    assert_eq!(g.send(()).unwrap(), Step::Yielded(2));
    assert_eq!(g.send(()).unwrap(), Step::Returned(1));
}

#[test]
fn throw_into_unstarted_generator_finishes_it_without_running() {
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    let g: Generator<(), (), ()> = Generator::new(move |_, ()| r.set(true));
    match g.throw("early") {
        Err(GeneratorError::Thrown(t)) => assert_eq!(t.to_string(), "early"),
        other => panic!("expected the error back, got {other:?}"),
    }
    assert_eq!(g.state(), GeneratorState::Finished);
    assert!(!ran.get());
}

struct Count(Rc<Cell<u32>>);
impl Drop for Count {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

fn holding_guards(drops: Rc<Cell<u32>>) -> Generator<(), u32, ()> {
    Generator::new(move |co, ()| {
        let _outer = Count(drops.clone());
        let inner = || {
            let _inner = Count(drops.clone());
            co.yield_(1).ok();
            co.yield_(2).ok();
        };
        inner();
    })
}

#[test]
fn close_unwinds_the_stack_and_runs_every_destructor() {
    let drops = Rc::new(Cell::new(0));
    let g = holding_guards(drops.clone());
    assert_eq!(g.send(()).unwrap(), Step::Yielded(1));
    assert_eq!(drops.get(), 0);
    g.close();
    assert_eq!(drops.get(), 2);
    assert_eq!(g.state(), GeneratorState::Finished);
    assert!(matches!(g.send(()), Err(GeneratorError::Finished)));
    g.close(); // a second close does nothing
    assert_eq!(drops.get(), 2);
}

#[test]
fn dropping_a_suspended_generator_runs_every_destructor() {
    let drops = Rc::new(Cell::new(0));
    let g = holding_guards(drops.clone());
    g.send(()).unwrap();
    drop(g);
    assert_eq!(drops.get(), 2);
}

#[test]
fn dropping_an_unstarted_generator_drops_its_closure() {
    let drops = Rc::new(Cell::new(0));
    let guard = Count(drops.clone());
    let g: Generator<(), (), ()> = Generator::new(move |_, ()| drop(guard));
    drop(g);
    assert_eq!(drops.get(), 1);
}

#[test]
fn panic_reaches_the_caller_as_an_error_and_finishes_it() {
    let drops = Rc::new(Cell::new(0));
    let d = drops.clone();
    let g = Generator::new(move |co, ()| {
        let _guard = Count(d);
        co.yield_(1).ok();
        panic!("generator blew up");
    });
    g.send(()).unwrap();
    match g.send(()) {
        Err(GeneratorError::Panicked(msg)) => assert!(msg.contains("generator blew up")),
        other => panic!("expected Panicked, got {other:?}"),
    }
    assert_eq!(g.state(), GeneratorState::Finished);
    assert_eq!(drops.get(), 1, "the panic unwound the generator's stack");
}

#[test]
#[should_panic(expected = "generator panicked: from the body")]
fn iterator_turns_a_body_panic_into_a_caller_panic() {
    let g: Generator<(), u32, ()> = Generator::new(|_, ()| panic!("from the body"));
    for _ in g {}
}

#[test]
fn state_is_running_inside_the_body_and_reentry_is_an_error() {
    let cell: Rc<OnceCell<Generator<(), String, ()>>> = Rc::default();
    let c = cell.clone();
    let g = Generator::new(move |co, ()| {
        let me = c.get().unwrap();
        let report = format!("{:?} {:?}", me.state(), me.send(()).err());
        co.yield_(report).ok();
    });
    assert!(cell.set(g).is_ok());
    let g = cell.get().unwrap();
    assert_eq!(g.send(()).unwrap(), Step::Yielded("Running Some(Running)".to_string()));
    g.close();
}

fn depth(n: u64) -> u64 {
    let pad = std::hint::black_box([0u8; 64]);
    if n == 0 { pad[0] as u64 } else { 1 + depth(n - 1) + pad[1] as u64 }
}

#[test]
fn deep_recursion_fits_in_a_64_kib_stack() {
    // 64 KiB and 200 frames of ~150 bytes (debug build): fits with room.
    let g: Generator<(), (), u64> = Generator::with_options("deep", 64 * 1024, |_, ()| depth(200));
    assert_eq!(g.send(()).unwrap(), Step::Returned(200));
}

#[test]
fn deep_recursion_fits_in_the_default_stack() {
    let g: Generator<(), (), u64> = Generator::new(|_, ()| depth(1000));
    assert_eq!(g.send(()).unwrap(), Step::Returned(1000));
}

#[test]
fn generators_nest() {
    let outer = Generator::new(|co, ()| {
        let inner = Generator::new(|co2, ()| {
            for i in 0..3 {
                co2.yield_(i).unwrap();
            }
        });
        for v in inner {
            co.yield_(v * 10).unwrap();
        }
    });
    assert_eq!(outer.collect::<Vec<_>>(), [0, 10, 20]);
}

#[test]
fn trace_records_running_waiting_done() {
    use corolab::trace::{self, State, Wait};
    let recording = trace::ThreadRecording::start();
    let g = Generator::with_options("counter", 64 * 1024, |co, ()| {
        co.yield_(1).unwrap();
    });
    let log = RefCell::new(Vec::new());
    for v in g {
        log.borrow_mut().push(v);
    }
    let t = recording.finish();
    let ours = t.tasks.iter().position(|name| name == "counter").expect("our task is named");
    let states: Vec<State> = t.events.iter().filter(|e| e.task.index() == ours).map(|e| e.state).collect();
    assert_eq!(states, [State::Running, State::Waiting(Wait::Switch), State::Running, State::Done]);
}

#[test]
fn a_throw_into_a_running_generator_is_refused_and_the_next_yield_sees_no_stale_error() {
    let cell: Rc<OnceCell<Generator<u32, String, ()>>> = Rc::default();
    let c = cell.clone();
    let g = Generator::new(move |co, first: u32| {
        let me = c.get().unwrap();
        let refused = matches!(me.throw("too early"), Err(GeneratorError::Running));
        // The refused throw must not be delivered to the next `yield_`.
        let next = co.yield_(format!("{first} refused={refused}"));
        co.yield_(format!("{next:?}")).ok();
    });
    assert!(cell.set(g).is_ok());
    let g = cell.get().unwrap();
    assert_eq!(g.send(1).unwrap(), Step::Yielded("1 refused=true".to_string()));
    assert_eq!(g.send(2).unwrap(), Step::Yielded("Ok(2)".to_string()));
    g.close();
}

#[test]
fn a_body_that_catches_close_and_yields_again_is_still_closed() {
    // Python raises "generator ignored GeneratorExit" here; this generator
    // unwinds a second time, and every destructor runs all the same.
    let drops = Rc::new(Cell::new(0));
    let d = drops.clone();
    let g: Generator<(), u32, ()> = Generator::new(move |co, ()| {
        let _outer = Count(d.clone());
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _inner = Count(d.clone());
            co.yield_(1).ok();
        }));
        assert!(caught.is_err(), "close unwinds the pending yield_");
        co.yield_(2).ok(); // ignores the close
        unreachable!("the second unwind never comes back here");
    });
    assert_eq!(g.send(()).unwrap(), Step::Yielded(1));
    g.close();
    assert_eq!(drops.get(), 2);
    assert_eq!(g.state(), GeneratorState::Finished);
    assert!(matches!(g.send(()), Err(GeneratorError::Finished)));
}

// yield_from, rule by rule (PEP 380). Each test's doc comment gives the
// Python it mirrors; each was run on CPython 3.11.7 and its output is
// quoted.

/// `inner() -> got = yield 1; got = yield 2; return "inner done"`;
/// `outer() -> r = yield from inner(); yield "after"; return r + "!"`.
/// CPython 3.11: `next(g)` is 1, `send("a")` is 2 (inner got a),
/// `send("b")` is "after" (inner got b; r is 'inner done'), then
/// `StopIteration("inner done!")`. Yields pass out, sends pass in, the
/// return value is the value of `yield from`.
#[test]
fn yield_from_passes_yields_out_sends_in_and_returns_the_inner_value() {
    let got: Rc<RefCell<Vec<String>>> = Rc::default();
    let log = got.clone();
    let outer: Generator<String, String, String> = Generator::new(move |co, first| {
        let log = log.clone();
        let inner = Generator::new(move |co, _first: String| {
            let got = co.yield_("1".to_string()).unwrap();
            log.borrow_mut().push(got);
            let got = co.yield_("2".to_string()).unwrap();
            log.borrow_mut().push(got);
            "inner done".to_string()
        });
        let r = co.yield_from(inner, first).unwrap();
        co.yield_("after".to_string()).unwrap();
        r + "!"
    });
    assert_eq!(outer.send(String::new()).unwrap(), Step::Yielded("1".into()));
    assert_eq!(outer.send("a".into()).unwrap(), Step::Yielded("2".into()));
    assert_eq!(outer.send("b".into()).unwrap(), Step::Yielded("after".into()));
    assert_eq!(*got.borrow(), ["a", "b"]);
    assert_eq!(outer.send(String::new()).unwrap(), Step::Returned("inner done!".into()));
}

/// `catcher(): while True: try: yield "waiting" except ValueError as e:
/// yield f"caught {e}"`, delegated to with `yield from`. CPython 3.11:
/// `next` is "waiting", `throw(ValueError("boom"))` is "caught boom",
/// `send(None)` is "waiting": a throw into the outer goes to the inner.
#[test]
fn yield_from_throws_into_the_inner_generator() {
    let outer: Generator<(), String, ()> = Generator::new(|co, ()| {
        let catcher = Generator::new(|co, ()| {
            loop {
                if let Err(e) = co.yield_("waiting".to_string()) {
                    co.yield_(format!("caught {e}")).unwrap();
                }
            }
        });
        co.yield_from(catcher, ()).unwrap()
    });
    assert_eq!(outer.send(()).unwrap(), Step::Yielded("waiting".into()));
    assert_eq!(outer.throw("boom").unwrap(), Step::Yielded("caught boom".into()));
    assert_eq!(outer.send(()).unwrap(), Step::Yielded("waiting".into()));
}

/// `plain(): yield 1`; `outer3(): try: yield from plain() except
/// ValueError as e: yield f"outer saw {e}"`. CPython 3.11: `next` is 1,
/// `throw(ValueError("up"))` is "outer saw up": an error the inner does not
/// handle comes out of `yield from` in the outer. In Rust the inner passes
/// it on with `?`, so it is part of the inner's return value.
#[test]
fn an_error_the_inner_passes_on_comes_out_of_yield_from() {
    use corolab::generator::Thrown;
    let outer: Generator<(), String, ()> = Generator::new(|co, ()| {
        let plain = Generator::new(|co, ()| -> Result<(), Thrown> {
            co.yield_("1".to_string())?;
            Ok(())
        });
        if let Err(e) = co.yield_from(plain, ()).unwrap() {
            co.yield_(format!("outer saw {e}")).unwrap();
        }
    });
    assert_eq!(outer.send(()).unwrap(), Step::Yielded("1".into()));
    assert_eq!(outer.throw("up").unwrap(), Step::Yielded("outer saw up".into()));
}

/// `closable(): try: yield 1 finally: print("inner finally ran")`;
/// `outer4(): try: yield from closable() finally: print("outer finally
/// ran")`. CPython 3.11 after `next(g); g.close()` prints "inner finally
/// ran" then "outer finally ran": closing the outer closes the inner
/// first.
#[test]
fn closing_the_outer_generator_closes_the_inner_first() {
    struct Finally(&'static str, Rc<RefCell<Vec<&'static str>>>);
    impl Drop for Finally {
        fn drop(&mut self) {
            self.1.borrow_mut().push(self.0);
        }
    }
    let ran: Rc<RefCell<Vec<&'static str>>> = Rc::default();
    let r = ran.clone();
    let outer: Generator<(), i32, ()> = Generator::new(move |co, ()| {
        let _finally = Finally("outer finally ran", r.clone());
        let r = r.clone();
        let closable = Generator::new(move |co, ()| {
            let _finally = Finally("inner finally ran", r);
            co.yield_(1).unwrap();
        });
        co.yield_from(closable, ()).unwrap();
    });
    assert_eq!(outer.send(()).unwrap(), Step::Yielded(1));
    outer.close();
    assert_eq!(*ran.borrow(), ["inner finally ran", "outer finally ran"]);
    assert_eq!(outer.state(), GeneratorState::Finished);
}

/// `failing(): yield 1; raise RuntimeError("inner failed")`, delegated to.
/// CPython 3.11: the second `next` raises "inner failed" in the caller.
/// Here the inner's panic is `Err(Panicked)` from `yield_from`, and the
/// outer passes it on by panicking too, so its caller sees the message.
#[test]
fn the_inner_generators_panic_reaches_the_outer() {
    let outer: Generator<(), i32, ()> = Generator::new(|co, ()| {
        let failing = Generator::new(|co, ()| {
            co.yield_(1).unwrap();
            panic!("inner failed");
        });
        match co.yield_from(failing, ()) {
            Err(GeneratorError::Panicked(msg)) => panic!("{msg}"),
            other => panic!("unexpected {other:?}"),
        }
    });
    assert_eq!(outer.send(()).unwrap(), Step::Yielded(1));
    match outer.send(()) {
        Err(GeneratorError::Panicked(msg)) => assert_eq!(msg, "inner failed"),
        other => panic!("expected the inner's panic, got {other:?}"),
    }
}
