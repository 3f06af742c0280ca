//! Lesson 04's demo in Rust: `corolab demo 04`. The same story as
//! `original.py`: the articles' two event-loop echo servers, each on a
//! thread of its own with the two-socket client against it. First a loop
//! over select(2) with a message queue per connection and write interest
//! while a queue holds bytes; then the callbacks loop, where what to run
//! is registered with the socket.

use super::say;
use corolab::callbacks::{EVENT_READ, EVENT_WRITE, EventLoop, Key};
use corolab::reactor::select;
use corolab::reactor::selectors::Selector;
use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often a server looks at its stop flag.
const TICK: Duration = Duration::from_millis(50);

/// The articles' client: two sockets, a message in three parts on each.
fn client(addr: SocketAddr) -> io::Result<()> {
    let messages: [&[u8]; 3] = [b"This is the message. ", b"It will be sent ", b"in parts."];
    let socks = [TcpStream::connect(addr)?, TcpStream::connect(addr)?];
    for message in messages {
        for mut s in &socks {
            say(format_args!("[client {}] sending {:?}", s.local_addr()?.port(), text(message)));
            s.write_all(message)?;
        }
        for mut s in &socks {
            let mut buf = [0u8; 1024];
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            let n = s.read(&mut buf)?;
            say(format_args!("[client {}] received {:?}", s.local_addr()?.port(), text(&buf[..n])));
        }
    }
    Ok(())
}

fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

// ANCHOR: select_server
/// select(2), as `select.select(inputs, outputs, ...)`: every socket is
/// watched for reading, and for writing too while its queue holds
/// something. No callbacks: the loop itself decides what each ready
/// socket means (the data registered with it is the client's port, or
/// `None` for the listener).
fn select_server(listener: TcpListener, stop: &AtomicBool) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = Rc::new(listener);
    let mut sel = Selector::<Option<u16>, select::Poller>::new()?;
    sel.register(Rc::clone(&listener), EVENT_READ, None)?;
    let mut queues: HashMap<Key, VecDeque<Vec<u8>>> = HashMap::new();
    while !stop.load(Ordering::Acquire) {
        for (key, ready) in sel.select(Some(TICK))? {
            let Some(entry) = sel.get(key) else { continue };
            let Some(port) = entry.data else {
                let (conn, addr) = listener.accept()?;
                say(format_args!("[server] new connection from {}", addr.port()));
                conn.set_nonblocking(true)?;
                let key = sel.register(Rc::new(conn), EVENT_READ, Some(addr.port()))?;
                queues.insert(key, VecDeque::new());
                continue;
            };
            let conn = entry.source::<TcpStream>().expect("a connection");
            if ready.read {
                let mut buf = [0u8; 1024];
                match (&*conn).read(&mut buf) {
                    Ok(0) | Err(_) => {
                        say(format_args!("[server] closing {port} after reading no data"));
                        sel.unregister(key)?;
                        queues.remove(&key);
                        continue;
                    }
                    Ok(n) => {
                        say(format_args!("[server] received {:?} from {port}", text(&buf[..n])));
                        queues.entry(key).or_default().push_back(buf[..n].to_vec());
                        sel.modify(key, EVENT_READ | EVENT_WRITE)?; // an answer to send
                    }
                }
            }
            if ready.write {
                match queues.get_mut(&key).and_then(VecDeque::pop_front) {
                    Some(message) => drop((&*conn).write(&message)?),
                    None => sel.modify(key, EVENT_READ)?, // nothing left: stop asking
                }
            }
        }
    }
    Ok(())
}
// ANCHOR_END: select_server

// ANCHOR: callbacks_server
/// The callbacks loop, as `selectors` with callbacks in `key.data`: the
/// listener's callback accepts and registers the connection's callback,
/// which echoes or closes. A timer looks at the stop flag.
fn callbacks_server(listener: TcpListener, stop: Arc<AtomicBool>) -> io::Result<()> {
    fn accept(lp: &mut EventLoop, key: Key) {
        let listener = lp.source::<TcpListener>(key).expect("the listener");
        let Ok((conn, addr)) = listener.accept() else { return };
        say(format_args!("[server] accepted {}", addr.port()));
        if conn.set_nonblocking(true).is_ok() {
            let port = addr.port();
            let _ = lp.register(Rc::new(conn), EVENT_READ, move |lp, key, _| read(lp, key, port));
        }
    }
    fn read(lp: &mut EventLoop, key: Key, port: u16) {
        let conn = lp.source::<TcpStream>(key).expect("a connection");
        let mut buf = [0u8; 1000];
        match (&*conn).read(&mut buf) {
            Ok(n) if n > 0 => {
                say(format_args!("[server] echoing {:?} to {port}", text(&buf[..n])));
                let _ = (&*conn).write(&buf[..n]); // short messages: the socket takes them whole
            }
            _ => {
                say(format_args!("[server] closing {port}"));
                let _ = lp.unregister(key);
            }
        }
    }
    fn watch(lp: &mut EventLoop, stop: Arc<AtomicBool>) {
        if stop.load(Ordering::Acquire) {
            lp.stop();
        } else {
            lp.call_later(TICK, move |lp| watch(lp, stop));
        }
    }
    let mut lp = EventLoop::new()?;
    listener.set_nonblocking(true)?;
    lp.register(Rc::new(listener), EVENT_READ, |lp, key, _| accept(lp, key))?;
    lp.call_soon(move |lp| watch(lp, stop));
    lp.run()
}
// ANCHOR_END: callbacks_server

/// Serves on a free port in a thread with `server`, runs the client
/// against it, then stops the server.
fn run(server: fn(TcpListener, Arc<AtomicBool>) -> io::Result<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("bound");
    say(format_args!("[server] listening on port {}", addr.port()));
    let stop = Arc::new(AtomicBool::new(false));
    let thread = std::thread::spawn({
        let stop = Arc::clone(&stop);
        move || server(listener, stop)
    });
    if let Err(e) = client(addr) {
        say(format_args!("[client] failed: {e}"));
    }
    std::thread::sleep(TICK); // let the server see both sockets close
    stop.store(true, Ordering::Release);
    match thread.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => say(format_args!("[server] failed: {e}")),
        Err(_) => say("[server] panicked"),
    }
}

pub fn main() {
    say("-- select(2): a queue per connection, write interest while it is full");
    run(|listener, stop| select_server(listener, &stop));
    say("-- callbacks: the callback to run is registered with the socket");
    run(callbacks_server);
}
