//! The three level-triggered pollers (`corolab::reactor::{select, poll,
//! epoll}`) pass the same tests: the macro below writes one module of them
//! per poller. Then what differs: select refuses a descriptor past
//! `FD_SETSIZE`, and says why.

use corolab::reactor::{Interest, LevelPoller, Readiness};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(10);

fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (b, _) = listener.accept().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

fn wait<P: LevelPoller>(poller: &P, timeout: Duration) -> Vec<Readiness> {
    let mut events = Vec::new();
    poller.wait(&mut events, Some(timeout)).unwrap();
    events.sort_by_key(|r| r.key);
    events
}

fn read_only(key: usize) -> Readiness {
    Readiness { key, readable: true, writable: false }
}

fn reports_readable_for_as_long_as_data_waits<P: LevelPoller>() {
    let poller = P::new().unwrap();
    let (mut a, mut b) = pair();
    // SAFETY: `b` is deleted below, before it is dropped.
    unsafe { poller.add(b.as_fd(), 7, Interest::READ) }.unwrap();
    assert_eq!(wait(&poller, Duration::ZERO), [], "nothing sent yet");
    a.write_all(b"xy").unwrap();
    assert_eq!(wait(&poller, PATIENCE), [read_only(7)]);
    // Level: unread data is reported at every wait, not once.
    assert_eq!(wait(&poller, Duration::ZERO), [read_only(7)], "level-triggered: reported again");
    assert_eq!(b.read(&mut [0; 1]).unwrap(), 1);
    assert_eq!(wait(&poller, Duration::ZERO), [read_only(7)], "one byte is still there");
    assert_eq!(b.read(&mut [0; 8]).unwrap(), 1);
    assert_eq!(wait(&poller, Duration::ZERO), [], "drained: silent");
    poller.delete(b.as_fd()).unwrap();
}

fn write_interest_reports_an_idle_socket_at_every_wait<P: LevelPoller>() {
    let poller = P::new().unwrap();
    let (a, _b) = pair();
    // SAFETY: `a` is deleted below, before it is dropped.
    unsafe { poller.add(a.as_fd(), 1, Interest::BOTH) }.unwrap();
    let writable = Readiness { key: 1, readable: false, writable: true };
    for round in 0..3 {
        assert_eq!(wait(&poller, PATIENCE), [writable], "round {round}");
    }
    // Which is why a loop on a level poller turns write interest off
    // when it has nothing to write.
    poller.modify(a.as_fd(), 1, Interest::READ).unwrap();
    assert_eq!(wait(&poller, Duration::ZERO), []);
    poller.modify(a.as_fd(), 2, Interest::default()).unwrap();
    assert_eq!(wait(&poller, Duration::ZERO), [], "no interest: never reported");
    poller.delete(a.as_fd()).unwrap();
}

fn a_peer_close_is_reported_readable<P: LevelPoller>() {
    let poller = P::new().unwrap();
    let (a, mut b) = pair();
    // SAFETY: `b` is deleted below, before it is dropped.
    unsafe { poller.add(b.as_fd(), 2, Interest::READ) }.unwrap();
    drop(a);
    assert_eq!(wait(&poller, PATIENCE), [read_only(2)]);
    assert_eq!(b.read(&mut [0; 1]).unwrap(), 0, "the read sees EOF");
    poller.delete(b.as_fd()).unwrap();
}

fn a_listener_is_readable_when_a_connection_waits<P: LevelPoller>() {
    let poller = P::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    // SAFETY: `listener` is deleted below, before it is dropped.
    unsafe { poller.add(listener.as_fd(), 3, Interest::READ) }.unwrap();
    assert_eq!(wait(&poller, Duration::ZERO), []);
    let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    assert_eq!(wait(&poller, PATIENCE), [read_only(3)]);
    listener.accept().unwrap();
    assert_eq!(wait(&poller, Duration::ZERO), [], "accepted: nothing waits");
    poller.delete(listener.as_fd()).unwrap();
}

fn many_sources_are_told_apart_by_key<P: LevelPoller>() {
    let poller = P::new().unwrap();
    let pairs: Vec<_> = (0..20).map(|_| pair()).collect();
    for (i, (_, b)) in pairs.iter().enumerate() {
        // SAFETY: every `b` is deleted below, before `pairs` drops.
        unsafe { poller.add(b.as_fd(), 100 + i, Interest::READ) }.unwrap();
    }
    for i in [3, 11, 19] {
        (&pairs[i].0).write_all(b"!").unwrap();
    }
    let deadline = Instant::now() + PATIENCE;
    let mut got = wait(&poller, PATIENCE);
    while got.len() < 3 && Instant::now() < deadline {
        got = wait(&poller, PATIENCE);
    }
    assert_eq!(got, [read_only(103), read_only(111), read_only(119)]);
    for (_, b) in &pairs {
        poller.delete(b.as_fd()).unwrap();
    }
}

fn a_deleted_source_is_no_longer_reported<P: LevelPoller>() {
    let poller = P::new().unwrap();
    let (mut a, b) = pair();
    // SAFETY: `b` is deleted below, before it is dropped.
    unsafe { poller.add(b.as_fd(), 4, Interest::READ) }.unwrap();
    a.write_all(b"x").unwrap();
    assert_eq!(wait(&poller, PATIENCE), [read_only(4)]);
    poller.delete(b.as_fd()).unwrap();
    assert_eq!(wait(&poller, Duration::ZERO), []);
    let again = poller.delete(b.as_fd()).unwrap_err();
    assert_eq!(again.kind(), std::io::ErrorKind::NotFound, "{again}");
    let modify = poller.modify(b.as_fd(), 4, Interest::READ).unwrap_err();
    assert_eq!(modify.kind(), std::io::ErrorKind::NotFound, "{modify}");
}

fn a_descriptor_registered_twice_is_refused<P: LevelPoller>() {
    let poller = P::new().unwrap();
    let (a, _b) = pair();
    // SAFETY: `a` is deleted below, before it is dropped.
    unsafe { poller.add(a.as_fd(), 5, Interest::READ) }.unwrap();
    // SAFETY: the same descriptor: refused, nothing more to delete.
    let twice = unsafe { poller.add(a.as_fd(), 6, Interest::READ) }.unwrap_err();
    assert_eq!(twice.kind(), std::io::ErrorKind::AlreadyExists, "{twice}");
    poller.delete(a.as_fd()).unwrap();
}

fn notify_from_another_thread_wakes_a_sleeping_wait<P: LevelPoller + 'static>() {
    let poller = Arc::new(P::new().unwrap());
    let remote = Arc::clone(&poller);
    let started = Instant::now();
    let notifier = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        remote.notify().unwrap();
    });
    let mut events = Vec::new();
    poller.wait(&mut events, Some(Duration::from_secs(30))).unwrap();
    notifier.join().unwrap();
    assert!(started.elapsed() < PATIENCE, "the notify did not wake the wait");
    assert!(events.is_empty(), "a notify is not a source event: {events:?}");
}

fn notifies_before_a_wait_collapse_into_one_wakeup<P: LevelPoller>() {
    let poller = P::new().unwrap();
    poller.notify().unwrap();
    poller.notify().unwrap();
    let mut events = Vec::new();
    let started = Instant::now();
    poller.wait(&mut events, Some(Duration::from_secs(30))).unwrap();
    assert!(started.elapsed() < PATIENCE, "the early notify was lost");
    let started = Instant::now();
    poller.wait(&mut events, Some(Duration::from_millis(30))).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(25), "a second wakeup from the same notifies");
}

fn a_wait_with_a_timeout_and_nothing_ready_times_out<P: LevelPoller>() {
    let poller = P::new().unwrap();
    let (_a, b) = pair();
    // SAFETY: `b` is deleted below, before it is dropped.
    unsafe { poller.add(b.as_fd(), 8, Interest::READ) }.unwrap();
    let started = Instant::now();
    assert_eq!(wait(&poller, Duration::from_millis(20)), []);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(19) && waited < PATIENCE, "waited {waited:?}");
    // Below a millisecond is not rounded down to a busy zero (poll counts
    // in milliseconds).
    let started = Instant::now();
    assert_eq!(wait(&poller, Duration::from_micros(300)), []);
    assert!(started.elapsed() >= Duration::from_micros(300));
    poller.delete(b.as_fd()).unwrap();
}

/// A descriptor numbered past `FD_SETSIZE`: a duplicate of `fd` at 1100
/// or above.
fn high_duplicate(fd: &impl AsRawFd) -> OwnedFd {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) reads no memory of ours; it returns a
    // new descriptor or -1.
    let high = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 1100) };
    assert!(high >= 1100, "no descriptor past 1100: {}", std::io::Error::last_os_error());
    // SAFETY: `high` was just returned by fcntl: open, and owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(high) }
}

macro_rules! same_tests {
    ($name:ident, $poller:ty) => {
        mod $name {
            type P = $poller;
            #[test]
            fn reports_readable_for_as_long_as_data_waits() {
                super::reports_readable_for_as_long_as_data_waits::<P>();
            }
            #[test]
            fn write_interest_reports_an_idle_socket_at_every_wait() {
                super::write_interest_reports_an_idle_socket_at_every_wait::<P>();
            }
            #[test]
            fn a_peer_close_is_reported_readable() {
                super::a_peer_close_is_reported_readable::<P>();
            }
            #[test]
            fn a_listener_is_readable_when_a_connection_waits() {
                super::a_listener_is_readable_when_a_connection_waits::<P>();
            }
            #[test]
            fn many_sources_are_told_apart_by_key() {
                super::many_sources_are_told_apart_by_key::<P>();
            }
            #[test]
            fn a_deleted_source_is_no_longer_reported() {
                super::a_deleted_source_is_no_longer_reported::<P>();
            }
            #[test]
            fn a_descriptor_registered_twice_is_refused() {
                super::a_descriptor_registered_twice_is_refused::<P>();
            }
            #[test]
            fn notify_from_another_thread_wakes_a_sleeping_wait() {
                super::notify_from_another_thread_wakes_a_sleeping_wait::<P>();
            }
            #[test]
            fn notifies_before_a_wait_collapse_into_one_wakeup() {
                super::notifies_before_a_wait_collapse_into_one_wakeup::<P>();
            }
            #[test]
            fn a_wait_with_a_timeout_and_nothing_ready_times_out() {
                super::a_wait_with_a_timeout_and_nothing_ready_times_out::<P>();
            }
            #[test]
            #[should_panic(expected = "notify key")]
            fn the_notify_key_is_refused() {
                use corolab::reactor::LevelPoller;
                use std::os::fd::AsFd;
                let poller = P::new().unwrap();
                let (a, _b) = super::pair();
                // SAFETY: the call panics before registering anything.
                let _ = unsafe { poller.add(a.as_fd(), corolab::reactor::RESERVED_KEY, Default::default()) };
            }
        }
    };
}

same_tests!(select, corolab::reactor::select::Poller);
same_tests!(poll, corolab::reactor::poll::Poller);
same_tests!(epoll, corolab::reactor::epoll::Poller);

#[test]
fn select_refuses_a_descriptor_past_fd_setsize_and_says_why() {
    use corolab::reactor::select;
    let (mut a, b) = pair();
    let high = high_duplicate(&b);
    let poller = select::Poller::new().unwrap();
    // SAFETY: refused: nothing is registered.
    let refused = unsafe { poller.add(high.as_fd(), 1, Interest::READ) }.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
    let why = refused.to_string();
    assert!(why.contains(&format!("descriptor {}", high.as_raw_fd())), "{why}");
    assert!(why.contains("FD_SETSIZE = 1024") && why.contains("bitmap"), "{why}");
    // poll and epoll watch the same descriptor without complaint.
    a.write_all(b"x").unwrap();
    fn sees_it<P: LevelPoller>(fd: &OwnedFd) {
        let poller = P::new().unwrap();
        // SAFETY: `fd` is deleted below, before it is dropped.
        unsafe { poller.add(fd.as_fd(), 9, Interest::READ) }.unwrap();
        assert_eq!(wait(&poller, PATIENCE), [read_only(9)], "{}", P::NAME);
        poller.delete(fd.as_fd()).unwrap();
    }
    sees_it::<corolab::reactor::poll::Poller>(&high);
    sees_it::<corolab::reactor::epoll::Poller>(&high);
}
