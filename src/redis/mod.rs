//! redis: the protocol, a client, and a mini-redis server's core.
//!
//! The articles end where coroutines pay: many clients of a real server at
//! once. redis is the friendliest real server there is: one TCP port, a
//! text-framed protocol you can type into `nc`, and a blocking command
//! (`BRPOP`) that shows what "parking a coroutine" means in a server.
//!
//! | piece | file | what it is |
//! | --- | --- | --- |
//! | RESP2 values, parser, encoder | `resp.rs` | IO-free; lengths checked before memory is reserved |
//! | the keyspace | `store.rs` | strings with expiry, hashes, lists; no locks, no clock |
//! | the commands | `command.rs` | one function from a command to a reply (or "block") |
//! | one connection | `session.rs` | bytes in, replies out, "read / wait / close" |
//! | a client | `client.rs` | over any blocking stream: threads, or gevent sockets |
//! | a client on aio | `aio_client.rs` | the same commands as `async fn`s, over aio streams |
//! | typed replies | `reply.rs` | a reply as what the command returns, for both clients |
//!
//! Everything here is shared by every backend: a server on threads,
//! gevent, may or aio differs only in how it reads, writes and parks a
//! `BRPOP`, which is the lesson.
//!
//! What a production redis does differently: one thread with an event loop
//! of its own (this crate's `callbacks` model, in C), RESP3, persistence,
//! replication, eviction under a memory limit, and a skiplist-backed type
//! per command family. None of that changes the shape above.
#![forbid(unsafe_code)]

pub mod aio_client;
pub mod client;
pub mod command;
pub mod pool;
pub mod reply;
pub mod resp;
pub mod server;
pub mod session;
pub mod store;

pub use aio_client::AsyncClient;
pub use client::{Client, RedisError};
pub use pool::{Pool, Pooled};
pub use resp::{Limits, ProtocolError, Value};
pub use session::{Next, Session};
pub use store::Store;
