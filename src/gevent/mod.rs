//! gevent: a hub that switches greenlets on IO and timers, and the same API
//! on `may`.
//!
//! [`may`] maps the gevent-style API (spawn, join, joinall, sleep, sockets,
//! channels) onto the `may` crate's M:N scheduler.
pub mod limits;
pub mod may;
