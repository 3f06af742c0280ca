//! # greenlet: explicit, symmetric switching on one thread
//!
//! A [`Greenlet`] is a function running on its own stack that gives up the
//! thread only when it says so: `other.switch(value)` stops the current
//! greenlet where it stands and carries on `other` (from its start, or from
//! its own pending `switch`, which returns `value`). Any greenlet may switch
//! to any other: the switching is *symmetric*, unlike a generator, which can
//! only hand control back to whoever resumed it. This is Python's
//! [`greenlet`](https://greenlet.readthedocs.io) package, and it is what
//! gevent's hub is built on (see `crate::gevent`).
//!
//! The classic demo from greenlet's documentation:
//!
//! ```
//! use std::cell::{OnceCell, RefCell};
//! use std::rc::Rc;
//! use corolab::greenlet::Greenlet;
//!
//! let out = Rc::new(RefCell::new(Vec::new()));
//! let gr1_cell: Rc<OnceCell<Greenlet>> = Rc::default();
//! let gr2 = Greenlet::new({
//!     let (out, gr1) = (out.clone(), gr1_cell.clone());
//!     move |_| {
//!         out.borrow_mut().push(56);
//!         gr1.get().unwrap().switch(Box::new(())).unwrap();
//!         out.borrow_mut().push(78); // never runs: nobody switches back
//!         Box::new(())
//!     }
//! });
//! let gr1 = Greenlet::new({
//!     let out = out.clone();
//!     move |_| {
//!         out.borrow_mut().push(12);
//!         gr2.switch(Box::new(())).unwrap();
//!         out.borrow_mut().push(34);
//!         Box::new(()) // returns to the parent: main
//!     }
//! });
//! gr1_cell.set(gr1.clone()).unwrap();
//! gr1.switch(Box::new(())).unwrap();
//! assert_eq!(*out.borrow(), [12, 56, 34]);
//! ```
//!
//! # Semantics (as in Python's greenlet)
//!
//! - Each thread has a *main* greenlet: whatever stack first touched this
//!   module ([`Greenlet::current`] returns it). It never dies.
//! - A new greenlet's *parent* is the greenlet current when it was created
//!   ([`Greenlet::new`]) or the one given ([`Greenlet::with_parent`]). When a
//!   greenlet's function returns, control and the returned value go to its
//!   parent (to the nearest parent still alive), whose pending `switch`
//!   returns `Ok(value)`.
//! - A panic in a greenlet goes to its parent the same way, as
//!   `Err(GreenletError::Panicked(message))`; the greenlet is dead.
//! - [`Greenlet::throw`] makes the target's pending `switch` return
//!   `Err(GreenletError::Thrown(error))`. Throwing into a greenlet that has
//!   not started kills it without running it, and the error goes to its
//!   parent.
//! - Switching to a dead greenlet is `Err(GreenletError::Dead)`, nothing
//!   else happens.
//! - Dropping the last handle to a suspended greenlet unwinds its stack, so
//!   its destructors run (Python's greenlet throws `GreenletExit` into it).
//!
//! # How: a trampoline on corosensei
//!
//! corosensei's coroutines are *asymmetric*: a coroutine can only
//! `suspend` back to whoever `resume`d it. Symmetric switching is built on
//! top with a trampoline: only the main greenlet ever calls `resume`, and
//! every other greenlet only ever `suspend`s, carrying a request "switch to
//! `h` with value `v`" that the trampoline, a loop in the main greenlet's
//! [`Greenlet::switch`], carries out.
//!
//! ```text
//!   main            trampoline loop              g                h
//!    │ g.switch(v)        │                       │                │
//!    ├───────────────────►│── resume(g, v) ──────►│                │
//!    │                    │                       │ h.switch(w)    │
//!    │                    │◄── suspend(to h, w) ──┤                │
//!    │                    │── resume(h, w) ───────────────────────►│
//!    │                    │                       │   main.switch(x)
//!    │◄── Ok(x) ──────────│◄── suspend(to main, x) ────────────────┤
//! ```
//!
//! So main→g and g→main are one context switch each, the same as a raw
//! corosensei resume or suspend, while g→h costs two (g to the trampoline,
//! the trampoline to h). The alternative, letting `g` resume `h` directly,
//! would nest `h`'s stack inside `g`'s: `h` could then only ever return to
//! `g`, which is exactly the asymmetry we are trying to escape. Python's
//! greenlet avoids the problem by copying stack slices in and out of one
//! shared C stack; corosensei gives each coroutine its own stack, and the
//! trampoline is the cheapest correct way to switch between them.
//!
//! The gevent hub relies on this shape: the hub is an ordinary greenlet
//! (child of main), and its `switch` to a ready greenlet and that greenlet's
//! `switch` back to the hub are both g→h switches.
//!
//! # Values
//!
//! A switch carries a [`Value`], a `Box<dyn Any>`: greenlet's values are
//! untyped, and a box of a zero-sized type (`Box::new(())`, or a marker
//! struct) does not allocate, so the hub's "wake up" switches are free of
//! allocation. Use [`Value`]'s `downcast` to get a typed value back.
//!
//! # Limits
//!
//! - Greenlets are bound to the thread that made them: `Greenlet` is neither
//!   `Send` nor `Sync`.
//!
//!   ```compile_fail,E0277
//!   fn assert_send<T: Send>(_: T) {}
//!   assert_send(corolab::greenlet::Greenlet::current());
//!   ```
//! - Each greenlet has a stack of fixed size (see `crate::stack` for the
//!   default and the pool that reuses them); overflowing it stops the
//!   process with a message (see `crate::stack::overflow`).
//! - A greenlet must switch from its own stack: calling `switch` from
//!   inside a [generator (`crate::generator`)] that runs *inside* a
//!   non-main greenlet returns `Err(GreenletError::NestedCoroutine)`,
//!   because suspending would leave the generator's stack behind.
//! - Destructors that run because a greenlet is being dropped run with the
//!   dropping greenlet as [`Greenlet::current`], and a `switch` from such a
//!   destructor returns `Err(GreenletError::Unwinding)`.
//! - A greenlet that keeps a handle to itself in a local across a `switch`
//!   (`let me = Greenlet::current();`) is an `Rc` cycle: dropping the other
//!   handles does not unwind it. Drop such locals before switching away.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Instant;

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};

use crate::stack::{self, StackError};
use crate::trace::{self, LazyTask, State, Wait};

/// What a switch carries: any value. `Box<()>` does not allocate.
pub type Value = Box<dyn Any>;

/// Why a switch did not return a value.
#[derive(Debug)]
pub enum GreenletError {
    /// The target greenlet has finished; nothing happened.
    Dead,
    /// Someone called [`Greenlet::throw`] on the greenlet whose `switch`
    /// returns this.
    Thrown(Box<dyn std::error::Error>),
    /// A child greenlet panicked with this message; it is dead.
    Panicked(String),
    /// A non-main greenlet tried to switch from inside a generator it was
    /// running (see the module docs).
    NestedCoroutine,
    /// A destructor running because a greenlet is being dropped tried to
    /// switch (see the module docs).
    Unwinding,
    /// A stack for the target could not be mapped when it first started.
    Stack(StackError),
}

impl fmt::Display for GreenletError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GreenletError::Dead => f.write_str("cannot switch to a dead greenlet"),
            GreenletError::Thrown(err) => write!(f, "thrown into greenlet: {err}"),
            GreenletError::Panicked(msg) => write!(f, "greenlet panicked: {msg}"),
            GreenletError::NestedCoroutine => {
                f.write_str("cannot switch greenlets from inside a generator running in a greenlet")
            }
            GreenletError::Unwinding => f.write_str("cannot switch while a dropped greenlet unwinds"),
            GreenletError::Stack(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for GreenletError {}

/// What a switch delivers to the greenlet it resumes.
type Message = Result<Value, GreenletError>;

/// What a non-main greenlet asks the trampoline for.
struct Request {
    to: Greenlet,
    message: Message,
}

type Body = Box<dyn FnOnce(Value) -> Value>;
type Co = Coroutine<Message, Request, Value, DefaultStack>;

/// Where a greenlet is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Created, its function not yet called.
    New,
    /// Started: running, or suspended in `switch`.
    Started,
    /// Its function returned or panicked, or it was killed by a throw.
    Dead,
}

struct Inner {
    id: u64,
    name: Option<String>,
    parent: Option<Greenlet>,
    status: Cell<Status>,
    stack_size: usize,
    /// The function, until the greenlet starts.
    body: RefCell<Option<Body>>,
    /// The coroutine, from start until death.
    co: RefCell<Option<Co>>,
    /// The coroutine's yielder while it is started.
    ///
    /// # Invariant
    ///
    /// Non-null only while the coroutine is started and not finished: it
    /// points at the `Yielder` corosensei passes to the coroutine function,
    /// which lives on the coroutine's stack for exactly that span.
    yielder: Cell<*const Yielder<Message, Request>>,
    /// How deep generators were nested when the trampoline resumed it.
    nesting: Cell<u32>,
    trace: LazyTask,
}

/// A handle to a greenlet: cheap to clone (an `Rc`), bound to its thread.
#[derive(Clone)]
pub struct Greenlet(Rc<Inner>);

impl fmt::Debug for Greenlet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Greenlet")
            .field("id", &self.0.id)
            .field("name", &self.name())
            .field("status", &self.0.status.get())
            .finish()
    }
}

impl PartialEq for Greenlet {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for Greenlet {}

/// A switch hook: called with (from, to, when) on every switch.
pub type Hook = Box<dyn Fn(&Greenlet, &Greenlet, Instant)>;

thread_local! {
    /// This thread's main greenlet, created on first use.
    static MAIN: RefCell<Option<Greenlet>> = const { RefCell::new(None) };
    /// The greenlet running now (`None` until first use: main).
    static CURRENT: RefCell<Option<Greenlet>> = const { RefCell::new(None) };
    /// The switch hook, if any.
    static HOOK: RefCell<Option<Rc<Hook>>> = const { RefCell::new(None) };
    /// How many dropped greenlets are unwinding right now.
    static UNWINDING: Cell<u32> = const { Cell::new(0) };
    /// Ids for greenlets of this thread.
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

fn main_greenlet() -> Greenlet {
    MAIN.with(|m| {
        m.borrow_mut()
            .get_or_insert_with(|| Greenlet(Rc::new(Inner::new(0, Some("main".into()), None, 0, None))))
            .clone()
    })
}

impl Inner {
    fn new(
        id: u64,
        name: Option<String>,
        parent: Option<Greenlet>,
        stack_size: usize,
        body: Option<Body>,
    ) -> Inner {
        Inner {
            id,
            name,
            parent,
            status: Cell::new(if body.is_some() { Status::New } else { Status::Started }),
            stack_size,
            body: RefCell::new(body),
            co: RefCell::new(None),
            yielder: Cell::new(std::ptr::null()),
            nesting: Cell::new(0),
            trace: LazyTask::new(),
        }
    }
}

/// Sets (or with `None`, clears) this thread's switch hook, like greenlet's
/// `settrace`, and returns the previous one. The hook is called with the
/// greenlet being left, the one being entered and the time, on every switch
/// (including a finished greenlet handing control to its parent).
pub fn settrace(hook: Option<Hook>) -> Option<Hook> {
    HOOK.with(|h| h.replace(hook.map(Rc::new)))
        .map(|old| Rc::try_unwrap(old).unwrap_or_else(|_| unreachable!()))
}

/// Builds a greenlet with a name or a stack size.
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
    parent: Option<Greenlet>,
}

impl Builder {
    /// A builder with the defaults.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// A name for `Debug`, traces and the hook.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// The usable stack size in bytes (default [`stack::DEFAULT_SIZE`],
    /// rounded up to a page). The stack is mapped when the greenlet starts.
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// The parent (default: the current greenlet).
    pub fn parent(mut self, parent: &Greenlet) -> Builder {
        self.parent = Some(parent.clone());
        self
    }

    /// Creates the greenlet; it starts on its first `switch`, which passes
    /// `f` its value.
    pub fn spawn(self, f: impl FnOnce(Value) -> Value + 'static) -> Greenlet {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let parent = self.parent.unwrap_or_else(Greenlet::current);
        let size = self.stack_size.unwrap_or(stack::DEFAULT_SIZE);
        Greenlet(Rc::new(Inner::new(id, self.name, Some(parent), size, Some(Box::new(f)))))
    }
}

impl Greenlet {
    /// A greenlet that will run `f`, child of the current greenlet.
    pub fn new(f: impl FnOnce(Value) -> Value + 'static) -> Greenlet {
        Builder::new().spawn(f)
    }

    /// A greenlet that will run `f`, child of `parent`.
    pub fn with_parent(f: impl FnOnce(Value) -> Value + 'static, parent: &Greenlet) -> Greenlet {
        Builder::new().parent(parent).spawn(f)
    }

    /// The greenlet running now (this thread's main greenlet outside any
    /// other).
    pub fn current() -> Greenlet {
        CURRENT.with(|c| c.borrow_mut().get_or_insert_with(main_greenlet).clone())
    }

    /// Its parent: where its result goes. `None` for the main greenlet.
    pub fn parent(&self) -> Option<Greenlet> {
        self.0.parent.clone()
    }

    /// Whether it has finished (returned, panicked or been killed).
    pub fn is_dead(&self) -> bool {
        self.0.status.get() == Status::Dead
    }

    /// Whether it has started running (also true once dead after running).
    pub fn is_started(&self) -> bool {
        self.0.status.get() != Status::New
    }

    /// Whether this is its thread's main greenlet.
    pub fn is_main(&self) -> bool {
        self.0.parent.is_none()
    }

    /// A number unique among this thread's greenlets (main is 0).
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// Its name, if it was given one (main is "main").
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    // ANCHOR: switch
    /// Switches to this greenlet, handing it `value`: its pending `switch`
    /// returns `Ok(value)`, or, if it has not started, its function is
    /// called with `value`. Returns when some greenlet switches back here.
    ///
    /// # Errors
    ///
    /// [`GreenletError::Dead`] at once if this greenlet has finished; else
    /// whatever the greenlet that switches back sends: a thrown error, a
    /// child's panic.
    pub fn switch(&self, value: Value) -> Result<Value, GreenletError> {
        self.send(Ok(value))
    }
    // ANCHOR_END: switch

    /// Makes this greenlet's pending `switch` return
    /// `Err(GreenletError::Thrown(err))`, switching to it. A greenlet that
    /// has not started dies without running and the error goes to its
    /// parent instead.
    ///
    /// # Errors
    ///
    /// As [`Greenlet::switch`].
    pub fn throw(&self, err: impl Into<Box<dyn std::error::Error>>) -> Result<Value, GreenletError> {
        let err = GreenletError::Thrown(err.into());
        if self.0.status.get() == Status::New {
            self.0.status.set(Status::Dead);
            drop(self.0.body.borrow_mut().take());
            note_switch(self, &self.live_parent());
            return self.live_parent().send(Err(err));
        }
        self.send(Err(err))
    }

    /// The nearest ancestor that is still alive (main always is).
    fn live_parent(&self) -> Greenlet {
        let mut p = self.parent().unwrap_or_else(main_greenlet);
        while p.is_dead() {
            p = p.parent().unwrap_or_else(main_greenlet);
        }
        p
    }

    fn send(&self, message: Message) -> Result<Value, GreenletError> {
        if self.is_dead() {
            return Err(GreenletError::Dead);
        }
        if UNWINDING.with(Cell::get) > 0 {
            return Err(GreenletError::Unwinding);
        }
        let current = Greenlet::current();
        if current == *self {
            return message;
        }
        if current.is_main() {
            return trampoline(current, self.clone(), message);
        }
        if stack::nesting() != current.0.nesting.get() {
            return Err(GreenletError::NestedCoroutine);
        }
        let yielder = current.0.yielder.get();
        // Do not keep a handle to ourselves on our own stack while
        // suspended: it would keep us alive forever (see `Drop for Inner`).
        drop(current);
        debug_assert!(!yielder.is_null());
        // SAFETY: `current` is running, so it is started and not finished,
        // and by the invariant on `Inner::yielder` the pointer is live; we
        // are on its stack (the nesting check above rules out a generator's
        // stack in between).
        let yielder = unsafe { &*yielder };
        yielder.suspend(Request { to: self.clone(), message })
    }
}

/// Records a switch in the trace and calls the hook.
fn note_switch(from: &Greenlet, to: &Greenlet) {
    if trace::is_on() {
        let from_state = if from.is_dead() { State::Done } else { State::Waiting(Wait::Switch) };
        trace::record(from.trace_id(), from_state);
        trace::record(to.trace_id(), State::Running);
    }
    let hook = HOOK.with(|h| h.borrow().clone());
    if let Some(hook) = hook {
        hook(from, to, Instant::now());
    }
}

impl Greenlet {
    fn trace_id(&self) -> trace::TaskId {
        self.0.trace.id(|| match self.name() {
            Some(name) => name.to_string(),
            None => format!("greenlet-{}", self.id()),
        })
    }
}

fn set_current(g: &Greenlet) {
    CURRENT.with(|c| *c.borrow_mut() = Some(g.clone()));
}

// ANCHOR: trampoline
/// The main greenlet's side of every switch: resume `target` and carry out
/// what it asks for, until something is meant for `main`.
fn trampoline(main: Greenlet, mut target: Greenlet, mut message: Message) -> Result<Value, GreenletError> {
    let mut from = main.clone();
    loop {
        note_switch(&from, &target);
        let (next, next_message) = match start_if_new(&target) {
            // No stack: the target cannot run; tell whoever switched to it.
            Err(err) => {
                target.0.status.set(Status::Dead);
                (from.clone(), Err(GreenletError::Stack(err)))
            }
            Ok(()) => {
                set_current(&target);
                target.0.nesting.set(stack::nesting());
                let step = {
                    let mut co = target.0.co.borrow_mut();
                    let co = co.as_mut().expect("a started greenlet has a coroutine");
                    panic::catch_unwind(AssertUnwindSafe(|| co.resume(message)))
                };
                set_current(&main);
                match step {
                    Ok(CoroutineResult::Yield(Request { to, message })) => (to, message),
                    Ok(CoroutineResult::Return(value)) => (finish(&target), Ok(value)),
                    Err(payload) => (finish(&target), Err(GreenletError::Panicked(panic_message(&*payload)))),
                }
            }
        };
        if next == main {
            note_switch(&target, &main);
            return next_message;
        }
        from = target;
        target = next;
        message = next_message;
    }
}
// ANCHOR_END: trampoline

/// Marks a greenlet dead, returns its stack to the pool, and says who gets
/// its result.
fn finish(g: &Greenlet) -> Greenlet {
    g.0.status.set(Status::Dead);
    g.0.yielder.set(std::ptr::null());
    if let Some(co) = g.0.co.borrow_mut().take() {
        stack::give(co.into_stack());
    }
    g.live_parent()
}

/// Gives a new greenlet its coroutine (and stack).
fn start_if_new(g: &Greenlet) -> Result<(), StackError> {
    if g.0.status.get() != Status::New {
        return Ok(());
    }
    let body = g.0.body.borrow_mut().take().expect("a new greenlet has its function");
    let stack = stack::take(g.0.stack_size)?;
    let weak = Rc::downgrade(&g.0);
    let co = Co::with_stack(stack, move |yielder, first: Message| {
        if let Some(inner) = weak.upgrade() {
            inner.yielder.set(yielder as *const _);
        }
        drop(weak);
        // A throw into a started greenlet arrives as a message too; the
        // first message is always a value (throw into a new one kills it).
        let value = first.unwrap_or_else(|_| Box::new(()));
        body(value)
    });
    *g.0.co.borrow_mut() = Some(co);
    g.0.status.set(Status::Started);
    Ok(())
}

/// The message of a caught panic.
pub(crate) fn panic_message(payload: &dyn Any) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Unwind a suspended greenlet so its destructors run, then keep its
        // stack. corosensei's `force_unwind` resumes it with a private panic
        // payload that unwinds to the coroutine's base, where corosensei
        // catches it; nothing in between may catch it, which is why the
        // trampoline catches panics around `resume`, never inside.
        if let Some(mut co) = self.co.get_mut().take() {
            UNWINDING.with(|u| u.set(u.get() + 1));
            co.force_unwind();
            UNWINDING.with(|u| u.set(u.get() - 1));
            stack::give(co.into_stack());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> Value {
        Box::new(())
    }

    #[test]
    fn main_greenlet_is_current_and_alive() {
        let main = Greenlet::current();
        assert!(main.is_main());
        assert!(!main.is_dead());
        assert_eq!(main.name(), Some("main"));
    }

    #[test]
    fn return_value_goes_to_parent() {
        let g = Greenlet::new(|v| Box::new(*v.downcast::<i32>().unwrap() + 1));
        let out = g.switch(Box::new(41)).unwrap();
        assert_eq!(*out.downcast::<i32>().unwrap(), 42);
        assert!(g.is_dead());
    }

    #[test]
    fn finished_greenlet_returns_its_stack_to_the_pool() {
        let before = stack::pooled();
        let g = Greenlet::new(|v| v);
        g.switch(unit()).unwrap();
        assert!(stack::pooled() >= before.max(1));
    }
}
