//! A redis client over any blocking stream: a `std::net::TcpStream` on the
//! threads backend, a `gevent::net::TcpStream` in a greenlet (the same
//! code, yielding to the hub instead of blocking the thread: what monkey
//! patching buys Python's redis-py under gevent).
//!
//! ```no_run
//! use corolab::redis::Client;
//!
//! let mut redis = Client::connect("127.0.0.1:6379")?;
//! redis.set("greeting", "hello")?;
//! assert_eq!(redis.get("greeting")?, Some(b"hello".to_vec()));
//! // Pipelining: send many, then read many, one round trip for all.
//! let replies = redis.pipeline(&[vec!["INCR", "n"], vec!["INCR", "n"]])?;
//! assert_eq!(replies.len(), 2);
//! # Ok::<(), corolab::redis::RedisError>(())
//! ```
//!
//! Errors the server replies with (`-ERR ...`, `-WRONGTYPE ...`) come back
//! as values from [`Client::command`] and as [`RedisError::Server`] from
//! the typed methods; a server that goes away mid-command is an IO error
//! (`UnexpectedEof`), never a hang.
#![forbid(unsafe_code)]

use super::reply;
use super::resp::{self, Limits, ProtocolError, Value};
use crate::streambuf::StreamError;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// A field and its value (`HGETALL`), or a list and its value (`BRPOP`).
pub type Pair = (Vec<u8>, Vec<u8>);

/// What can go wrong talking to redis.
#[derive(Debug)]
pub enum RedisError {
    /// The connection failed, or closed mid-reply.
    Io(io::Error),
    /// The server's bytes were not RESP2.
    Protocol(ProtocolError),
    /// The server answered with an error reply.
    Server(String),
    /// The server answered with a value of another type than the command's.
    Unexpected(Value),
}

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisError::Io(e) => write!(f, "redis connection: {e}"),
            RedisError::Protocol(e) => write!(f, "redis sent bytes that are not RESP2: {e}"),
            RedisError::Server(e) => write!(f, "redis replied: {e}"),
            RedisError::Unexpected(v) => write!(f, "redis replied with an unexpected value: {v:?}"),
        }
    }
}

impl std::error::Error for RedisError {}

impl From<io::Error> for RedisError {
    fn from(e: io::Error) -> RedisError {
        RedisError::Io(e)
    }
}

impl From<StreamError> for RedisError {
    /// An end of stream mid-reply is the server going away.
    fn from(e: StreamError) -> RedisError {
        match e {
            StreamError::Io(e) => RedisError::Io(e),
            StreamError::IncompleteRead { .. } => RedisError::Io(vanished()),
            StreamError::LimitOverrun { limit } => {
                RedisError::Io(io::Error::other(format!("a reply line longer than {limit} bytes")))
            }
        }
    }
}

/// The error of a server that closed the connection before its reply.
pub(crate) fn vanished() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection mid-reply")
}

/// A redis client over a blocking stream. See the module docs.
#[derive(Debug)]
pub struct Client<S> {
    stream: S,
    buf: Vec<u8>,
    out: Vec<u8>,
    limits: Limits,
    broken: bool,
}

impl Client<TcpStream> {
    /// Connects over TCP (names such as `localhost` are resolved).
    pub fn connect(addr: impl ToSocketAddrs) -> io::Result<Client<TcpStream>> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Client::new(stream))
    }

    /// Gives up on a reply that takes longer than `timeout` (`None`: wait
    /// for ever, as a `BRPOP key 0` must).
    pub fn set_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.stream.set_read_timeout(timeout)
    }
}

impl<S: Read + Write> Client<S> {
    /// A client over an open stream.
    pub fn new(stream: S) -> Client<S> {
        Client { stream, buf: Vec::new(), out: Vec::new(), limits: Limits::default(), broken: false }
    }

    /// Sends one command and reads its reply; an error reply is a value.
    pub fn command<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Value, RedisError> {
        self.out.clear();
        resp::encode_command(args, &mut self.out);
        if let Err(e) = self.stream.write_all(&self.out) {
            self.broken = true;
            return Err(e.into());
        }
        self.read_reply()
    }

    // ANCHOR: pipeline
    /// Sends every command, then reads every reply: one round trip for
    /// the lot instead of one per command.
    pub fn pipeline<A: AsRef<[u8]>>(&mut self, commands: &[Vec<A>]) -> Result<Vec<Value>, RedisError> {
        self.out.clear();
        for command in commands {
            resp::encode_command(command, &mut self.out);
        }
        if let Err(e) = self.stream.write_all(&self.out) {
            self.broken = true;
            return Err(e.into());
        }
        (0..commands.len()).map(|_| self.read_reply()).collect()
    }
    // ANCHOR_END: pipeline

    /// Whether a command failed mid-way (the connection broke, or the
    /// server's bytes were not RESP2): the stream is then out of step with
    /// the server and the client should be dropped (a pool does).
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    fn read_reply(&mut self) -> Result<Value, RedisError> {
        let reply = self.read_reply_inner();
        if matches!(reply, Err(RedisError::Io(_) | RedisError::Protocol(_))) {
            self.broken = true;
        }
        reply
    }

    fn read_reply_inner(&mut self) -> Result<Value, RedisError> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match resp::parse(&self.buf, &self.limits) {
                Ok(Some((value, used))) => {
                    self.buf.drain(..used);
                    return Ok(value);
                }
                Ok(None) => {}
                Err(e) => return Err(RedisError::Protocol(e)),
            }
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(RedisError::Io(vanished()));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// `PING`: true when the server answers `PONG`.
    pub fn ping(&mut self) -> Result<bool, RedisError> {
        reply::pong(self.command(&["PING"])?)
    }

    /// `GET key`.
    pub fn get(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, RedisError> {
        reply::optional_bulk(self.command(&[b"GET".as_slice(), key.as_ref()])?)
    }

    /// `SET key value`.
    pub fn set(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<(), RedisError> {
        self.set_with(key, value, &[]).map(drop)
    }

    /// `SET key value` with options (`["EX", "10"]`, `["NX"]`): whether the
    /// value was set (`NX` and `XX` may refuse).
    pub fn set_with(
        &mut self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        options: &[&str],
    ) -> Result<bool, RedisError> {
        let mut args: Vec<&[u8]> = vec![b"SET", key.as_ref(), value.as_ref()];
        args.extend(options.iter().map(|o| o.as_bytes()));
        reply::set(self.command(&args)?)
    }

    /// `DEL key...`: how many existed.
    pub fn del<K: AsRef<[u8]>>(&mut self, keys: &[K]) -> Result<i64, RedisError> {
        let mut args: Vec<&[u8]> = vec![b"DEL"];
        args.extend(keys.iter().map(AsRef::as_ref));
        reply::integer(self.command(&args)?)
    }

    /// `INCR key`: the new value.
    pub fn incr(&mut self, key: impl AsRef<[u8]>) -> Result<i64, RedisError> {
        reply::integer(self.command(&[b"INCR".as_slice(), key.as_ref()])?)
    }

    /// `EXPIRE key seconds`: whether the key existed.
    pub fn expire(&mut self, key: impl AsRef<[u8]>, seconds: u64) -> Result<bool, RedisError> {
        let seconds = seconds.to_string();
        Ok(reply::integer(self.command(&[b"EXPIRE".as_slice(), key.as_ref(), seconds.as_bytes()])?)? == 1)
    }

    /// `TTL key`: seconds left, -1 with no expiry, -2 when missing.
    pub fn ttl(&mut self, key: impl AsRef<[u8]>) -> Result<i64, RedisError> {
        reply::integer(self.command(&[b"TTL".as_slice(), key.as_ref()])?)
    }

    /// `HSET key field value [field value ...]`: how many fields are new.
    pub fn hset<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        key: impl AsRef<[u8]>,
        pairs: &[(F, V)],
    ) -> Result<i64, RedisError> {
        let mut args: Vec<&[u8]> = vec![b"HSET", key.as_ref()];
        for (f, v) in pairs {
            args.push(f.as_ref());
            args.push(v.as_ref());
        }
        reply::integer(self.command(&args)?)
    }

    /// `HGETALL key`: the fields and values, in the server's order.
    pub fn hgetall(&mut self, key: impl AsRef<[u8]>) -> Result<Vec<Pair>, RedisError> {
        reply::pairs(self.command(&[b"HGETALL".as_slice(), key.as_ref()])?)
    }

    /// `LPUSH key value...`: the list's new length.
    pub fn lpush<V: AsRef<[u8]>>(&mut self, key: impl AsRef<[u8]>, values: &[V]) -> Result<i64, RedisError> {
        let mut args: Vec<&[u8]> = vec![b"LPUSH", key.as_ref()];
        args.extend(values.iter().map(AsRef::as_ref));
        reply::integer(self.command(&args)?)
    }

    /// `RPOP key`.
    pub fn rpop(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, RedisError> {
        reply::optional_bulk(self.command(&[b"RPOP".as_slice(), key.as_ref()])?)
    }

    /// `BRPOP key... timeout`: the list it came from and the value, or
    /// `None` at the timeout (`Duration::ZERO` waits for ever).
    pub fn brpop<K: AsRef<[u8]>>(
        &mut self,
        keys: &[K],
        timeout: Duration,
    ) -> Result<Option<Pair>, RedisError> {
        let timeout = reply::seconds(timeout);
        let mut args: Vec<&[u8]> = vec![b"BRPOP"];
        args.extend(keys.iter().map(AsRef::as_ref));
        args.push(timeout.as_bytes());
        reply::popped(self.command(&args)?)
    }
}
