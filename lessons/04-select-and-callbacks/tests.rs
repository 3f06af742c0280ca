//! The tests lesson 04's exercise and solution share.

use super::*;
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(20);

/// A connected pair: (our client, the server's side, non-blocking).
fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    server.set_nonblocking(true).unwrap();
    (client, server)
}

#[test]
fn flush_sends_a_short_queue_at_once_and_goes_back_to_reading() {
    let (mut client, server) = pair();
    let mut lp = EventLoop::new().unwrap();
    let server = Rc::new(server);
    let key = lp.register(Rc::clone(&server), EVENT_READ, |_, _, _| {}).unwrap();
    let mut queue = Queue { bytes: b"hello".to_vec(), sent: 0 };
    flush(&mut lp, key, &server, &mut queue).unwrap();
    let mut back = [0u8; 5];
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    client.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"hello", "TODO 1: flush writes the queue");
    assert!(queue.bytes.is_empty() && queue.sent == 0, "TODO 1: an all-sent queue is emptied: {queue:?}");
    assert_eq!(lp.events(key), Some(EVENT_READ), "TODO 1: all sent: wait to read again");
}

#[test]
fn flush_leaves_what_does_not_fit_and_asks_for_write_readiness() {
    let (_client, server) = pair(); // a client that never reads
    let mut lp = EventLoop::new().unwrap();
    let server = Rc::new(server);
    let key = lp.register(Rc::clone(&server), EVENT_READ, |_, _, _| {}).unwrap();
    // Far more than the kernel buffers hold: the socket takes part of it.
    let mut queue = Queue { bytes: vec![7; 32 << 20], sent: 0 };
    let started = Instant::now();
    flush(&mut lp, key, &server, &mut queue).unwrap();
    assert!(started.elapsed() < PATIENCE, "TODO 1: flush must not wait for the client");
    assert!(queue.sent > 0, "TODO 1: flush writes what the socket takes");
    assert!(queue.sent < queue.bytes.len(), "TODO 1: stop at WouldBlock, keep the rest queued");
    assert_eq!(lp.events(key), Some(EVENT_WRITE), "TODO 1: bytes left: wait for write readiness only");
}

/// Runs one connection of the echo server on a loop in a thread of its
/// own, with a ticker beside it; sends back how many ticks ran and whether
/// the loop ever called the connection back as writable (which it does
/// only while `flush` asked for it).
fn echo_server(listener: TcpListener, done: mpsc::Sender<(u32, bool)>) {
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_nonblocking(true).unwrap();
        let mut lp = EventLoop::new().unwrap();
        let queue = RefCell::new(Queue::default());
        let writable = Rc::new(std::cell::Cell::new(false));
        let w = Rc::clone(&writable);
        // `serve`'s callback, watched.
        let key = lp
            .register(Rc::new(stream), EVENT_READ, move |lp, key, events| {
                w.set(w.get() || events.write);
                if on_ready(lp, key, events, &mut queue.borrow_mut()).is_err() {
                    let _ = lp.unregister(key);
                }
            })
            .unwrap();
        let ticks = Rc::new(std::cell::Cell::new(0u32));
        fn tick(lp: &mut EventLoop, key: Key, ticks: Rc<std::cell::Cell<u32>>) {
            if lp.is_registered(key) {
                ticks.set(ticks.get() + 1);
                lp.call_later(Duration::from_millis(1), move |lp| tick(lp, key, ticks));
            }
        }
        let t = Rc::clone(&ticks);
        lp.call_soon(move |lp| tick(lp, key, t));
        lp.run().unwrap(); // returns once the connection has closed
        let _ = done.send((ticks.get(), writable.get()));
    });
}

#[test]
fn serve_registers_a_connection_that_echoes() {
    let (mut client, server) = pair();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut lp = EventLoop::new().unwrap();
    let key = serve(&mut lp, server).unwrap();
    client.write_all(b"hi").unwrap();
    client.shutdown(std::net::Shutdown::Write).unwrap();
    lp.run().unwrap(); // read, echo, end of stream: nothing left to wait for
    assert!(!lp.is_registered(key), "TODO 2: end of stream unregisters");
    let mut back = Vec::new();
    client.read_to_end(&mut back).unwrap();
    assert_eq!(back, b"hi", "TODO 2: what is read is echoed");
}

#[test]
fn an_echo_comes_back_and_end_of_stream_closes_the_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done, finished) = mpsc::channel();
    echo_server(listener, done);
    let mut client = TcpStream::connect(addr).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    for word in [&b"ping"[..], b"a longer message", b"!"] {
        client.write_all(word).unwrap();
        let mut back = vec![0; word.len()];
        client.read_exact(&mut back).expect("TODO 2: a readable socket's bytes are queued and flushed");
        assert_eq!(back, word);
    }
    client.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).expect("TODO 2: end of stream: unregister, which closes the socket");
    assert!(rest.is_empty());
    finished
        .recv_timeout(PATIENCE)
        .expect("TODO 2: once unregistered, the loop has nothing left and returns");
}

#[test]
fn a_big_echo_to_a_slow_reader_goes_out_in_pieces_while_the_loop_runs_on() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done, finished) = mpsc::channel();
    echo_server(listener, done);
    let client = TcpStream::connect(addr).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    let sent: Vec<u8> = (0..8u32 << 20).map(|i| (i * 7 + i / 4096) as u8).collect();
    let writer = {
        let (mut client, sent) = (client.try_clone().unwrap(), sent.clone());
        std::thread::spawn(move || {
            client.write_all(&sent).unwrap();
            client.shutdown(std::net::Shutdown::Write).unwrap();
        })
    };
    std::thread::sleep(Duration::from_millis(100)); // a slow reader: the echo piles up
    let mut back = Vec::new();
    (&client).read_to_end(&mut back).expect("the echo comes back, then the server closes");
    writer.join().unwrap();
    assert!(
        back.len() == sent.len() && back == sent,
        "every byte echoed, in order ({} of {})",
        back.len(),
        sent.len()
    );
    let (ticks, waited_to_write) = finished.recv_timeout(PATIENCE).unwrap();
    assert!(waited_to_write, "TODO 1: the echo did not fit at once: it should have waited for EVENT_WRITE");
    assert!(ticks > 10, "the loop kept running other callbacks meanwhile ({ticks} ticks)");
}
