//! The hub: one greenlet per thread that runs the timers and the reactor and
//! switches to whichever greenlet can run.
//!
//! Every gevent greenlet is a child of its thread's hub. A greenlet that has
//! to wait (a sleep, a socket that would block, an empty queue) leaves a
//! *wake token* with whatever will end the wait (the timer heap, the
//! reactor's slot for its socket, the queue's list of getters) and switches
//! to the hub. The hub runs the ready greenlets one after another, in FIFO
//! order, each until it waits again; when none is ready it waits in epoll
//! until a socket is ready or the next timer is due, and the tokens those
//! fire make their greenlets ready again.
//!
//! ```text
//!            ┌────────────────────── hub greenlet ─────────────────────┐
//!  wake ───▶ │ ready: [g3, g1, ...] ──switch──▶ g3 runs until it waits  │
//!  tokens    │                       ◀─switch── (g3 parks, hub resumes) │
//!            │ nothing ready: poller.wait(next timer deadline)         │
//!            │   socket ready → wake its reader/writer                  │
//!            │   timer due    → wake its sleeper (or raise a Timeout)   │
//!            └──────────────────────────────────────────────────────────┘
//! ```
//!
//! # Wake tokens
//!
//! A [`Token`] is (task, park number). Waking it makes the task ready only
//! if the task is still parked in that same park: a token left behind by a
//! wait that ended another way (a timeout, a kill, a wake from elsewhere) is
//! stale and does nothing. So waiters never have to be removed eagerly from
//! the lists they joined, and a wake is never delivered to the wrong wait.
//!
//! # Kills and timeouts
//!
//! [`Hub::interrupt`] delivers a kill or a timeout: a parked task is made
//! ready with it at once; a running or ready one gets it at its next wait.
//! The wait then *unwinds* the greenlet's stack from its waiting point
//! (`resume_unwind`, which skips the panic hook), so its destructors run,
//! as a Python exception raised at the switch would. `spawn`'s wrapper and
//! `with_timeout` catch their own payloads.
//!
//! # Where the hub lives
//!
//! One hub per thread, made on first use and never freed: a hub's parked
//! greenlets hold their stacks and sockets, and tearing them down from a
//! thread-local destructor (when other thread-locals may already be gone)
//! is a trap. A thread that exits leaks its hub's epoll descriptor and
//! stacks; a program uses a few long-lived hub threads, not thousands.
//!
//! What a production hub would add: a way to hand work to the hub from
//! other threads (`Poller::notify` is there for it), and a thread pool for
//! blocking calls, as gevent's `threadpool` does. This one leaves both out.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::os::fd::AsFd;
use std::panic;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::greenlet::{self, Greenlet};
use crate::reactor::{Direction, Events, Interest, Poller, Slots, TimerId, Timers};
use crate::trace::{self, LazyTask, State, Wait};

/// Why a parked task was made ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// What it waited for happened (or may have: check again).
    Woken,
    /// Its own timer fired (a sleep, a socket timeout).
    Timer,
    /// The [`crate::gevent::Timeout`] with this id expired.
    Timeout(u64),
    /// Someone killed it.
    Killed,
    /// Nothing can ever wake anyone: every greenlet waits on something that
    /// no timer, socket or other greenlet will provide.
    LoopExit,
}

/// Where a task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskState {
    /// Its code is running.
    Running,
    /// In the ready queue.
    Ready,
    /// Waiting for a token to be woken.
    Parked,
    /// Finished.
    Done,
}

/// What the hub knows about one greenlet (or the thread's main greenlet).
pub(crate) struct Task {
    pub(crate) greenlet: OnceCell<Greenlet>,
    pub(crate) state: Cell<TaskState>,
    /// Which park this is; tokens of earlier parks are stale.
    park: Cell<u64>,
    /// Why it was last woken.
    wake: Cell<Wake>,
    /// A kill or timeout to deliver at its next wait.
    pending: Cell<Option<Wake>>,
    /// Tasks waiting for this one to finish.
    pub(crate) joiners: RefCell<Vec<Token>>,
    /// Why it ended without a value, if it did (its stack could not map).
    pub(crate) failure: RefCell<Option<String>>,
    name: Option<String>,
    number: u64,
    trace: LazyTask,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task").field("name", &self.name).field("state", &self.state.get()).finish()
    }
}

impl Task {
    pub(crate) fn new(name: Option<String>, number: u64) -> Rc<Task> {
        Rc::new(Task {
            greenlet: OnceCell::new(),
            state: Cell::new(TaskState::Ready),
            park: Cell::new(0),
            wake: Cell::new(Wake::Woken),
            pending: Cell::new(None),
            joiners: RefCell::new(Vec::new()),
            failure: RefCell::new(None),
            name,
            number,
            trace: LazyTask::new(),
        })
    }

    #[inline]
    pub(crate) fn record(&self, state: State) {
        if trace::is_on() {
            self.record_slow(state);
        }
    }

    #[cold]
    fn record_slow(&self, state: State) {
        // The main greenlet's row is the greenlet module's (it traces main).
        if self.number != 0 {
            let id = self.trace.id(|| match &self.name {
                Some(name) => name.clone(),
                None => format!("greenlet {}", self.number),
            });
            trace::record(id, state);
        }
    }

    /// Whether it has finished.
    pub(crate) fn is_done(&self) -> bool {
        self.state.get() == TaskState::Done
    }

    /// Takes a kill or timeout waiting for it, if any.
    pub(crate) fn take_pending(&self) -> Option<Wake> {
        self.pending.take()
    }

    /// Marks it finished and wakes its joiners.
    pub(crate) fn finish(&self) {
        self.state.set(TaskState::Done);
        self.record(State::Done);
        let joiners = std::mem::take(&mut *self.joiners.borrow_mut());
        let hub = hub();
        for j in &joiners {
            hub.wake(j, Wake::Woken);
        }
    }
}

/// A way to wake one task from one particular wait (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Token {
    task: Rc<Task>,
    park: u64,
}

impl Token {
    /// Whether waking it would make its task ready.
    pub(crate) fn is_live(&self) -> bool {
        self.task.state.get() == TaskState::Parked && self.task.park.get() == self.park
    }

    /// Makes its task ready, if the token is live; returns whether it was.
    pub(crate) fn wake(&self) -> bool {
        hub().wake(self, Wake::Woken)
    }

    /// Whether the token belongs to `task`.
    pub(crate) fn is_for(&self, task: &Rc<Task>) -> bool {
        Rc::ptr_eq(&self.task, task)
    }
}

/// Passes a wake on if the waiter it was meant for unwinds instead (killed
/// or timed out while woken): dropped during an unwind, it calls `pass`,
/// which wakes the next waiter if what the first was woken for is still
/// there. Dropped normally it does nothing.
pub(crate) struct PassOn<F: FnMut()>(pub(crate) F);

impl<F: FnMut()> Drop for PassOn<F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            (self.0)();
        }
    }
}

/// Wakes the first live token of `waiters`; returns whether one was.
pub(crate) fn wake_one(waiters: &RefCell<VecDeque<Token>>) -> bool {
    loop {
        let Some(token) = waiters.borrow_mut().pop_front() else { return false };
        if token.wake() {
            return true;
        }
    }
}

/// What a timer does when it fires.
enum TimerEntry {
    /// Wake a task with [`Wake::Timer`].
    Wake(Token),
    /// Deliver [`Wake::Timeout`] to a task, wherever it waits.
    Timeout(Rc<Task>, u64),
}

/// A thread's hub. See the module docs.
pub(crate) struct Hub {
    greenlet: Greenlet,
    main: Rc<Task>,
    current: RefCell<Rc<Task>>,
    ready: RefCell<VecDeque<Rc<Task>>>,
    timers: RefCell<Timers<TimerEntry>>,
    poller: Poller,
    /// Who waits on each registered socket; its `waiting()` counts the
    /// sockets a greenlet waits on (so epoll may wake someone).
    io: RefCell<Slots<Token>>,
    next_number: Cell<u64>,
    trace: LazyTask,
}

thread_local! {
    /// This thread's hub, once made. A plain `Cell` of a leaked reference:
    /// no destructor, so reachable from anywhere, any time.
    static HUB: Cell<Option<&'static Hub>> = const { Cell::new(None) };
}

/// This thread's hub, made on first use.
///
/// # Panics
///
/// If the epoll instance cannot be created (out of file descriptors).
#[inline]
pub(crate) fn hub() -> &'static Hub {
    match HUB.with(Cell::get) {
        Some(hub) => hub,
        None => make_hub(),
    }
}

#[cold]
fn make_hub() -> &'static Hub {
    // The root of this thread's greenlets: the hub reports a deadlock there.
    let mut main = Greenlet::current();
    while let Some(parent) = main.parent() {
        main = parent;
    }
    let poller =
        Poller::new().unwrap_or_else(|e| panic!("gevent: cannot create the hub's epoll instance: {e}"));
    let main_task = Task::new(Some("main".into()), 0);
    main_task.greenlet.set(main.clone()).ok();
    main_task.state.set(TaskState::Running);
    let hub_greenlet = greenlet::Builder::new()
        .name("hub")
        .parent(&main)
        .stack_size(super::STACK_SIZE)
        .untraced()
        .spawn(|_| hub().run());
    let hub: &'static Hub = Box::leak(Box::new(Hub {
        greenlet: hub_greenlet,
        current: RefCell::new(main_task.clone()),
        main: main_task,
        ready: RefCell::new(VecDeque::new()),
        timers: RefCell::new(Timers::new()),
        poller,
        io: RefCell::new(Slots::new()),
        next_number: Cell::new(1),
        trace: LazyTask::new(),
    }));
    HUB.with(|h| h.set(Some(hub)));
    hub
}

impl Hub {
    #[inline]
    fn record(&self, state: State) {
        if trace::is_on() {
            self.record_slow(state);
        }
    }

    #[cold]
    fn record_slow(&self, state: State) {
        trace::record(self.trace.id(|| "hub"), state);
    }

    /// The task running now.
    #[inline]
    pub(crate) fn current(&self) -> Rc<Task> {
        self.current.borrow().clone()
    }

    /// A number for a new task's default name.
    pub(crate) fn next_number(&self) -> u64 {
        let n = self.next_number.get();
        self.next_number.set(n + 1);
        n
    }

    /// The greenlet spawned tasks are children of.
    pub(crate) fn greenlet(&self) -> &Greenlet {
        &self.greenlet
    }

    /// A token for the current task's next wait.
    pub(crate) fn token(&self) -> Token {
        let task = self.current();
        let park = task.park.get();
        Token { task, park }
    }

    /// Queues a new or woken task to run.
    #[inline]
    pub(crate) fn schedule(&self, task: Rc<Task>) {
        task.state.set(TaskState::Ready);
        task.record(State::Ready);
        self.ready.borrow_mut().push_back(task);
    }

    /// Makes a token's task ready with `why`, if the token is live.
    pub(crate) fn wake(&self, token: &Token, why: Wake) -> bool {
        if !token.is_live() {
            return false;
        }
        token.task.wake.set(why);
        self.schedule(token.task.clone());
        true
    }

    /// Delivers a kill or a timeout to `task`: now if it is parked, at its
    /// next wait otherwise. A kill replaces a pending timeout, never the
    /// other way round.
    pub(crate) fn interrupt(&self, task: &Rc<Task>, why: Wake) {
        match task.state.get() {
            TaskState::Done => {}
            TaskState::Parked => {
                task.wake.set(why);
                self.schedule(task.clone());
            }
            // Woken but not yet running: it is still at its waiting point,
            // so the wait ends with `why` instead. (The wake it had is
            // passed on by the primitive it waited on; see `PassOn`.)
            TaskState::Ready if task.greenlet.get().is_some_and(Greenlet::is_started) => {
                if task.wake.get() != Wake::Killed {
                    task.wake.set(why);
                }
            }
            TaskState::Running | TaskState::Ready => {
                if why == Wake::Killed || task.pending.get().is_none() {
                    task.pending.set(Some(why));
                }
            }
        }
    }

    /// Withdraws a pending timeout `id` that never fired into a wait.
    pub(crate) fn clear_pending_timeout(&self, task: &Task, id: u64) {
        if task.pending.get() == Some(Wake::Timeout(id)) {
            task.pending.set(None);
        }
    }

    // ANCHOR: park
    /// Parks the current task until a token wakes it, and says why it was
    /// woken. The caller left its tokens where the wake will come from.
    pub(crate) fn park(&self, wait: Wait) -> Wake {
        let task = self.current();
        if let Some(why) = task.pending.take() {
            return why;
        }
        task.state.set(TaskState::Parked);
        task.record(State::Waiting(wait));
        self.switch_to_hub();
        task.park.set(task.park.get() + 1);
        task.wake.get()
    }
    // ANCHOR_END: park

    /// Puts the current task at the back of the ready queue and lets the
    /// others run: `sleep(Duration::ZERO)`.
    ///
    /// Inlined, like [`Hub::switch_to_hub`]: a call frame between the
    /// task's code and the context switch is a mispredicted return after
    /// every switch (see "What a switch costs" in `crate::greenlet`).
    #[inline(always)]
    pub(crate) fn yield_now(&self) -> Wake {
        let task = self.current();
        if let Some(why) = task.pending.take() {
            return why;
        }
        task.wake.set(Wake::Woken);
        self.schedule(task.clone());
        self.switch_to_hub();
        task.park.set(task.park.get() + 1);
        task.wake.get()
    }

    #[inline(always)]
    fn switch_to_hub(&self) {
        if let Err(e) = self.greenlet.switch(Box::new(())) {
            hub_failed(e);
        }
    }

    /// Parks on a timer: returns once `deadline` passes, or earlier with
    /// the reason if something else woke the task.
    pub(crate) fn park_until(&self, deadline: Instant, wait: Wait) -> Wake {
        let id = self.timers.borrow_mut().insert(deadline, TimerEntry::Wake(self.token()));
        let why = self.park(wait);
        if why != Wake::Timer {
            self.timers.borrow_mut().cancel(id);
        }
        why
    }

    /// Starts a [`Wake::Timeout`] timer for `task`.
    pub(crate) fn add_timeout(&self, deadline: Instant, task: Rc<Task>, id: u64) -> TimerId {
        self.timers.borrow_mut().insert(deadline, TimerEntry::Timeout(task, id))
    }

    /// Cancels a timer.
    pub(crate) fn cancel_timer(&self, id: TimerId) {
        self.timers.borrow_mut().cancel(id);
    }

    // ANCHOR: run
    /// The hub greenlet's body: run what is ready, then wait for sockets and
    /// timers, forever.
    fn run(&self) -> ! {
        let mut events = Events::new();
        loop {
            // Run the tasks that were ready when this turn began; tasks they
            // wake wait for the next turn, so IO is polled between turns
            // even while greenlets keep yielding to each other.
            let turn = self.ready.borrow().len();
            for _ in 0..turn {
                let Some(task) = self.ready.borrow_mut().pop_front() else { break };
                self.run_task(task);
            }
            self.poll(&mut events);
        }
    }
    // ANCHOR_END: run

    fn run_task(&self, task: Rc<Task>) {
        if task.state.get() != TaskState::Ready {
            return;
        }
        task.state.set(TaskState::Running);
        task.record(State::Running);
        self.record(State::Waiting(Wait::Switch));
        let greenlet = task.greenlet.get().cloned();
        *self.current.borrow_mut() = task.clone();
        let switched = greenlet.map(|g| g.switch(Box::new(())));
        self.record(State::Running);
        if let Some(Err(e)) = switched {
            // It could not start (no stack) or died outside its wrapper.
            if !task.is_done() {
                *task.failure.borrow_mut() = Some(e.to_string());
                task.finish();
            }
        }
    }

    fn poll(&self, events: &mut Events) {
        let busy = !self.ready.borrow().is_empty();
        let has_timers = !self.timers.borrow().is_empty();
        let armed = self.io.borrow().waiting() > 0;
        if busy && !has_timers && !armed {
            return;
        }
        let timeout = if busy {
            Some(Duration::ZERO)
        } else {
            let next = self.timers.borrow_mut().next_deadline();
            match next {
                Some(deadline) => Some(deadline.saturating_duration_since(Instant::now())),
                None if armed => None,
                None => return self.deadlock(),
            }
        };
        if timeout != Some(Duration::ZERO) {
            self.record(State::Waiting(if armed { Wait::Io } else { Wait::Timer }));
        }
        if let Err(e) = self.poller.wait(events, timeout) {
            panic!("gevent: epoll_wait failed: {e}");
        }
        self.record(State::Running);
        for ready in events.iter() {
            self.io_ready(ready.key);
        }
        if has_timers {
            let now = Instant::now();
            loop {
                let due = self.timers.borrow_mut().pop_due(now);
                match due {
                    Some(TimerEntry::Wake(token)) => {
                        self.wake(&token, Wake::Timer);
                    }
                    Some(TimerEntry::Timeout(task, id)) => self.interrupt(&task, Wake::Timeout(id)),
                    None => break,
                }
            }
        }
    }

    /// Nothing is ready and nothing can make anything ready: tell main.
    fn deadlock(&self) {
        if self.main.state.get() == TaskState::Parked {
            self.main.wake.set(Wake::LoopExit);
            self.schedule(self.main.clone());
        } else {
            panic!("gevent: the hub has nothing to run and main is not waiting");
        }
    }

    /// Registers a socket with the reactor and returns its key.
    ///
    /// # Safety
    ///
    /// `source` must stay open until [`Hub::deregister`] is called with the
    /// key (see [`Poller::add_edge`]).
    pub(crate) unsafe fn register(&self, source: &impl AsFd) -> io::Result<usize> {
        let key = self.io.borrow_mut().insert();
        // Edge-triggered, both directions, registered once: a wait costs no
        // `epoll_ctl` (see `Poller::add_edge`), because every wait here
        // follows an operation that returned `WouldBlock`.
        // SAFETY: forwarded from this function's contract.
        let added = unsafe { self.poller.add_edge(source, key, Interest::BOTH) };
        if let Err(e) = added {
            self.io.borrow_mut().remove(key);
            return Err(e);
        }
        Ok(key)
    }

    /// Removes a socket from the reactor, before it is closed.
    pub(crate) fn deregister(&self, key: usize, source: &impl AsFd) {
        let _ = self.poller.delete(source);
        // A greenlet still parked on it (killed, or woken by a timeout) left
        // a stale token: dropping it is all there is to do.
        self.io.borrow_mut().remove(key);
    }

    // ANCHOR: wait_io
    /// Parks the current task until the socket under `key` may be ready
    /// for `interest` (one of read or write), or until `deadline`. Call it
    /// only after the operation returned `WouldBlock`: the registration is
    /// edge-triggered, so the next event is the next *change*.
    ///
    /// # Errors
    ///
    /// `ResourceBusy` if another greenlet already waits on this socket in
    /// the same direction (as gevent says "already used by another
    /// greenlet"); `TimedOut` at the deadline; the reactor's error if the
    /// interest cannot be armed.
    pub(crate) fn wait_io(
        &self,
        key: usize,
        interest: Interest,
        deadline: Option<Instant>,
    ) -> io::Result<Wake> {
        let token = self.token();
        let direction = if interest.read { Direction::Read } else { Direction::Write };
        {
            let mut io = self.io.borrow_mut();
            assert!(io.contains(key), "a registered socket has a slot");
            if io.waiter(key, direction).is_some_and(|t| t.is_live() && !t.is_for(&token.task)) {
                return Err(io::Error::new(
                    io::ErrorKind::ResourceBusy,
                    "another greenlet is already waiting on this socket in this direction",
                ));
            }
            // The token it replaces, if any, is stale (checked above).
            let _ = io.park(key, direction, token);
        }
        let why = match deadline {
            None => self.park(Wait::Io),
            Some(deadline) => self.park_until(deadline, Wait::Io),
        };
        if why == Wake::Timer {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the socket timed out"));
        }
        Ok(why)
    }
    // ANCHOR_END: wait_io

    /// The reactor says the socket under `key` changed: wake both its
    /// reader and its writer (a task woken needlessly tries its operation
    /// again and parks again).
    fn io_ready(&self, key: usize) {
        let (reader, writer) = self.io.borrow_mut().take_ready(key);
        for token in [reader, writer].into_iter().flatten() {
            self.wake(&token, Wake::Woken);
        }
    }
}

#[cold]
fn hub_failed(e: greenlet::GreenletError) -> ! {
    panic!("gevent: the hub failed: {e}");
}

/// The payload a killed greenlet unwinds with.
#[derive(Debug)]
pub(crate) struct Killed;

/// The payload a greenlet unwinds with when a [`crate::gevent::Timeout`]
/// expires; the number is the timeout's id.
#[derive(Debug)]
pub(crate) struct TimeoutUnwind(pub(crate) u64);

// ANCHOR: deliver
/// Acts on why a wait ended: returns for a wake-up, unwinds the greenlet
/// for a kill or a timeout (so its destructors run), and panics on a
/// deadlock.
///
/// # Panics
///
/// On [`Wake::LoopExit`]: the waiting greenlet would wait forever.
#[inline]
pub(crate) fn deliver(why: Wake) {
    if matches!(why, Wake::Woken | Wake::Timer) {
        return;
    }
    deliver_slow(why);
}

#[cold]
fn deliver_slow(why: Wake) {
    match why {
        Wake::Woken | Wake::Timer => {}
        // Already unwinding (a destructor waiting during a kill): a second
        // unwind would abort the process, so let the wait end instead.
        _ if std::thread::panicking() => {}
        Wake::Killed => panic::resume_unwind(Box::new(Killed)),
        Wake::Timeout(id) => panic::resume_unwind(Box::new(TimeoutUnwind(id))),
        Wake::LoopExit => panic!(
            "gevent: this wait can never end: every greenlet is waiting, and no timer, socket \
             or other greenlet will wake one (a deadlock, Python gevent's LoopExit)"
        ),
    }
}
// ANCHOR_END: deliver

/// Parks the current task (see [`Hub::park`]) and acts on why it woke.
pub(crate) fn wait(wait: Wait) {
    deliver(hub().park(wait));
}
