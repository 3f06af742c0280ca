//! The echo server: every byte a client sends comes back, on every backend.
//!
//! The protocol is one loop, [`serve_connection`]: read what is there,
//! write it back, until the client closes its side. It is written once for
//! blocking `Read + Write` streams (fork, threads, gevent and may run it
//! as it is) and once with `.await` in [`aio`]. Everything else, accepting,
//! counting, the stall timeouts, stopping, is the shared
//! [`crate::server`] lifecycle: [`spawn`] hands the handler to the
//! backend's accept loop.
//!
//! ```
//! use corolab::backend::Backend;
//! use corolab::echo;
//! use std::io::{Read, Write};
//!
//! let server = echo::spawn(Backend::Gevent, "127.0.0.1:0".parse().unwrap(), Default::default())?;
//! let mut client = std::net::TcpStream::connect(server.addr())?;
//! client.write_all(b"hello")?;
//! let mut echo = [0; 5];
//! client.read_exact(&mut echo)?;
//! assert_eq!(&echo, b"hello");
//! drop(client);
//! let summary = server.stop()?;
//! assert_eq!((summary.connections, summary.bytes), (1, 5));
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod aio;
pub mod callbacks;
pub mod genloop;

use crate::backend::Backend;
use crate::server::{self, Protocol, ServerConfig, ServerHandle, ServerState};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};

/// The backends that have an echo server, in table order.
pub const BACKENDS: &[Backend] = &[
    Backend::Fork,
    Backend::Threads,
    Backend::Genloop,
    Backend::Callbacks,
    Backend::Gevent,
    Backend::May,
    Backend::Aio,
];

/// Echo as the lifecycle sees it: a stop shuts both directions down (a
/// handler parked in `read` sees end of stream, one parked in `write` an
/// error), and a connection past the cap is closed without a word.
pub static ECHO: Protocol = Protocol { name: "echo", on_stop: Shutdown::Both, busy: b"" };

/// Starts the echo server of `backend` on `addr` (`127.0.0.1:0` picks a
/// free port; [`ServerHandle::addr`] says which).
pub fn spawn(backend: Backend, addr: SocketAddr, config: ServerConfig) -> io::Result<ServerHandle> {
    match backend {
        Backend::Fork => server::fork::spawn(addr, config, &ECHO, serve),
        Backend::Threads => server::threads::spawn(addr, config, &ECHO, serve),
        Backend::Gevent => server::gevent::spawn(addr, config, &ECHO, serve),
        Backend::May => server::may::spawn(addr, config, &ECHO, serve),
        Backend::Aio => server::aio::spawn(addr, config, &ECHO, aio::serve),
        Backend::Genloop => genloop::spawn(addr, config),
        Backend::Callbacks => callbacks::spawn(addr, config),
        other => Err(io::Error::new(io::ErrorKind::Unsupported, format!("no echo server on {other}"))),
    }
}

/// The handler the blocking accept loops run: [`serve_connection`],
/// counting what it echoed.
pub fn serve<S: Read + Write>(stream: &mut S, state: &ServerState) -> io::Result<()> {
    let (echoed, end) = serve_connection(stream);
    state.count_bytes(echoed);
    end
}

// ANCHOR: serve_connection
/// Echoes everything `stream` sends until it closes its side. Returns the
/// bytes echoed, and how the connection ended: `Ok` at end of file, or the
/// error (connection reset, broken pipe, a stall timeout) of a client that
/// vanished or stalled, which is the caller's to count.
pub fn serve_connection<S: Read + Write>(mut stream: S) -> (u64, io::Result<()>) {
    let mut buf = [0u8; 4096];
    let mut echoed = 0;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => return (echoed, Ok(())),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return (echoed, Err(e)),
        };
        if let Err(e) = stream.write_all(&buf[..n]) {
            return (echoed, Err(e));
        }
        echoed += n as u64;
    }
}
// ANCHOR_END: serve_connection

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_connection_echoes_an_in_memory_stream() {
        struct Loop(io::Cursor<Vec<u8>>, Vec<u8>);
        impl Read for Loop {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0.read(buf)
            }
        }
        impl Write for Loop {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.1.write(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut s = Loop(io::Cursor::new(b"hello".to_vec()), Vec::new());
        let (echoed, result) = serve_connection(&mut s);
        assert!(result.is_ok());
        assert_eq!(echoed, 5);
        assert_eq!(s.1, b"hello");
    }
}
