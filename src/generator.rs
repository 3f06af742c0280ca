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
//! | `r = yield from sub()` | `let r = co.yield_from(sub, first)?;` ([`Co::yield_from`]) |
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
//! A generator is a corosensei coroutine: `send` is `resume`, `yield_` is
//! `suspend`, one context switch each way. What a `send` passes in is a
//! `Resume`: a value, an error to throw, or a request to close. Only
//! the value rides through the switch; a thrown error waits in a
//! thread-local for the `yield_` it resumes (`Wire` says why).
//!
//! Panics are caught once, at the bottom of the generator's own stack, by a
//! `catch_unwind` around the whole body: the coroutine then *returns* how
//! the body ended (returned, panicked, closed), and `send` has nothing to
//! catch. `close` and drop resume the body with a close request, and the
//! pending `yield_` starts an unwind with a private payload, `Closing`, that
//! the same `catch_unwind` recognises: every destructor on the generator's
//! stack runs, as Python's `GeneratorExit` does. A body that catches that
//! unwind itself (`catch_unwind` around a `yield_`) and yields again is
//! unwound a second time, with corosensei's `force_unwind`; Python raises
//! "generator ignored GeneratorExit" there. A finished generator hands its
//! stack back to the per-thread pool in `crate::stack`.
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

use std::cell::{Cell, RefCell, UnsafeCell};
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

/// What `send`, `throw` and `close` hand to the pending `yield_`.
enum Resume<In> {
    Value(In),
    Throw(Thrown),
    /// Unwind from the `yield_` with [`Closing`] (Python's `GeneratorExit`).
    Close,
}

/// What travels through corosensei's `resume`: a [`Resume`] with a thrown
/// error left behind in [`THROWN`]. For the common `Generator<(), _, _>`
/// this is one byte rather than the 16 of a boxed error, so every `send`
/// moves less (in an experiment, a 16-byte input made a bare corosensei
/// round trip 0.3 ns slower than a zero-byte one).
enum Wire<In> {
    Value(In),
    /// Take the error from [`THROWN`].
    Throw,
    Close,
}

thread_local! {
    /// The error of the `throw` under way, between [`Resume::post`] and
    /// [`Resume::receive`] (nothing else runs in between but the switch).
    static THROWN: Cell<Option<Thrown>> = const { Cell::new(None) };
}

impl<In> Resume<In> {
    /// Turns a resume into what travels through corosensei. Call it right
    /// before `resume`, once nothing can fail any more.
    #[inline(always)]
    fn post(self) -> Wire<In> {
        match self {
            Resume::Value(input) => Wire::Value(input),
            Resume::Throw(thrown) => {
                THROWN.set(Some(thrown));
                Wire::Throw
            }
            Resume::Close => Wire::Close,
        }
    }

    /// Puts it back together on the generator's side.
    #[inline(always)]
    fn receive(wire: Wire<In>) -> Resume<In> {
        match wire {
            Wire::Value(input) => Resume::Value(input),
            Wire::Throw => Resume::Throw(THROWN.take().expect("a throw leaves its error")),
            Wire::Close => Resume::Close,
        }
    }
}

/// The panic payload that unwinds a generator's stack on `close`: the
/// coroutine's base recognises it and ends quietly.
struct Closing;

/// How a generator's body ended: what its coroutine returns.
enum Ending<Ret> {
    Returned(Ret),
    Panicked(String),
    Closed,
}

/// The body's handle: yield values out, get inputs (or thrown errors) back.
pub struct Co<'a, In, Out> {
    yielder: &'a Yielder<Wire<In>, Out>,
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
        match Resume::receive(self.yielder.suspend(value)) {
            Resume::Value(input) => Ok(input),
            Resume::Throw(thrown) => Err(thrown),
            Resume::Close => panic::resume_unwind(Box::new(Closing)),
        }
    }
    // ANCHOR_END: yield
}

impl<In: 'static, Out: 'static> Co<'_, In, Out> {
    // ANCHOR: yield_from
    /// Python's `yield from inner` (PEP 380): runs `inner` as part of this
    /// generator until it returns, and returns its return value.
    ///
    /// - what `inner` yields, this generator yields: it goes out to whoever
    ///   is calling `send` on this one;
    /// - what that caller sends comes back in to `inner`'s pending
    ///   `yield_`, and what the caller throws is thrown into `inner`;
    /// - `inner`'s return value is the value of the call;
    /// - closing this generator (or dropping it) while it delegates closes
    ///   `inner`: it is owned by this generator's stack, which unwinds.
    ///
    /// `first` is the first value sent to `inner`: its body's argument if
    /// it has not started, else the value of its pending `yield_` (Python
    /// sends `None` there; here the input type has no `None`).
    ///
    /// # Errors
    ///
    /// What `inner`'s `send` or `throw` gives when it does not step: its
    /// panic as `Panicked`, `Finished` if it had already finished (where
    /// Python's `yield from` would return `None` at once), a throw `inner`
    /// refused as `Thrown`. A thrown error that `inner`'s body passes on
    /// (`co.yield_(v)?`) is part of its return value, as Python's
    /// exception coming out of `yield from` is.
    pub fn yield_from<Ret: 'static>(
        &self,
        inner: Generator<In, Out, Ret>,
        first: In,
    ) -> Result<Ret, GeneratorError> {
        let mut step = inner.send(first);
        loop {
            match step? {
                Step::Returned(ret) => return Ok(ret),
                Step::Yielded(out) => {
                    step = match self.yield_(out) {
                        Ok(input) => inner.send(input),
                        Err(Thrown(err)) => inner.throw(err),
                    }
                }
            }
        }
    }
    // ANCHOR_END: yield_from
}

/// The corosensei coroutine underneath.
type Raw<In, Out, Ret> = Coroutine<Wire<In>, Out, Ending<Ret>, DefaultStack>;

type Body<In, Out, Ret> = Box<dyn FnOnce(&Co<'_, In, Out>, In) -> Ret>;

/// A Python-style generator: yields `Out`s, receives `In`s, returns `Ret`.
pub struct Generator<In: 'static, Out: 'static, Ret: 'static> {
    /// The body until the first send (the stack is mapped then).
    body: RefCell<Option<Body<In, Out, Ret>>>,
    /// The coroutine while started and not finished.
    ///
    /// # Invariant
    ///
    /// An `UnsafeCell` rather than a `RefCell`, whose borrow flag every
    /// `send` would set and clear (around a bare corosensei loop, in an
    /// experiment, that flag cost 1.7 ns a round trip, about as much as
    /// the switch itself). `state` does the flag's
    /// job: only `resume` touches the coroutine while the body runs, and
    /// it does so only from `Suspended`, setting `Running` first, so a
    /// `send` from inside the body stops at the state check; `start`,
    /// `finish` and `close` touch it only while it is not `Running`.
    co: UnsafeCell<Option<Raw<In, Out, Ret>>>,
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
        Self::with_trace(trace::task(name), stack_size, body)
    }

    /// Like [`Generator::with_options`], recording its trace events under
    /// `trace`: an id a scheduler made for the task this generator is
    /// (`genloop` names its tasks itself), or [`TaskId::NONE`] for a
    /// sub-generator that should get no row of its own.
    pub fn with_trace(
        trace: TaskId,
        stack_size: usize,
        body: impl FnOnce(&Co<'_, In, Out>, In) -> Ret + 'static,
    ) -> Self {
        Generator {
            body: RefCell::new(Some(Box::new(body))),
            co: UnsafeCell::new(None),
            state: Cell::new(GeneratorState::NotStarted),
            stack_size,
            trace,
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
    /// If called from inside the body (it is running). A destructor that
    /// panics during the unwind aborts the process, as any panic during an
    /// unwind does in Rust.
    pub fn close(&self) {
        assert!(self.state.get() != GeneratorState::Running, "cannot close a running generator");
        drop(self.body.borrow_mut().take());
        // SAFETY: not running (asserted above): no other reference (the
        // invariant on `co`).
        if let Some(mut co) = unsafe { self.co_mut() }.take() {
            self.state.set(GeneratorState::Running);
            if let CoroutineResult::Yield(_) = co.resume(Resume::Close.post()) {
                // The body caught the unwind and yielded again (Python
                // raises "generator ignored GeneratorExit" here): unwind
                // it with corosensei's own payload instead.
                co.force_unwind();
            }
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
        let co = Coroutine::with_stack(stack, move |yielder, first: Wire<In>| {
            let Wire::Value(input) = first else { unreachable!("only a send starts a generator") };
            let co = Co { yielder };
            // ANCHOR: base
            // Panics are caught here, at the bottom of the generator's own
            // stack, once for its whole life, rather than around every
            // `resume` (see "How" in the module docs).
            match panic::catch_unwind(AssertUnwindSafe(|| body(&co, input))) {
                Ok(ret) => Ending::Returned(ret),
                Err(payload) if payload.is::<Closing>() => Ending::Closed,
                Err(payload) => Ending::Panicked(crate::panic_message::of(&*payload)),
            }
            // ANCHOR_END: base
        });
        // SAFETY: not started, so not running (the invariant on `co`).
        unsafe { *self.co_mut() = Some(co) };
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
        // SAFETY: the state was `Suspended` and is now `Running`: the one
        // reference while the body runs (the invariant on `co`).
        let co = unsafe { self.co_mut() }.as_mut().expect("a started generator has its coroutine");
        match co.resume(input.post()) {
            CoroutineResult::Yield(out) => {
                self.state.set(GeneratorState::Suspended);
                trace::record(self.trace, State::Waiting(Wait::Switch));
                Ok(Step::Yielded(out))
            }
            CoroutineResult::Return(ending) => {
                self.finish();
                match ending {
                    Ending::Returned(ret) => Ok(Step::Returned(ret)),
                    Ending::Panicked(message) => Err(GeneratorError::Panicked(message)),
                    Ending::Closed => unreachable!("only `close` unwinds a generator"),
                }
            }
        }
    }

    fn finish(&self) {
        self.state.set(GeneratorState::Finished);
        trace::record(self.trace, State::Done);
        // SAFETY: `resume` has returned: no other reference (the invariant
        // on `co`).
        if let Some(co) = unsafe { self.co_mut() }.take() {
            stack::give(co.into_stack());
        }
    }
}

impl<In, Out, Ret> Generator<In, Out, Ret> {
    /// The coroutine slot.
    ///
    /// # Safety
    ///
    /// No other reference to it may be alive while this one is (see the
    /// invariant on `Generator::co`).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    unsafe fn co_mut(&self) -> &mut Option<Raw<In, Out, Ret>> {
        // SAFETY: exclusive for as long as the caller keeps it (the
        // caller's promise).
        unsafe { &mut *self.co.get() }
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
        // SAFETY: finished, not running.
        assert!(unsafe { g.co_mut() }.is_none());
        assert!(stack::pooled() >= 1);
    }
}
