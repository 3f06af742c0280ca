//! Behaviour tests for `corolab::aio`: the loop, tasks, combinators, sync
//! primitives, threads, IO and debug mode, one module per area, all in one
//! test binary. Every test is bounded: a wedged loop fails by timeout
//! instead of hanging. Ordering tests take one start time `t0` for every
//! task they compare and sleep until `t0 + d`, so a preempted task cannot
//! reorder them.

mod combinators;
mod debug;
mod exceptions;
mod futures;
mod io;
mod loops;
mod scenarios;
mod sync;
mod tasks;
mod threads;
mod trace;

use corolab::aio;
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

pub(crate) const LIMIT: Duration = Duration::from_secs(20);

pub(crate) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `future` on a fresh loop, failing (not hanging) after `LIMIT`.
pub(crate) fn run<F: Future>(future: F) -> F::Output {
    aio::run(async { aio::wait_for(future, LIMIT).await.expect("test timed out: the loop is wedged") })
}

/// Sets a flag when dropped: proves destructors ran.
pub(crate) struct DropFlag(pub(crate) Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}
