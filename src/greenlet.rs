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
//! That brought main ↔ g from about 5.5× a raw corosensei round trip to
//! about 4× (3.4× in the paired `benches/switch_ab.rs`, 3.1× against raw
//! corosensei whose result is consumed the same way). What is left is
//! mostly the cost of carrying a value at all: raw corosensei carrying the
//! same `Box<dyn Any>` each way already costs 1.75× its bare round trip,
//! and a `u64` 1.5×, so a greenlet round trip is about twice that floor.
//! The figures, and what else was tried, are in `benches/switch.rs`.
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
//! - A greenlet that keeps a handle to itself in a local across a `switch`
//!   (`let me = Greenlet::current();`) is an `Rc` cycle: dropping the other
//!   handles does not unwind it. Drop such locals before switching away.

use std::any::Any;
use std::cell::{Cell, OnceCell, RefCell, UnsafeCell};
use std::fmt;
use std::mem::ManuallyDrop;
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
    Stack(Box<StackError>),
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

/// What a non-main greenlet asks the trampoline for: the greenlet to switch
/// to (`None` is main). The message itself waits in the mailbox
/// (`Local::mail_value`, `Local::mail_error`).
type Request = Option<Greenlet>;

type Body = Box<dyn FnOnce(Value) -> Value>;
/// The coroutine under a greenlet. Messages do not travel through
/// corosensei's resume/suspend values but through the mailbox: one store
/// and one load, instead of a copy at every layer in between.
type Co = Coroutine<(), Request, (), DefaultStack>;

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
    ///
    /// # Invariant
    ///
    /// An `UnsafeCell` rather than a `RefCell` (whose borrow flag a switch
    /// would set and clear): no two references to it are ever alive at
    /// once, because only four places touch it, none while another holds
    /// it. `start` puts the coroutine in while the greenlet is new (so not
    /// running); `hop`, on the main greenlet, resumes it, and nothing can
    /// reach `hop` for the same greenlet while it runs (only main hops, and
    /// main is suspended in that very `resume` until the greenlet switches
    /// away); `finish` takes it out after `resume` has returned; and `Drop`
    /// has the `Inner` to itself.
    co: UnsafeCell<Option<Co>>,
    /// The coroutine's yielder while it is started.
    ///
    /// # Invariant
    ///
    /// Non-null only while the coroutine is started and not finished: it
    /// points at the `Yielder` corosensei passes to the coroutine function,
    /// which lives on the coroutine's stack for exactly that span.
    yielder: Cell<*const Yielder<(), Request>>,
    /// Its stack's address range (limit, base) once started: a switch
    /// from a non-main greenlet checks that it runs on this stack.
    stack_range: Cell<(usize, usize)>,
    /// Whether its function was ever called (main: always).
    started: Cell<bool>,
    trace: LazyTask,
    /// Whether switches record trace events (see [`Builder::untraced`]).
    traced: bool,
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

/// A thread's greenlet bookkeeping that a switch uses, in one thread-local
/// so a switch pays for one TLS lookup.
///
/// It needs no destructor (what it owns lives in [`Owned`], and the mailbox
/// is `ManuallyDrop`): a thread-local with a destructor checks on every
/// access whether the destructor is registered yet, a load and a branch
/// on both sides of every switch.
struct Local {
    /// The greenlet running now; null until first use (then main), and
    /// again once the thread's [`Owned`] is gone.
    ///
    /// # Invariant
    ///
    /// Null, or points to a live `Inner`: main's (kept alive by `Owned::main`) or
    /// the one the trampoline is resuming (kept alive by the trampoline's
    /// `target` handle for as long as it is current). A raw pointer rather
    /// than a `Greenlet` so that a switch does not pay for reference counts.
    current: Cell<*const Inner>,
    /// Whether `Owned::hook` is set: one load on the fast path.
    hooked: Cell<bool>,
    /// How many dropped greenlets are unwinding right now.
    unwinding: Cell<u32>,
    /// Ids for greenlets of this thread.
    next_id: Cell<u64>,
    /// The message of the switch in progress: the switching greenlet puts
    /// it here, the resumed one takes it. A switch is a hand-off on one
    /// thread, so one slot is enough. A value and an error have a slot
    /// each, so that the common case moves one 16-byte `Box<dyn Any>` in
    /// and out with matching stores and loads (a wider `Option<Result<..>>`
    /// written in pieces and read whole measured several times slower).
    ///
    /// `ManuallyDrop`: every message is taken by the greenlet it was meant
    /// for before any other is posted, so the mailbox is empty whenever no
    /// switch is under way; a thread exiting in the middle of one (it
    /// cannot) would leak the message.
    mail_value: ManuallyDrop<Cell<Option<Value>>>,
    /// The error half of the mailbox.
    mail_error: ManuallyDrop<Cell<Option<GreenletError>>>,
}

/// What a thread's greenlets own: its main greenlet and its hook, apart
/// from [`Local`] so that `Local` needs no destructor.
struct Owned {
    /// This thread's main greenlet, created on first use.
    main: OnceCell<Greenlet>,
    /// The switch hook, if any.
    hook: RefCell<Option<Rc<Hook>>>,
}

impl Owned {
    fn main(&self) -> &Greenlet {
        self.main.get_or_init(|| Greenlet(Rc::new(Inner::new(0, Some("main".into()), None, 0, None))))
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // Main is about to go: `current` must not point at it. Whoever
        // looks for the current greenlet after this finds `OWNED` gone.
        LOCAL.with(|l| l.current.set(std::ptr::null()));
    }
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            current: Cell::new(std::ptr::null()),
            hooked: Cell::new(false),
            unwinding: Cell::new(0),
            next_id: Cell::new(1),
            mail_value: ManuallyDrop::new(Cell::new(None)),
            mail_error: ManuallyDrop::new(Cell::new(None)),
        }
    };
    static OWNED: Owned = const { Owned { main: OnceCell::new(), hook: RefCell::new(None) } };
}

impl Local {
    /// Takes the message the last switch left.
    #[inline(always)]
    fn take_message(&self) -> Message {
        match self.mail_value.take() {
            Some(value) => Ok(value),
            None => Err(self.mail_error.take().unwrap_or(GreenletError::Dead)),
        }
    }

    /// Leaves a message for the greenlet about to run.
    ///
    /// The mailbox is empty here: every message posted is taken by the
    /// next greenlet to run before it posts one of its own. So the slot is
    /// written without the check-and-drop of the old content that
    /// `Cell::set` pays for (a message left there by a bug would leak, not
    /// be misread).
    #[inline(always)]
    fn post(&self, message: Message) {
        match message {
            Ok(value) => {
                let stale = self.mail_value.replace(Some(value));
                debug_assert!(stale.is_none(), "a value was left in the mailbox");
                std::mem::forget(stale);
            }
            Err(err) => self.mail_error.set(Some(err)),
        }
    }

    /// The running greenlet's `Inner` (see the invariant on `current`).
    #[inline]
    fn current(&self) -> *const Inner {
        let current = self.current.get();
        if current.is_null() { self.init_current() } else { current }
    }

    #[cold]
    fn init_current(&self) -> *const Inner {
        let main = OWNED.with(|o| Rc::as_ptr(&o.main().0));
        self.current.set(main);
        main
    }
}

/// This thread's [`Local`], without a closure.
///
/// `LOCAL.with(|l| ...)` would do, but the compiler declines to inline a
/// big closure, and every call frame between two context switches costs a
/// mispredicted return (see "What a switch costs" above): so only the
/// address lookup goes through `with`, and the caller's code stays inline.
///
/// # Safety
///
/// The reference must not outlive the current call on this thread (it is
/// `'static` only because a thread-local's lifetime cannot be named).
#[inline(always)]
unsafe fn local() -> &'static Local {
    let local: *const Local = LOCAL.with(|l| l as *const Local);
    // SAFETY: the pointer came from this thread's LOCAL a moment ago, and a
    // thread-local lives until its thread exits; its destructor cannot run
    // while the caller, on this thread, still uses it (the caller's
    // promise), since thread-local destructors run after the thread's code.
    unsafe { &*local }
}

fn main_greenlet() -> Greenlet {
    OWNED.with(|o| o.main().clone())
}

impl Inner {
    fn new(
        id: u64,
        name: Option<String>,
        parent: Option<Greenlet>,
        stack_size: usize,
        body: Option<Body>,
    ) -> Inner {
        let is_main = body.is_none();
        Inner {
            id,
            name,
            parent,
            status: Cell::new(if is_main { Status::Started } else { Status::New }),
            stack_size,
            body: RefCell::new(body),
            co: UnsafeCell::new(None),
            yielder: Cell::new(std::ptr::null()),
            stack_range: Cell::new((0, 0)),
            started: Cell::new(is_main),
            trace: LazyTask::new(),
            traced: true,
        }
    }
}

/// Sets (or with `None`, clears) this thread's switch hook, like greenlet's
/// `settrace`, and returns the previous one. The hook is called with the
/// greenlet being left, the one being entered and the time, on every switch
/// (including a finished greenlet handing control to its parent).
pub fn settrace(hook: Option<Hook>) -> Option<Hook> {
    LOCAL.with(|l| l.hooked.set(hook.is_some()));
    OWNED
        .with(|o| o.hook.replace(hook.map(Rc::new)))
        .map(|old| Rc::try_unwrap(old).unwrap_or_else(|_| unreachable!()))
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
        let id = LOCAL.with(|l| {
            let id = l.next_id.get();
            l.next_id.set(id + 1);
            id
        });
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
    pub fn current() -> Greenlet {
        LOCAL.with(|l| {
            let current = l.current();
            // SAFETY: `current` points to a live Inner owned by an Rc (the
            // invariant on `Local::current`); taking one more count on it
            // and wrapping it in a handle of our own is what `Rc::clone` does.
            unsafe {
                Rc::increment_strong_count(current);
                Greenlet(Rc::from_raw(current))
            }
        })
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
            LOCAL.with(|l| note_switch(l, Some(self), Some(&self.live_parent())));
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

    #[inline(always)]
    fn send(&self, message: Message) -> Result<Value, GreenletError> {
        if self.is_dead() {
            return Err(GreenletError::Dead);
        }
        // SAFETY: `l` is used only within this call.
        let l = unsafe { local() };
        if l.unwinding.get() > 0 {
            return Err(GreenletError::Unwinding);
        }
        let current = l.current();
        if std::ptr::eq(current, Rc::as_ptr(&self.0)) {
            return message;
        }
        // SAFETY: see the invariant on `Local::current`.
        let current = unsafe { &*current };
        if current.parent.is_none() {
            l.post(message);
            return trampoline(l, self);
        }
        if !on_own_stack(current) {
            return Err(GreenletError::NestedCoroutine);
        }
        // Main travels as `None`: no reference count to pay.
        let to = if self.is_main() { None } else { Some(self.clone()) };
        l.post(message);
        suspend(current, to);
        l.take_message()
    }
}

/// Whether the code running now is on `g`'s own stack, rather than on the
/// stack of a generator that `g` is running: the address of a local
/// variable says which stack we are on.
#[inline(always)]
fn on_own_stack(g: &Inner) -> bool {
    let marker = 0u8;
    let here = std::hint::black_box(&marker) as *const u8 as usize;
    let (limit, base) = g.stack_range.get();
    (limit..base).contains(&here)
}

/// A non-main greenlet's side of a switch: back to the trampoline with a
/// request.
#[inline(always)]
fn suspend(current: &Inner, request: Request) {
    let yielder = current.yielder.get();
    debug_assert!(!yielder.is_null());
    // SAFETY: `current` is running, so it is started and not finished, and
    // by the invariant on `Inner::yielder` the pointer is live; we are on
    // its stack (`send` checked that no generator's stack is in between).
    let yielder = unsafe { &*yielder };
    yielder.suspend(request);
}

/// Records a switch in the trace and calls the hook; `None` is main.
#[inline]
fn note_switch(l: &Local, from: Option<&Greenlet>, to: Option<&Greenlet>) {
    if l.hooked.get() || trace::is_on() {
        note_switch_slow(from, to);
    }
}

#[cold]
fn note_switch_slow(from: Option<&Greenlet>, to: Option<&Greenlet>) {
    let main = main_greenlet();
    let (from, to) = (from.unwrap_or(&main), to.unwrap_or(&main));
    if trace::is_on() {
        let from_state = if from.is_dead() { State::Done } else { State::Waiting(Wait::Switch) };
        if from.0.traced {
            trace::record(from.trace_id(), from_state);
        }
        if to.0.traced {
            trace::record(to.trace_id(), State::Running);
        }
    }
    let hook = OWNED.with(|o| o.hook.borrow().clone());
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

// ANCHOR: trampoline
/// The main greenlet's side of every switch: resume `target` and carry out
/// what it asks for, until something is meant for main. The first hop is
/// inlined into the caller, so that the common main → g → main round trip
/// has no call frame between the caller and the context switch; switches
/// among other greenlets continue in [`trampoline_loop`].
#[inline(always)]
fn trampoline(l: &Local, target: &Greenlet) -> Result<Value, GreenletError> {
    let main = l.current.get();
    match hop(l, main, None, target) {
        None => {
            note_switch(l, Some(target), None);
            l.take_message()
        }
        Some(next) => trampoline_loop(l, main, target.clone(), next),
    }
}

/// The trampoline after its first hop: greenlets switching among
/// themselves, through here, until one switches to main.
#[inline(never)]
fn trampoline_loop(l: &Local, main: *const Inner, from: Greenlet, mut target: Greenlet) -> Message {
    let mut from = Some(from);
    loop {
        match hop(l, main, from.as_ref(), &target) {
            None => {
                note_switch(l, Some(&target), None);
                return l.take_message();
            }
            Some(next) => from = Some(std::mem::replace(&mut target, next)),
        }
    }
}

/// Runs `target` (switched to by `from`, `None` for main) until it switches
/// away, and returns to whom: `None` for main. The message travels in the
/// mailbox.
#[inline(always)]
fn hop(l: &Local, main: *const Inner, from: Option<&Greenlet>, target: &Greenlet) -> Option<Greenlet> {
    note_switch(l, from, Some(target));
    if let Err(err) = start_if_new(target) {
        // No stack: the target cannot run; tell whoever switched to it,
        // dropping the value it sent (which would otherwise come back as
        // the answer).
        target.0.status.set(Status::Dead);
        drop(l.take_message());
        l.post(Err(GreenletError::Stack(Box::new(err))));
        return from.cloned();
    }
    let step = {
        // `current` points at the target while it runs, and at main again
        // however this block is left (its invariant).
        let _current = Current::enter(&l.current, target, main);
        // SAFETY: the only reference to the coroutine while it runs (the
        // invariant on `Inner::co`); it ends with this block.
        let co = unsafe { target.0.co_mut() }.as_mut().expect("a started greenlet has a coroutine");
        panic::catch_unwind(AssertUnwindSafe(|| co.resume(())))
    };
    match step {
        Ok(CoroutineResult::Yield(to)) => to,
        // The body left its value in the mailbox.
        Ok(CoroutineResult::Return(())) => finish(target),
        Err(payload) => {
            l.post(Err(GreenletError::Panicked(panic_message(&*payload))));
            finish(target)
        }
    }
}
// ANCHOR_END: trampoline

/// Sets `Local::current` to a greenlet for as long as it lives, and puts
/// main back when dropped, even by a panic.
struct Current<'a> {
    cell: &'a Cell<*const Inner>,
    main: *const Inner,
}

impl<'a> Current<'a> {
    #[inline(always)]
    fn enter(cell: &'a Cell<*const Inner>, target: &Greenlet, main: *const Inner) -> Current<'a> {
        cell.set(Rc::as_ptr(&target.0));
        Current { cell, main }
    }
}

impl Drop for Current<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.cell.set(self.main);
    }
}

/// Marks a greenlet dead, returns its stack to the pool, and says who gets
/// its result (`None`: main).
fn finish(g: &Greenlet) -> Option<Greenlet> {
    g.0.status.set(Status::Dead);
    g.0.yielder.set(std::ptr::null());
    // SAFETY: its `resume` has returned, so nothing else holds the
    // coroutine (the invariant on `Inner::co`).
    if let Some(co) = unsafe { g.0.co_mut() }.take() {
        stack::give(co.into_stack());
    }
    Some(g.live_parent()).filter(|p| !p.is_main())
}

/// Gives a new greenlet its coroutine (and stack).
#[inline(always)]
fn start_if_new(g: &Greenlet) -> Result<(), StackError> {
    if g.0.status.get() != Status::New {
        return Ok(());
    }
    start(g)
}

#[cold]
fn start(g: &Greenlet) -> Result<(), StackError> {
    let body = g.0.body.borrow_mut().take().expect("a new greenlet has its function");
    let stack = stack::take(g.0.stack_size)?;
    {
        use corosensei::stack::Stack;
        g.0.stack_range.set((stack.limit().get(), stack.base().get()));
    }
    let weak = Rc::downgrade(&g.0);
    let co = Co::with_stack(stack, move |yielder, ()| {
        if let Some(inner) = weak.upgrade() {
            inner.yielder.set(yielder as *const _);
        }
        drop(weak);
        // The first message is always a value (a throw into a new greenlet
        // kills it without starting it).
        let value = LOCAL.with(Local::take_message).unwrap_or_else(|_| Box::new(()));
        let result = body(value);
        LOCAL.with(|l| l.post(Ok(result)));
    });
    // SAFETY: the greenlet is new, so it has no coroutine that anything
    // could be using (the invariant on `Inner::co`).
    unsafe { *g.0.co_mut() = Some(co) };
    g.0.status.set(Status::Started);
    g.0.started.set(true);
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

impl Inner {
    /// The coroutine slot.
    ///
    /// # Safety
    ///
    /// No other reference to it may be alive while this one is (see the
    /// invariant on `Inner::co` for who calls this, and when).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    unsafe fn co_mut(&self) -> &mut Option<Co> {
        // SAFETY: exclusive for as long as the caller keeps it (the
        // caller's promise).
        unsafe { &mut *self.co.get() }
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
            // `try_with`: this may run from another thread-local's
            // destructor after ours is gone; then there is no one to switch.
            let unwinding = |by: i32| {
                let _ = LOCAL.try_with(|l| l.unwinding.set(l.unwinding.get().wrapping_add_signed(by)));
            };
            unwinding(1);
            co.force_unwind();
            unwinding(-1);
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
