//! The tour: what `corolab` with no arguments (and so `cargo run --release`)
//! shows a newcomer. What corolab is, a few seconds of something live on
//! every backend, the lessons, and the next command to type.
#![forbid(unsafe_code)]

use corolab::scenarios::{self, Backend, Config, RunReport};
use corolab::trace::Axis;
use std::time::Duration;

const INTRO: &str = "\
corolab — learn coroutines by running them.

A coroutine is a function that can stop in the middle, let something else
run, and carry on later from where it stopped. Python teaches them as
generators, greenlets, gevent and asyncio; corolab builds each of those in
Rust, beside plain OS threads, and runs the same scenarios on all of them so
you can watch the difference and measure it.
";

/// How wide the tour's timelines are drawn.
const WIDTH: usize = 56;

pub fn tour() -> i32 {
    println!("{INTRO}");
    let mut ok = true;
    ok &= pingpong();
    ok &= sleepers();
    lessons();
    println!(
        "\nnext: read lessons/01-generators/README.md (or `cargo run --release -- lessons`), then try\n  \
         cargo run --release -- run pingpong --backend greenlet --trace\n  \
         cargo run --release -- run sleepers --trace\n  \
         cargo run --release -- check 01\n  \
         cargo run --release -- bench --quick"
    );
    if ok { 0 } else { 1 }
}

/// The same hand-off on every model: one narrated, then each one's timeline.
fn pingpong() -> bool {
    let Some(scenario) = scenarios::find("pingpong") else { return true };
    println!("━━ 1. pingpong: {} ━━\n", scenario.summary);
    println!("Two workers take turns. On greenlets, as in the articles' greenlet demo, it prints:");
    let narrated = Config { narrate: true, n: Some(2), ..Config::default() };
    let mut ok = scenarios::run(scenario, Backend::Greenlet, &narrated).ok;
    println!("\nThe same hand-off on every model, one column per event:\n");
    for &backend in scenario.backends {
        let report = scenarios::run(scenario, backend, &traced(2, None));
        ok &= report.ok;
        show(&report, Axis::Events);
    }
    ok
}

/// Five sleepers, one after another and then all at once: the wall time is
/// the lesson.
fn sleepers() -> bool {
    let Some(scenario) = scenarios::find("sleepers") else { return true };
    let (n, delay) = (5, Duration::from_millis(200));
    println!("━━ 2. sleepers: {n} tasks each sleep {} ms ━━\n", delay.as_millis());
    println!(
        "One after another that is {} ms; started together, about {} ms:\n",
        n as u128 * delay.as_millis(),
        delay.as_millis()
    );
    let mut ok = true;
    // One scale for every run, so the lengths can be compared by eye.
    let axis = Axis::TimeUntil(delay * n as u32);
    for &backend in scenario.backends {
        let report = scenarios::run(scenario, backend, &traced(n, Some(delay)));
        ok &= report.ok;
        show(&report, axis);
    }
    ok
}

fn traced(n: u64, delay: Option<Duration>) -> Config {
    Config { trace: true, n: Some(n), delay, ..Config::default() }
}

/// One backend's result line and its timeline, without the legend (printed
/// once per section would be enough; the tour keeps it short).
fn show(report: &RunReport, axis: Axis) {
    let status = if report.ok { "ok" } else { "FAILED" };
    println!("{} — {status}, {:.2} ms", report.backend, report.wall_ms);
    if let Some(trace) = &report.trace {
        print!("{}", trace.timeline(WIDTH, axis));
    }
    println!();
}

fn lessons() {
    println!("━━ the lessons ━━\n");
    for lesson in corolab::lessons::all() {
        println!("  {:02}  {}", lesson.number, lesson.title);
    }
}
