// ANCHOR: solution
//! Lesson 08: the state machine inside an async fn, solved.

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

// ANCHOR: poll
impl Future for Greet {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let state = &mut *self; // every field is Unpin, so Greet is
        loop {
            *state = match std::mem::replace(state, Greet::Done) {
                Greet::Start { name, delay, log } => {
                    let greeting = format!("hello, {name}");
                    Greet::First { name, delay, log, greeting, sleep: aio::sleep(delay) }
                }
                Greet::First { name, delay, log, greeting, mut sleep } => {
                    if Pin::new(&mut sleep).poll(cx).is_pending() {
                        *state = Greet::First { name, delay, log, greeting, sleep };
                        return Poll::Pending;
                    }
                    log.borrow_mut().push(greeting.clone());
                    Greet::Second { name, log, greeting, sleep: aio::sleep(delay) }
                }
                Greet::Second { name, log, greeting, mut sleep } => {
                    if Pin::new(&mut sleep).poll(cx).is_pending() {
                        *state = Greet::Second { name, log, greeting, sleep };
                        return Poll::Pending;
                    }
                    log.borrow_mut().push(format!("bye, {name}"));
                    return Poll::Ready(greeting.len());
                }
                Greet::Done => panic!("Greet polled after it returned"),
            };
        }
    }
}
// ANCHOR_END: poll
// ANCHOR_END: solution

#[cfg(test)]
mod tests;
