//! The tour: what `corolab` with no arguments (and so `cargo run --release`)
//! shows a newcomer. What corolab is, a few seconds of something live on
//! every backend, the lessons, and the next command to type.
#![forbid(unsafe_code)]

use corolab::scenarios::{self, Backend, Config, RunReport};
use corolab::term;
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

/// The widest the tour's timelines are drawn, however wide the terminal:
/// short rows are easier to compare one under the other.
const MAX_TIMELINE: usize = 80;

/// A section heading that fits `term::width()`: `━━ title ━━`, wrapped.
fn heading(title: &str) {
    println!("{}\n", term::hanging("━━ ", &format!("{title} ━━"), 3, term::width()));
}

/// A paragraph wrapped to `term::width()`.
fn say(text: &str) {
    for line in term::wrap(text, term::width()) {
        println!("{line}");
    }
}

pub fn tour() -> i32 {
    println!("{INTRO}");
    let mut ok = true;
    ok &= pingpong();
    ok &= sleepers();
    lessons();
    println!();
    say("next: `cargo install --path .` puts corolab on your PATH; without it,");
    say("type `cargo run --release --` where these say `corolab`. Then try:");
    for command in [
        "corolab lesson 01          # read the first lesson, code included",
        "corolab check 01           # its exercise: what still fails, and why",
        "corolab run pingpong --backend greenlet --trace",
        "corolab bench --quick",
    ] {
        println!("  {command}");
    }
    if ok { 0 } else { 1 }
}

/// The same hand-off on every model: one narrated, then each one's timeline.
fn pingpong() -> bool {
    let Some(scenario) = scenarios::find("pingpong") else { return true };
    heading(&format!("1. pingpong: {}", scenario.summary));
    say("Two workers take turns. On greenlets, as in the articles' greenlet demo, it prints:");
    let narrated = Config { narrate: true, n: Some(2), ..Config::default() };
    let mut ok = scenarios::run(scenario, Backend::Greenlet, &narrated).ok;
    println!();
    say("The same hand-off on every model:");
    println!();
    for &backend in scenario.backends {
        let report = scenarios::run(scenario, backend, &traced(2, None));
        ok &= report.ok;
        show(&report, Axis::Auto);
    }
    ok
}

/// Five sleepers, one after another and then all at once: the wall time is
/// the lesson.
fn sleepers() -> bool {
    let Some(scenario) = scenarios::find("sleepers") else { return true };
    let (n, delay) = (5, Duration::from_millis(200));
    heading(&format!("2. sleepers: {n} tasks each sleep {} ms", delay.as_millis()));
    say(&format!(
        "One after another that is {} ms; started together, about {} ms:",
        n as u128 * delay.as_millis(),
        delay.as_millis()
    ));
    println!();
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

/// One backend's result line and its timeline, legend and rule included.
fn show(report: &RunReport, axis: Axis) {
    let status = if report.ok { "ok" } else { "FAILED" };
    println!("{} — {status}, {:.2} ms", report.backend, report.wall_ms);
    if let Some(trace) = &report.trace {
        let note = super::run::startup_note(report.backend, trace);
        print!("{}", trace.timeline_in(term::width().min(MAX_TIMELINE), axis, note.as_deref()));
    }
    println!();
}

fn lessons() {
    heading("the lessons");
    for lesson in corolab::lessons::all() {
        println!("  {:02}  {}", lesson.number, lesson.title);
    }
}
