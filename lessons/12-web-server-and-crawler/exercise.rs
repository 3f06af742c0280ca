//! Lesson 12 exercise: drive the HTTP state machine, and crawl with a limit.
//!
//! Three functions to write. `corolab check 12` runs the tests in `tests.rs`;
//! they fail until both are done. `solution.rs` has one answer.
//!
//! 1. [`serve`]: serve one connection with `corolab::http::conn::Connection`.
//!    Ask `conn.step()` what to do, and do it:
//!    - `Step::Read`: `stream.read(conn.read_buf())`; `Ok(n)` goes to
//!      `conn.filled(n)`; a read timeout (`ErrorKind::WouldBlock` or
//!      `TimedOut`) goes to `conn.timed_out()`; any other error is returned;
//!    - `Step::Respond(delay)`: `sleep(delay)` if it is not zero, then write
//!      all of `conn.output()` and call `conn.written()`;
//!    - `Step::Close`: return how many responses you wrote.
//! 2. [`fetch_all`]: fetch every target from `addr` with at most
//!    `concurrency` requests in flight: `concurrency` worker threads, each
//!    with one keep-alive `corolab::http::Client` on its own `TcpStream`,
//!    taking the next target until none is left. Return the bodies in the
//!    order of `targets` (an error as a `String`).
//! 3. [`app`]: a web app of your own, with `corolab::http::App`:
//!    - `GET /greet/{name}` answers HTML `<p>Hello, NAME!</p>` with the name
//!      escaped (`escape_html`) and sent with `html_response`;
//!    - `GET /add?a=1&b=2` answers `json_response` of `{"sum": 3}`
//!      (`req.query("a")`), and 400 (`Response::text`) when a or b is not
//!      an integer.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Serves one connection until it closes; returns the responses written.
pub fn serve(stream: &mut TcpStream, sleep: impl Fn(Duration)) -> io::Result<u64> {
    let _ = (stream, sleep);
    todo!("TODO 1: loop over conn.step() (see the module docs)")
}

/// Fetches `targets` from `addr`, at most `concurrency` at once.
pub fn fetch_all(addr: SocketAddr, targets: &[String], concurrency: usize) -> Vec<Result<Vec<u8>, String>> {
    let _ = (addr, targets, concurrency);
    todo!("TODO 2: a pool of `concurrency` threads, one keep-alive Client each")
}

/// Your web app (served on a backend by the tests).
pub fn app() -> corolab::http::App {
    todo!("TODO 3: App::new().get(\"/greet/{{name}}\", ...).get(\"/add\", ...)")
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
