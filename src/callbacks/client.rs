//! A client conversation on callbacks: connect, then rounds of "send a
//! request, receive until the answer is whole", for the scenarios' echo
//! clients and crawlers.
//!
//! The blocking client is a loop: `write_all(request); read until whole;
//! check; next`. On callbacks that loop becomes a [`Conversation`], the
//! protocol's half (what to send first, when an answer is whole, what to
//! send after it), and [`converse`], the loop's half: a socket and a
//! phase, and callbacks that move from one phase to the next.
//!
//! ```text
//!   Connecting ──writable──▶ Sending ──all written──▶ Receiving ──answer whole──┐
//!   (connect started)        (WRITE)                  (READ)                    │
//!                               ▲                                               │
//!                               └────────── Next::Send(bytes) ◀── answer() ◀────┘
//!                                                       Next::Done ──▶ finished(Ok)
//! ```
//!
//! asyncio's own shape for this is a `Protocol` (`connection_made`,
//! `data_received`) over a `Transport`; this is that, reduced to one
//! request at a time. Each round has a deadline (the timeout), a timer
//! cancelled when the answer arrives.
#![forbid(unsafe_code)]

use super::{EVENT_READ, EVENT_WRITE, EventLoop, Interest, Key, TimerHandle};
use crate::trace::{self, State, TaskId, Wait};
use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::{Rc, Weak};
use std::time::Duration;

/// What to do after connecting or after an answer.
#[derive(Debug)]
pub enum Next {
    /// Send these bytes, then wait for their answer.
    Send(Vec<u8>),
    /// The conversation is over: close.
    Done,
}

/// The protocol's half of a conversation: called by the loop's half,
/// [`converse`], at each step.
pub trait Conversation: 'static {
    /// The connection is up: what to send first.
    fn connected(&mut self, lp: &mut EventLoop) -> Next;
    /// Whether `received` holds a whole answer: its length, if so; an
    /// error ends the conversation.
    fn whole(&self, received: &[u8]) -> Result<Option<usize>, String>;
    /// A whole answer arrived: what to send next.
    fn answer(&mut self, lp: &mut EventLoop, answer: &[u8]) -> Result<Next, String>;
    /// The conversation ended: `Ok` after [`Next::Done`], or why it
    /// stopped (a connect, read or write error, a timeout, a bad answer).
    fn finished(&mut self, lp: &mut EventLoop, result: Result<(), String>);
}

/// How a conversation ended, as a step's error: `Ok` when it said
/// [`Next::Done`], or why it stopped. A step returns `Err(ended)` to end it.
type Ended = Result<(), String>;

/// Where a conversation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Connecting,
    Sending,
    Receiving,
}

/// The loop's half: the conversation and everything between callbacks.
struct Talk<C> {
    conversation: C,
    phase: Phase,
    out: Vec<u8>,
    written: usize,
    received: Vec<u8>,
    timeout: Duration,
    timer: Option<TimerHandle>,
    lane: TaskId,
}

// ANCHOR: converse
/// Connects to `addr` and runs `conversation` on `lp`: returns at once,
/// the loop does the rest. Each round (and the connect) must finish
/// within `timeout`. `lane` is the trace task the conversation is drawn
/// as (`TaskId::NONE` for none).
pub fn converse<C: Conversation>(
    lp: &mut EventLoop,
    addr: SocketAddr,
    timeout: Duration,
    lane: TaskId,
    conversation: C,
) {
    let talk = Talk {
        conversation,
        phase: Phase::Connecting,
        out: Vec::new(),
        written: 0,
        received: Vec::new(),
        timeout,
        timer: None,
        lane,
    };
    let talk = Rc::new(RefCell::new(talk));
    trace::record(lane, State::Running);
    let stream = match super::net::connect(addr) {
        Ok(stream) => stream,
        Err(e) => return end(lp, None, &mut talk.borrow_mut(), Err(format!("connect: {e}"))),
    };
    let me = Rc::downgrade(&talk);
    let registered = lp.register(Rc::new(stream), EVENT_WRITE, {
        let talk = Rc::clone(&talk);
        move |lp, key, events| on_ready(lp, key, &mut talk.borrow_mut(), events, &me)
    });
    let mut this = talk.borrow_mut();
    match registered {
        Ok(key) => {
            trace::record(lane, State::Waiting(Wait::Io));
            arm(lp, key, &mut this, &Rc::downgrade(&talk));
        }
        Err(e) => end(lp, None, &mut this, Err(format!("connect: {e}"))),
    }
}
// ANCHOR_END: converse

/// The socket is ready: finish connecting, write some or read some.
fn on_ready<C: Conversation>(
    lp: &mut EventLoop,
    key: Key,
    this: &mut Talk<C>,
    events: Interest,
    me: &Weak<RefCell<Talk<C>>>,
) {
    trace::record(this.lane, State::Running);
    let stepped = match this.phase {
        Phase::Connecting if events.write => connected(lp, key, this),
        Phase::Sending if events.write => send(lp, key, this),
        Phase::Receiving if events.read => receive(lp, key, this),
        _ => Ok(false),
    };
    match stepped {
        Ok(true) => arm(lp, key, this, me), // a new round: a new deadline
        Ok(false) => {}
        Err(why) => return end(lp, Some(key), this, why),
    }
    if lp.is_registered(key) {
        trace::record(this.lane, State::Waiting(Wait::Io));
    }
}

/// The connect finished: how did it go, and what is sent first.
fn connected<C: Conversation>(lp: &mut EventLoop, key: Key, this: &mut Talk<C>) -> Result<bool, Ended> {
    let stream = lp.source::<TcpStream>(key).expect("registered");
    super::net::connected(&stream).map_err(|e| Err(format!("connect: {e}")))?;
    let next = this.conversation.connected(lp);
    start_round(lp, key, this, next).map(|()| true)
}

/// Sends `next`, or ends the conversation.
fn start_round<C: Conversation>(
    lp: &mut EventLoop,
    key: Key,
    this: &mut Talk<C>,
    next: Next,
) -> Result<(), Ended> {
    match next {
        Next::Done => Err(Ok(())),
        Next::Send(bytes) => {
            this.out = bytes;
            this.written = 0;
            this.phase = Phase::Sending;
            send(lp, key, this).map(drop) // asks for EVENT_WRITE only if it must wait
        }
    }
}

/// Writes what the socket takes; once all is written, waits for the answer.
fn send<C: Conversation>(lp: &mut EventLoop, key: Key, this: &mut Talk<C>) -> Result<bool, Ended> {
    let stream = lp.source::<TcpStream>(key).expect("registered");
    while this.written < this.out.len() {
        match (&*stream).write(&this.out[this.written..]) {
            Ok(0) => return Err(Err("write: the connection closed".into())),
            Ok(n) => this.written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // The rest when there is room (a request usually fits at once,
                // so the usual round costs no interest change at all).
                lp.modify(key, EVENT_WRITE).map_err(|e| Err(e.to_string()))?;
                return Ok(false);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Err(format!("write: {e}"))),
        }
    }
    this.phase = Phase::Receiving;
    lp.modify(key, EVENT_READ).map_err(|e| Err(e.to_string()))?;
    Ok(false)
}

/// Reads what is there; hands a whole answer to the conversation.
fn receive<C: Conversation>(lp: &mut EventLoop, key: Key, this: &mut Talk<C>) -> Result<bool, Ended> {
    let stream = lp.source::<TcpStream>(key).expect("registered");
    let mut chunk = [0u8; 8192];
    match (&*stream).read(&mut chunk) {
        Ok(0) => return Err(Err("read: the server closed the connection".into())),
        Ok(n) => this.received.extend_from_slice(&chunk[..n]),
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => {
            return Ok(false);
        }
        Err(e) => return Err(Err(format!("read: {e}"))),
    }
    let Some(used) = this.conversation.whole(&this.received).map_err(Err)? else {
        return Ok(false); // not whole yet: wait for more
    };
    let answer: Vec<u8> = this.received.drain(..used).collect();
    let next = this.conversation.answer(lp, &answer).map_err(Err)?;
    start_round(lp, key, this, next).map(|()| true)
}

/// Sets the round's deadline (cancelling the last round's).
fn arm<C: Conversation>(lp: &mut EventLoop, key: Key, this: &mut Talk<C>, me: &Weak<RefCell<Talk<C>>>) {
    if let Some(timer) = this.timer.take() {
        lp.cancel(timer);
    }
    let me = Weak::clone(me);
    let timeout = this.timeout;
    this.timer = Some(lp.call_later(timeout, move |lp| {
        if let Some(talk) = me.upgrade() {
            let mut this = talk.borrow_mut();
            this.timer = None;
            end(lp, Some(key), &mut this, Err(format!("no answer within {timeout:?}")));
        }
    }));
}

/// Ends the conversation: closes, tells it how it went.
fn end<C: Conversation>(
    lp: &mut EventLoop,
    key: Option<Key>,
    this: &mut Talk<C>,
    result: Result<(), String>,
) {
    if let Some(timer) = this.timer.take() {
        lp.cancel(timer);
    }
    if let Some(key) = key {
        let _ = lp.unregister(key);
    }
    trace::record(this.lane, State::Running);
    this.conversation.finished(lp, result);
    trace::record(this.lane, State::Done);
}
