//! What one ready event costs on select(2), poll(2) and epoll, with one
//! busy connection among N idle ones: why epoll exists.
//!
//! | bench | what one iteration is |
//! | --- | --- |
//! | `pollers/{select,poll,epoll}/N` | the busy client sends a byte, the poller's `wait` reports the one ready connection among N + 1 watched, the server reads the byte |
//!
//! N = 10, 100, 1,000 and 10,000 idle TCP connections over 127.0.0.1,
//! each watched for reading and silent. select and poll hand the kernel
//! all N + 1 descriptors at every wait and scan them all again after, so
//! their cost grows with N; epoll hands back only the ready one. select
//! cannot watch a descriptor numbered `FD_SETSIZE` (1024) or more: past
//! it the row says it was refused, and why (the poller's own error).
//!
//! The busy connection is the last one watched (the highest descriptor,
//! the last `pollfd`): the kernel walks past all N idle ones, hooking
//! itself onto each one's wait queue, before it finds the ready one, as a
//! wait that finds nothing ready and sleeps does on every call. (First in
//! line, it would be found at once and the walk would be cheaper: the
//! kernel stops adding itself to wait queues once something is ready.)
//!
//! The idle connections' client ends are held by a second process (this
//! bench run again as `pollers --hold ADDR N`), so the watched server
//! ends are numbered densely from the bottom and select gets every chance
//! it has (N = 1,000 fits under 1024), and 10,000 connections need 10,000
//! descriptors here, not 20,000. The bench raises `RLIMIT_NOFILE` to what
//! it needs if it can, and skips the sizes it cannot open, saying so.
//!
//! Run pinned to one core:
//! `taskset -c 0 cargo bench -p corolab-benches --bench pollers`.
//! The figures are in the results chapter of the book.

use corolab::reactor::{Interest, LevelPoller, Readiness, epoll, poll, select};
use criterion::{BenchmarkId, Criterion, criterion_group};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The numbers of idle connections.
const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// The key of the busy connection (the idle ones are 0..N).
const BUSY: usize = usize::MAX - 1;

/// N idle connections and one busy one, the server ends to watch.
struct Connections {
    /// Server ends: watched, silent.
    idle: Vec<TcpStream>,
    /// The process that holds the client ends (so this one needs only N
    /// descriptors, not 2N, and the server ends are numbered densely).
    holder: Child,
    busy_client: TcpStream,
    busy_server: TcpStream,
}

impl Connections {
    fn open(n: usize) -> std::io::Result<Connections> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let mut holder = Command::new(std::env::current_exe()?)
            .args(["--hold", &addr.to_string(), &n.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut idle = Vec::with_capacity(n);
        for _ in 0..n {
            let (server, _) = listener.accept()?;
            server.set_nonblocking(true)?;
            idle.push(server);
        }
        let mut line = String::new();
        BufReader::new(holder.stdout.take().unwrap()).read_line(&mut line)?;
        if line.trim() != "holding" {
            let _ = holder.kill();
            return Err(std::io::Error::other(format!("the holder could not connect: {line}")));
        }
        // The busy connection last: the highest descriptor, the last entry.
        let busy_client = TcpStream::connect(addr)?;
        let (busy_server, _) = listener.accept()?;
        busy_client.set_nodelay(true)?;
        busy_server.set_nonblocking(true)?;
        Ok(Connections { idle, holder, busy_client, busy_server })
    }
}

impl Drop for Connections {
    fn drop(&mut self) {
        drop(self.holder.stdin.take()); // end of input: the holder exits
        let _ = self.holder.wait();
    }
}

/// Holder mode: connect `n` times to `addr`, say so, and keep the
/// connections open (silent) until standard input closes.
fn hold(addr: &str, n: usize) -> ! {
    raise_nofile(n as u64 + 64);
    let held: std::io::Result<Vec<TcpStream>> = (0..n).map(|_| TcpStream::connect(addr)).collect();
    match held {
        Ok(_held) => {
            println!("holding");
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        }
        Err(e) => println!("{e}"),
    }
    std::process::exit(0);
}

/// Raises the soft descriptor limit (and the hard one, if allowed) to at
/// least `want`; returns the soft limit now in force.
fn raise_nofile(want: u64) -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `limit` is a live local that getrlimit writes.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if limit.rlim_cur >= want {
        return limit.rlim_cur;
    }
    let raised = libc::rlimit { rlim_cur: want, rlim_max: limit.rlim_max.max(want) };
    // SAFETY: `raised` is a live local that setrlimit reads.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
        return want;
    }
    let soft = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
    // SAFETY: as above.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &soft) };
    limit.rlim_max
}

/// Registers every connection of `conns` with `poller`: the idle ones
/// under their index, the busy one under [`BUSY`].
fn watch<P: LevelPoller>(poller: &P, conns: &Connections) -> std::io::Result<()> {
    for (i, s) in conns.idle.iter().enumerate() {
        // SAFETY: `conns` outlives the registration: `unwatch` deletes
        // every descriptor before the bench lets go of `conns`.
        unsafe { poller.add(s.as_fd(), i, Interest::READ) }?;
    }
    // SAFETY: as above.
    unsafe { poller.add(conns.busy_server.as_fd(), BUSY, Interest::READ) }
}

fn unwatch<P: LevelPoller>(poller: &P, conns: &Connections) {
    for s in conns.idle.iter().chain([&conns.busy_server]) {
        let _ = poller.delete(s.as_fd());
    }
}

/// One ready event: the busy client sends a byte, the wait reports it,
/// the server reads it.
fn one_event<P: LevelPoller>(poller: &P, conns: &Connections, events: &mut Vec<Readiness>) {
    (&conns.busy_client).write_all(b"!").unwrap();
    let mut got = 0;
    while got == 0 {
        got = poller.wait(events, Some(Duration::from_secs(5))).unwrap();
    }
    assert_eq!(events[0].key, BUSY, "only the busy connection is ready");
    let mut byte = [0u8; 1];
    black_box((&conns.busy_server).read(&mut byte).unwrap());
}

fn bench_poller<P: LevelPoller>(c: &mut Criterion, n: usize, conns: &Connections) {
    let mut group = c.benchmark_group("pollers");
    let poller = P::new().unwrap();
    match watch(&poller, conns) {
        Ok(()) => {
            let mut events = Vec::with_capacity(4);
            group.bench_with_input(BenchmarkId::new(P::NAME, n), &n, |b, _| {
                b.iter(|| one_event(&poller, conns, &mut events))
            });
        }
        Err(e) => println!("pollers/{}/{n}: refused: {e}", P::NAME),
    }
    unwatch(&poller, conns);
    group.finish();
}

fn pollers(c: &mut Criterion) {
    let limit = raise_nofile(SIZES[SIZES.len() - 1] as u64 + 64);
    for n in SIZES {
        let conns = match Connections::open(n) {
            Ok(conns) => conns,
            Err(e) => {
                println!("pollers/*/{n}: skipped: cannot open {n} connections ({e}; RLIMIT_NOFILE {limit})");
                continue;
            }
        };
        bench_poller::<select::Poller>(c, n, &conns);
        bench_poller::<poll::Poller>(c, n, &conns);
        bench_poller::<epoll::Poller>(c, n, &conns);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = pollers
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--hold") {
        hold(&args[i + 1], args[i + 2].parse().expect("a number of connections"));
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
