//! [`EventLoop`]: one thread, a run queue, a timer heap and a reactor.
//!
//! This is the heart of the model, the Rust twin of asyncio's
//! `BaseEventLoop._run_once`. Each turn of the loop does five things:
//!
//! ```text
//!  ┌─▶ 1. take work other threads handed over (call_soon_threadsafe, wakers
//!  │      fired on other threads)                         → run queues
//!  │   2. fire due timers: wake sleeping tasks, queue call_later callbacks
//!  │   3. run the callbacks that are ready now (call_soon)
//!  │   4. run the tasks that are ready now: one `poll` each, up to an await
//!  │   5. if nothing is ready, sleep in epoll until a socket is ready, the
//!  │      next timer is due, or another thread notifies; wake the tasks
//!  └───── whose sockets are ready
//! ```
//!
//! A task is an async-task `Runnable`: a pointer to a heap cell that holds
//! the future. Running it polls the future once. When the future cannot go
//! on it returns `Pending`, having left its `Waker` with whatever it waits on
//! (a timer in the heap, a socket in the reactor, a lock's waiter list). When
//! that thing happens it calls `wake()`, and async-task calls the loop's
//! *schedule function*, which pushes the `Runnable` back on the run queue:
//! directly if the wake happened on the loop's thread, through a locked
//! queue and a [`Poller::notify`](crate::reactor::Poller::notify) if it
//! happened on another. That is the whole scheduler.
//!
//! The loop's state is split three ways: this file holds the queues, the
//! timers, the socket slots and the turn; `remote.rs` the part other
//! threads may touch (the locked queue and the poller's notify); and
//! `task_table.rs` what the loop knows about each task by id (names,
//! pending cancels, done callbacks).
//!
//! Steps 3 and 4 run only what was ready when the step began, so a task that
//! wakes itself in a loop still lets timers and IO in, as asyncio does. When
//! work is always ready the loop still checks the reactor (without sleeping)
//! every 61 turns, so sockets are not starved by busy tasks (tokio's habit).
//!
//! # What a production loop would do differently
//!
//! Like tokio, sockets are registered edge-triggered once (see `net.rs` for
//! why that is safe here without tokio's readiness bookkeeping). tokio uses
//! a timer wheel rather than a heap, a lock-free queue for remote wakeups,
//! work stealing across threads in its multi-thread runtime, and cooperative
//! budgets that force a busy task to yield. The benches say what the simpler
//! choices cost.
#![forbid(unsafe_code)]

use super::callback::{Callback, Handle};
use super::debug::{DebugState, Warning, WarningSink};
use super::exception::{ExceptionContext, ExceptionHandler, default_exception_handler};
use super::executor::ThreadPool;
use super::future::SettableFuture;
use super::handle::LoopHandle;
use super::remote::{Remote, RemoteJob};
use super::task::{self, Meta, Task};
use super::task_table::TaskTable;
use crate::reactor::{Events, Slots, TimerId, Timers};
use crate::trace::{self, State};
use async_task::Runnable;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

thread_local! {
    /// The loop whose `run_*` is on this thread's stack (asyncio's running
    /// loop), or the loop that is closing. The free functions (`aio::spawn`,
    /// `aio::sleep`, ...) find it here. [`Installed`] sets it and puts the
    /// one before back, so a loop run inside another's task restores it.
    static CURRENT: RefCell<Option<Rc<Inner>>> = const { RefCell::new(None) };
}

/// Calls `f` with this thread's running loop, if there is one.
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<Inner>) -> R) -> Option<R> {
    CURRENT.with(|c| c.borrow().as_ref().map(f))
}

/// This thread's running loop.
///
/// # Panics
///
/// If no loop is running on this thread.
pub(crate) fn current() -> Rc<Inner> {
    with_current(Rc::clone).expect(
        "no running aio event loop on this thread (call this from a task or callback \
         of EventLoop::run_until_complete, run_forever or aio::run)",
    )
}

/// `inner` is the current loop until this is dropped; then the one before
/// it is again.
struct Installed {
    previous: Option<Rc<Inner>>,
}

impl Installed {
    fn new(inner: &Rc<Inner>) -> Installed {
        Installed { previous: CURRENT.with(|c| c.borrow_mut().replace(Rc::clone(inner))) }
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let ours = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), self.previous.take()));
        drop(ours); // outside the borrow
    }
}

/// What a timer does when it is due.
pub(crate) enum TimerEntry {
    /// Wake a task (a `sleep`, a timeout).
    Wake(Waker),
    /// Queue a callback (`call_later`, `call_at`). Boxed, so that a
    /// sleeping task's entry stays two words.
    Call(Box<Callback>),
}

/// The loop's state. Single-threaded: everything but `remote` lives in
/// `Cell`/`RefCell`, and no borrow is held while user code or a `wake` runs.
pub(crate) struct Inner {
    pub(crate) ready: RefCell<VecDeque<Runnable<Meta>>>,
    pub(crate) soon: RefCell<VecDeque<Callback>>,
    pub(crate) timers: RefCell<Timers<TimerEntry>>,
    /// Who waits on each registered socket, by poller key.
    pub(crate) io: RefCell<Slots<Waker>>,
    pub(crate) remote: Arc<Remote>,
    events: RefCell<Events>,
    stopping: Cell<bool>,
    running: Cell<bool>,
    turns: Cell<u32>,
    pub(crate) tasks: TaskTable,
    pub(crate) debug: DebugState,
    pub(crate) executor: RefCell<Option<Rc<ThreadPool>>>,
    exception_handler: RefCell<Option<ExceptionHandler>>,
}

impl Inner {
    fn new() -> std::io::Result<Inner> {
        let remote = Remote::new()?;
        Ok(Inner {
            ready: RefCell::new(VecDeque::new()),
            soon: RefCell::new(VecDeque::new()),
            timers: RefCell::new(Timers::new()),
            io: RefCell::new(Slots::new()),
            remote: Arc::new(remote),
            events: RefCell::new(Events::new()),
            stopping: Cell::new(false),
            running: Cell::new(false),
            turns: Cell::new(0),
            tasks: TaskTable::default(),
            debug: DebugState::from_env(),
            executor: RefCell::new(None),
            exception_handler: RefCell::new(None),
        })
    }

    // ANCHOR: scheduler
    /// The schedule function of this loop's tasks: where a woken task goes.
    pub(crate) fn scheduler(&self) -> impl Fn(Runnable<Meta>) + Send + Sync + 'static {
        let remote = Arc::clone(&self.remote);
        move |runnable: Runnable<Meta>| {
            trace::record(runnable.metadata().trace, State::Ready);
            // Woken on the loop's own thread: straight onto the run queue.
            let runnable = CURRENT.with(|c| match &*c.borrow() {
                Some(inner) if Arc::ptr_eq(&inner.remote, &remote) => {
                    inner.ready.borrow_mut().push_back(runnable);
                    None
                }
                _ => Some(runnable),
            });
            // Woken elsewhere: through the locked queue, with a notify.
            if let Some(runnable) = runnable
                && let Err(RemoteJob::Run(runnable)) = remote.push(RemoteJob::Run(runnable))
            {
                // The loop is closed: drop the task (which drops its future)
                // if we are on its thread; elsewhere the future must not be
                // touched (it may be !Send), so it is leaked.
                if std::thread::current().id() == remote.thread {
                    drop(runnable);
                } else {
                    std::mem::forget(runnable);
                }
            }
        }
    }
    // ANCHOR_END: scheduler

    pub(crate) fn add_timer(&self, deadline: Instant, entry: TimerEntry) -> TimerId {
        self.timers.borrow_mut().insert(deadline, entry)
    }

    pub(crate) fn cancel_timer(&self, id: TimerId) {
        let entry = self.timers.borrow_mut().cancel(id);
        drop(entry); // outside the borrow: dropping a waker may schedule
    }

    /// Runs one task step.
    fn run_task(&self, runnable: Runnable<Meta>) {
        let meta = runnable.metadata();
        let id = meta.id;
        let cancel = self.tasks.take_cancel(id);
        task::begin_step(meta.trace, cancel);
        trace::record(meta.trace, State::Running);
        if self.debug.on.get() {
            let started = Instant::now();
            runnable.run();
            self.check_slow(started, || self.tasks.display_name(id));
        } else {
            runnable.run();
        }
    }

    // ANCHOR: run_callback
    fn run_callback(&self, callback: Callback) {
        let started = self.debug.on.get().then(Instant::now);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback.run())) {
            self.report(ExceptionContext {
                message: "Exception in callback".to_string(),
                panic: crate::panic_message::of(&*payload),
            });
        }
        if let Some(started) = started {
            self.check_slow(started, || "callback".to_string());
        }
    }
    // ANCHOR_END: run_callback

    /// Hands a caught panic to the exception handler (see `exception.rs`).
    /// A handler that panics itself is reported on standard error.
    pub(crate) fn report(&self, context: ExceptionContext) {
        let handler = self.exception_handler.borrow().clone();
        let handled = catch_unwind(AssertUnwindSafe(|| match handler {
            Some(handler) => handler(&context),
            None => default_exception_handler(&context),
        }));
        if let Err(payload) = handled {
            eprintln!("aio: the exception handler panicked: {}", crate::panic_message::of(&*payload));
            default_exception_handler(&context);
        }
    }

    fn check_slow(&self, started: Instant, what: impl FnOnce() -> String) {
        let took = started.elapsed();
        if took > self.debug.slow.get() {
            self.debug.warn(Warning::SlowStep { what: what(), took });
        }
    }

    // ANCHOR: turn
    /// One turn of the loop (see the module docs). `may_sleep` says whether
    /// the caller has nothing to do before the next turn (the main future
    /// was not woken, no stop was asked).
    fn turn(&self, may_sleep: &dyn Fn() -> bool) {
        // 1. Work from other threads.
        for job in self.remote.take_jobs() {
            match job {
                RemoteJob::Run(runnable) => self.ready.borrow_mut().push_back(runnable),
                RemoteJob::Call(f) => self.soon.borrow_mut().push_back(Callback::threadsafe(f)),
            }
        }
        // 2. Due timers.
        self.fire_timers();
        // 3. Callbacks ready now.
        let n = self.soon.borrow().len();
        for _ in 0..n {
            let Some(callback) = self.soon.borrow_mut().pop_front() else { break };
            self.run_callback(callback);
        }
        // 4. Tasks ready now.
        let n = self.ready.borrow().len();
        for _ in 0..n {
            let Some(runnable) = self.ready.borrow_mut().pop_front() else { break };
            self.run_task(runnable);
        }
        // 5. The reactor: sleep if there is nothing to do, else peek every
        //    61 turns so busy tasks do not starve sockets.
        let busy = !self.ready.borrow().is_empty() || !self.soon.borrow().is_empty() || !may_sleep();
        let turns = self.turns.get().wrapping_add(1);
        self.turns.set(turns);
        let timeout = if busy {
            if turns % 61 != 0 {
                return;
            }
            Some(Duration::ZERO)
        } else if self.remote.is_notified() {
            Some(Duration::ZERO)
        } else {
            self.timers.borrow_mut().next_deadline().map(|d| d.saturating_duration_since(Instant::now()))
        };
        self.poll_io(timeout);
    }
    // ANCHOR_END: turn

    fn fire_timers(&self) {
        if self.timers.borrow().is_empty() {
            return;
        }
        let now = Instant::now();
        loop {
            let entry = self.timers.borrow_mut().pop_due(now);
            match entry {
                Some(TimerEntry::Wake(waker)) => waker.wake(),
                Some(TimerEntry::Call(callback)) => self.soon.borrow_mut().push_back(*callback),
                None => break,
            }
        }
    }

    fn poll_io(&self, timeout: Option<Duration>) {
        let mut events = self.events.borrow_mut();
        if let Err(e) = self.remote.poller.wait(&mut events, timeout) {
            // epoll_wait fails only on programming errors (a bad fd); there
            // is no caller to return this to, and going on would spin.
            panic!("aio: the reactor's wait failed: {e}");
        }
        for ready in events.iter() {
            let (reader, writer) = self.io.borrow_mut().take_ready(ready.key);
            // Both directions are woken: a waiter whose direction is not
            // ready retries, gets WouldBlock, and parks again. Rare (it needs
            // a reader and a writer parked on one socket), and simple.
            if let Some(w) = reader {
                w.wake();
            }
            if let Some(w) = writer {
                w.wake();
            }
        }
    }

    /// Drops every task, callback, timer and socket waiter (on this thread,
    /// so !Send futures are dropped where they live), until dropping stops
    /// producing more. Parked tasks are woken first, which puts them on the
    /// run queue, so they are dropped with it: their handles then give
    /// `Err(Cancelled)`.
    fn drain(&self) {
        loop {
            for waker in self.tasks.live_wakers() {
                waker.wake();
            }
            let ready = std::mem::take(&mut *self.ready.borrow_mut());
            let soon = std::mem::take(&mut *self.soon.borrow_mut());
            let timers = std::mem::take(&mut *self.timers.borrow_mut());
            let io = self.io.borrow_mut().drain();
            let jobs = self.remote.drain();
            let callbacks = self.tasks.drain_done_callbacks();
            if ready.is_empty() && soon.is_empty() && timers.is_empty() && io.is_empty() && jobs.is_empty() {
                break;
            }
            drop((ready, soon, timers, io, jobs, callbacks));
        }
        self.executor.borrow_mut().take();
    }
}

/// What `run_until_complete`'s future is woken with: a flag, and a notify
/// when the wake comes from another thread.
struct MainWaker {
    woken: AtomicBool,
    remote: Arc<Remote>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        let on_loop = with_current(|inner| Arc::ptr_eq(&inner.remote, &self.remote)).unwrap_or(false);
        if !on_loop {
            self.remote.wake();
        }
    }
}

/// A reference to a loop: what [`get_running_loop`](super::get_running_loop)
/// returns, and what [`EventLoop`] derefs to. It schedules work; only the
/// [`EventLoop`] that owns the loop runs it.
#[derive(Clone)]
pub struct LoopRef {
    pub(crate) inner: Rc<Inner>,
}

impl std::fmt::Debug for LoopRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopRef")
            .field("running", &self.inner.running.get())
            .field("ready", &self.inner.ready.borrow().len())
            .field("timers", &self.inner.timers.borrow().len())
            .finish()
    }
}

impl LoopRef {
    /// Wraps `future` in a task and schedules it (asyncio's `create_task`).
    /// It starts at the loop's next turn. Drop the [`Task`] to cancel it,
    /// await it for its result, or [`detach`](Task::detach) it.
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        task::spawn_on(&self.inner, None, future)
    }

    /// [`LoopRef::spawn`] with a name, shown by traces and debug warnings.
    pub fn spawn_named<F>(&self, name: impl Into<String>, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        task::spawn_on(&self.inner, Some(name.into()), future)
    }

    // ANCHOR: call_soon
    /// Runs `f` at the loop's next turn, in the order of calls.
    pub fn call_soon(&self, f: impl FnOnce() + 'static) -> Handle {
        let (callback, handle) = Callback::new(f);
        self.inner.soon.borrow_mut().push_back(callback);
        handle
    }
    // ANCHOR_END: call_soon

    /// Runs `f` once `delay` has passed.
    pub fn call_later(&self, delay: Duration, f: impl FnOnce() + 'static) -> Handle {
        self.call_at(Instant::now() + delay, f)
    }

    // ANCHOR: call_at
    /// Runs `f` at `when` (or at once, if `when` has passed). Callbacks due
    /// at the same instant run in the order they were scheduled.
    pub fn call_at(&self, when: Instant, f: impl FnOnce() + 'static) -> Handle {
        let (callback, handle) = Callback::new(f);
        self.inner.add_timer(when, TimerEntry::Call(Box::new(callback)));
        handle
    }
    // ANCHOR_END: call_at

    /// A settable future on this loop (asyncio's `loop.create_future()`).
    pub fn create_future<T>(&self) -> SettableFuture<T> {
        SettableFuture::new()
    }

    /// The loop's clock (asyncio's `loop.time()`): the monotonic clock.
    pub fn time(&self) -> Instant {
        Instant::now()
    }

    /// Asks [`EventLoop::run_forever`] to return after the current turn.
    /// (It does not stop `run_until_complete`, which ends with its future.)
    pub fn stop(&self) {
        self.inner.stopping.set(true);
    }

    /// Whether the loop is inside `run_until_complete` or `run_forever`.
    pub fn is_running(&self) -> bool {
        self.inner.running.get()
    }

    /// A `Send + Clone` handle for other threads.
    pub fn handle(&self) -> LoopHandle {
        LoopHandle::new(Arc::clone(&self.inner.remote))
    }

    /// Turns debug mode on or off (see [`debug`](super::debug)).
    pub fn set_debug(&self, on: bool) {
        self.inner.debug.on.set(on);
    }

    /// Whether debug mode is on.
    pub fn get_debug(&self) -> bool {
        self.inner.debug.on.get()
    }

    /// How long a step may hold the loop before debug mode warns.
    pub fn set_slow_callback_duration(&self, threshold: Duration) {
        self.inner.debug.slow.set(threshold);
    }

    /// Sends every panic of a callback or done callback to `handler`
    /// instead of [`default_exception_handler`] (asyncio's
    /// `set_exception_handler`; see [`exception`](super::exception)).
    pub fn set_exception_handler(&self, handler: impl Fn(&ExceptionContext) + 'static) {
        let handler: ExceptionHandler = Rc::new(handler);
        *self.inner.exception_handler.borrow_mut() = Some(handler);
    }

    /// Goes back to [`default_exception_handler`].
    pub fn clear_exception_handler(&self) {
        let old = self.inner.exception_handler.borrow_mut().take();
        drop(old); // outside the borrow
    }

    /// Calls the loop's exception handler with `context` (asyncio's
    /// `call_exception_handler`).
    pub fn call_exception_handler(&self, context: ExceptionContext) {
        self.inner.report(context);
    }

    /// Sends every debug warning to `sink` as well as to standard error.
    pub fn set_warning_sink(&self, sink: impl Fn(&Warning) + 'static) {
        let sink: WarningSink = Rc::new(sink);
        *self.inner.debug.sink.borrow_mut() = Some(sink);
    }

    /// Replaces the pool `run_in_executor` uses (by default one of
    /// [`ThreadPool::default_size`] threads, made on first use).
    pub fn set_default_executor(&self, pool: ThreadPool) {
        *self.inner.executor.borrow_mut() = Some(Rc::new(pool));
    }
}

/// An event loop: owns a thread's run queue, timers and reactor, and runs
/// them (asyncio's `new_event_loop()`).
///
/// A thread may hold several loops. The *current* one, which `aio::spawn`,
/// `aio::sleep` and friends use, is the one whose `run_*` is on the stack
/// (asyncio's running loop); outside every `run_*` there is none, and those
/// functions panic with a message that says so. Use [`LoopRef::spawn`] to
/// schedule work on a loop that is not running yet.
///
/// Dropping a loop cancels every task still alive, parked or queued: their
/// futures are dropped on this thread, running their destructors, and
/// awaiting their handles afterwards gives `Err(Cancelled)`.
///
/// ```
/// use corolab::aio::{self, EventLoop};
/// use std::time::Duration;
///
/// let lp = EventLoop::new();
/// let task = lp.spawn(async {
///     aio::sleep(Duration::from_millis(1)).await;
///     6 * 7
/// });
/// assert_eq!(lp.run_until_complete(task), Ok(42));
/// ```
pub struct EventLoop {
    r: LoopRef,
}

impl std::fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.r.fmt(f)
    }
}

impl std::ops::Deref for EventLoop {
    type Target = LoopRef;

    fn deref(&self) -> &LoopRef {
        &self.r
    }
}

impl Default for EventLoop {
    fn default() -> Self {
        EventLoop::new()
    }
}

/// While a `run_*` call is on the stack: the loop is running and current.
/// Dropped on every path (a panicking future too).
struct Running<'a> {
    inner: &'a Inner,
    _current: Installed,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.inner.running.set(false);
    }
}

impl EventLoop {
    /// A new loop on this thread. It becomes current while it runs.
    ///
    /// # Panics
    ///
    /// If the epoll instance cannot be created (out of file descriptors);
    /// [`EventLoop::try_new`] returns that error instead.
    pub fn new() -> EventLoop {
        EventLoop::try_new().expect("aio: cannot create the event loop's epoll instance")
    }

    /// A new loop, or the error of creating its epoll instance.
    pub fn try_new() -> std::io::Result<EventLoop> {
        let inner = Rc::new(Inner::new()?);
        Ok(EventLoop { r: LoopRef { inner } })
    }

    fn enter(&self) -> Running<'_> {
        assert!(!self.inner.running.get(), "aio: this event loop is already running");
        self.inner.running.set(true);
        Running { inner: &self.inner, _current: Installed::new(&self.inner) }
    }

    // ANCHOR: run_until_complete
    /// Runs the loop until `future` completes, and returns its output. Other
    /// tasks run meanwhile; those still pending when it returns stay
    /// pending, and run again at the next `run_*` call.
    ///
    /// # Panics
    ///
    /// If `future` panics (the panic goes on from here), or if the loop is
    /// already running (a nested `run_*` call).
    pub fn run_until_complete<F: Future>(&self, future: F) -> F::Output {
        let _running = self.enter();
        let inner = &self.inner;
        let main = Arc::new(MainWaker { woken: AtomicBool::new(true), remote: Arc::clone(&inner.remote) });
        let waker = Waker::from(Arc::clone(&main));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        let id = trace::task("main");
        loop {
            if main.woken.swap(false, Ordering::AcqRel) {
                task::begin_step(id, false);
                trace::record(id, State::Running);
                let started = inner.debug.on.get().then(Instant::now);
                let poll = future.as_mut().poll(&mut cx);
                if let Some(started) = started {
                    inner.check_slow(started, || "the main future".to_string());
                }
                if let Poll::Ready(output) = poll {
                    trace::record(id, State::Done);
                    return output;
                }
            }
            inner.turn(&|| !main.woken.load(Ordering::Acquire));
        }
    }
    // ANCHOR_END: run_until_complete

    /// Runs the loop until [`LoopRef::stop`] (or [`LoopHandle::stop`] from
    /// another thread) is called.
    ///
    /// # Panics
    ///
    /// If the loop is already running.
    pub fn run_forever(&self) {
        let _running = self.enter();
        let inner = &self.inner;
        while !inner.stopping.get() {
            inner.turn(&|| !inner.stopping.get());
        }
        inner.stopping.set(false);
    }

    /// Closes the loop: the same as dropping it.
    pub fn close(self) {}
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        // Current while it closes, so the futures it drops find it.
        let _current = Installed::new(&self.inner);
        self.inner.remote.close();
        self.inner.drain();
    }
}

/// Runs `future` on a new event loop and closes the loop (asyncio's
/// `asyncio.run`).
///
/// ```
/// let answer = corolab::aio::run(async { 42 });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
///
/// If `future` panics, or if the loop cannot be created.
pub fn run<F: Future>(future: F) -> F::Output {
    EventLoop::new().run_until_complete(future)
}
