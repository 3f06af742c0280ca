//! The echo workload, once for every [`Loop`]: a server on 127.0.0.1 and
//! `clients` clients, each sending `n` messages one at a time and checking
//! every echo byte for byte.
//!
//! The messages are the `echo` scenario's ([`crate::scenarios::echo::message`]:
//! 16 to 128 bytes, different for each client and sequence number), so an
//! echo that reached the wrong client or came back out of order fails.
//!
//! ```text
//!   client 0 ──┐                     ┌── handler 0
//!   client 1 ──┼── 127.0.0.1:port ───┼── handler 1     one task each,
//!      …       │   (the listener,    │      …          all on one loop
//!   client C ──┘    one acceptor)    └── handler C
//! ```
#![forbid(unsafe_code)]

use super::{Loop, read_exact, write_all};
use crate::scenarios::echo::message;
use std::io;
use std::net::SocketAddr;

// ANCHOR: serve
/// Accepts `clients` connections and echoes each in a task of its own,
/// until that client closes; returns when every connection has closed.
pub async fn serve<L: Loop>(listener: L::Listener, clients: u64) -> io::Result<()> {
    let mut handlers = Vec::new();
    for _ in 0..clients {
        let mut stream = L::accept(&listener).await?;
        handlers.push(L::spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                match L::read(&mut stream, &mut buf).await? {
                    0 => return Ok::<(), io::Error>(()),
                    got => write_all::<L>(&mut stream, &buf[..got]).await?,
                }
            }
        }));
    }
    for handler in handlers {
        handler.await??;
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: client
/// Client `client`: connects, sends its `n` messages one at a time, and
/// counts the echoes that came back byte for byte.
pub async fn client<L: Loop>(addr: SocketAddr, client: u64, n: u64) -> io::Result<u64> {
    let mut stream = L::connect(addr).await?;
    let mut back = [0u8; 128];
    let mut good = 0;
    for seq in 0..n {
        let sent = message(client, seq);
        write_all::<L>(&mut stream, &sent).await?;
        read_exact::<L>(&mut stream, &mut back[..sent.len()]).await?;
        good += u64::from(back[..sent.len()] == sent[..]);
    }
    Ok(good)
}
// ANCHOR_END: client

// ANCHOR: run
/// The whole workload: a server and `clients` clients at once; the echoes
/// verified, `clients * n` when all went well.
pub async fn run<L: Loop>(clients: u64, n: u64) -> io::Result<u64> {
    let (listener, addr) = L::listen(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let server = L::spawn(serve::<L>(listener, clients));
    let talkers: Vec<_> = (0..clients).map(|c| L::spawn(client::<L>(addr, c, n))).collect();
    let mut good = 0;
    for talker in talkers {
        good += talker.await??;
    }
    server.await??;
    Ok(good)
}
// ANCHOR_END: run
