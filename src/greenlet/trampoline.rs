//! The switch itself: a non-main greenlet suspends to the trampoline with
//! a request, and the trampoline, a loop on the main greenlet, resumes
//! whoever was asked for (see "How: a trampoline on corosensei" in the
//! module docs for the picture).
//!
//! The hot path is forced inline from [`send`] down to the context switch,
//! so no call frame sits between the user's `switch` and corosensei's
//! `resume` or `suspend`; only switches among non-main greenlets go on in
//! the out-of-line [`trampoline_loop`].
#![allow(unsafe_code)]

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use corosensei::CoroutineResult;

use super::state::{self, Co, Inner, LOCAL, Local, Message, Request, Status};
use super::{Greenlet, GreenletError, Value};
use crate::stack::{self, StackError};
use crate::trace::{self, State, Wait};

/// Switches to `to`, handing it `message`; returns what the greenlet that
/// switches back here sends.
#[inline(always)]
pub(super) fn send(to: &Greenlet, message: Message) -> Message {
    if to.is_dead() {
        return Err(GreenletError::Dead);
    }
    // SAFETY: `l` is used only within this call.
    let l = unsafe { state::local() };
    // One test for all a plain switch can skip: a hook to call, a trace
    // to record, a switch to refuse. When none of them is there, the
    // switch is `switch::<false>`, with nothing else on its path.
    if l.watched() {
        return send_watched(l, to, message);
    }
    switch::<false>(l, to, message)
}

/// [`send`] when someone watches (a hook, a trace) or switching is refused
/// (a hook is running, a greenlet is being unwound): out of line, so the
/// plain switch carries none of it.
#[cold]
#[inline(never)]
fn send_watched(l: &Local, to: &Greenlet, message: Message) -> Message {
    if l.blocked.get() != 0 {
        return Err(l.blocked_error());
    }
    switch::<true>(l, to, message)
}

/// The switch from the running greenlet to `to`; with `NOTE`, the hook and
/// the trace hear of it first.
#[inline(always)]
fn switch<const NOTE: bool>(l: &Local, to: &Greenlet, message: Message) -> Message {
    let current = l.current();
    if std::ptr::eq(current, Rc::as_ptr(&to.0)) {
        return message;
    }
    // SAFETY: used only within this call, while `current` runs (see
    // `current_inner`).
    let current = unsafe { state::current_inner(l) };
    // The hook runs here, on the switching side, before anything is
    // posted: if it panics, the panic leaves this `switch` and nothing is
    // left behind; it cannot switch (`blocked`).
    if current.parent.is_none() {
        if NOTE {
            note_switch(l, None, Some(to), Leaving::Waits);
        }
        l.post(message);
        return trampoline(l, to);
    }
    if !on_own_stack(current) {
        return Err(GreenletError::NestedCoroutine);
    }
    // Main travels as `None`: no reference count to pay.
    let request = if to.is_main() { None } else { Some(to.clone()) };
    if NOTE {
        note_switch(l, None, request.as_ref(), Leaving::Waits);
    }
    l.post(message);
    suspend(current, request);
    l.take_message()
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

/// How the greenlet that switches away leaves.
#[derive(Clone, Copy)]
pub(super) enum Leaving {
    /// It waits in its `switch`.
    Waits,
    /// It has finished: its result or panic goes to `to`.
    Dies,
}

/// Records a switch in the trace and calls the hook. `from: None` is the
/// greenlet running now, `to: None` is main. A panic of the hook goes on
/// from here.
#[inline(always)]
pub(super) fn note_switch(l: &Local, from: Option<&Greenlet>, to: Option<&Greenlet>, leaving: Leaving) {
    if l.hooked.get() || trace::is_on() {
        note_switch_or_unwind(l, from, to, leaving);
    }
}

/// [`note_switch_slow`], going on with the hook's panic: out of line, so
/// that the switch path holds one call and no landing pad for it.
#[cold]
#[inline(never)]
fn note_switch_or_unwind(l: &Local, from: Option<&Greenlet>, to: Option<&Greenlet>, leaving: Leaving) {
    if let Err(payload) = note_switch_slow(l, from, to, leaving) {
        panic::resume_unwind(payload);
    }
}

#[cold]
#[inline(never)]
fn note_switch_slow(
    l: &Local,
    from: Option<&Greenlet>,
    to: Option<&Greenlet>,
    leaving: Leaving,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    let (current, main);
    let from = match from {
        Some(from) => from,
        None => {
            current = state::current_greenlet();
            &current
        }
    };
    let to = match to {
        Some(to) => to,
        None => {
            main = state::main_greenlet();
            &main
        }
    };
    if trace::is_on() {
        let from_state = match leaving {
            Leaving::Waits => State::Waiting(Wait::Switch),
            Leaving::Dies => State::Done,
        };
        if from.0.traced {
            trace::record(from.trace_id(), from_state);
        }
        if to.0.traced {
            trace::record(to.trace_id(), State::Running);
        }
    }
    if l.hooked.get() { state::call_hook(l, from, to) } else { Ok(()) }
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
        None => l.take_message(),
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
            None => return l.take_message(),
            Some(next) => from = Some(std::mem::replace(&mut target, next)),
        }
    }
}

/// Runs `target` (switched to by `from`, `None` for main) until it switches
/// away, and returns to whom: `None` for main. The message travels in the
/// mailbox; the switching greenlet has already called the hook.
#[inline(always)]
fn hop(l: &Local, main: *const Inner, from: Option<&Greenlet>, target: &Greenlet) -> Option<Greenlet> {
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
            let message = crate::panic_message::of(&*payload);
            drop(payload);
            // The body cannot tell the hook it died, so the trampoline does,
            // before posting; the panic that is reported is the body's, and
            // one of the hook's here is dropped (the hook is removed).
            if l.hooked.get() || trace::is_on() {
                let _ = note_switch_slow(l, Some(target), Some(&target.live_parent()), Leaving::Dies);
            }
            l.post(Err(GreenletError::Panicked(message)));
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
        // The first message is always a value (a throw into a new greenlet
        // kills it without starting it).
        let value = LOCAL.with(Local::take_message).unwrap_or_else(|_| Box::new(()));
        let result = body(value);
        // SAFETY: used only within this closure, on this thread.
        let l = unsafe { state::local() };
        // No handle left: the greenlet is being dropped, and its forced
        // unwind was caught on the way (by a `catch_unwind` in the body,
        // such as an aio task's) and the body ran on to its end. Nobody
        // waits for this result: posting it would leave it in the mailbox
        // for the next switch to take.
        let Some(me) = weak.upgrade().map(Greenlet) else { return };
        note_switch(l, Some(&me), Some(&me.live_parent()), Leaving::Dies);
        drop(me);
        l.post(Ok(result));
    });
    // SAFETY: the greenlet is new, so it has no coroutine that anything
    // could be using (the invariant on `Inner::co`).
    unsafe { *g.0.co_mut() = Some(co) };
    g.0.status.set(Status::Started);
    g.0.started.set(true);
    Ok(())
}
