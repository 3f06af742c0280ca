//! The tour: what `corolab` with no arguments (and so `cargo run --release`)
//! shows a newcomer. What corolab is, a few seconds of something live on
//! every backend, the lessons, and the next command to type.
#![forbid(unsafe_code)]

use corolab::scenarios::{self, Config};
use corolab::trace::Axis;

const INTRO: &str = "\
corolab — learn coroutines by running them.

A coroutine is a function that can stop in the middle, let something else
run, and carry on later from where it stopped. Python teaches them as
generators, greenlets, gevent and asyncio; corolab builds each of those in
Rust, beside plain OS threads, and runs the same scenarios on all of them so
you can watch the difference and measure it.
";

pub fn tour() -> i32 {
    println!("{INTRO}");
    let mut ok = true;
    for name in ["pingpong", "producer-consumer"] {
        let Some(scenario) = scenarios::find(name) else { continue };
        println!("━━ {}: {} ━━\n", scenario.name, scenario.summary);
        for &backend in scenario.backends {
            println!("on {backend}:");
            let config = Config { narrate: true, trace: true, n: Some(2), ..Config::default() };
            let report = scenarios::run(scenario, backend, &config);
            ok &= report.ok;
            if let Some(trace) = &report.trace {
                print!("{}", trace.timeline(60, Axis::Auto));
            }
            println!("({}, {:.2} ms)\n", if report.ok { "ok" } else { "FAILED" }, report.wall_ms);
        }
    }
    println!("━━ the lessons ━━\n");
    for lesson in corolab::lessons::all() {
        println!("  {:02}  {:<32} {}", lesson.number, lesson.title, lesson.summary);
    }
    println!(
        "\nnext: read lessons/01-generators/README.md, then try\n  \
         cargo run --release -- run pingpong --trace\n  \
         cargo run --release -- check 01"
    );
    if ok { 0 } else { 1 }
}
