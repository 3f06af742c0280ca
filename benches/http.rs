//! Requests per second of each HTTP server, and of tokio + hyper, on
//! loopback keep-alive connections.
//!
//! | bench | what it measures |
//! | --- | --- |
//! | `http/1conn/<server>` | one client, one keep-alive connection, one `GET /hello/world` per iteration: the round-trip latency (two cross-thread wake-ups per request) |
//! | `http/16conn/<server>` | 16 client threads on 16 keep-alive connections, 64 requests each per iteration: throughput with many connections in flight |
//!
//! | `http/protocol` | no IO at all: one `GET /hello/world` fed to a `Connection`, parsed, routed and written out; the protocol's share of each request's CPU |
//!
//! `<server>` is each backend in `corolab::http::server::BACKENDS`, plus
//! `hyper-1t` (tokio current-thread runtime + hyper, one thread like aio's
//! loop) and `hyper-2t` (tokio multi-threaded, two workers). The clients
//! are plain std threads with corolab's blocking client, the same for all.
//! On a 2-core machine the clients and the server share the cores, so these
//! are comparisons, not capacities; `benches/wrk.sh` gives wrk's view.
//!
//! ```text
//! cargo bench -p corolab-benches --bench http
//! ```

#[path = "peers/hyper_hello.rs"]
mod hyper_hello;

use corolab::http::{self, Client, ServerConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::{SocketAddr, TcpListener, TcpStream};

const CONNS: usize = 16;
const PER_CONN: usize = 64;

fn connect(addr: SocketAddr) -> Client<TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).unwrap();
    Client::new(stream)
}

fn get(client: &mut Client<TcpStream>) {
    let page = client.get("/hello/world").expect("a response");
    assert_eq!(page.body, b"Hello, world!\n");
    black_box(page);
}

fn bench_server(c: &mut Criterion, name: &str, addr: SocketAddr) {
    let mut group = c.benchmark_group("http");
    group.throughput(Throughput::Elements(1));
    let mut one = connect(addr);
    group.bench_function(format!("1conn/{name}"), |b| b.iter(|| get(&mut one)));
    group.throughput(Throughput::Elements((CONNS * PER_CONN) as u64));
    let mut clients: Vec<_> = (0..CONNS).map(|_| connect(addr)).collect();
    group.bench_function(format!("16conn/{name}"), |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for client in clients.iter_mut() {
                    s.spawn(|| (0..PER_CONN).for_each(|_| get(client)));
                }
            })
        })
    });
    group.finish();
}

fn servers(c: &mut Criterion) {
    for &backend in http::server::BACKENDS {
        let server = http::server::spawn(backend, "127.0.0.1:0".parse().unwrap(), ServerConfig::default())
            .expect("server starts");
        bench_server(c, backend.name(), server.addr());
        drop(server.stop());
    }
    for threads in [1, 2] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // The peer serves until the bench process exits.
        std::thread::spawn(move || hyper_hello::serve(listener, threads));
        bench_server(c, &format!("hyper-{threads}t"), addr);
    }
}

fn protocol(c: &mut Criterion) {
    use corolab::http::conn::{Connection, Step};
    let request = b"GET /hello/world HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n";
    let mut conn = Connection::new();
    let mut group = c.benchmark_group("http");
    group.throughput(Throughput::Elements(1));
    group.bench_function("protocol", |b| {
        b.iter(|| {
            conn.read_buf()[..request.len()].copy_from_slice(black_box(request));
            conn.filled(request.len());
            assert!(matches!(conn.step(), Step::Respond(_)));
            black_box(conn.output());
            conn.written();
        })
    });
    group.finish();
}

criterion_group!(benches, protocol, servers);
criterion_main!(benches);
