//! The callbacks server lifecycle (`corolab::server::callbacks`) under a
//! connection callback that panics: the loop unregisters that connection,
//! counts an error, closes its socket and serves the next one.

use corolab::callbacks::{EVENT_READ, EventLoop};
use corolab::server::{self, Open, Protocol, ServerConfig};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(10);

static PANICKY: Protocol = Protocol { name: "panicky", on_stop: Shutdown::Both, busy: b"" };

/// A connection whose callback panics once it has read a byte.
fn panicking(lp: &mut EventLoop, conn: Open<Rc<TcpStream>>) {
    let stream = Rc::clone(&conn);
    let registered = lp.register(stream, EVENT_READ, move |_, _, _| {
        let mut byte = [0u8; 1];
        if matches!((&**conn).read(&mut byte), Ok(1)) {
            panic!("this callback panics on purpose");
        }
    });
    registered.expect("registered");
}

fn poke(addr: std::net::SocketAddr) {
    let mut client = TcpStream::connect(addr).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    client.write_all(b"!").unwrap();
    let mut rest = Vec::new();
    match client.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the connection was left open ({e})"),
    }
}

#[test]
fn a_panicking_callback_closes_its_connection_counts_an_error_and_the_server_goes_on() {
    let server =
        server::callbacks::spawn("127.0.0.1:0", ServerConfig::default(), &PANICKY, panicking).unwrap();
    for _ in 0..3 {
        poke(server.addr());
    }
    let started = Instant::now();
    while server.state().open() > 0 {
        assert!(started.elapsed() < PATIENCE, "a connection is still registered");
        std::thread::sleep(Duration::from_millis(5));
    }
    let summary = server.stop().unwrap();
    assert_eq!((summary.connections, summary.errors, summary.left_open), (3, 3, 0), "{summary:?}");
}
