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

impl Args {
    /// Whether the command only prints, with no sockets of its own: the
    /// tour, `lessons` and `check`. `run`, `serve` and `bench` may drive may
    /// sockets (see `main.rs`), so they keep SIGPIPE ignored.
    pub fn only_prints(&self) -> bool {
        matches!(self.command, None | Some(Command::Lessons) | Some(Command::Check(_)))
    }
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
        println!("{:02}  {}", lesson.number, lesson.title);
        for line in wrap(&lesson.summary, 72) {
            println!("    {line}");
        }
        println!("    corolab check {:02}   ·   {}/README.md\n", lesson.number, lesson.dir.display());
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Prints a one-line usage error and returns exit status 2.
pub fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    2
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let lines = wrap("one two three four five", 9);
        assert_eq!(lines, ["one two", "three", "four five"]);
        assert!(wrap("", 9).is_empty());
    }
}
