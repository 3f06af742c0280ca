//! A greenlet's insides and its thread's bookkeeping: the `Inner` behind
//! every handle, the thread-local that says who runs now, and the mailbox
//! that a switch leaves its message in.
//!
//! Everything here is shaped by one goal: a switch should read as little
//! as possible. So the coroutine sits in an `UnsafeCell` (no borrow flag to
//! set and clear), the running greenlet is a raw pointer (no reference
//! count to pay), and the thread-local a switch touches has no destructor
//! (no "is it registered yet?" check on every access). Each of these is
//! sound because of an invariant, written on the field it guards.
#![allow(unsafe_code)]

use std::any::Any;
use std::cell::{Cell, OnceCell, RefCell, UnsafeCell};
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Instant;

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, Yielder};

use super::{Greenlet, GreenletError, Hook, Value};
use crate::stack;
use crate::trace::LazyTask;

/// What a switch delivers to the greenlet it resumes.
pub(super) type Message = Result<Value, GreenletError>;

/// What a non-main greenlet asks the trampoline for: the greenlet to switch
/// to (`None` is main). The message itself waits in the mailbox
/// (`Local::mail_value`, `Local::mail_error`).
pub(super) type Request = Option<Greenlet>;

pub(super) type Body = Box<dyn FnOnce(Value) -> Value>;

/// The coroutine under a greenlet. Messages do not travel through
/// corosensei's resume/suspend values but through the mailbox: one store
/// and one load, instead of a copy at every layer in between.
pub(super) type Co = Coroutine<(), Request, (), DefaultStack>;

/// Where a greenlet is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// Created, its function not yet called.
    New,
    /// Started: running, or suspended in `switch`.
    Started,
    /// Its function returned or panicked, or it was killed by a throw.
    Dead,
}

/// One greenlet: what every [`Greenlet`] handle to it shares.
pub(super) struct Inner {
    pub(super) id: u64,
    pub(super) name: Option<String>,
    pub(super) parent: Option<Greenlet>,
    pub(super) status: Cell<Status>,
    pub(super) stack_size: usize,
    /// The function, until the greenlet starts.
    pub(super) body: RefCell<Option<Body>>,
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
    pub(super) yielder: Cell<*const Yielder<(), Request>>,
    /// Its stack's address range (limit, base) once started: a switch
    /// from a non-main greenlet checks that it runs on this stack.
    pub(super) stack_range: Cell<(usize, usize)>,
    /// Whether its function was ever called (main: always).
    pub(super) started: Cell<bool>,
    pub(super) trace: LazyTask,
    /// Whether switches record trace events (see `Builder::untraced`).
    pub(super) traced: bool,
}

impl Inner {
    pub(super) fn new(
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

    /// The coroutine slot.
    ///
    /// # Safety
    ///
    /// No other reference to it may be alive while this one is (see the
    /// invariant on `Inner::co` for who calls this, and when).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn co_mut(&self) -> &mut Option<Co> {
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
            let blocked = |by: u32, add: bool| {
                let _ = LOCAL.try_with(|l| {
                    let now = l.blocked.get();
                    l.blocked.set(if add { now + by } else { now - by });
                });
            };
            blocked(UNWINDING, true);
            co.force_unwind();
            blocked(UNWINDING, false);
            stack::give(co.into_stack());
        }
    }
}

/// A thread's greenlet bookkeeping that a switch uses, in one thread-local
/// so a switch pays for one TLS lookup.
///
/// It needs no destructor (what it owns lives in [`Owned`], and the mailbox
/// is `ManuallyDrop`): a thread-local with a destructor checks on every
/// access whether the destructor is registered yet, a load and a branch
/// on both sides of every switch.
pub(super) struct Local {
    /// The greenlet running now; null until first use (then main), and
    /// again once the thread's [`Owned`] is gone.
    ///
    /// # Invariant
    ///
    /// Null, or points to a live `Inner`: main's (kept alive by `Owned::main`) or
    /// the one the trampoline is resuming (kept alive by the trampoline's
    /// `target` handle for as long as it is current). A raw pointer rather
    /// than a `Greenlet` so that a switch does not pay for reference counts.
    pub(super) current: Cell<*const Inner>,
    /// Whether `Owned::hook` is set: one load on the fast path.
    pub(super) hooked: Cell<bool>,
    /// Why switching is refused right now, 0 if it is not: a count of
    /// dropped greenlets unwinding ([`UNWINDING`] each) plus [`IN_HOOK`]
    /// while the hook runs. One counter so that a switch checks both with
    /// one load.
    pub(super) blocked: Cell<u32>,
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

/// What [`Local::blocked`] counts for each greenlet being unwound.
const UNWINDING: u32 = 1;
/// What [`Local::blocked`] holds on top while the hook runs.
const IN_HOOK: u32 = 1 << 16;

/// What a thread's greenlets own: its main greenlet and its hook, apart
/// from [`Local`] so that `Local` needs no destructor.
struct Owned {
    /// This thread's main greenlet, created on first use.
    main: OnceCell<Greenlet>,
    /// The switch hook, if any; taken out while it runs (see [`call_hook`]).
    hook: RefCell<Option<Hook>>,
    /// Counts `settrace` calls, so a hook that was replaced while it ran
    /// is not put back.
    hook_generation: Cell<u64>,
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
    pub(super) static LOCAL: Local = const {
        Local {
            current: Cell::new(std::ptr::null()),
            hooked: Cell::new(false),
            blocked: Cell::new(0),
            next_id: Cell::new(1),
            mail_value: ManuallyDrop::new(Cell::new(None)),
            mail_error: ManuallyDrop::new(Cell::new(None)),
        }
    };
    static OWNED: Owned =
        const { Owned { main: OnceCell::new(), hook: RefCell::new(None), hook_generation: Cell::new(0) } };
}

impl Local {
    /// Takes the message the last switch left.
    #[inline(always)]
    pub(super) fn take_message(&self) -> Message {
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
    pub(super) fn post(&self, message: Message) {
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
    pub(super) fn current(&self) -> *const Inner {
        let current = self.current.get();
        if current.is_null() { self.init_current() } else { current }
    }

    #[cold]
    fn init_current(&self) -> *const Inner {
        let main = OWNED.with(|o| Rc::as_ptr(&o.main().0));
        self.current.set(main);
        main
    }

    /// Whether a switch has more to do than switch: a hook to call, a
    /// trace that may be recording, or switching refused (`blocked`). Three
    /// loads and one branch; the switch's careful path sorts out which.
    #[inline(always)]
    pub(super) fn watched(&self) -> bool {
        (self.blocked.get() != 0) | self.hooked.get() | crate::trace::maybe_on()
    }

    /// Why a switch is refused now (call it only when `blocked` is not 0).
    #[cold]
    pub(super) fn blocked_error(&self) -> GreenletError {
        if self.blocked.get() >= IN_HOOK { GreenletError::InHook } else { GreenletError::Unwinding }
    }

    /// A new id for a greenlet of this thread.
    pub(super) fn next_id(&self) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }
}

/// This thread's [`Local`], without a closure.
///
/// `LOCAL.with(|l| ...)` would do, but the compiler declines to inline a
/// big closure, and every call frame between two context switches costs a
/// mispredicted return (see "What a switch costs" in the module docs): so
/// only the address lookup goes through `with`, and the caller's code
/// stays inline.
///
/// # Safety
///
/// The reference must not outlive the current call on this thread (it is
/// `'static` only because a thread-local's lifetime cannot be named).
#[inline(always)]
pub(super) unsafe fn local() -> &'static Local {
    let local: *const Local = LOCAL.with(|l| l as *const Local);
    // SAFETY: the pointer came from this thread's LOCAL a moment ago, and a
    // thread-local lives until its thread exits; its destructor cannot run
    // while the caller, on this thread, still uses it (the caller's
    // promise), since thread-local destructors run after the thread's code.
    unsafe { &*local }
}

/// A handle to the greenlet running now.
pub(super) fn current_greenlet() -> Greenlet {
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

/// The running greenlet's `Inner`, borrowed for the current call.
///
/// # Safety
///
/// As [`local`]: the reference must not outlive the current call, and the
/// greenlet must stay current while it is used (a switch away may end it).
#[inline(always)]
pub(super) unsafe fn current_inner(l: &Local) -> &Inner {
    // SAFETY: live by the invariant on `Local::current`, and current for
    // as long as the caller uses it (the caller's promise).
    unsafe { &*l.current() }
}

/// This thread's main greenlet.
pub(super) fn main_greenlet() -> Greenlet {
    OWNED.with(|o| o.main().clone())
}

/// Calls this thread's switch hook, if one is set, with switching refused
/// for as long as it runs (a switch from the hook returns
/// `Err(GreenletError::InHook)`), and returns its panic if it panicked.
///
/// The hook is taken out of its cell while it runs, so that a `settrace`
/// from inside it does not find it borrowed; it goes back afterwards unless
/// it was replaced meanwhile, or it panicked: then it is dropped, as
/// greenlet drops a trace function that raises.
pub(super) fn call_hook(l: &Local, from: &Greenlet, to: &Greenlet) -> Result<(), Box<dyn Any + Send>> {
    let Some((hook, generation)) = OWNED.with(|o| o.hook.take().map(|h| (h, o.hook_generation.get()))) else {
        return Ok(());
    };
    l.blocked.set(l.blocked.get() + IN_HOOK);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| hook(from, to, Instant::now())));
    l.blocked.set(l.blocked.get() - IN_HOOK);
    match outcome {
        Ok(()) => {
            OWNED.with(|o| {
                if o.hook_generation.get() == generation {
                    *o.hook.borrow_mut() = Some(hook);
                }
            });
            Ok(())
        }
        Err(payload) => {
            OWNED.with(|o| {
                if o.hook_generation.get() == generation {
                    l.hooked.set(false);
                }
            });
            Err(payload)
        }
    }
}

/// Replaces this thread's switch hook, returning the old one (`None` when
/// called from inside the hook: it is out of its cell while it runs).
pub(super) fn replace_hook(hook: Option<Hook>) -> Option<Hook> {
    LOCAL.with(|l| l.hooked.set(hook.is_some()));
    OWNED.with(|o| {
        o.hook_generation.set(o.hook_generation.get() + 1);
        o.hook.replace(hook)
    })
}
