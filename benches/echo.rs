//! Loopback echo throughput per backend: the `echo` scenario, 10 clients
//! each sending 2,000 messages (16 to 128 bytes) and checking every echo.
//! Criterion reports messages per second (one element = one checked echo).
//!
//! | bench | server and clients |
//! | --- | --- |
//! | `echo/gevent` | one thread, one hub: the server and every client are greenlets |
//! | `echo/may` | may coroutines on ONE worker (set here), the peer of gevent on one core |
//! | `echo/threads` | a thread per connection and per client |
//!
//! Run pinned, `taskset -c 0 cargo bench -p corolab-benches --bench echo`
//! (one core for everything, the fair comparison of schedulers); unpinned
//! it measures the two-core case, where threads and may can use both cores.

use std::time::Duration;

use corolab::gevent::may as gmay;
use corolab::scenarios::{self, Backend, Config};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CLIENTS: u64 = 10;
const MESSAGES: u64 = 2_000;

fn benches(c: &mut Criterion) {
    gmay::configure(Some(1)).expect("may starts with one worker");
    let echo = scenarios::find("echo").unwrap();
    let config = Config { clients: Some(CLIENTS), ..Config::quiet().with_n(MESSAGES) };
    let mut g = c.benchmark_group("echo");
    g.throughput(Throughput::Elements(CLIENTS * MESSAGES));
    g.sample_size(10);
    for backend in [Backend::Gevent, Backend::May, Backend::Threads] {
        g.bench_function(backend.name(), |b| {
            b.iter(|| {
                let report = scenarios::run(echo, backend, &config);
                assert!(report.ok, "{report:?}");
            })
        });
    }
    g.finish();
}

criterion_group!(name = group; config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5)); targets = benches);
criterion_main!(group);
