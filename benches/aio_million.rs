//! One million sleepers, aio against tokio's current-thread runtime: wall
//! time and peak resident memory, each runtime in a fresh process.
//!
//! ```text
//! B="cargo bench -p corolab-benches --bench"
//! taskset -c 0 $B aio_million          # both, one child process each
//! taskset -c 0 $B aio_million -- aio   # just one
//! ```
//!
//! Every task sleeps 500 ms; then all are joined (awaited in spawn order).
//! Peak memory is the process's `VmHWM` after the run, minus nothing: it
//! includes the runtime and the test binary (a few MiB).

use corolab::aio;
use std::time::{Duration, Instant};

const N: u64 = 1_000_000;
const NAP: Duration = Duration::from_millis(500);

fn run_aio() {
    aio::run(async {
        let tasks: Vec<_> = (0..N).map(|_| aio::spawn(aio::sleep(NAP))).collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
}

fn run_tokio() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..N).map(|_| tokio::spawn(tokio::time::sleep(NAP))).collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
}

fn main() {
    let which: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    match which.first().map(String::as_str) {
        Some(name @ ("aio" | "tokio")) => {
            let started = Instant::now();
            if name == "aio" {
                run_aio()
            } else {
                run_tokio()
            }
            let took = started.elapsed();
            let peak = corolab::measure::peak_rss_kb();
            println!(
                "{name:<6} {N} sleepers of {NAP:?}: {took:>8.2?}, peak RSS {:.1} MiB",
                peak as f64 / 1024.0
            );
        }
        _ => {
            let me = std::env::current_exe().expect("own path");
            for name in ["aio", "tokio"] {
                let status = std::process::Command::new(&me).arg(name).status().expect("run child");
                assert!(status.success(), "{name} run failed");
            }
        }
    }
}
