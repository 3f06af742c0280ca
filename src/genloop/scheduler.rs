//! The loop: a run queue of tasks with their answers, a timer heap, and
//! the reactor's poller and slots; it resumes each task with the answer to
//! what it asked for, when that answer is due.
//!
//! ```text
//!   ready: (task, answer), ... ──▶ task.send(answer) ──▶ yields a Request
//!     ▲                                                     │
//!     │  Sleep(d)    → timers.insert(now + d, task)  ───────┤
//!     │  Readable(k) → slots.park(k, Read, task)     ───────┤
//!     │  Spawn(t)    → new task ready; send Spawned(id) at once
//!     │  Join(id)    → wait in id's joiner, or Joined(result) at once
//!     │                                                     │
//!     └── timers.pop_due(now), poller.wait → slots.take_ready(key) ◀─┘
//! ```
//!
//! One thread, no locks: the loop's thread is the only one that steps a
//! task or waits on the poller, and it waits only between task steps, so
//! the edge-triggered registration loses nothing (see `reactor::poller`).
#![forbid(unsafe_code)]

use super::request::{Answer, Request, Task, TaskError, TaskGen, Tid, Value};
use crate::generator::{GeneratorError, Step};
use crate::reactor::{Direction, Events, Poller, Slots, TimerId, Timers};
use crate::trace::{self, State, TaskId, Wait};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The part of the loop that sockets reach: the poller and who waits on
/// each registered socket. Held by the loop and by every registered socket.
pub(super) struct Reactor {
    pub(super) poller: Poller,
    pub(super) io: RefCell<Slots<Tid>>,
}

thread_local! {
    /// The reactor of the loop running on this thread, for sockets to
    /// register with (a thread runs one genloop at a time).
    static CURRENT: RefCell<Option<Rc<Reactor>>> = const { RefCell::new(None) };
}

/// The running loop's reactor.
///
/// # Panics
///
/// On a thread that is not running a genloop.
pub(super) fn current() -> Rc<Reactor> {
    CURRENT
        .with(|c| c.borrow().clone())
        .expect("genloop: no loop is running on this thread (use genloop::run)")
}

/// A task the loop holds.
struct Slot {
    generator: TaskGen,
    trace: TaskId,
    /// The task waiting in `Join` on this one.
    joiner: Option<Tid>,
    /// The timeout of the socket wait it is parked in, if any.
    io_timer: Option<TimerId>,
}

/// What a timer wakes: a sleeping task, or a socket wait that gives up.
#[derive(Clone, Copy, Debug)]
struct Due {
    tid: Tid,
    /// The socket and direction of the wait this timer ends, if any.
    io: Option<(usize, Direction)>,
}

/// The loop's state while it runs.
struct Loop {
    reactor: Rc<Reactor>,
    tasks: HashMap<Tid, Slot>,
    /// Results of finished tasks nobody has joined yet.
    finished: HashMap<Tid, Result<Value, TaskError>>,
    ready: VecDeque<(Tid, Answer)>,
    timers: Timers<Due>,
    next: u64,
}

// ANCHOR: run
/// Runs `main` as the first task of a new loop on this thread, until it
/// returns (asyncio's `run`, or `loop.run_until_complete`), and returns
/// its result. Tasks still unfinished then are closed: their stacks unwind
/// and their sockets close.
///
/// # Errors
///
/// [`TaskError`] if `main` panicked, or if it can never finish: every
/// task waits on another and no timer or socket can wake one (a deadlock).
pub fn run_task(main: Task) -> Result<Value, TaskError> {
    let poller = Poller::new().map_err(|e| TaskError::Failed(format!("no poller: {e}")))?;
    let reactor = Rc::new(Reactor { poller, io: RefCell::new(Slots::new()) });
    let previous = CURRENT.with(|c| c.replace(Some(Rc::clone(&reactor))));
    let mut lp = Loop {
        reactor,
        tasks: HashMap::new(),
        finished: HashMap::new(),
        ready: VecDeque::new(),
        timers: Timers::new(),
        next: 0,
    };
    let main = lp.spawn(main);
    let result = lp.run_until(main);
    // Close what is left while the reactor is still current: a task's
    // sockets unregister as its stack unwinds.
    let Loop { tasks, ready, .. } = lp;
    drop(ready);
    drop(tasks);
    CURRENT.with(|c| c.replace(previous));
    result
}
// ANCHOR_END: run

impl Loop {
    fn spawn(&mut self, task: Task) -> Tid {
        let tid = Tid(self.next);
        self.next += 1;
        let Task { generator, trace, .. } = task;
        trace::record(trace, State::Ready);
        self.tasks.insert(tid, Slot { generator, trace, joiner: None, io_timer: None });
        self.ready.push_back((tid, Answer::Go));
        tid
    }

    // ANCHOR: loop
    fn run_until(&mut self, main: Tid) -> Result<Value, TaskError> {
        let mut events = Events::new();
        loop {
            // Run every task that is ready, each until it asks for something
            // that is not there yet.
            while let Some((tid, answer)) = self.ready.pop_front() {
                self.step(tid, answer);
                if let Some(result) = self.finished.remove(&main) {
                    return result;
                }
            }
            // Nothing is ready: sleep in the poller until the next timer is
            // due or a socket someone waits on becomes ready.
            let deadline = self.timers.next_deadline();
            if deadline.is_none() && self.reactor.io.borrow().waiting() == 0 {
                return Err(TaskError::Failed(
                    "deadlock: every task waits on another, and no timer or socket can wake one".into(),
                ));
            }
            let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            self.reactor.poller.wait(&mut events, timeout).map_err(|e| TaskError::Failed(e.to_string()))?;
            for ready in events.iter() {
                let (reader, writer) = self.reactor.io.borrow_mut().take_ready(ready.key);
                for tid in reader.into_iter().chain(writer) {
                    if let Some(timer) = self.tasks.get_mut(&tid).and_then(|t| t.io_timer.take()) {
                        self.timers.cancel(timer);
                    }
                    self.wake(tid, Answer::Go);
                }
            }
            let now = Instant::now();
            while let Some(due) = self.timers.pop_due(now) {
                self.timed_out(due);
            }
        }
    }
    // ANCHOR_END: loop

    fn wake(&mut self, tid: Tid, answer: Answer) {
        if let Some(slot) = self.tasks.get(&tid) {
            trace::record(slot.trace, State::Ready);
            self.ready.push_back((tid, answer));
        }
    }

    // ANCHOR: step
    /// Sends `answer` into task `tid` and deals with what it asks next.
    /// Requests the loop can answer at once (spawn, join a finished task)
    /// are answered at once, without going round the loop.
    fn step(&mut self, tid: Tid, mut answer: Answer) {
        loop {
            let Some(slot) = self.tasks.get(&tid) else { return };
            let trace = slot.trace;
            let request = match slot.generator.send(answer) {
                Ok(Step::Yielded(request)) => request,
                Ok(Step::Returned(value)) => return self.finish(tid, Ok(value)),
                Err(GeneratorError::Panicked(message)) => {
                    return self.finish(tid, Err(TaskError::Panicked(message)));
                }
                Err(e) => return self.finish(tid, Err(TaskError::Failed(e.to_string()))),
            };
            answer = match request {
                Request::Sleep(d) if d.is_zero() => {
                    trace::record(trace, State::Ready);
                    self.ready.push_back((tid, Answer::Go));
                    return;
                }
                Request::Sleep(d) => {
                    trace::record(trace, State::Waiting(Wait::Timer));
                    self.timers.insert(Instant::now() + d, Due { tid, io: None });
                    return;
                }
                Request::Readable { key, timeout } => {
                    match self.park(key, Direction::Read, timeout, tid, trace) {
                        Ok(()) => return,
                        Err(answer) => answer,
                    }
                }
                Request::Writable { key, timeout } => {
                    match self.park(key, Direction::Write, timeout, tid, trace) {
                        Ok(()) => return,
                        Err(answer) => answer,
                    }
                }
                Request::Spawn(task) => Answer::Spawned(self.spawn(task)),
                Request::Join(other) => match self.finished.remove(&other) {
                    Some(result) => Answer::Joined(result),
                    None => match self.tasks.get_mut(&other) {
                        Some(target) if target.joiner.is_none() && other != tid => {
                            target.joiner = Some(tid);
                            trace::record(trace, State::Waiting(Wait::Join));
                            return;
                        }
                        _ => Answer::Joined(Err(TaskError::Failed(
                            "no such task to join (joined already, or itself)".into(),
                        ))),
                    },
                },
            };
        }
    }
    // ANCHOR_END: step

    /// Parks `tid` on a socket; `Err` with the answer to send at once when
    /// the socket is not registered.
    fn park(
        &mut self,
        key: usize,
        dir: Direction,
        timeout: Option<Duration>,
        tid: Tid,
        trace: TaskId,
    ) -> Result<(), Answer> {
        let replaced = self.reactor.io.borrow_mut().park(key, dir, tid);
        if replaced.is_ok() {
            if let Some(timeout) = timeout {
                let timer = self.timers.insert(Instant::now() + timeout, Due { tid, io: Some((key, dir)) });
                if let Some(slot) = self.tasks.get_mut(&tid) {
                    slot.io_timer = Some(timer);
                }
            }
        }
        match replaced {
            Ok(None) => {
                trace::record(trace, State::Waiting(Wait::Io));
                Ok(())
            }
            // Another task waited on the same socket in the same direction:
            // both would take each other's wakeups, so wake the first now
            // (it retries, would block, and parks again).
            Ok(Some(other)) => {
                trace::record(trace, State::Waiting(Wait::Io));
                self.wake(other, Answer::Go);
                Ok(())
            }
            Err(_) => Err(Answer::NotRegistered),
        }
    }

    /// A timer is due: a sleep is over, or a socket wait gives up. The
    /// socket's other waiter, if any, is woken too (it retries and parks
    /// again): the slot table takes a socket's waiters together.
    fn timed_out(&mut self, due: Due) {
        let Some((key, dir)) = due.io else { return self.wake(due.tid, Answer::Go) };
        if let Some(slot) = self.tasks.get_mut(&due.tid) {
            slot.io_timer = None;
        }
        let mut io = self.reactor.io.borrow_mut();
        if io.waiter(key, dir) != Some(&due.tid) {
            return; // woken by the socket meanwhile
        }
        let (reader, writer) = io.take_ready(key);
        drop(io);
        for tid in reader.into_iter().chain(writer) {
            let answer = if tid == due.tid { Answer::TimedOut } else { Answer::Go };
            if tid != due.tid {
                if let Some(timer) = self.tasks.get_mut(&tid).and_then(|t| t.io_timer.take()) {
                    self.timers.cancel(timer);
                }
            }
            self.wake(tid, answer);
        }
    }

    fn finish(&mut self, tid: Tid, result: Result<Value, TaskError>) {
        let Some(slot) = self.tasks.remove(&tid) else { return };
        match slot.joiner {
            Some(joiner) => self.wake(joiner, Answer::Joined(result)),
            None => {
                self.finished.insert(tid, result);
            }
        }
    }
}

/// The error a socket op returns for [`Answer::NotRegistered`].
pub(super) fn not_registered() -> io::Error {
    io::Error::other("genloop: the socket is not registered with this loop")
}
