// ANCHOR: solution
//! Lesson 04: select and callbacks, solved.

use corolab::callbacks::{EVENT_READ, EVENT_WRITE, EventLoop, Interest, Key};
use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::rc::Rc;

/// One connection's message queue (the articles' `message_queues[s]`):
/// the bytes it read and has not sent back yet, from `sent` on.
#[derive(Debug, Default)]
pub struct Queue {
    /// What was read and is to be echoed.
    pub bytes: Vec<u8>,
    /// How much of it is already written.
    pub sent: usize,
}

// ANCHOR: flush
/// Writes what the socket takes of the queue, without blocking. If bytes
/// are left, waits for the socket to be writable (and only that: a client
/// that does not read must not make us buffer without end); once all is
/// written, empties the queue and waits to read again.
pub fn flush(lp: &mut EventLoop, key: Key, stream: &TcpStream, queue: &mut Queue) -> io::Result<()> {
    let mut stream = stream;
    while queue.sent < queue.bytes.len() {
        match stream.write(&queue.bytes[queue.sent..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => queue.sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if queue.sent < queue.bytes.len() {
        lp.modify(key, EVENT_WRITE) // the rest when there is room
    } else {
        queue.bytes.clear();
        queue.sent = 0;
        lp.modify(key, EVENT_READ)
    }
}
// ANCHOR_END: flush

// ANCHOR: on_ready
/// The connection's callback: the loop calls it with the events the
/// socket is ready for. Readable: read what is there and queue it (end of
/// stream: unregister, which closes). Writable: flush. Returns whether
/// the connection is still open.
pub fn on_ready(lp: &mut EventLoop, key: Key, events: Interest, queue: &mut Queue) -> io::Result<bool> {
    let stream = lp.source::<TcpStream>(key).expect("the loop calls us only while registered");
    if events.write {
        flush(lp, key, &stream, queue)?;
    } else if events.read {
        let mut buf = [0u8; 4096];
        match (&*stream).read(&mut buf) {
            Ok(0) => {
                lp.unregister(key)?;
                return Ok(false);
            }
            Ok(n) => {
                queue.bytes.extend_from_slice(&buf[..n]);
                flush(lp, key, &stream, queue)?;
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}
// ANCHOR_END: on_ready

// ANCHOR: serve
/// Registers a connection with its callback: its queue is the state the
/// callback keeps between calls. (Given: the same in the exercise.)
pub fn serve(lp: &mut EventLoop, stream: TcpStream) -> io::Result<Key> {
    stream.set_nonblocking(true)?;
    let queue = RefCell::new(Queue::default());
    lp.register(Rc::new(stream), EVENT_READ, move |lp, key, events| {
        if on_ready(lp, key, events, &mut queue.borrow_mut()).is_err() {
            let _ = lp.unregister(key); // reset or broken pipe: close
        }
    })
}
// ANCHOR_END: serve
// ANCHOR_END: solution

#[cfg(test)]
mod tests;
