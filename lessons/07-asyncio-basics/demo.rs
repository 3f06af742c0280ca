//! Lesson 07's demo in Rust: `corolab demo 07`. The same story as
//! `original.py`, line for line, on corolab's `aio` loop, so the two logs can
//! be read side by side: callbacks, a future set by a callback, then
//! `gather`, `as_completed` and `wait(FirstCompleted)` on three sleepers. (It
//! uses the calls the exercise asks for: solve the exercise first to find
//! them yourself.)

use super::say;
use corolab::aio::{self, AsyncIterator, ReturnWhen, SettableFuture, Task};
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A future that a `call_later` callback sets after `delay`.
fn deliver_later<T: 'static>(delay: Duration, value: T) -> SettableFuture<T> {
    let future = aio::create_future();
    let setter = future.clone();
    aio::call_later(delay, move || {
        let _ = setter.set_result(value);
    });
    future
}

async fn sleeper(i: usize, delay: u64) -> usize {
    aio::sleep(ms(delay)).await;
    say(format_args!("task {i} woke after {delay} ms"));
    i
}

fn spawn_sleepers(delays: &[u64]) -> Vec<Task<usize>> {
    delays.iter().enumerate().map(|(i, &d)| aio::spawn(sleeper(i, d))).collect()
}

pub fn main() {
    aio::run(async {
        say("-- callbacks: call_soon at the next turn, call_later after its delay");
        aio::call_later(ms(50), || say("call_later(50 ms) ran"));
        aio::call_soon(|| say("call_soon #1 ran"));
        aio::call_soon(|| say("call_soon #2 ran"));
        say("callbacks scheduled; nothing has run yet");
        aio::sleep(ms(100)).await;

        say("-- futures: a callback sets it, the awaiting task wakes");
        let future = deliver_later(ms(100), "hello");
        say(format_args!("future done? {}", future.done()));
        say(format_args!("awaited: {:?}", future.clone().await));
        if let Err(e) = future.set_result("again") {
            say(format_args!("set_result twice: Err({e:?}) (a future is set once)"));
        }

        let delays = [300, 100, 200];

        say("-- gather: results in argument order");
        let all = aio::gather(spawn_sleepers(&delays)).await;
        say(format_args!("gather -> {:?}", all.unwrap_or_default()));

        say("-- as_completed: results in completion order");
        let mut finished = aio::as_completed(spawn_sleepers(&delays));
        let mut order = Vec::new();
        while let Some(result) = finished.next().await {
            order.extend(result);
        }
        say(format_args!("as_completed -> {order:?}"));

        say("-- wait(FirstCompleted): the first done, the others still running");
        let (done, pending) = aio::wait(spawn_sleepers(&delays), ReturnWhen::FirstCompleted, None).await;
        let mut first = Vec::new();
        for task in done {
            first.extend(task.await);
        }
        say(format_args!("first -> {first:?}, {} pending", pending.len()));
        let mut rest = aio::gather(pending).await.unwrap_or_default();
        rest.sort();
        say(format_args!("the rest -> {rest:?}"));
    });
}
