//! `corolab::reactor::selectors`: Python's `selectors` API, safe, on each
//! of the three pollers. Each behaviour is one generic function, run on
//! select, poll and epoll.

use corolab::reactor::selectors::{EVENT_READ, EVENT_WRITE, Key, Selector};
use corolab::reactor::{Interest, LevelPoller, epoll, poll, select};
use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(10);

fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (b, _) = listener.accept().unwrap();
    a.set_read_timeout(Some(PATIENCE)).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

fn on_every_poller(test: fn(&'static str, &dyn Fn() -> Box<dyn Erased>)) {
    test("select", &|| Box::new(Selector::<&'static str, select::Poller>::new().unwrap()));
    test("poll", &|| Box::new(Selector::<&'static str, poll::Poller>::new().unwrap()));
    test("epoll", &|| Box::new(Selector::<&'static str, epoll::Poller>::new().unwrap()));
}

/// The selector calls the tests make, without the poller in the type.
trait Erased {
    fn register(&mut self, s: Rc<TcpStream>, events: Interest, data: &'static str) -> io::Result<Key>;
    fn modify(&mut self, key: Key, events: Interest) -> io::Result<()>;
    fn unregister(&mut self, key: Key) -> io::Result<()>;
    fn select(&mut self, timeout: Option<Duration>) -> Vec<(&'static str, Interest)>;
    fn len(&self) -> usize;
}

impl<P: LevelPoller> Erased for Selector<&'static str, P> {
    fn register(&mut self, s: Rc<TcpStream>, events: Interest, data: &'static str) -> io::Result<Key> {
        Selector::register(self, s, events, data)
    }
    fn modify(&mut self, key: Key, events: Interest) -> io::Result<()> {
        Selector::modify(self, key, events)
    }
    fn unregister(&mut self, key: Key) -> io::Result<()> {
        Selector::unregister(self, key).map(drop)
    }
    fn select(&mut self, timeout: Option<Duration>) -> Vec<(&'static str, Interest)> {
        let mut ready: Vec<_> = Selector::select(self, timeout)
            .unwrap()
            .into_iter()
            .map(|(k, m)| (self.get(k).unwrap().data, m))
            .collect();
        ready.sort_by_key(|r| r.0);
        ready
    }
    fn len(&self) -> usize {
        Selector::len(self)
    }
}

#[test]
fn select_reports_ready_keys_with_their_data_and_events() {
    on_every_poller(|name, new| {
        let mut sel = new();
        let (mut a, b) = pair();
        let (_c, d) = pair();
        sel.register(Rc::new(b), EVENT_READ, "b").unwrap();
        let dk = sel.register(Rc::new(d), EVENT_READ | EVENT_WRITE, "d").unwrap();
        a.write_all(b"x").unwrap();
        let deadline = Instant::now() + PATIENCE;
        let mut ready = sel.select(Some(PATIENCE));
        while ready.len() < 2 && Instant::now() < deadline {
            ready = sel.select(Some(PATIENCE));
        }
        assert_eq!(ready, [("b", EVENT_READ), ("d", EVENT_WRITE)], "{name}");
        sel.modify(dk, EVENT_READ).unwrap();
        assert_eq!(sel.select(Some(Duration::ZERO)), [("b", EVENT_READ)], "{name}: level: b is still unread");
    });
}

#[test]
fn a_source_stays_open_while_registered_and_closes_when_unregistered() {
    // The selector holds a reference: dropping yours cannot close a
    // descriptor out from under the poller.
    on_every_poller(|name, new| {
        let mut sel = new();
        let (mut peer, mine) = pair();
        let key = sel.register(Rc::new(mine), EVENT_READ, "mine").unwrap();
        // (`mine` was moved in; nobody else holds it.)
        peer.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let early = peer.read(&mut [0; 1]);
        assert!(early.is_err(), "{name}: the socket closed while registered: {early:?}");
        sel.unregister(key).unwrap();
        peer.set_read_timeout(Some(PATIENCE)).unwrap();
        assert_eq!(peer.read(&mut [0; 1]).unwrap(), 0, "{name}: unregistered, the last reference closed it");
        assert_eq!(sel.len(), 0);
    });
}

#[test]
fn dropping_the_selector_releases_its_sources() {
    on_every_poller(|name, new| {
        let mut sel = new();
        let (mut peer, mine) = pair();
        sel.register(Rc::new(mine), EVENT_READ, "mine").unwrap();
        drop(sel);
        assert_eq!(peer.read(&mut [0; 1]).unwrap(), 0, "{name}");
    });
}

#[test]
fn registering_a_source_twice_is_refused_and_a_stale_key_is_an_error() {
    on_every_poller(|name, new| {
        let mut sel = new();
        let (_a, b) = pair();
        let b = Rc::new(b);
        let key = sel.register(Rc::clone(&b), EVENT_READ, "b").unwrap();
        let twice = sel.register(Rc::clone(&b), EVENT_WRITE, "b again").unwrap_err();
        assert_eq!(twice.kind(), io::ErrorKind::AlreadyExists, "{name}: {twice}");
        sel.unregister(key).unwrap();
        assert_eq!(sel.unregister(key).unwrap_err().kind(), io::ErrorKind::NotFound, "{name}");
        assert_eq!(sel.modify(key, EVENT_READ).unwrap_err().kind(), io::ErrorKind::NotFound, "{name}");
        // Unregistered, it can be registered again.
        sel.register(b, EVENT_READ, "b").unwrap();
    });
}

#[test]
fn a_select_with_nothing_ready_times_out() {
    on_every_poller(|name, new| {
        let mut sel = new();
        let (_a, b) = pair();
        sel.register(Rc::new(b), EVENT_READ, "b").unwrap();
        let started = Instant::now();
        assert_eq!(sel.select(Some(Duration::from_millis(20))), [], "{name}");
        assert!(started.elapsed() >= Duration::from_millis(19), "{name}");
    });
}

#[test]
fn select_passes_on_the_refusal_of_a_descriptor_past_fd_setsize() {
    use std::os::fd::{AsRawFd, FromRawFd};
    let (_a, b) = pair();
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) reads no memory of ours.
    let high = unsafe { libc::fcntl(b.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 1100) };
    assert!(high >= 1100);
    // SAFETY: `high` was just returned by fcntl, owned by nobody else.
    let high = unsafe { TcpStream::from_raw_fd(high) };
    let mut sel = Selector::<(), select::Poller>::new().unwrap();
    let why = sel.register(Rc::new(high), EVENT_READ, ()).unwrap_err().to_string();
    assert!(why.contains("FD_SETSIZE"), "{why}");
    assert!(sel.is_empty());
    // A refused registration leaves no trace: the next one works.
    sel.register(Rc::new(b), EVENT_READ, ()).unwrap();
    assert_eq!(sel.len(), 1);
}

/// The articles' select.select echo server, on a selector: a message
/// queue per connection, and write interest only while the queue holds
/// something. Two clients, each sending three messages.
fn queued_echo<P: LevelPoller>() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let clients = std::thread::spawn(move || {
        let mut socks: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
        let mut answers = Vec::new();
        for message in ["This is the message. ", "It will be sent ", "in parts."] {
            for (i, s) in socks.iter_mut().enumerate() {
                let sent = format!("{i}:{message}");
                s.write_all(sent.as_bytes()).unwrap();
                let mut back = vec![0; sent.len()];
                s.set_read_timeout(Some(PATIENCE)).unwrap();
                s.read_exact(&mut back).unwrap();
                answers.push(String::from_utf8(back).unwrap());
            }
        }
        answers
    });
    enum Role {
        Listener,
        Conn,
    }
    let mut sel = Selector::<Role, P>::new().unwrap();
    sel.register(Rc::new(listener), EVENT_READ, Role::Listener).unwrap();
    let mut queues: HashMap<Key, VecDeque<Vec<u8>>> = HashMap::new();
    let (mut served, mut closed) = (0, 0);
    let deadline = Instant::now() + PATIENCE;
    while closed < 2 {
        assert!(Instant::now() < deadline, "{}: the echo did not finish", P::NAME);
        for (key, mask) in sel.select(Some(PATIENCE)).unwrap() {
            let Some(entry) = sel.get(key) else { continue };
            match entry.data {
                Role::Listener => {
                    let listener = entry.source::<TcpListener>().unwrap();
                    let (conn, _) = listener.accept().unwrap();
                    conn.set_nonblocking(true).unwrap();
                    let key = sel.register(Rc::new(conn), EVENT_READ, Role::Conn).unwrap();
                    queues.insert(key, VecDeque::new());
                }
                Role::Conn => {
                    let conn = entry.source::<TcpStream>().unwrap();
                    if mask.read {
                        let mut buf = [0; 1024];
                        match (&*conn).read(&mut buf) {
                            Ok(0) => {
                                sel.unregister(key).unwrap();
                                queues.remove(&key);
                                closed += 1;
                                continue;
                            }
                            Ok(n) => {
                                queues.get_mut(&key).unwrap().push_back(buf[..n].to_vec());
                                sel.modify(key, EVENT_READ | EVENT_WRITE).unwrap();
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                            Err(e) => panic!("{e}"),
                        }
                    }
                    if mask.write {
                        let queue = queues.get_mut(&key).unwrap();
                        match queue.pop_front() {
                            Some(next) => {
                                (&*conn).write_all(&next).unwrap();
                                served += 1;
                            }
                            None => sel.modify(key, EVENT_READ).unwrap(), // nothing to write: stop asking
                        }
                    }
                }
            }
        }
    }
    let answers = clients.join().unwrap();
    assert_eq!(answers.len(), 6);
    assert_eq!(answers[0], "0:This is the message. ");
    assert_eq!(answers[5], "1:in parts.");
    assert!(served >= 6, "{}: {served}", P::NAME);
    assert_eq!(sel.len(), 1, "only the listener is left");
}

#[test]
fn the_articles_queued_echo_server_runs_on_every_poller() {
    queued_echo::<select::Poller>();
    queued_echo::<poll::Poller>();
    queued_echo::<epoll::Poller>();
}
