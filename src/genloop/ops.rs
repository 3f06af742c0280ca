//! The sub-operations that are not about sockets: make a task, sleep,
//! spawn, join. Each is a small generator that yields one request to the
//! loop on its task's behalf; a task runs it with
//! `co.yield_from(op, Answer::Go)`, as a `@asyncio.coroutine` ran
//! `yield from asyncio.sleep(1)`.
#![forbid(unsafe_code)]

use super::request::{Answer, Co, JoinHandle, Op, Request, Task, TaskError, Value};
use crate::generator::{Generator, Thrown};
use crate::trace;
use std::marker::PhantomData;
use std::time::Duration;

/// The stack of a task's generator.
pub const TASK_STACK: usize = crate::stack::DEFAULT_SIZE;

/// The stack of a sub-operation's generator: it only asks the loop and
/// makes a system call, so it needs far less than a task.
pub const OP_STACK: usize = 64 * 1024;

/// A sub-operation with no row of its own in the trace (its task's row
/// shows it).
pub fn op<T: 'static>(body: impl FnOnce(&Co<'_>) -> T + 'static) -> Op<T> {
    Generator::with_trace(trace::TaskId::NONE, OP_STACK, move |co, _first: Answer| body(co))
}

/// A task called `name` running `body`, to hand to [`spawn`] or
/// [`run`](super::run). The body's first input (always [`Answer::Go`]) is
/// not passed on.
pub fn task<T: 'static>(name: impl std::fmt::Display, body: impl FnOnce(&Co<'_>) -> T + 'static) -> Task {
    let trace = trace::task(&name);
    let generator =
        Generator::with_trace(trace, TASK_STACK, move |co, _first: Answer| -> Value { Box::new(body(co)) });
    let name = if trace::is_on() { name.to_string() } else { String::new() };
    Task { name, generator, trace }
}

/// A thrown error where the loop never throws: the ops give it back as an
/// IO error to the task, which is what Python's `throw` into a pending
/// `yield from` amounts to.
pub(super) fn thrown(t: Thrown) -> std::io::Error {
    std::io::Error::other(t.to_string())
}

// ANCHOR: sleep
/// Sleeps `delay`: `yield from asyncio.sleep(delay)`. Other tasks run
/// meanwhile.
pub fn sleep(delay: Duration) -> Op<()> {
    op(move |co| {
        // A throw into the sleep ends it early; nothing else to do.
        let _ = co.yield_(Request::Sleep(delay));
    })
}
// ANCHOR_END: sleep

/// Starts `task` and returns its handle at once (`asyncio.async(coro)`,
/// later `create_task`): the caller runs on until it next waits.
pub fn spawn<T: 'static>(task: Task) -> Op<JoinHandle<T>> {
    op(move |co| match co.yield_(Request::Spawn(task)) {
        Ok(Answer::Spawned(tid)) => JoinHandle { tid, _type: PhantomData },
        other => unreachable!("the loop answers a spawn with Spawned, not {other:?}"),
    })
}

/// Waits until the task finishes and returns what it returned (`yield
/// from task`).
pub fn join<T: 'static>(handle: JoinHandle<T>) -> Op<Result<T, TaskError>> {
    op(move |co| match co.yield_(Request::Join(handle.tid)) {
        Ok(Answer::Joined(Ok(value))) => value
            .downcast::<T>()
            .map(|v| *v)
            .map_err(|_| TaskError::Failed("the task returned another type".into())),
        Ok(Answer::Joined(Err(e))) => Err(e),
        Ok(other) => unreachable!("the loop answers a join with Joined, not {other:?}"),
        Err(t) => Err(TaskError::Failed(t.to_string())),
    })
}
