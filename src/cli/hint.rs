//! `corolab hint NN` and `corolab solution NN`: help kept out of sight
//! until asked for. Each `hint` shows the next of the lesson's hints (from
//! its `hints.md`) and remembers how far the learner got; `solution`
//! shows one answer, from `solution.rs`.
#![forbid(unsafe_code)]

use corolab::lessons::{self, include, progress::Progress};
use corolab::term;

#[derive(Debug, clap::Args)]
pub struct HintArgs {
    /// The lesson, by number (`1`, `01`) or folder name (`01-generators`).
    lesson: String,
    /// Start again from the first hint.
    #[arg(long)]
    again: bool,
}

#[derive(Debug, clap::Args)]
pub struct SolutionArgs {
    /// The lesson, by number (`1`, `01`) or folder name (`01-generators`).
    lesson: String,
}

pub fn hint(args: HintArgs) -> i32 {
    let Some(lesson) = super::find_lesson(&args.lesson) else { return 2 };
    let hints = lesson.hints();
    if hints.is_empty() {
        println!(
            "lesson {:02} has no hints; `corolab solution {:02}` shows one answer.",
            lesson.number, lesson.number
        );
        return 0;
    }
    let progress = Progress::open();
    let seen = if args.again { 0 } else { progress.hints_seen(&lesson) };
    let shown = seen.min(hints.len() - 1);
    if let Err(e) = progress.set_hints_seen(&lesson, shown + 1) {
        eprintln!("warning: could not remember the hint in {} ({e})", progress.dir().display());
    }
    let width = term::width();
    println!("hint {} of {} for lesson {:02}:\n", shown + 1, hints.len(), lesson.number);
    print!("{}", lessons::page::wrap_markdown(&hints[shown], width));
    let after = if shown + 1 < hints.len() {
        format!("`corolab hint {:02}` again gives the next one.", lesson.number)
    } else {
        format!(
            "That was the last hint. `corolab solution {:02}` shows one answer; \
             `corolab hint {:02} --again` starts the hints over.",
            lesson.number, lesson.number
        )
    };
    println!("\n{}", textwrap::fill(&after, width));
    0
}

pub fn solution(args: SolutionArgs) -> i32 {
    let Some(lesson) = super::find_lesson(&args.lesson) else { return 2 };
    let file = lesson.dir.join("solution.rs");
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) => {
            super::print_error(format_args!("cannot read {} ({e})", file.display()));
            return 1;
        }
    };
    // The whole answer without the file's doc header: the `solution` anchor
    // when the file has one.
    let code = include::resolve("{{#include solution.rs:solution}}", &lesson.dir.join("lesson.md"), 0)
        .unwrap_or(text);
    let width = term::width();
    let intro = format!(
        "One answer to lesson {:02}, from {} (yours may differ and still pass; \
         `corolab check {:02}` is the judge):",
        lesson.number,
        lessons::shown(&file),
        lesson.number
    );
    println!("{}\n", textwrap::fill(&intro, width));
    println!("{}", code.trim_end());
    0
}
