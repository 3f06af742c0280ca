//! # callbacks: an event loop with no coroutines at all
//!
//! Before coroutines, an event loop was this, and only this: a selector
//! that says which sockets are ready, a heap of timers, and for each of
//! them a *callback*, a function to call when it is ready or due. Python's
//! `selectors` examples are written this way, and so is asyncio's low
//! level (`loop.add_reader`, `loop.call_soon`, `loop.call_later`); so were
//! Twisted, Tornado and Node.js.
//!
//! ```text
//!                 ┌───────────────────────── EventLoop::run ──────────────────────────┐
//!                 │                                                                    │
//!   call_soon ──▶ │ 1. run the queued callbacks                                        │
//!   call_later ─▶ │ 2. selector.select(until the next timer) ─── epoll_wait            │
//!   register ───▶ │ 3. for each ready socket: its callback(loop, key, events)          │
//!                 │ 4. for each timer due:     its callback(loop)                      │
//!                 │        │                                                           │
//!                 │        └─ a callback may register, modify, unregister, schedule,  │
//!                 │           stop; it must never block, or every socket waits        │
//!                 └────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! | Python | here |
//! | --- | --- |
//! | `sel.register(sock, EVENT_READ, accept)` | `lp.register(Rc::new(sock), EVENT_READ, accept)?` |
//! | `callback = key.data; callback(key.fileobj, mask)` | the loop calls `callback(lp, key, events)` |
//! | `sel.modify(sock, EVENT_WRITE, write_cb)` | `lp.modify(key, EVENT_WRITE)?; lp.set_callback(key, write_cb)?` |
//! | `sel.unregister(sock); sock.close()` | `lp.unregister(key)?` (drops the loop's `Rc`) |
//! | `loop.call_soon(f)`, `loop.call_later(d, f)` | `lp.call_soon(f)`, `lp.call_later(d, f)` |
//! | `handle.cancel()` | `lp.cancel(handle)` |
//! | `loop.run_forever()`, `loop.stop()` | `lp.run()?`, `lp.stop()` |
//!
//! ```
//! use corolab::callbacks::EventLoop;
//! use corolab::reactor::selectors::EVENT_READ;
//! use std::cell::RefCell;
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let mut client = TcpStream::connect(listener.local_addr()?)?;
//! let (server, _) = listener.accept()?;
//! server.set_nonblocking(true)?;
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let mut lp = EventLoop::new()?;
//! let l = Rc::clone(&log);
//! lp.call_later(Duration::from_millis(20), move |_| l.borrow_mut().push("timer".to_string()));
//! let l = Rc::clone(&log);
//! lp.register(Rc::new(server), EVENT_READ, move |lp, key, _events| {
//!     let sock = lp.source::<TcpStream>(key).unwrap();
//!     let mut buf = [0; 64];
//!     let n = (&*sock).read(&mut buf).unwrap();
//!     l.borrow_mut().push(format!("read {:?}", String::from_utf8_lossy(&buf[..n])));
//!     lp.unregister(key).unwrap(); // the loop drops its Rc: the socket closes
//! })?;
//! client.write_all(b"hi")?;
//! lp.run()?; // returns once nothing is left to wait for
//! assert_eq!(*log.borrow(), ["read \"hi\"", "timer"]);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # What callbacks cost
//!
//! A blocking echo handler is four lines, and its state is its local
//! variables: `loop { n = read(buf); write_all(&buf[..n]) }`. A callback
//! returns after every step, so nothing it knew survives in its locals:
//! where it was (reading? half way through a write?), the bytes not yet
//! written, how long it has been silent, all of it must go into a struct
//! that outlives the callback and that every callback of the connection
//! finds again (an `Rc<RefCell<..>>`, and a `Weak` for the timers, so a
//! closed connection is not kept alive by its own timeout). The code is
//! turned inside out: the order of events is no longer the order of the
//! lines, but an `enum` of phases and a `match` in each callback. Read
//! `echo::callbacks` and `http::callbacks` beside their blocking twins to
//! see it; it is what generators (`genloop`) and then `async fn` (`aio`)
//! were invented to hand back to the compiler.
//!
//! # What a production loop does differently
//!
//! asyncio's loop is this one, plus futures and tasks layered on the same
//! callbacks (a task step is a `call_soon`), a thread-safe
//! `call_soon_threadsafe` (a self-pipe, which [`crate::reactor`]'s pollers
//! have as `notify`), and signal handling. libuv and Node add a thread pool
//! for files and DNS. This loop keeps the part every one of them has.
#![forbid(unsafe_code)]

pub mod client;
mod event_loop;
pub mod net;

pub use crate::reactor::Interest;
pub use crate::reactor::selectors::{EVENT_READ, EVENT_WRITE, Key};
pub use event_loop::{Callback, EventLoop, IoCallback, TimerHandle};
