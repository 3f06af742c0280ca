//! Lesson 06's demo in Rust: `corolab demo 06`. The same story as
//! `python3 original.py` (no arguments), line for line: an echo server
//! with a thread per connection, then one with a greenlet per connection
//! on gevent's hub, each serving three clients at once that send two
//! messages 100 ms apart and check every echo. The handler and the
//! clients are written once, over `Read + Write`: what changes between
//! the two is only whose `TcpStream`, `spawn` and `sleep` they get.

use super::say;
use corolab::gevent;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

const CLIENTS: usize = 3;
const MESSAGES: usize = 2;
const PAUSE: Duration = Duration::from_millis(100);

/// `serve_connection`, saying what the server does.
fn narrated_handle<S: Read + Write>(mut conn: S, how: &str) {
    say(format_args!("server: accepted a connection; {how} serves it"));
    let mut buf = [0u8; 4096];
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        say(format_args!("server: echoes '{}'", String::from_utf8_lossy(&buf[..n])));
        if conn.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    say("server: the client closed its side; the handler ends");
}

/// One client: `MESSAGES` messages, `PAUSE` apart, each echo checked.
fn talk<S: Read + Write>(i: usize, mut s: S, sleep: fn(Duration)) -> io::Result<()> {
    for k in 0..MESSAGES {
        let sent = format!("hello {k} from client {i}");
        s.write_all(sent.as_bytes())?;
        let mut got = vec![0; sent.len()];
        s.read_exact(&mut got)?;
        say(format_args!("client {i}: got '{}' back", String::from_utf8_lossy(&got)));
        if got != sent.as_bytes() {
            return Err(io::Error::other(format!("client {i}: the echo differs")));
        }
        sleep(PAUSE);
    }
    Ok(())
}

fn demo_threads() -> io::Result<()> {
    say("-- threads: a thread per connection, three clients at once");
    let t = Instant::now();
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let acceptor = std::thread::spawn(move || {
        // Bounded: the demo's clients, then stop.
        let handlers: Vec<_> = (0..CLIENTS)
            .filter_map(|_| listener.accept().ok())
            .map(|(conn, _)| std::thread::spawn(move || narrated_handle(conn, "a new thread")))
            .collect();
        handlers.into_iter().for_each(|h| h.join().unwrap_or(()));
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| std::thread::spawn(move || talk(i, std::net::TcpStream::connect(addr)?, std::thread::sleep)))
        .collect();
    for client in clients {
        client.join().map_err(|_| io::Error::other("a client panicked"))??;
    }
    acceptor.join().map_err(|_| io::Error::other("the server panicked"))?;
    let took = t.elapsed().as_secs_f64();
    say(format_args!("-- threads: {} echoes, {CLIENTS} clients, {took:.2} s", CLIENTS * MESSAGES));
    Ok(())
}

fn demo_gevent() -> io::Result<()> {
    say("-- gevent: a greenlet per connection, one thread, one hub");
    let t = Instant::now();
    let listener = gevent::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = gevent::spawn(move || {
        let handlers: Vec<_> = (0..CLIENTS)
            .filter_map(|_| listener.accept().ok())
            .map(|(conn, _)| gevent::spawn(move || narrated_handle(conn, "a greenlet")))
            .collect();
        gevent::joinall(&handlers, None);
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| gevent::spawn(move || talk(i, gevent::net::TcpStream::connect(addr)?, gevent::sleep)))
        .collect();
    gevent::joinall(&clients, Some(Duration::from_secs(10)));
    for client in clients {
        client.join().map_err(|e| io::Error::other(format!("a client: {e}")))??;
    }
    gevent::joinall(&[server], Some(Duration::from_secs(10)));
    let took = t.elapsed().as_secs_f64();
    say(format_args!("-- gevent: {} echoes, {CLIENTS} clients, {took:.2} s", CLIENTS * MESSAGES));
    Ok(())
}

pub fn main() {
    if let Err(e) = demo_threads().and_then(|()| demo_gevent()) {
        say(format_args!("the demo failed: {e}"));
        std::process::exit(1);
    }
}
