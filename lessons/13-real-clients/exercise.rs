//! Lesson 13 exercise: a reader that loses no byte, and a work queue.
//!
//! Two functions to write, both on aio. `corolab check 13` runs the tests
//! in `tests.rs`; they fail until both are done. `solution.rs` has one
//! answer.
//!
//! 1. [`read_response`]: read ONE HTTP/1.1 response from `reader`
//!    (`corolab::aio::streams::StreamReader`): the status line and the
//!    headers with `reader.readline()` until the empty line, each without
//!    its `\r\n`; then exactly `Content-Length` bytes of body with
//!    `reader.readexactly(n)` (no `Content-Length`: an empty body).
//!    Return `(lines, body)`. The tests send two responses back to back on
//!    one connection, in 3-byte pieces: whatever the reader read ahead of
//!    the first body must still be there for the second response.
//! 2. [`consume`]: a work-queue consumer on redis lists: `redis.brpop(&[queue],
//!    JOB_WAIT)` again and again, keeping each job's value as a `String`,
//!    until the value is `"stop"`; return the jobs (without the `"stop"`).
//!    A `None` (no job within `JOB_WAIT`) is an error:
//!    `RedisError::Io(io::Error::new(io::ErrorKind::TimedOut, ...))`.
//!    The tests run two consumers and one producer at once, on one loop,
//!    and check that every job was done exactly once.

use corolab::aio::streams::{StreamError, StreamReader};
use corolab::redis::{AsyncClient, RedisError};
use std::time::Duration;

/// How long a consumer waits for a job before it gives up.
pub const JOB_WAIT: Duration = Duration::from_secs(10);

/// Reads one response: its head lines (status line first) and its body.
pub async fn read_response(reader: &mut StreamReader) -> Result<(Vec<String>, Vec<u8>), StreamError> {
    let _ = reader;
    todo!("TODO 1: readline until the empty line, then readexactly(Content-Length)")
}

/// Takes jobs from `queue` until the job `"stop"`; returns the jobs done.
pub async fn consume(redis: &mut AsyncClient, queue: &str) -> Result<Vec<String>, RedisError> {
    let _ = (redis, queue);
    todo!("TODO 2: loop over redis.brpop(&[queue], JOB_WAIT) until \"stop\"")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
