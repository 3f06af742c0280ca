//! A blocking call on a thread of its own, waited for by one greenlet:
//! what Python's gevent does with `hub.threadpool.apply(f)` (its resolver
//! for host names works this way).
//!
//! The hub can only wait on file descriptors and timers, so the worker
//! thread tells it "done" through a socket pair: the greenlet parks on the
//! reading end as on any socket, the worker writes one byte when `f` has
//! returned, and the hub wakes the greenlet. Other greenlets run all the
//! while:
//!
//! ```text
//!   greenlet ── spawn thread ─▶ park on rx ······ wake ─▶ join ─▶ value
//!                   │                              ▲
//!   worker          └─ f() ─────────── write 1 byte┘ (tx)
//! ```
//!
//! A thread per call is what this costs, where gevent keeps a pool of
//! them: fine for the rare blocking call (a name lookup), wrong for a hot
//! path.
//!
//! ```
//! use corolab::gevent;
//! use std::time::Duration;
//!
//! let ticker = gevent::spawn(|| (0..3).map(|_| gevent::sleep(Duration::from_millis(10))).count());
//! let slow = gevent::run_in_thread(|| { std::thread::sleep(Duration::from_millis(100)); 42 })?;
//! assert_eq!(slow, 42);
//! assert_eq!(ticker.join().unwrap(), 3, "the hub ran the ticker meanwhile");
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]

use super::net::Registered;
use crate::reactor::Interest;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;

// ANCHOR: run_in_thread
/// Runs `f` on a new thread and parks the calling greenlet until it has
/// returned; a panic in `f` is an error naming it.
pub fn run_in_thread<T, F>(f: F) -> io::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (rx, mut tx) = UnixStream::pair()?;
    rx.set_nonblocking(true)?;
    let rx = Registered::new(rx)?;
    let worker = std::thread::Builder::new().name("gevent-blocking".into()).spawn(move || {
        let value = f();
        let _ = tx.write_all(b"!"); // a panic drops tx instead: end of stream
        value
    })?;
    let mut done = [0u8; 1];
    rx.retry(Interest::READ, |mut s| s.read(&mut done))?;
    // The worker has returned from `f` (or panicked): joining waits at most
    // for its thread to exit, not for the work.
    worker.join().map_err(|p| {
        io::Error::other(format!("the blocking call panicked: {}", crate::panic_message::of(&*p)))
    })
}
// ANCHOR_END: run_in_thread
