//! Lesson 04: select and callbacks. Fill in the two TODOs, then run
//! `corolab check 04` until it says the lesson is solved.
//!
//! An echo connection on the callbacks loop, as the articles' `select`
//! server has it: a message queue per connection, and write interest only
//! while the queue holds bytes the socket would not take at once.

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

/// Writes what the socket takes of the queue, without blocking. If bytes
/// are left, waits for the socket to be writable (and only that: a client
/// that does not read must not make us buffer without end); once all is
/// written, empties the queue and waits to read again.
pub fn flush(lp: &mut EventLoop, key: Key, stream: &TcpStream, queue: &mut Queue) -> io::Result<()> {
    let _ = (lp, key, stream, queue, EVENT_WRITE, <&TcpStream as Write>::write);
    todo!(
        "TODO 1: write queue.bytes[queue.sent..] until it is all sent or the socket says WouldBlock; \
         then lp.modify(key, EVENT_WRITE) if bytes are left, else empty the queue and lp.modify(key, EVENT_READ)"
    )
}

/// The connection's callback: the loop calls it with the events the
/// socket is ready for. Readable: read what is there and queue it (end of
/// stream: unregister, which closes). Writable: flush. Returns whether
/// the connection is still open.
pub fn on_ready(lp: &mut EventLoop, key: Key, events: Interest, queue: &mut Queue) -> io::Result<bool> {
    let stream = lp.source::<TcpStream>(key).expect("the loop calls us only while registered");
    let _ = (&stream, events, queue, <&TcpStream as Read>::read);
    todo!(
        "TODO 2: writable: flush. Readable: read into a buffer; 0 bytes: lp.unregister(key) and Ok(false); \
         else append to queue.bytes and flush. Ok(true) while open"
    )
}

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

#[cfg(test)]
mod tests;
