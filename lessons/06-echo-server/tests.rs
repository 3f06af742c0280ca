//! The tests lesson 06's exercise and solution share: a gevent echo server
//! (yours) and gevent clients, on one hub, checked byte for byte.

use super::*;
use corolab::gevent::{self, net::TcpStream};
use std::io::{Read, Write};
use std::time::Duration;

fn client(addr: std::net::SocketAddr, id: u8, messages: usize) -> Result<(), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for seq in 0..messages {
        let sent: Vec<u8> = (0..16 + seq % 40).map(|i| id.wrapping_mul(31).wrapping_add(i as u8)).collect();
        s.write_all(&sent).map_err(|e| e.to_string())?;
        let mut got = vec![0; sent.len()];
        s.read_exact(&mut got).map_err(|e| format!("TODO 1: no echo ({e})"))?;
        if got != sent {
            return Err("the echo differs from what was sent".into());
        }
    }
    Ok(())
}

#[test]
fn echo_returns_what_it_reads_and_counts_it() {
    let mut fake = (std::io::Cursor::new(b"hello".to_vec()), Vec::new());
    struct Pair<'a>(&'a mut (std::io::Cursor<Vec<u8>>, Vec<u8>));
    impl Read for Pair<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.0.read(buf)
        }
    }
    impl Write for Pair<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.1.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    assert_eq!(echo(Pair(&mut fake)).unwrap(), 5, "TODO 1: echo returns the bytes it echoed");
    assert_eq!(fake.1, b"hello", "TODO 1: echo writes back what it read");
}

#[test]
fn twenty_clients_are_served_at_once_by_one_hub() {
    let listener = gevent::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = gevent::spawn(move || serve(listener, 20));
    let clients: Vec<_> = (0..20u8).map(|id| gevent::spawn(move || client(addr, id, 50))).collect();
    let finished = gevent::joinall(&clients, Some(Duration::from_secs(10)));
    assert!(finished, "TODO 2: the clients were not all served: spawn a greenlet per connection");
    for c in clients {
        c.join().unwrap().unwrap();
    }
    let served = gevent::with_timeout(Duration::from_secs(5), || server.join());
    let echoed = served.expect("TODO 2: serve returns once its connections have closed").unwrap().unwrap();
    assert!(echoed > 20 * 50 * 16, "TODO 2: serve returns the total bytes echoed ({echoed})");
}
