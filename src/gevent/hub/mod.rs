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
//! | file | what it holds |
//! | --- | --- |
//! | `task.rs` | [`Task`], wake [`Token`]s, and [`deliver`]: what ends a wait |
//! | `io.rs` | a socket's registration and [`Hub::wait_io`] |
//! | `run.rs` | parking and yielding, and the loop: run what is ready, poll |
//! | `mod.rs` | the [`Hub`] itself, one per thread, and its scheduling |
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
//! blocking calls, as gevent's `threadpool` does. This one leaves both
//! out; [`crate::gevent::run_in_thread`] gives a rare blocking call a
//! thread of its own, and wakes the hub through a socket pair.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use crate::greenlet::{self, Greenlet};
use crate::reactor::{Poller, Slots, Timers};
use crate::trace::{self, LazyTask, State};

mod io;
mod run;
mod task;

use run::TimerEntry;
pub(crate) use run::wait;
pub(crate) use task::{Killed, PassOn, Task, TaskState, TimeoutUnwind, Token, Wake, deliver, wake_one};

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
}
