//! Lesson 06 exercise: a gevent echo server.
//!
//! Two functions to write. `corolab check 06` runs the tests in `tests.rs`;
//! they fail until both are done. `solution.rs` has one answer.
//!
//! 1. [`echo`]: read into a buffer until `read` returns 0 (the client
//!    closed), writing back each chunk with `write_all`; return how many
//!    bytes were echoed.
//! 2. [`serve`]: accept `connections` connections from `listener`, spawning
//!    a greenlet per connection that runs [`echo`] on it (do not echo in
//!    the accept loop itself: the next client would wait for the previous
//!    one to leave). Then join them all and return the total bytes echoed.

use corolab::gevent::{self, net::TcpListener};
use std::io::{self, Read, Write};

/// Echoes everything `stream` sends until it closes; returns the bytes echoed.
pub fn echo(mut stream: impl Read + Write) -> io::Result<u64> {
    // TODO 1
    let mut buf = [0u8; 1024];
    let _ = stream.read(&mut buf)?;
    Ok(0)
}

/// Serves `connections` connections at once, a greenlet each; returns the
/// total bytes echoed.
pub fn serve(listener: TcpListener, connections: usize) -> io::Result<u64> {
    // TODO 2
    let _ = (&listener, connections, gevent::sleep);
    Ok(0)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
