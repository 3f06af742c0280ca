//! `corolab demo NN`: a lesson's demo in Rust, printing the same narrated,
//! timestamped log as the lesson's `original.py`, so the two can be read
//! line by line (`python3 lessons/NN-*/original.py` beside it).
//!
//! Each demo lives in its lesson's folder as `demo.rs`, next to the Python
//! it mirrors, and is compiled into the binary from there.
#![forbid(unsafe_code)]

use std::sync::OnceLock;
use std::time::Instant;

#[path = "../../lessons/01-generators/demo.rs"]
mod lesson01;
#[path = "../../lessons/03-greenlets/demo.rs"]
mod lesson03;
#[path = "../../lessons/04-select-and-callbacks/demo.rs"]
mod lesson04;
#[path = "../../lessons/05-gevent/demo.rs"]
mod lesson05;
#[path = "../../lessons/06-echo-server/demo.rs"]
mod lesson06;
#[path = "../../lessons/07-asyncio-basics/demo.rs"]
mod lesson07;
#[path = "../../lessons/09-cancel-and-timeouts/demo.rs"]
mod lesson09;
#[path = "../../lessons/10-threads-and-executors/demo.rs"]
mod lesson10;
#[path = "../../lessons/11-async-iterators-and-resources/demo.rs"]
mod lesson11;
#[path = "../../lessons/12-web-server-and-crawler/demo.rs"]
mod lesson12;
#[path = "../../lessons/13-real-clients/demo.rs"]
mod lesson13;

/// The lessons that have a Rust demo, and how to run each.
const DEMOS: &[(u32, fn())] = &[
    (1, lesson01::main),
    (3, lesson03::main),
    (4, lesson04::main),
    (5, lesson05::main),
    (6, lesson06::main),
    (7, lesson07::main),
    (9, lesson09::main),
    (10, lesson10::main),
    (11, lesson11::main),
    (12, lesson12::main),
    (13, lesson13::main),
];

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The lesson, by number (`5`, `05`) or folder name.
    lesson: String,
}

pub fn demo(args: DemoArgs) -> i32 {
    let Some(lesson) = super::find_lesson(&args.lesson) else { return 2 };
    let Some(&(_, run)) = DEMOS.iter().find(|(n, _)| *n == lesson.number) else {
        let have: Vec<String> = DEMOS.iter().map(|(n, _)| format!("{n:02}")).collect();
        return super::usage_error(format!(
            "lesson {:02} has no Rust demo yet (demos: {}); its Python one is \
             `python3 {}/original.py`",
            lesson.number,
            have.join(", "),
            corolab::lessons::shown(&lesson.dir)
        ));
    };
    start();
    run();
    0
}

static START: OnceLock<Instant> = OnceLock::new();

fn start() {
    START.get_or_init(Instant::now);
}

/// Prints `what` after the milliseconds since the demo started, as the
/// Python originals' `say` does: `    57 ms  call_later(50 ms) ran`.
pub fn say(what: impl std::fmt::Display) {
    let start = *START.get_or_init(Instant::now);
    println!("{:6.0} ms  {what}", start.elapsed().as_secs_f64() * 1000.0);
}
