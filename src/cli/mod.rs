//! The subcommands. Each returns the process exit status: 0 on success,
//! 1 when the work ran and failed, 2 when the command line was wrong.
#![forbid(unsafe_code)]

mod bench;
mod check;
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
    /// The lessons, numbered, with one line each.
    Lessons,
    /// Run a scenario on one backend or all of them.
    Run(run::RunArgs),
    /// Run a lesson's exercise tests and say what still fails.
    Check(check::CheckArgs),
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
        Some(Command::Lessons) => {
            print_lessons();
            0
        }
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Check(args)) => check::check(args),
        Some(Command::Serve(args)) => serve::serve(args),
        Some(Command::Bench(args)) => bench::bench(args),
    }
}

fn print_lessons() {
    let lessons = corolab::lessons::all();
    if lessons.is_empty() {
        println!("no lessons found under {}", corolab::lessons::project_dir().join("lessons").display());
    }
    for lesson in lessons {
        println!("{:>2}. {:<34} {}", lesson.number, lesson.title, lesson.summary);
    }
}

/// Prints a one-line usage error and returns exit status 2.
pub fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    2
}
