//! # generator: Python's generators on a stackful coroutine
//!
//! A [`Generator`] runs a closure on its own stack. The closure gets a
//! handle, [`Co`], whose [`Co::yield_`] hands a value out to the caller and
//! stops the closure right there, in the middle of whatever it was doing,
//! however deep in calls; the caller's next [`Generator::send`] carries a
//! value back in and the closure carries on from that `yield_`.
//!
//! ```
//! use corolab::generator::{Generator, Step};
//!
//! // Python:  def running_total():
//! //              total = 0
//! //              while True:
//! //                  total += yield total
//! let g = Generator::new(|co, first: i64| {
//!     let mut total = first;
//!     loop {
//!         match co.yield_(total) {
//!             Ok(n) => total += n,
//!             Err(thrown) => return format!("stopped: {thrown}"),
//!         }
//!     }
//! });
//! assert_eq!(g.send(10).unwrap(), Step::Yielded(10)); // starts it: first = 10
//! assert_eq!(g.send(5).unwrap(), Step::Yielded(15));
//! assert_eq!(g.throw("enough").unwrap(), Step::Returned("stopped: enough".to_string()));
//! ```
//!
//! # Compared with Python
//!
//! | Python | here |
//! | --- | --- |
//! | `def g(): ... x = yield v` | `Generator::new(\|co, first\| { ... let x = co.yield_(v)?; })` |
//! | `g.send(None)` to start, then `g.send(x)` | `g.send(first)`, then `g.send(x)` |
//! | `next(g)`, `for v in g` | `g.send(())`, `for v in g` (when `In = ()`) |
//! | `StopIteration(value)` | `Ok(Step::Returned(value))`, then `Err(GeneratorError::Finished)` |
//! | `g.throw(exc)`: `yield` raises `exc` | `g.throw(err)`: `yield_` returns `Err(Thrown(err))` |
//! | `g.close()`: `GeneratorExit` at the `yield` | `g.close()`: the stack unwinds, every destructor runs |
//! | `g.gi_running`, `inspect.getgeneratorstate` | [`Generator::state`] |
//!
//! **The first `send` differs.** In Python the first `send` must be
//! `send(None)`: it starts the body, which runs to its first `yield`, and
//! there is no `yield` expression yet to receive a value. Here the first
//! `send(x)` also starts the body, and `x` is not thrown away: it is the
//! closure's second argument (`first` above). That is how corosensei works:
//! the first `resume(input)` of a coroutine calls its function with `input`
//! as an argument. It also means the input type is the same for every send,
//! with no `Option` to unwrap. A generator that wants Python's shape ignores
//! its argument: `|co, ()| ...`.
//!
//! A panic inside the body is caught at the boundary: `send` returns
//! `Err(GeneratorError::Panicked(message))` and the generator is finished. (The
//! iterator, which cannot return an error, panics in the caller instead,
//! with the same message.) The process never aborts, and the caller's stack
//! is untouched: the panic unwound the generator's own stack only.
//!
//! # How
//!
//! A generator is a corosensei `Coroutine<Resume<In>, Out, Ret>`: `send`
//! is `resume`, `yield_` is `suspend`, one context switch each way. A
//! throw travels as the `Resume::Throw` variant of the input. `close` and
//! drop call corosensei's `force_unwind`, which makes the pending `suspend`
//! unwind with a private payload caught at the coroutine's base: every
//! destructor on the generator's stack runs. (So the body must not
//! `catch_unwind` across a `yield_`: it would catch that payload.) A finished
//! generator hands its stack back to the per-thread pool in
//! `crate::stack`.
//!
//! ```text
//!   NotStarted ──send──► Running ──yield_──► Suspended
//!       │                 ▲   │                  │
//!       │                 └───┼─── send, throw ──┘
//!       │                     │ return, panic    │
//!       │ throw, close, drop  ▼                  │ close, drop
//!       └───────────────► Finished ◄─────────────┘
//! ```
//!
//! Generators are bound to their thread:
//!
//! ```compile_fail,E0277
//! fn assert_send<T: Send>(_: T) {}
//! assert_send(corolab::generator::Generator::new(|_, ()| ()) as corolab::generator::Generator<(), (), ()>);
//! ```

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};

use crate::stack::{self, StackError};
use crate::trace::{self, State, TaskId, Wait};

/// An error thrown into a generator with [`Generator::throw`].
#[derive(Debug)]
pub struct Thrown(pub Box<dyn std::error::Error>);

impl fmt::Display for Thrown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Thrown {}

/// What one `send` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<Out, Ret> {
    /// The body yielded this value and is suspended.
    Yielded(Out),
    /// The body returned this value; the generator is finished.
    Returned(Ret),
}

/// Why a `send`, `throw` or `close` did not step the generator.
#[derive(Debug)]
pub enum GeneratorError {
    /// It has finished (returned, panicked or was closed).
    Finished,
    /// It is running: a `send` from inside its own body.
    Running,
    /// The body panicked with this message; the generator is finished.
    Panicked(String),
    /// A `throw` into a generator that had not started (or had finished):
    /// the body never saw it, and it comes back here, as in Python.
    Thrown(Thrown),
    /// Its stack could not be mapped.
    Stack(StackError),
}

impl fmt::Display for GeneratorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneratorError::Finished => f.write_str("generator has finished"),
            GeneratorError::Running => f.write_str("generator is already running"),
            GeneratorError::Panicked(msg) => write!(f, "generator panicked: {msg}"),
            GeneratorError::Thrown(t) => write!(f, "thrown: {t}"),
            GeneratorError::Stack(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for GeneratorError {}

/// Where a generator is in its life (Python's `inspect.getgeneratorstate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratorState {
    /// Created; the body has not run (`GEN_CREATED`).
    NotStarted,
    /// Stopped at a `yield_` (`GEN_SUSPENDED`).
    Suspended,
    /// Its body is executing (`GEN_RUNNING`).
    Running,
    /// Returned, panicked, or closed (`GEN_CLOSED`).
    Finished,
}

/// What `send` and `throw` hand to the pending `yield_`.
enum Resume<In> {
    Value(In),
    Throw(Thrown),
}

/// The body's handle: yield values out, get inputs (or thrown errors) back.
pub struct Co<'a, In, Out> {
    yielder: &'a Yielder<Resume<In>, Out>,
}

impl<In, Out> fmt::Debug for Co<'_, In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Co")
    }
}

impl<In, Out> Co<'_, In, Out> {
    // ANCHOR: yield
    /// Hands `value` to the caller of `send` and suspends here. Returns the
    /// next `send`'s input, or the error of a `throw`.
    ///
    /// # Errors
    ///
    /// [`Thrown`] when the caller called [`Generator::throw`].
    #[inline]
    pub fn yield_(&self, value: Out) -> Result<In, Thrown> {
        match self.yielder.suspend(value) {
            Resume::Value(input) => Ok(input),
            Resume::Throw(thrown) => Err(thrown),
        }
    }
    // ANCHOR_END: yield
}

/// The corosensei coroutine underneath.
type Raw<In, Out, Ret> = Coroutine<Resume<In>, Out, Ret, DefaultStack>;

type Body<In, Out, Ret> = Box<dyn FnOnce(&Co<'_, In, Out>, In) -> Ret>;

/// A Python-style generator: yields `Out`s, receives `In`s, returns `Ret`.
pub struct Generator<In: 'static, Out: 'static, Ret: 'static> {
    /// The body until the first send (the stack is mapped then).
    body: RefCell<Option<Body<In, Out, Ret>>>,
    /// The coroutine while started and not finished.
    co: RefCell<Option<Raw<In, Out, Ret>>>,
    state: Cell<GeneratorState>,
    stack_size: usize,
    trace: TaskId,
}

impl<In, Out, Ret> fmt::Debug for Generator<In, Out, Ret> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator").field("state", &self.state.get()).finish()
    }
}

impl<In: 'static, Out: 'static, Ret: 'static> Generator<In, Out, Ret> {
    /// A generator running `body`, which receives the handle and the first
    /// `send`'s input, on a stack of [`stack::DEFAULT_SIZE`] bytes.
    pub fn new(body: impl FnOnce(&Co<'_, In, Out>, In) -> Ret + 'static) -> Self {
        Self::with_options("generator", stack::DEFAULT_SIZE, body)
    }

    /// Like [`Generator::new`] with a name for the trace and a stack size
    /// (rounded up to a page).
    pub fn with_options(
        name: &str,
        stack_size: usize,
        body: impl FnOnce(&Co<'_, In, Out>, In) -> Ret + 'static,
    ) -> Self {
        Generator {
            body: RefCell::new(Some(Box::new(body))),
            co: RefCell::new(None),
            state: Cell::new(GeneratorState::NotStarted),
            stack_size,
            trace: trace::task(name),
        }
    }

    /// Where it is in its life.
    pub fn state(&self) -> GeneratorState {
        self.state.get()
    }

    // ANCHOR: send
    /// Runs the body until it yields or returns, handing it `input`: the
    /// pending `yield_` returns `Ok(input)`, or on the first send the body
    /// is called with it.
    ///
    /// # Errors
    ///
    /// [`GeneratorError::Finished`] if it has finished, `Running` from
    /// inside its own body, `Panicked` if the body panics (it is finished
    /// afterwards), `Stack` if its stack cannot be mapped.
    #[inline]
    pub fn send(&self, input: In) -> Result<Step<Out, Ret>, GeneratorError> {
        self.resume(Resume::Value(input))
    }
    // ANCHOR_END: send

    /// Makes the pending `yield_` return `Err(Thrown(err))` and runs the
    /// body on. A generator that has not started is finished without
    /// running, and a finished one stays so; both hand the error back as
    /// `Err(GeneratorError::Thrown(..))`.
    ///
    /// # Errors
    ///
    /// As [`Generator::send`], plus `Thrown` as above.
    pub fn throw(
        &self,
        err: impl Into<Box<dyn std::error::Error>>,
    ) -> Result<Step<Out, Ret>, GeneratorError> {
        let thrown = Thrown(err.into());
        match self.state.get() {
            GeneratorState::NotStarted | GeneratorState::Finished => {
                self.close();
                Err(GeneratorError::Thrown(thrown))
            }
            _ => self.resume(Resume::Throw(thrown)),
        }
    }

    /// Ends the generator: a suspended body unwinds from its `yield_`, so
    /// every destructor on its stack runs (Python's `GeneratorExit`); a
    /// body that never started is dropped. Does nothing once finished.
    ///
    /// # Panics
    ///
    /// If called from inside the body (it is running), or if a destructor
    /// panics while unwinding.
    pub fn close(&self) {
        assert!(self.state.get() != GeneratorState::Running, "cannot close a running generator");
        drop(self.body.borrow_mut().take());
        if let Some(mut co) = self.co.borrow_mut().take() {
            co.force_unwind();
            stack::give(co.into_stack());
        }
        if self.state.get() != GeneratorState::Finished {
            trace::record(self.trace, State::Done);
        }
        self.state.set(GeneratorState::Finished);
    }

    /// The cold cases of `resume`: refuse a finished or running generator,
    /// start a new one.
    #[cold]
    fn prepare(&self) -> Result<(), GeneratorError> {
        match self.state.get() {
            GeneratorState::Finished => Err(GeneratorError::Finished),
            GeneratorState::Running => Err(GeneratorError::Running),
            GeneratorState::NotStarted => self.start().map_err(|err| {
                self.state.set(GeneratorState::Finished);
                GeneratorError::Stack(err)
            }),
            GeneratorState::Suspended => Ok(()),
        }
    }

    fn start(&self) -> Result<(), StackError> {
        let Some(body) = self.body.borrow_mut().take() else { return Ok(()) };
        let stack = stack::take(self.stack_size)?;
        let co = Coroutine::with_stack(stack, move |yielder, first: Resume<In>| {
            let co = Co { yielder };
            match first {
                Resume::Value(input) => body(&co, input),
                Resume::Throw(_) => unreachable!("a throw into a new generator never starts it"),
            }
        });
        *self.co.borrow_mut() = Some(co);
        Ok(())
    }

    #[inline(always)]
    fn resume(&self, input: Resume<In>) -> Result<Step<Out, Ret>, GeneratorError> {
        // One compare on the hot path (a `match` here compiled to a jump
        // table, an indirect branch that measured slower).
        if self.state.get() != GeneratorState::Suspended {
            self.prepare()?;
        }
        self.state.set(GeneratorState::Running);
        trace::record(self.trace, State::Running);
        let step = {
            let mut co = self.co.borrow_mut();
            let co = co.as_mut().expect("a started generator has its coroutine");
            panic::catch_unwind(AssertUnwindSafe(|| co.resume(input)))
        };
        match step {
            Ok(CoroutineResult::Yield(out)) => {
                self.state.set(GeneratorState::Suspended);
                trace::record(self.trace, State::Waiting(Wait::Switch));
                Ok(Step::Yielded(out))
            }
            Ok(CoroutineResult::Return(ret)) => {
                self.finish();
                Ok(Step::Returned(ret))
            }
            Err(payload) => {
                self.finish();
                Err(GeneratorError::Panicked(crate::greenlet::panic_message(&*payload)))
            }
        }
    }

    fn finish(&self) {
        self.state.set(GeneratorState::Finished);
        trace::record(self.trace, State::Done);
        if let Some(co) = self.co.borrow_mut().take() {
            stack::give(co.into_stack());
        }
    }
}

impl<Out: 'static, Ret: 'static> Iterator for Generator<(), Out, Ret> {
    type Item = Out;

    /// The next yielded value; `None` once the body returns (its return
    /// value is dropped: use `send(())` to see it).
    ///
    /// # Panics
    ///
    /// If the body panics, with its message.
    fn next(&mut self) -> Option<Out> {
        match self.send(()) {
            Ok(Step::Yielded(out)) => Some(out),
            Ok(Step::Returned(_)) | Err(GeneratorError::Finished) => None,
            Err(GeneratorError::Panicked(msg)) => panic!("generator panicked: {msg}"),
            Err(err) => panic!("{err}"),
        }
    }
}

impl<In: 'static, Out: 'static, Ret: 'static> Drop for Generator<In, Out, Ret> {
    fn drop(&mut self) {
        if self.state.get() != GeneratorState::Finished {
            self.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_walks_through_its_life() {
        let g = Generator::new(|co, ()| {
            co.yield_(1).ok();
        });
        assert_eq!(g.state(), GeneratorState::NotStarted);
        assert_eq!(g.send(()).unwrap(), Step::Yielded(1));
        assert_eq!(g.state(), GeneratorState::Suspended);
        assert_eq!(g.send(()).unwrap(), Step::Returned(()));
        assert_eq!(g.state(), GeneratorState::Finished);
    }

    #[test]
    fn finished_generator_gives_its_stack_back() {
        let g: Generator<(), (), ()> = Generator::new(|_, ()| ());
        g.send(()).unwrap();
        assert!(g.co.borrow().is_none());
        assert!(stack::pooled() >= 1);
    }
}
