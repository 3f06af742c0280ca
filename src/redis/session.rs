//! One client connection's conversation with the mini-redis, without IO.
//!
//! A server on any backend reads bytes, hands them to
//! [`Session::received`], calls [`Session::run`] with the store, writes
//! [`Session::output`], and does what `run` says next:
//!
//! ```text
//!        bytes in                          replies out
//!   read() ──> received() ──> run(store) ──> output() ──> write_all()
//!                                │
//!          Next::Read ───────────┤ read more (pipelined commands all ran)
//!          Next::Wait(deadline) ─┤ a BRPOP waits: park until a push or the
//!                                │ deadline, then run() again
//!          Next::Close ──────────┘ QUIT or bad protocol: write, then close
//! ```
//!
//! Pipelining falls out of this shape: every whole command in the buffer
//! runs before the next read, and all their replies go out in one write.
//! A blocked `BRPOP` holds back the commands behind it, as in redis.
#![forbid(unsafe_code)]

use super::command::{self, Blocked, Reply};
use super::resp::{self, Limits, Value};
use super::store::Store;
use std::time::Instant;

/// What the connection does after [`Session::run`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Write the output, then read more.
    Read,
    /// Write the output, then wait until a list is pushed to (or the
    /// deadline, if any) and call `run` again.
    Wait(Option<Instant>),
    /// Write the output, then close the connection.
    Close,
}

/// The state of one connection. See the module docs.
#[derive(Debug, Default)]
pub struct Session {
    input: Vec<u8>,
    output: Vec<u8>,
    limits: Limits,
    blocked: Option<(Blocked, Option<Instant>)>,
    commands: u64,
}

impl Session {
    /// A new connection's session, with the default [`Limits`].
    pub fn new() -> Session {
        Session::default()
    }

    /// A session with other limits (tests use small ones).
    pub fn with_limits(limits: Limits) -> Session {
        Session { limits, ..Session::default() }
    }

    /// Appends bytes read from the client.
    pub fn received(&mut self, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
    }

    /// The replies to write.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Forgets the replies once written.
    pub fn clear_output(&mut self) {
        self.output.clear();
    }

    /// How many commands this connection has run.
    pub fn commands(&self) -> u64 {
        self.commands
    }

    // ANCHOR: run
    /// Runs every whole command received, appending the replies to the
    /// output, until one blocks, the buffer holds no whole command, or the
    /// connection must close.
    pub fn run(&mut self, store: &mut Store, now: Instant) -> Next {
        if let Some((blocked, deadline)) = &self.blocked {
            match blocked.try_pop(store, now) {
                Some(reply) => reply.encode(&mut self.output),
                None if deadline.is_some_and(|d| now >= d) => Blocked::timed_out().encode(&mut self.output),
                None => return Next::Wait(*deadline),
            }
            self.blocked = None;
        }
        // Commands are taken by moving `start`; the input is shifted once
        // per call, not once per command (a pipeline of 1,000 would move
        // its tail 1,000 times).
        let mut start = 0;
        let next = self.run_commands(store, now, &mut start);
        self.input.drain(..start);
        next
    }

    fn run_commands(&mut self, store: &mut Store, now: Instant, start: &mut usize) -> Next {
        loop {
            let (args, used) = match resp::parse_command(&self.input[*start..], &self.limits) {
                Ok(Some(parsed)) => parsed,
                Ok(None) => return Next::Read,
                Err(e) => {
                    // As redis does: say what was wrong, then hang up, since
                    // nothing after a framing error can be trusted.
                    Value::error(format!("ERR {e}")).encode(&mut self.output);
                    return Next::Close;
                }
            };
            *start += used;
            if args.is_empty() {
                continue; // `*0` or `*-1`: nothing to run
            }
            self.commands += 1;
            match command::execute(store, &args, now) {
                Reply::Value(v) => v.encode(&mut self.output),
                Reply::Close(v) => {
                    v.encode(&mut self.output);
                    return Next::Close;
                }
                Reply::Block(blocked) => {
                    let deadline = blocked.timeout.map(|t| now + t);
                    self.blocked = Some((blocked, deadline));
                    return Next::Wait(deadline);
                }
            }
        }
    }
    // ANCHOR_END: run
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn command(args: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        resp::encode_command(args, &mut out);
        out
    }

    #[test]
    fn pipelined_commands_all_run_before_the_next_read() {
        let (mut store, mut session, now) = (Store::new(), Session::new(), Instant::now());
        let mut wire = command(&["SET", "k", "v"]);
        wire.extend(command(&["GET", "k"]));
        wire.extend(&command(&["INCR", "n"])[..5]); // half a command
        session.received(&wire);
        assert_eq!(session.run(&mut store, now), Next::Read);
        assert_eq!(session.output(), b"+OK\r\n$1\r\nv\r\n");
        session.clear_output();
        session.received(&command(&["INCR", "n"])[5..]);
        assert_eq!(session.run(&mut store, now), Next::Read);
        assert_eq!(session.output(), b":1\r\n");
        assert_eq!(session.commands(), 3);
    }

    #[test]
    fn a_blocked_brpop_holds_back_later_commands_until_a_push() {
        let (mut store, mut session, now) = (Store::new(), Session::new(), Instant::now());
        let mut wire = command(&["BRPOP", "q", "5"]);
        wire.extend(command(&["PING"]));
        session.received(&wire);
        assert_eq!(session.run(&mut store, now), Next::Wait(Some(now + Duration::from_secs(5))));
        assert!(session.output().is_empty());
        store.push(b"q", vec![b"job".to_vec()], true, now).unwrap();
        assert_eq!(session.run(&mut store, now), Next::Read);
        assert_eq!(session.output(), b"*2\r\n$1\r\nq\r\n$3\r\njob\r\n+PONG\r\n");
    }

    #[test]
    fn a_brpop_past_its_deadline_answers_nil() {
        let (mut store, mut session, now) = (Store::new(), Session::new(), Instant::now());
        session.received(&command(&["BRPOP", "q", "0.1"]));
        assert!(matches!(session.run(&mut store, now), Next::Wait(Some(_))));
        assert_eq!(session.run(&mut store, now + Duration::from_millis(100)), Next::Read);
        assert_eq!(session.output(), b"*-1\r\n");
    }

    #[test]
    fn bad_framing_gets_an_error_then_close() {
        let (mut store, mut session, now) = (Store::new(), Session::new(), Instant::now());
        session.received(b"*1\r\n$99999999999\r\n");
        assert_eq!(session.run(&mut store, now), Next::Close);
        assert!(
            session.output().starts_with(b"-ERR Protocol error"),
            "{:?}",
            String::from_utf8_lossy(session.output())
        );
    }

    #[test]
    fn inline_commands_work_as_in_nc() {
        let (mut store, mut session, now) = (Store::new(), Session::new(), Instant::now());
        session.received(b"PING\r\nQUIT\r\nPING\r\n");
        assert_eq!(session.run(&mut store, now), Next::Close);
        assert_eq!(session.output(), b"+PONG\r\n+OK\r\n");
    }

    /// A seeded fuzz loop: random and truncated input never panics, and
    /// every run ends in one of the three answers.
    #[test]
    fn random_input_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces: &[&[u8]] = &[
            b"*",
            b"$",
            b"+",
            b"-",
            b":",
            b"\r\n",
            b"3",
            b"-1",
            b"99999999999",
            b"SET",
            b"GET",
            b"BRPOP",
            b"0",
            b"k",
            b"\"",
            b" ",
        ];
        let limits = Limits { max_bulk: 1024, max_array: 16, max_line: 256, max_depth: 4 };
        let now = Instant::now();
        for _ in 0..5000 {
            let (mut store, mut session) = (Store::new(), Session::with_limits(limits));
            let len = next() % 24;
            let input: Vec<u8> =
                (0..len).flat_map(|_| pieces[(next() % pieces.len() as u64) as usize].to_vec()).collect();
            session.received(&input);
            let _ = session.run(&mut store, now);
            assert!(session.input.len() <= input.len());
        }
    }
}
