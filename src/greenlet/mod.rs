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
//! The demo from greenlet's own documentation, which prints 12 56 34
//! (the articles' version switches to `gr2` a second time and prints
//! 12 56 34 78: that is the `pingpong` scenario):
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
//! # What a switch costs
//!
//! A corosensei context switch is a few instructions; what a library adds
//! on top is mostly *call frames* between the switch and the code that
//! continues: after a switch, each `ret` through a frame entered on the
//! other stack is a mispredicted return (`benches/switch.rs` measures five
//! such frames against none). So a non-main greenlet's side of a switch is
//! forced inline into the caller (`switch`, `send`, the thread-local access
//! in `local`, `suspend`: no frame between the user's code and the
//! context switch), and so is the main greenlet's first hop (`trampoline`,
//! `hop`); only switches among other greenlets go on in an out-of-line
//! loop (`trampoline_loop`), which stays put between hops: the gevent
//! hub's pattern (hub → greenlet → hub). The message waits in a per-thread
//! mailbox rather than being copied through every layer.
//!
//! Once the frames are gone, what is left is a count of instructions, and
//! each one a switch does not need was taken out:
//!
//! - the coroutine sits in an `UnsafeCell`, not a `RefCell` whose borrow
//!   flag every resume would set and clear (the invariant that makes this
//!   sound is on `Inner::co`);
//! - the thread-local a switch reads has no destructor (the main greenlet
//!   and the hook live in a second one), so reading it is one address
//!   computation, without the "is my destructor registered yet?" check a
//!   thread-local with a destructor makes on every access;
//! - posting to the mailbox does not check for, and drop, an old message:
//!   the mailbox is empty between switches;
//! - main → g → main touches no reference count; g → h pays one increment
//!   and one decrement, because the trampoline must own the greenlet it
//!   runs (if that greenlet dropped the last handle to the one that
//!   switched to it, that one's stack would unwind, and with it the `&h`
//!   that `h.switch` borrowed);
//! - `catch_unwind` around `resume` stays: on the path that does not
//!   panic it is a landing pad in a side table, not an instruction, so
//!   hoisting it out of the loop would save nothing.
//!
//! What is left is mostly the cost of carrying a value at all: raw
//! corosensei carrying the same `Box<dyn Any>` each way is already slower
//! than its bare round trip, and a greenlet round trip adds its own
//! bookkeeping (who runs now, the mailbox) on top of that floor.
//! `benches/switch_ab.rs` measures each of these against raw corosensei,
//! and `benches/switch.rs` records the figures and what else was tried.
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
//!   inside a generator (`crate::generator`) that runs *inside* a
//!   non-main greenlet returns `Err(GreenletError::NestedCoroutine)`,
//!   because suspending would leave the generator's stack behind. (The
//!   check compares the address of a local variable with the greenlet's
//!   stack range; the main greenlet may switch from any stack.)
//! - Destructors that run because a greenlet is being dropped run with the
//!   dropping greenlet as [`Greenlet::current`], and a `switch` from such a
//!   destructor returns `Err(GreenletError::Unwinding)`.
//! - A greenlet that keeps a strong handle to itself, or to a greenlet
//!   that holds one to it, while suspended is never freed: see below.
//!
//! # Reference cycles, and the weak handle
//!
//! A [`Greenlet`] is an `Rc`: a suspended greenlet lives (its stack mapped,
//! its locals alive) for as long as any handle to it does, and dropping
//! the last one unwinds it. A handle that a suspended greenlet keeps on
//! its own stack counts too. So two greenlets that each keep the other's
//! handle in a local, and are both suspended, keep each other alive for
//! ever: dropping every handle you hold frees neither, and each costs its
//! stack (tens of kilobytes and a few memory mappings). Rust has no cycle
//! collector, and Python's greenlet has the same problem without Python's.
//! `let me = Greenlet::current();` kept across a `switch` is the smallest
//! such cycle.
//!
//! The pattern that avoids it: keep a [`WeakGreenlet`] of the other
//! ([`Greenlet::downgrade`]) and [`upgrade`](WeakGreenlet::upgrade) it
//! only for the switch itself, so no strong handle stays on a suspended
//! stack:
//!
//! ```
//! use std::cell::OnceCell;
//! use std::rc::Rc;
//! use corolab::greenlet::{Greenlet, WeakGreenlet};
//!
//! let peer: Rc<OnceCell<WeakGreenlet>> = Rc::default();
//! let ping = Greenlet::new({
//!     let peer = peer.clone();
//!     // The strong handle lives only for this one switch.
//!     move |v| peer.get().unwrap().upgrade().expect("pong is alive").switch(v).unwrap()
//! });
//! let pong = Greenlet::with_parent(|v| v, &ping); // returns to ping
//! peer.set(pong.downgrade()).unwrap();
//! assert_eq!(*ping.switch(Box::new(5)).unwrap().downcast::<i32>().unwrap(), 5);
//! assert!(ping.is_dead() && pong.is_dead());
//! drop(pong);
//! assert!(peer.get().unwrap().upgrade().is_none(), "nothing kept pong alive");
//! ```
//!
//! # Where the code is
//!
//! | file | what it holds |
//! | --- | --- |
//! | `greenlet/mod.rs` | the public API: [`Greenlet`], [`Builder`], [`settrace`], the errors |
//! | `greenlet/state.rs` | a greenlet's insides, the thread's "who runs now" and its mailbox |
//! | `greenlet/trampoline.rs` | the switch: suspend with a request, the trampoline that carries it out |
//!
//! The `unsafe` lives in the last two only, each block against an
//! invariant written on the field it relies on.
#![deny(unsafe_code)]

mod state;
mod trampoline;

use std::any::Any;
use std::fmt;
use std::rc::Rc;
use std::time::Instant;

use crate::stack::{self, StackError};
use crate::trace;
use state::{Inner, LOCAL, Status};

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
    Stack(Box<StackError>),
    /// The switch hook (see [`settrace`]) tried to switch; nothing
    /// happened.
    InHook,
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
            GreenletError::InHook => f.write_str("cannot switch greenlets from inside the switch hook"),
        }
    }
}

impl std::error::Error for GreenletError {}

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

/// A handle that does not keep its greenlet alive: for a greenlet (or
/// something it owns) to remember another without making a reference cycle
/// (see "Reference cycles" in the module docs). Like `std::rc::Weak`.
#[derive(Clone)]
pub struct WeakGreenlet(std::rc::Weak<Inner>);

impl WeakGreenlet {
    /// A strong handle, if the greenlet is still alive (some [`Greenlet`]
    /// handle to it exists); `None` once it was dropped.
    pub fn upgrade(&self) -> Option<Greenlet> {
        self.0.upgrade().map(Greenlet)
    }
}

impl fmt::Debug for WeakGreenlet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.upgrade() {
            Some(g) => f.debug_tuple("WeakGreenlet").field(&g).finish(),
            None => f.write_str("WeakGreenlet(dropped)"),
        }
    }
}

/// A switch hook: called with (from, to, when) on every switch.
pub type Hook = Box<dyn Fn(&Greenlet, &Greenlet, Instant)>;

/// Sets (or with `None`, clears) this thread's switch hook, like greenlet's
/// `settrace`, and returns the previous one. The hook is called with the
/// greenlet being left, the one being entered and the time, on every switch
/// (including a finished greenlet handing control to its parent).
///
/// The hook runs on the switching side before anything of the switch has
/// happened, so it cannot break one:
///
/// - a `switch` (or `throw`) from inside the hook returns
///   `Err(GreenletError::InHook)` and does nothing;
/// - a panic in the hook comes out of the `switch` that ran it, which then
///   did not happen, and the hook is removed (as greenlet removes a trace
///   function that raises). When the greenlet reporting is one that just
///   panicked itself, the parent gets that greenlet's panic, and the hook's
///   is dropped.
///
/// Called from inside the hook, `settrace` returns `None` (the running
/// hook is out of its slot); the new hook takes effect at once, and the
/// running one is dropped when it returns.
pub fn settrace(hook: Option<Hook>) -> Option<Hook> {
    state::replace_hook(hook)
}

/// Whether a dropped greenlet's stack is being unwound on this thread
/// right now.
///
/// That unwind is a panic with a private payload that must reach the
/// bottom of the greenlet's stack. A runtime that catches panics on a
/// greenlet's stack (an aio task's `catch_unwind`) should let such a panic
/// go on while this is true: `std::panic::resume_unwind(payload)`. One that
/// does not is not unsafe, only wrong: the greenlet's code after the catch
/// runs on during the drop, every switch it tries returns
/// `Err(GreenletError::Unwinding)`, and what its function returns is
/// dropped.
pub fn is_unwinding() -> bool {
    LOCAL.with(|l| l.blocked.get() != 0 && matches!(l.blocked_error(), GreenletError::Unwinding))
}

/// Builds a greenlet with a name or a stack size.
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
    parent: Option<Greenlet>,
    untraced: bool,
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

    /// Records no trace events for this greenlet's switches: for runtimes
    /// built on greenlets (the gevent hub) that record their own, richer
    /// events (what a greenlet waits on, not only that it switched).
    pub fn untraced(mut self) -> Builder {
        self.untraced = true;
        self
    }

    /// Creates the greenlet; it starts on its first `switch`, which passes
    /// `f` its value.
    pub fn spawn(self, f: impl FnOnce(Value) -> Value + 'static) -> Greenlet {
        let id = LOCAL.with(state::Local::next_id);
        let parent = self.parent.unwrap_or_else(Greenlet::current);
        let size = self.stack_size.unwrap_or(stack::DEFAULT_SIZE);
        let mut inner = Inner::new(id, self.name, Some(parent), size, Some(Box::new(f)));
        inner.traced = !self.untraced;
        Greenlet(Rc::new(inner))
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
    ///
    /// A handle to itself that a greenlet keeps across a `switch` keeps it
    /// alive for as long as it is suspended: drop it (or keep
    /// [`Greenlet::downgrade`]'s weak handle) before switching away.
    pub fn current() -> Greenlet {
        state::current_greenlet()
    }

    /// A handle that does not keep it alive (see [`WeakGreenlet`]): what a
    /// greenlet should keep of another across its switches, so two of them
    /// cannot keep each other alive for ever.
    pub fn downgrade(&self) -> WeakGreenlet {
        WeakGreenlet(Rc::downgrade(&self.0))
    }

    /// Its parent: where its result goes. `None` for the main greenlet.
    pub fn parent(&self) -> Option<Greenlet> {
        self.0.parent.clone()
    }

    /// Whether it has finished (returned, panicked or been killed).
    pub fn is_dead(&self) -> bool {
        self.0.status.get() == Status::Dead
    }

    /// Whether its function has started running (also once it has
    /// finished; not for a greenlet killed by a throw before it started).
    pub fn is_started(&self) -> bool {
        self.0.started.get()
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
    #[inline(always)]
    pub fn switch(&self, value: Value) -> Result<Value, GreenletError> {
        trampoline::send(self, Ok(value))
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
            if let Some(refused) = LOCAL.with(|l| (l.blocked.get() != 0).then(|| l.blocked_error())) {
                return Err(refused);
            }
            let parent = self.live_parent();
            LOCAL.with(|l| trampoline::note_switch(l, Some(self), Some(&parent), trampoline::Leaving::Dies));
            self.0.status.set(Status::Dead);
            drop(self.0.body.borrow_mut().take());
            return trampoline::send(&parent, Err(err));
        }
        trampoline::send(self, Err(err))
    }

    /// The nearest ancestor that is still alive (main always is).
    fn live_parent(&self) -> Greenlet {
        let mut p = self.parent().unwrap_or_else(state::main_greenlet);
        while p.is_dead() {
            p = p.parent().unwrap_or_else(state::main_greenlet);
        }
        p
    }

    fn trace_id(&self) -> trace::TaskId {
        self.0.trace.id(|| match self.name() {
            Some(name) => name.to_string(),
            None => format!("greenlet-{}", self.id()),
        })
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
    fn a_greenlet_without_a_stack_reports_it_to_the_switcher() {
        // No address space holds a stack of 2^50 bytes: mapping it fails.
        let g = Builder::new().stack_size(1 << 50).spawn(|v| v);
        match g.switch(unit()) {
            Err(GreenletError::Stack(_)) => {}
            other => panic!("expected a stack error, got {other:?}"),
        }
        assert!(g.is_dead());
        // The value the failed switch carried did not stay in the mailbox.
        let h = Greenlet::new(|v| v);
        let back = h.switch(Box::new(7u8)).unwrap();
        assert_eq!(*back.downcast::<u8>().unwrap(), 7);
    }

    #[test]
    fn finished_greenlet_returns_its_stack_to_the_pool() {
        let before = stack::pooled();
        let g = Greenlet::new(|v| v);
        g.switch(unit()).unwrap();
        assert!(stack::pooled() >= before.max(1));
    }
}
