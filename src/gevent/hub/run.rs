//! The loop: how a greenlet parks and yields, and the hub greenlet's body
//! that runs the ready queue, then waits on the reactor.
//!
//! Each turn runs the tasks that were ready when it began, in FIFO order,
//! each until it parks or yields again; then it polls. The poll blocks in
//! epoll only when nothing is ready, for as long as the next timer allows;
//! with tasks ready it only looks (a zero timeout), so sockets and timers
//! are served between turns even while greenlets keep yielding to each
//! other. When nothing is ready, no timer is set and no greenlet waits on
//! a socket, nothing can ever wake anyone: the hub tells main, whose wait
//! ends with Python gevent's `LoopExit`.
//!
//! ```text
//!   turn:  ready [g3 g1] ─ run g3 ─ run g1 ─▶ poll:
//!            busy? wait(0) : wait(until the next timer, or for ever)
//!            socket events → wake their tokens
//!            due timers    → wake sleepers, interrupt timed-out tasks
//! ```
#![forbid(unsafe_code)]

use std::rc::Rc;
use std::time::{Duration, Instant};

use super::{Hub, Task, TaskState, Token, Wake, deliver, hub};
use crate::greenlet;
use crate::reactor::{Events, TimerId};
use crate::trace::{State, Wait};

/// What a timer does when it fires.
pub(super) enum TimerEntry {
    /// Wake a task with [`Wake::Timer`].
    Wake(Token),
    /// Deliver [`Wake::Timeout`] to a task, wherever it waits.
    Timeout(Rc<Task>, u64),
}

impl Hub {
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
    pub(super) fn run(&self) -> ! {
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
        let io_waiting = self.io.borrow().waiting() > 0;
        if busy && !has_timers && !io_waiting {
            return;
        }
        let timeout = if busy {
            Some(Duration::ZERO)
        } else {
            let next = self.timers.borrow_mut().next_deadline();
            match next {
                Some(deadline) => Some(deadline.saturating_duration_since(Instant::now())),
                None if io_waiting => None,
                None => return self.deadlock(),
            }
        };
        if timeout != Some(Duration::ZERO) {
            self.record(State::Waiting(if io_waiting { Wait::Io } else { Wait::Timer }));
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
}

#[cold]
fn hub_failed(e: greenlet::GreenletError) -> ! {
    panic!("gevent: the hub failed: {e}");
}

/// Parks the current task (see [`Hub::park`]) and acts on why it woke.
pub(crate) fn wait(wait: Wait) {
    deliver(hub().park(wait));
}
