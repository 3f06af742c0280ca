//! CPU cost of gevent and may operations, for `time` (user + sys CPU), to
//! read past the wall-clock noise of a shared machine:
//! `time taskset -c 0 target/release/examples/prof_spawn gevent-spawn`.
use corolab::gevent::{self, may as gmay};
use std::time::Duration;

const N: u64 = 3_000_000;

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("gevent-spawn") => {
            for _ in 0..N {
                gevent::spawn(|| std::hint::black_box(1u64)).join().unwrap();
            }
        }
        Some("gevent-sleep0") => {
            let hs: Vec<_> = (0..2)
                .map(|_| gevent::spawn(|| (0..N / 2).for_each(|_| gevent::sleep(Duration::ZERO))))
                .collect();
            gevent::joinall(&hs, None);
        }
        Some("may-spawn") => {
            gmay::configure(Some(1)).unwrap();
            gmay::spawn(|| {
                for _ in 0..N / 10 {
                    gmay::spawn(|| std::hint::black_box(1u64)).join().unwrap();
                }
            })
            .join()
            .unwrap();
        }
        Some("may-yield") => {
            gmay::configure(Some(1)).unwrap();
            let hs: Vec<_> = (0..2)
                .map(|_| gmay::spawn(|| (0..N / 2).for_each(|_| may::coroutine::yield_now())))
                .collect();
            gmay::joinall(&hs, None);
        }
        _ => eprintln!("usage: prof_spawn gevent-spawn|gevent-sleep0|may-spawn|may-yield"),
    }
}
