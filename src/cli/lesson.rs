//! `corolab lesson NN`: the lesson, with its code, wrapped to the terminal
//! and paged when it is longer than the screen.
#![forbid(unsafe_code)]

use corolab::{lessons, term};
use std::io::Write;
use std::process::{Command, Stdio};

#[derive(Debug, clap::Args)]
pub struct LessonArgs {
    /// The lesson, by number (`1`, `01`) or folder name (`01-generators`).
    lesson: String,
    /// Print straight to the terminal, with no pager.
    #[arg(long)]
    no_pager: bool,
}

pub fn lesson(args: LessonArgs) -> i32 {
    let Some(lesson) = super::find_lesson(&args.lesson) else { return 2 };
    let text = match lessons::page::for_terminal(&lesson, term::width()) {
        Ok(text) => text,
        Err(e) => {
            super::print_error(format_args!("{e}"));
            return 1;
        }
    };
    let next = format!(
        "\nThe exercise: {}. Run `corolab check {:02}` (or `--watch`); stuck? `corolab hint {:02}`.\n",
        lessons::shown(&lesson.exercise()),
        lesson.number,
        lesson.number
    );
    let text = text + &textwrap::fill(&next, term::width()) + "\n";
    if !args.no_pager && term::is_terminal() && text.lines().count() > screen_height() {
        page(&text);
    } else {
        print!("{text}");
    }
    0
}

/// The terminal's height in lines, 24 when it cannot be asked.
fn screen_height() -> usize {
    terminal_size::terminal_size_of(std::io::stdout()).map_or(24, |(_, h)| usize::from(h.0))
}

/// Shows `text` through `$PAGER` (else `less -R`), or prints it when no
/// pager can be started.
pub fn page(text: &str) {
    let pager =
        std::env::var("PAGER").ok().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| "less -R".into());
    let mut words = pager.split_whitespace();
    let program = words.next().unwrap_or("less");
    let child = Command::new(program).args(words).stdin(Stdio::piped()).spawn();
    let Ok(mut child) = child else {
        print!("{text}");
        return;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A pager quit early closes the pipe: not an error worth a word.
        let _ = stdin.write_all(text.as_bytes());
    }
    let _ = child.wait();
}
