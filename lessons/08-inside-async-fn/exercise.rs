//! Lesson 08: the state machine inside an async fn. Write `poll` for
//! `Greet`, the hand-made future of `greet`, then run `corolab check 08`
//! until it says the lesson is solved.

use corolab::aio;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Where the coroutine writes, in order.
pub type Log = Rc<RefCell<Vec<String>>>;

// ANCHOR: greet
/// The coroutine, as an `async fn`: two awaits, and `greeting`, a local
/// that lives across both.
pub async fn greet(name: &'static str, delay: Duration, log: Log) -> usize {
    let greeting = format!("hello, {name}");
    aio::sleep(delay).await;
    log.borrow_mut().push(greeting.clone());
    aio::sleep(delay).await;
    log.borrow_mut().push(format!("bye, {name}"));
    greeting.len()
}
// ANCHOR_END: greet

/// The same coroutine as the enum of states the compiler makes of it.
#[derive(Debug)]
pub enum Greet {
    /// Not polled yet: the arguments.
    Start { name: &'static str, delay: Duration, log: Log },
    /// At the first await: what lives across it, and the sleep.
    First { name: &'static str, delay: Duration, log: Log, greeting: String, sleep: aio::Sleep },
    /// At the second await (`delay` is dead, so not kept).
    Second { name: &'static str, log: Log, greeting: String, sleep: aio::Sleep },
    /// Returned.
    Done,
}

impl Greet {
    /// The future; nothing runs until it is polled.
    pub fn new(name: &'static str, delay: Duration, log: Log) -> Greet {
        Greet::Start { name, delay, log }
    }
}

impl Future for Greet {
    type Output = usize;

    /// Moves from state to state: do what `greet` does up to its next
    /// await, store what lives across it in the next state, and return
    /// `Poll::Pending` while the sleep of the current state is pending.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let _ = (&mut *self, cx);
        todo!("loop {{ match std::mem::replace(&mut *self, Greet::Done) {{ .. }} }}: see corolab hint 08")
    }
}

#[cfg(test)]
mod tests;
