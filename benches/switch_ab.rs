//! Paired ratios for the issue's targets: how many raw corosensei round
//! trips one generator or greenlet round trip costs.
//!
//! `benches/switch.rs` gives criterion's absolute figures, one bench after
//! the other; on a shared machine the load moves between them, and a ratio
//! of two figures taken a minute apart moves with it (the raw round trip
//! alone measured 2.2 to 2.6 ns in back-to-back runs). Here every round
//! times a batch of each contender back to back, in a rotating order, and
//! the ratio is taken within the round; the table shows the median over all
//! rounds and the spread between the quartiles.
//!
//! ```text
//! taskset -c 0 cargo bench --bench switch_ab
//! ```
//!
//! # Figures
//!
//! Three runs, alternating with the same bench built on the code before
//! this session's generator changes ("before"), load average about 1.5:
//!
//! | bench | before | after | target |
//! | --- | --- | --- | --- |
//! | `corosensei/resume_suspend` | 2.17 ns, 1× | 2.17 ns, 1× | |
//! | `corosensei/carrying_value` | 1.75× | 1.75× | |
//! | `generator/send_yield` | 1.68×, 1.69×, 1.72× | 1.67×, 1.65×, 1.66× | 1.5× |
//! | `greenlet/main_g` | 3.38×, 3.38×, 3.41× | 3.38×, 3.40×, 3.40× | 2× |
//! | `greenlet/g_h` | 6.68×, 6.67×, 6.70× | 7.02×, 7.03×, 7.02× | |
//!
//! The greenlet code did not change between the two builds: its g ↔ h
//! moving by 5% is what a change elsewhere in the binary does to code
//! layout. The loops here consume each result as `benches/switch.rs` does
//! (`black_box(result.is_ok())`); matching on the result instead measured
//! the generator at 2.25×. `benches/switch.rs` explains where the time
//! goes.

use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use corolab::generator::Generator;
use corolab::greenlet::{Greenlet, Value};
use corosensei::{Coroutine, CoroutineResult};

/// Round trips per batch: about a millisecond each.
const BATCH: u64 = 200_000;
/// Rounds; each times one batch of every contender.
const ROUNDS: usize = 101;

/// Something that times `n` round trips.
type Contender = Box<dyn FnMut(u64) -> Duration>;

fn unit() -> Value {
    Box::new(())
}

fn raw() -> Contender {
    let mut co: Coroutine<(), (), ()> = Coroutine::new(|yielder, ()| {
        loop {
            yielder.suspend(());
        }
    });
    Box::new(move |n| {
        let start = Instant::now();
        for _ in 0..n {
            match co.resume(()) {
                CoroutineResult::Yield(v) => black_box(v),
                CoroutineResult::Return(()) => unreachable!(),
            }
        }
        start.elapsed()
    })
}

/// Raw corosensei carrying a greenlet's [`Value`] each way, dropped on
/// arrival: what a greenlet round trip costs before any of its own work.
fn raw_value() -> Contender {
    let mut co: Coroutine<Value, Value, ()> = Coroutine::new(|yielder, first: Value| {
        drop(first);
        loop {
            drop(yielder.suspend(unit()));
        }
    });
    Box::new(move |n| {
        let start = Instant::now();
        for _ in 0..n {
            match co.resume(unit()) {
                CoroutineResult::Yield(v) => drop(black_box(v)),
                CoroutineResult::Return(()) => unreachable!(),
            }
        }
        start.elapsed()
    })
}

fn generator() -> Contender {
    let g: Generator<(), (), ()> = Generator::new(|co, ()| while co.yield_(()).is_ok() {});
    Box::new(move |n| {
        let start = Instant::now();
        for _ in 0..n {
            black_box(g.send(()).is_ok());
        }
        start.elapsed()
    })
}

fn greenlet_main_g() -> Contender {
    let g = Greenlet::new(|_| {
        let main = Greenlet::current().parent().unwrap();
        loop {
            if main.switch(unit()).is_err() {
                return unit();
            }
        }
    });
    Box::new(move |n| {
        let start = Instant::now();
        for _ in 0..n {
            black_box(g.switch(unit()).is_ok());
        }
        start.elapsed()
    })
}

/// g times `n` round trips g -> h -> g on its own clock.
fn greenlet_g_h() -> Contender {
    let iters = Rc::new(Cell::new(0u64));
    let g = Greenlet::new({
        let iters = iters.clone();
        move |_| {
            let main = Greenlet::current().parent().unwrap();
            let h = Greenlet::new(move |_| {
                let g = Greenlet::current().parent().unwrap();
                loop {
                    if g.switch(unit()).is_err() {
                        return unit();
                    }
                }
            });
            loop {
                let start = Instant::now();
                for _ in 0..iters.get() {
                    black_box(h.switch(unit()).is_ok());
                }
                let took: Value = Box::new(start.elapsed());
                if main.switch(took).is_err() {
                    return unit();
                }
            }
        }
    });
    Box::new(move |n| {
        iters.set(n);
        *g.switch(unit()).unwrap().downcast::<Duration>().unwrap()
    })
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    // `cargo bench` passes `--bench` (and a filter, if given): a filter
    // that names none of these skips the whole run.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.as_deref().is_some_and(|f| !"switch_ab".contains(f)) {
        return;
    }
    let mut contenders: Vec<(&str, Contender)> = vec![
        ("corosensei/resume_suspend", raw()),
        ("corosensei/carrying_value", raw_value()),
        ("generator/send_yield", generator()),
        ("greenlet/main_g", greenlet_main_g()),
        ("greenlet/g_h", greenlet_g_h()),
    ];
    for (_, run) in &mut contenders {
        run(BATCH); // warm up: stacks mapped, caches and predictors trained
    }
    let k = contenders.len();
    let mut ns: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut ratio: Vec<Vec<f64>> = vec![Vec::new(); k];
    for round in 0..ROUNDS {
        let mut took = vec![0.0; k];
        for i in 0..k {
            let at = (i + round) % k;
            took[at] = contenders[at].1(BATCH).as_secs_f64() * 1e9 / BATCH as f64;
        }
        for i in 0..k {
            ns[i].push(took[i]);
            ratio[i].push(took[i] / took[0]);
        }
    }
    println!("{ROUNDS} rounds of {BATCH} round trips each; ratios to raw corosensei within each round");
    println!("{:<28} {:>9} {:>8} {:>16}", "bench", "median", "ratio", "ratio p25-p75");
    for i in 0..k {
        ns[i].sort_by(f64::total_cmp);
        ratio[i].sort_by(f64::total_cmp);
        println!(
            "{:<28} {:>6.2} ns {:>7.2}x {:>8.2}-{:.2}x",
            contenders[i].0,
            quantile(&ns[i], 0.5),
            quantile(&ratio[i], 0.5),
            quantile(&ratio[i], 0.25),
            quantile(&ratio[i], 0.75),
        );
    }
}
