//! One million sleepers, aio against tokio's current-thread runtime: wall
//! time and peak resident memory, each runtime in a fresh process.
//!
//! ```text
//! B="cargo bench -p corolab-benches --bench"
//! taskset -c 0 $B aio_million          # 3 rounds of both, taking turns
//! taskset -c 0 $B aio_million -- --rounds 5
//! taskset -c 0 $B aio_million -- aio   # just one run of one
//! ```
//!
//! Every task sleeps 500 ms; then all are joined (awaited in spawn order).
//! Each run is a fresh child process; the rounds alternate (aio first,
//! then tokio first …) and the summary gives each runtime's median time
//! and peak memory. Peak memory is the process's `VmHWM` after the run,
//! minus nothing: it includes the runtime and the test binary (a few MiB).

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
                "{name:<6} {N} sleepers of {NAP:?}, ms: {:.0} , peak RSS {:.1} MiB",
                took.as_secs_f64() * 1e3,
                peak as f64 / 1024.0
            );
        }
        _ => {
            let rounds: usize = std::env::args()
                .skip_while(|a| a != "--rounds")
                .nth(1)
                .and_then(|r| r.parse().ok())
                .unwrap_or(3);
            let me = std::env::current_exe().expect("own path");
            let mut seen: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
            for round in 0..rounds {
                let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                for i in order {
                    let name = ["aio", "tokio"][i];
                    let out = std::process::Command::new(&me).arg(name).output().expect("run child");
                    assert!(out.status.success(), "{name} run failed");
                    let line = String::from_utf8_lossy(&out.stdout).into_owned();
                    print!("{line}");
                    seen[i].push(parse(&line));
                }
            }
            for (i, runs) in seen.iter().enumerate() {
                let median = |k: usize| {
                    let mut xs: Vec<f64> = runs.iter().map(|r| if k == 0 { r.0 } else { r.1 }).collect();
                    xs.sort_by(f64::total_cmp);
                    xs[xs.len() / 2]
                };
                println!(
                    "median of {rounds}: {:<6} {:>7.0} ms, peak RSS {:.1} MiB",
                    ["aio", "tokio"][i],
                    median(0),
                    median(1)
                );
            }
        }
    }
}

/// `(milliseconds, MiB)` from a child's line.
fn parse(line: &str) -> (f64, f64) {
    let ms = line.split("ms:").nth(1).and_then(|r| r.split_whitespace().next()?.parse().ok());
    let mib = line.split("peak RSS ").nth(1).and_then(|r| r.split_whitespace().next()?.parse().ok());
    (ms.unwrap_or(f64::NAN), mib.unwrap_or(f64::NAN))
}
