//! A redis client on aio: the blocking [`Client`](super::Client)'s
//! commands as `async fn`s, over asyncio-style streams
//! ([`crate::aio::streams`]), so a task waiting for a reply lets the loop
//! run the others. This is what Python's `aioredis` (now
//! `redis.asyncio`) is.
//!
//! ```no_run
//! use corolab::aio;
//! use corolab::redis::AsyncClient;
//!
//! aio::run(async {
//!     let mut redis = AsyncClient::connect("localhost", 6379).await?;
//!     redis.set("greeting", "hello").await?;
//!     assert_eq!(redis.get("greeting").await?, Some(b"hello".to_vec()));
//!     let replies = redis.pipeline(&[vec!["INCR", "n"], vec!["INCR", "n"]]).await?;
//!     assert_eq!(replies.len(), 2);
//!     Ok::<(), corolab::redis::RedisError>(())
//! })?;
//! # Ok::<(), corolab::redis::RedisError>(())
//! ```
//!
//! Replies are RESP frames read with [`StreamReader::read_frame`] from the
//! reader's one buffer, so a pipelined burst is parsed where it landed.
//! An error reply is a value from [`AsyncClient::command`] and a
//! [`RedisError::Server`] from the typed methods; a server that goes away
//! mid-command is [`RedisError::Io`] (`UnexpectedEof`), and with
//! [`AsyncClient::set_timeout`] a server that stops answering is one too
//! (`TimedOut`), never a hang.
#![forbid(unsafe_code)]

use super::client::{Pair, RedisError};
use super::reply;
use super::resp::{self, Limits, Value};
use crate::aio::streams::{self, StreamReader, StreamWriter};
use std::future::Future;
use std::io;
use std::time::Duration;

/// A redis connection on an aio loop. See the module docs.
#[derive(Debug)]
pub struct AsyncClient {
    reader: StreamReader,
    writer: StreamWriter,
    limits: Limits,
    timeout: Option<Duration>,
    broken: bool,
}

impl AsyncClient {
    /// Connects to `host:port`, resolving the name off the loop.
    pub async fn connect(host: &str, port: u16) -> io::Result<AsyncClient> {
        let (reader, writer) = streams::open_connection(host, port).await?;
        writer.socket().set_nodelay(true)?;
        Ok(AsyncClient::new(reader, writer))
    }

    /// A client over open streams.
    pub fn new(reader: StreamReader, writer: StreamWriter) -> AsyncClient {
        AsyncClient { reader, writer, limits: Limits::default(), timeout: None, broken: false }
    }

    /// Gives up on a command whose reply takes longer than `timeout`
    /// (`None`, the default: wait for ever, as a `BRPOP key 0` must).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// Whether a command failed mid-way: the connection is out of step
    /// with the server and should be dropped.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Sends one command and reads its reply; an error reply is a value.
    pub async fn command<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Value, RedisError> {
        let mut out = Vec::new();
        resp::encode_command(args, &mut out);
        self.writer.write(&out);
        let mut replies = self.exchange(1).await?;
        Ok(replies.pop().expect("one reply read"))
    }

    // ANCHOR: pipeline
    /// Sends every command in one write, then reads every reply: one round
    /// trip for the lot.
    pub async fn pipeline<A: AsRef<[u8]>>(&mut self, commands: &[Vec<A>]) -> Result<Vec<Value>, RedisError> {
        let mut out = Vec::new();
        for command in commands {
            resp::encode_command(command, &mut out);
        }
        self.writer.write(&out);
        self.exchange(commands.len()).await
    }

    /// Drains what was written, then reads `replies` replies, within the
    /// timeout if there is one; any failure breaks the connection.
    async fn exchange(&mut self, replies: usize) -> Result<Vec<Value>, RedisError> {
        let limits = self.limits;
        let (reader, writer) = (&mut self.reader, &mut self.writer);
        let work = async move {
            writer.drain().await?;
            let mut values = Vec::with_capacity(replies);
            for _ in 0..replies {
                let parse = |buf: &[u8]| resp::parse(buf, &limits).map_err(RedisError::Protocol);
                values.push(reader.read_frame(parse).await?);
            }
            Ok(values)
        };
        let result = within(self.timeout, work).await;
        if result.is_err() {
            self.broken = true;
        }
        result
    }
    // ANCHOR_END: pipeline

    /// `PING`: true when the server answers `PONG`.
    pub async fn ping(&mut self) -> Result<bool, RedisError> {
        reply::pong(self.command(&["PING"]).await?)
    }

    /// `GET key`.
    pub async fn get(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, RedisError> {
        reply::optional_bulk(self.command(&[b"GET".as_slice(), key.as_ref()]).await?)
    }

    /// `SET key value`.
    pub async fn set(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<(), RedisError> {
        self.set_with(key, value, &[]).await.map(drop)
    }

    /// `SET key value` with options (`["EX", "10"]`, `["PX", "500"]`,
    /// `["NX"]`): whether the value was set.
    pub async fn set_with(
        &mut self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        options: &[&str],
    ) -> Result<bool, RedisError> {
        let mut args: Vec<&[u8]> = vec![b"SET", key.as_ref(), value.as_ref()];
        args.extend(options.iter().map(|o| o.as_bytes()));
        reply::set(self.command(&args).await?)
    }

    /// `DEL key...`: how many existed.
    pub async fn del<K: AsRef<[u8]>>(&mut self, keys: &[K]) -> Result<i64, RedisError> {
        let mut args: Vec<&[u8]> = vec![b"DEL"];
        args.extend(keys.iter().map(AsRef::as_ref));
        reply::integer(self.command(&args).await?)
    }

    /// `INCR key`: the new value.
    pub async fn incr(&mut self, key: impl AsRef<[u8]>) -> Result<i64, RedisError> {
        reply::integer(self.command(&[b"INCR".as_slice(), key.as_ref()]).await?)
    }

    /// `EXPIRE key seconds`: whether the key existed.
    pub async fn expire(&mut self, key: impl AsRef<[u8]>, seconds: u64) -> Result<bool, RedisError> {
        let seconds = seconds.to_string();
        Ok(reply::integer(self.command(&[b"EXPIRE".as_slice(), key.as_ref(), seconds.as_bytes()]).await?)?
            == 1)
    }

    /// `TTL key`: seconds left, -1 with no expiry, -2 when missing.
    pub async fn ttl(&mut self, key: impl AsRef<[u8]>) -> Result<i64, RedisError> {
        reply::integer(self.command(&[b"TTL".as_slice(), key.as_ref()]).await?)
    }

    /// `HSET key field value [field value ...]`: how many fields are new.
    pub async fn hset<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        &mut self,
        key: impl AsRef<[u8]>,
        pairs: &[(F, V)],
    ) -> Result<i64, RedisError> {
        let mut args: Vec<&[u8]> = vec![b"HSET", key.as_ref()];
        for (f, v) in pairs {
            args.push(f.as_ref());
            args.push(v.as_ref());
        }
        reply::integer(self.command(&args).await?)
    }

    /// `HGETALL key`: the fields and values, in the server's order.
    pub async fn hgetall(&mut self, key: impl AsRef<[u8]>) -> Result<Vec<Pair>, RedisError> {
        reply::pairs(self.command(&[b"HGETALL".as_slice(), key.as_ref()]).await?)
    }

    /// `LPUSH key value...`: the list's new length.
    pub async fn lpush<V: AsRef<[u8]>>(
        &mut self,
        key: impl AsRef<[u8]>,
        values: &[V],
    ) -> Result<i64, RedisError> {
        let mut args: Vec<&[u8]> = vec![b"LPUSH", key.as_ref()];
        args.extend(values.iter().map(AsRef::as_ref));
        reply::integer(self.command(&args).await?)
    }

    /// `RPOP key`.
    pub async fn rpop(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, RedisError> {
        reply::optional_bulk(self.command(&[b"RPOP".as_slice(), key.as_ref()]).await?)
    }

    /// `BRPOP key... timeout`: the list it came from and the value, or
    /// `None` at the timeout (`Duration::ZERO` waits for ever). Only this
    /// task waits; the loop runs the others.
    pub async fn brpop<K: AsRef<[u8]>>(
        &mut self,
        keys: &[K],
        timeout: Duration,
    ) -> Result<Option<Pair>, RedisError> {
        let timeout = reply::seconds(timeout);
        let mut args: Vec<&[u8]> = vec![b"BRPOP"];
        args.extend(keys.iter().map(AsRef::as_ref));
        args.push(timeout.as_bytes());
        reply::popped(self.command(&args).await?)
    }
}

/// `work`, cut off after `timeout` (if any) with a `TimedOut` error.
async fn within<T>(
    timeout: Option<Duration>,
    work: impl Future<Output = Result<T, RedisError>>,
) -> Result<T, RedisError> {
    match timeout {
        None => work.await,
        Some(t) => match crate::aio::wait_for(work, t).await {
            Ok(result) => result,
            Err(_) => Err(RedisError::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no reply from redis within {} ms", t.as_millis()),
            ))),
        },
    }
}
