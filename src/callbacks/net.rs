//! The two socket calls a callback loop cannot make the blocking way:
//! connecting, and finding out whether the connect worked.
//!
//! `std::net::TcpStream::connect` waits for the handshake; a callback must
//! not wait. So [`connect`] starts the handshake on a non-blocking socket
//! and returns at once; the caller registers the socket for writing, and
//! the callback that runs once it is writable asks [`connected`] how the
//! handshake went (the socket is writable when it is done, well or badly).
#![forbid(unsafe_code)]

use std::io;
use std::net::{SocketAddr, TcpStream};

/// Starts connecting to `addr` on a new non-blocking socket. Register it
/// for writing and call [`connected`] when it is writable.
pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        Err(e) => return Err(e),
    }
    let stream = TcpStream::from(socket);
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Whether the connect [`connect`] started has succeeded, once the socket
/// has been reported writable: `Ok`, or the error it ended with.
pub fn connected(stream: &TcpStream) -> io::Result<()> {
    if let Some(e) = stream.take_error()? {
        return Err(e);
    }
    stream.peer_addr().map(drop) // NotConnected if it did not connect
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connect_to_a_closed_port_reports_its_error() {
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        // The listener is gone: the handshake is refused.
        let stream = connect(addr).unwrap();
        let mut lp = super::super::EventLoop::new().unwrap();
        let result = std::rc::Rc::new(std::cell::RefCell::new(None));
        let r = std::rc::Rc::clone(&result);
        lp.register(std::rc::Rc::new(stream), crate::reactor::Interest::WRITE, move |lp, key, _| {
            *r.borrow_mut() = Some(connected(&lp.source::<TcpStream>(key).unwrap()).is_ok());
            lp.unregister(key).unwrap();
        })
        .unwrap();
        lp.run().unwrap();
        assert_eq!(*result.borrow(), Some(false));
    }
}
