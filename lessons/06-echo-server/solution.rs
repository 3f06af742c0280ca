// ANCHOR: solution
//! Lesson 06 solution: a gevent echo server.

use corolab::gevent::{self, net::TcpListener};
use std::io::{self, Read, Write};

/// Echoes everything `stream` sends until it closes; returns the bytes echoed.
pub fn echo(mut stream: impl Read + Write) -> io::Result<u64> {
    let mut buf = [0u8; 4096];
    let mut echoed = 0;
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(echoed);
        }
        stream.write_all(&buf[..n])?;
        echoed += n as u64;
    }
}

/// Serves `connections` connections at once, a greenlet each; returns the
/// total bytes echoed.
pub fn serve(listener: TcpListener, connections: usize) -> io::Result<u64> {
    let mut handlers = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (stream, _) = listener.accept()?;
        handlers.push(gevent::spawn(move || echo(stream)));
    }
    let mut total = 0;
    for h in handlers {
        // A handler that failed (a client reset) still counts as served.
        total += h.join().map_err(|e| io::Error::other(e.to_string()))?.unwrap_or(0);
    }
    Ok(total)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
