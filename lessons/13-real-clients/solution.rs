// ANCHOR: solution
//! Lesson 13 solution: a reader that loses no byte, and a work queue.
//!
//! `read_response` is `corolab::http::wget` reading its headers, plus the
//! body by its length; `consume` is the consumer of
//! `tests/redis_work_queue.rs`, on aio.

use corolab::aio::streams::{StreamError, StreamReader};
use corolab::redis::{AsyncClient, RedisError};
use std::io;
use std::time::Duration;

/// How long a consumer waits for a job before it gives up.
pub const JOB_WAIT: Duration = Duration::from_secs(10);

// ANCHOR: read_response
/// Reads one response: its head lines (status line first) and its body.
pub async fn read_response(reader: &mut StreamReader) -> Result<(Vec<String>, Vec<u8>), StreamError> {
    let mut lines = Vec::new();
    let mut length = 0;
    loop {
        let line = reader.readline().await?;
        let line = String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        lines.push(line);
    }
    let body = reader.readexactly(length).await?;
    Ok((lines, body))
}
// ANCHOR_END: read_response

// ANCHOR: consume
/// Takes jobs from `queue` until the job `"stop"`; returns the jobs done.
pub async fn consume(redis: &mut AsyncClient, queue: &str) -> Result<Vec<String>, RedisError> {
    let mut done = Vec::new();
    loop {
        let Some((_, job)) = redis.brpop(&[queue], JOB_WAIT).await? else {
            let waited = format!("no job on {queue} within {} s", JOB_WAIT.as_secs());
            return Err(RedisError::Io(io::Error::new(io::ErrorKind::TimedOut, waited)));
        };
        let job = String::from_utf8_lossy(&job).into_owned();
        if job == "stop" {
            return Ok(done);
        }
        done.push(job);
    }
}
// ANCHOR_END: consume
// ANCHOR_END: solution

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
