//! Paired ratios for the issue's targets: how many raw corosensei round
//! trips one generator or greenlet round trip costs.
//!
//! | column | the ratio to | the target it checks |
//! | --- | --- | --- |
//! | `vs raw` | a bare corosensei `resume` + `suspend` | |
//! | `vs bool` | the same, consumed as `black_box(result.is_ok())`, as the generator's and greenlet's are | generator at most 1.5× |
//! | `vs carry` | raw corosensei carrying a greenlet `Value` each way | greenlet main ↔ g at most 2× |
//!
//! `greenlet/g_h` is a child ↔ child round trip: four context switches,
//! two hops each way through the trampoline, by design (see
//! `crate::greenlet`), so read it against twice the main ↔ g figure.
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
//! taskset -c 0 cargo bench -p corolab-benches --bench switch_ab
//! ```
//!
//! Where time is too noisy to trust, count instructions instead: with
//! `SWITCH_AB_COUNT=greenlet/main_g:N` the binary runs only that contender,
//! N round trips after its warm-up, under `valgrind --tool=callgrind`; the
//! difference of two counts (N = 100,000 and 200,000) over 100,000 is one
//! round trip's instructions, the same on a loaded machine as on a quiet
//! one (`scripts/count-switch.sh` does this for every row).
//!
//! # Figures
//!
//! Three runs at load average about 1; the third:
//!
//! ```text
//! bench                           median   vs raw       p25-p75   vs bool       p25-p75
//! corosensei/resume_suspend      2.17 ns    1.00x   1.00-1.00x     0.89x   0.89-0.89x
//! corosensei/consumed_as_bool    2.44 ns    1.12x   1.12-1.12x     1.00x   1.00-1.00x
//! corosensei/carrying_value      3.79 ns    1.75x   1.74-1.78x     1.56x   1.55-1.59x
//! generator/send_yield           3.60 ns    1.64x   1.61-1.71x     1.47x   1.44-1.53x
//! greenlet/main_g                7.45 ns    3.42x   3.41-3.46x     3.05x   3.04-3.09x
//! greenlet/g_h                  15.24 ns    7.01x   6.94-7.07x     6.25x   6.21-6.30x
//! ```
//!
//! The other two gave the generator 1.47× and 1.48× against raw consumed
//! as a `bool` (the like-for-like baseline, see `benches/switch.rs`), and
//! main ↔ g 3.19× and 3.20×. Against the code before this session's
//! generator changes, alternating builds, the generator moved from
//! 1.68–1.72× to 1.65–1.67× the bare raw row; the greenlet code did not
//! change, yet its g ↔ h moved by 5% between the builds: that is what a
//! change elsewhere in the binary does to code layout.
//!
//! The greenlet split and hook fixes (issue 10 item 5, issue 11 item 10),
//! measured against the code before them with both binaries built and run
//! alternately, pinned, load average 0.5 to 1.8 (other agents compiling):
//! main ↔ g 6.71, 6.79, 7.51, 7.59 ns before against 7.62, 8.02, 7.90,
//! 8.19 ns after, about 2.3× raw carrying a value before and 2.4× to 2.9×
//! after; g ↔ h within noise (11.2 to 12.4 ns against 11.6 to 12.6 ns);
//! the generator 3.01 to 3.47 ns against 3.05 to 3.45 ns.
//!
//! Moved here from the greenlet's module docs, where figures go stale:
//! forcing the greenlet's hot path inline and taking out what a switch did
//! not need (a `RefCell` flag, a thread-local destructor check, a mailbox
//! check, reference counts on main ↔ g) brought main ↔ g from about 5.5×
//! a raw corosensei round trip to about 4× in criterion (3.4× here, 3.1×
//! against raw consumed as a `bool`). What is left is mostly carrying a
//! value: raw corosensei carrying the same `Box<dyn Any>` each way costs
//! 1.75× its bare round trip (a `u64`, 1.5×), so main ↔ g is about twice
//! that floor (the `vs carrying` column).

use std::hint::black_box;
use std::time::{Duration, Instant};

use corosensei::CoroutineResult;

#[path = "common/switch.rs"]
mod common;
use common::{GreenletPair, unit};

/// Round trips per batch: about a millisecond each.
const BATCH: u64 = 200_000;
/// Rounds; each times one batch of every contender.
const ROUNDS: usize = 101;

/// Something that times `n` round trips.
type Contender = Box<dyn FnMut(u64) -> Duration>;

/// Times `n` runs of `round_trip`.
fn timed(mut round_trip: impl FnMut() + 'static) -> Contender {
    Box::new(move |n| {
        let start = Instant::now();
        for _ in 0..n {
            round_trip();
        }
        start.elapsed()
    })
}

fn raw() -> Contender {
    let mut co = common::raw();
    timed(move || match co.resume(()) {
        CoroutineResult::Yield(v) => black_box(v),
        CoroutineResult::Return(()) => unreachable!(),
    })
}

/// Raw corosensei, its result consumed as the generator's and greenlet's
/// are below: `black_box` of a `bool` (which `black_box` stores to the
/// stack and loads back, inside the timed loop).
fn raw_bool() -> Contender {
    let mut co = common::raw();
    timed(move || {
        black_box(co.resume(()).as_yield().is_some());
    })
}

fn raw_value() -> Contender {
    let mut co = common::carrying_value();
    timed(move || match co.resume(unit()) {
        CoroutineResult::Yield(v) => drop(black_box(v)),
        CoroutineResult::Return(()) => unreachable!(),
    })
}

fn generator() -> Contender {
    let g = common::generator();
    timed(move || {
        black_box(g.send(()).is_ok());
    })
}

fn greenlet_main_g() -> Contender {
    let g = common::main_g();
    timed(move || {
        black_box(g.switch(unit()).is_ok());
    })
}

fn greenlet_g_h() -> Contender {
    let pair = GreenletPair::new();
    Box::new(move |n| pair.time(n))
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
        ("corosensei/consumed_as_bool", raw_bool()),
        ("corosensei/carrying_value", raw_value()),
        ("generator/send_yield", generator()),
        ("greenlet/main_g", greenlet_main_g()),
        ("greenlet/g_h", greenlet_g_h()),
    ];
    for (_, run) in &mut contenders {
        run(BATCH); // warm up: stacks mapped, caches and predictors trained
    }
    // `SWITCH_AB_COUNT=greenlet/main_g:100000`: run that one contender that
    // many round trips and nothing else, for an instruction count
    // (valgrind --tool=callgrind), which a loaded machine cannot disturb:
    // two counts with different round trips, subtracted, give the
    // instructions of one.
    if let Ok(spec) = std::env::var("SWITCH_AB_COUNT") {
        let (name, n) = spec.split_once(':').expect("SWITCH_AB_COUNT=name:round_trips");
        let n: u64 = n.parse().expect("round trips: a number");
        let (_, run) = contenders.iter_mut().find(|(c, _)| *c == name).expect("no such contender");
        run(n);
        return;
    }
    let k = contenders.len();
    // Ratios to the two raw rows: the bare round trip (row 0), and the
    // round trip consumed as the generator's and greenlet's are (row 1).
    let mut ns: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut ratio: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut ratio_bool: Vec<Vec<f64>> = vec![Vec::new(); k];
    // And to raw corosensei carrying a greenlet's `Value` each way (row 2):
    // the floor a greenlet round trip is held to (issue 15: at most 2x).
    let mut ratio_carry: Vec<Vec<f64>> = vec![Vec::new(); k];
    for round in 0..ROUNDS {
        let mut took = vec![0.0; k];
        for i in 0..k {
            let at = (i + round) % k;
            took[at] = contenders[at].1(BATCH).as_secs_f64() * 1e9 / BATCH as f64;
        }
        for i in 0..k {
            ns[i].push(took[i]);
            ratio[i].push(took[i] / took[0]);
            ratio_bool[i].push(took[i] / took[1]);
            ratio_carry[i].push(took[i] / took[2]);
        }
    }
    println!("{ROUNDS} rounds of {BATCH} round trips each; ratios taken within each round");
    println!(
        "{:<28} {:>9} {:>7} {:>11} {:>8} {:>11} {:>8} {:>11}",
        "bench", "median", "vs raw", "p25-p75", "vs bool", "p25-p75", "vs carry", "p25-p75"
    );
    for i in 0..k {
        ns[i].sort_by(f64::total_cmp);
        ratio[i].sort_by(f64::total_cmp);
        ratio_bool[i].sort_by(f64::total_cmp);
        ratio_carry[i].sort_by(f64::total_cmp);
        println!(
            "{:<28} {:>6.2} ns {:>6.2}x {:>5.2}-{:.2}x {:>7.2}x {:>5.2}-{:.2}x {:>7.2}x {:>5.2}-{:.2}x",
            contenders[i].0,
            quantile(&ns[i], 0.5),
            quantile(&ratio[i], 0.5),
            quantile(&ratio[i], 0.25),
            quantile(&ratio[i], 0.75),
            quantile(&ratio_bool[i], 0.5),
            quantile(&ratio_bool[i], 0.25),
            quantile(&ratio_bool[i], 0.75),
            quantile(&ratio_carry[i], 0.5),
            quantile(&ratio_carry[i], 0.25),
            quantile(&ratio_carry[i], 0.75),
        );
    }
}
