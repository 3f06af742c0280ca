//! The subcommands. Each returns the process exit status: 0 on success,
//! 1 when the work ran and failed, 2 when the command line was wrong.
#![forbid(unsafe_code)]

mod bench;
mod check;
mod demo;
mod hint;
mod lesson;
mod lessons;
mod reset;
mod run;
mod serve;
mod tour;

use clap::{Parser, Subcommand};

/// Learn coroutines by running them: generators, greenlets, a gevent-style
/// hub, an asyncio-style loop and OS threads, side by side.
#[derive(Debug, Parser)]
#[command(name = "corolab", version, about)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The lessons, numbered, the solved ones ticked, and the next to do.
    Lessons,
    /// Read a lesson, its code included, in the terminal.
    Lesson(lesson::LessonArgs),
    /// Run a lesson's exercise tests and say what still fails (`--watch`
    /// checks again on every save).
    Check(check::CheckArgs),
    /// The next hint for a lesson's exercise, one more each time.
    Hint(hint::HintArgs),
    /// One answer to a lesson's exercise.
    Solution(hint::SolutionArgs),
    /// A lesson's demo in Rust, narrated and timestamped like its
    /// original.py.
    Demo(demo::DemoArgs),
    /// Put a lesson's exercise back as it was shipped, keeping yours as a
    /// backup.
    Reset(reset::ResetArgs),
    /// Run a scenario on one backend or all of them.
    Run(run::RunArgs),
    /// Run one server (echo or http) until Ctrl-C, for any client to talk to.
    Serve(serve::ServeArgs),
    /// Every scenario on every backend and peer, each in its own process,
    /// tabled with ratios to the best; `--out DIR` adds charts for the book.
    Bench(bench::BenchArgs),
}

/// Runs the command and returns the exit status.
pub fn main(args: Args) -> i32 {
    match args.command {
        None => tour::tour(),
        Some(Command::Lessons) => lessons::lessons(),
        Some(Command::Lesson(args)) => lesson::lesson(args),
        Some(Command::Check(args)) => check::check(args),
        Some(Command::Hint(args)) => hint::hint(args),
        Some(Command::Solution(args)) => hint::solution(args),
        Some(Command::Demo(args)) => demo::demo(args),
        Some(Command::Reset(args)) => reset::reset(args),
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Serve(args)) => serve::serve(args),
        Some(Command::Bench(args)) => bench::bench(args),
    }
}

/// The lesson named on the command line (`1`, `01`, `01-generators`), or
/// `None` after printing which names there are (the caller exits with 2).
fn find_lesson(name: &str) -> Option<corolab::lessons::Lesson> {
    let all = corolab::lessons::all();
    let found = corolab::lessons::find(&all, name);
    if found.is_none() {
        let names: Vec<String> = all.iter().map(|l| format!("{:02}", l.number)).collect();
        usage_error(format!("unknown lesson '{name}' (choose from: {})", names.join(", ")));
    }
    found
}

/// Prints a one-line usage error and returns exit status 2.
pub fn usage_error(message: impl std::fmt::Display) -> i32 {
    print_error(message);
    2
}

/// Prints `error: message` on stderr, wrapped to the terminal's width with
/// the continuation lines under the message, so a long list of choices
/// fits 80 columns like everything else.
pub fn print_error(message: impl std::fmt::Display) {
    eprintln!(
        "{}",
        corolab::term::hanging("error: ", &message.to_string(), "error: ".len(), corolab::term::width())
    );
}
