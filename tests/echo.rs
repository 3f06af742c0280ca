//! The echo server (`corolab::echo`) on every backend: it echoes byte for
//! byte, counts what it echoed, and cuts off a client that floods it and
//! never reads the echoes.

use corolab::echo;
use corolab::scenarios::echo::message;
use corolab::server::ServerConfig;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(10);

#[test]
fn echo_serves_every_backend_and_cuts_off_a_client_that_never_reads() {
    let stall = Duration::from_millis(300);
    for &backend in echo::BACKENDS {
        let config = ServerConfig { read_timeout: stall, workers: Some(2), ..Default::default() };
        let server = echo::spawn(backend, "127.0.0.1:0".parse().unwrap(), config).unwrap();
        let mut good = TcpStream::connect(server.addr()).unwrap();
        good.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut bytes = 0;
        for seq in 0..50 {
            let sent = message(3, seq);
            good.write_all(&sent).unwrap();
            let mut back = vec![0; sent.len()];
            good.read_exact(&mut back).unwrap();
            assert_eq!(back, sent, "{backend}");
            bytes += sent.len() as u64;
        }
        drop(good);
        // A flood that never reads: the server's echo writes stall.
        let flood = {
            let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            socket.set_recv_buffer_size(4096).unwrap();
            socket.connect(&server.addr().into()).unwrap();
            TcpStream::from(socket)
        };
        flood.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        let chunk = vec![7u8; 64 * 1024];
        let started = Instant::now();
        let mut writer = &flood;
        for _ in 0..512 {
            if writer.write_all(&chunk).is_err() {
                break; // the server stopped reading us, or closed
            }
        }
        while server.state().open() > 0 {
            assert!(started.elapsed() < PATIENCE, "{backend}: a client that never reads was never cut off");
            std::thread::sleep(Duration::from_millis(5));
        }
        eprintln!("{backend}: the flood was cut off {:?} after it began", started.elapsed());
        let summary = server.stop().unwrap();
        assert_eq!(summary.connections, 2, "{backend}: {summary:?}");
        assert!(summary.bytes >= bytes, "{backend}: {summary:?}");
        assert_eq!(summary.errors, 1, "{backend}: the flood ended with an error: {summary:?}");
    }
}
