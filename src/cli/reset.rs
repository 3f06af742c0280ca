//! `corolab reset NN`: puts a lesson's exercise back as it was, after
//! asking, and keeps the learner's version as a backup it names.
//!
//! The pristine exercise comes from git (`git show HEAD:lessons/…`): the
//! checkout is the one place that knows the exercise as shipped, whatever
//! the learner has saved since. A copy compiled into the binary would not
//! do: `corolab check` rebuilds the crate with the learner's edits.
#![forbid(unsafe_code)]

use corolab::lessons::{self, progress::Progress};
use std::io::{BufRead, Write};
use std::process::Command;

#[derive(Debug, clap::Args)]
pub struct ResetArgs {
    /// The lesson, by number (`1`, `01`) or folder name (`01-generators`).
    lesson: String,
    /// Do not ask first (for scripts).
    #[arg(long, short)]
    yes: bool,
}

pub fn reset(args: ResetArgs) -> i32 {
    let Some(lesson) = super::find_lesson(&args.lesson) else { return 2 };
    let root = lessons::project_dir();
    let exercise = lesson.exercise();
    let relative = exercise.strip_prefix(&root).unwrap_or(&exercise).to_string_lossy().into_owned();
    let pristine = match pristine(&root, &relative) {
        Ok(text) => text,
        Err(why) => {
            super::print_error(format_args!("cannot reset {relative}: {why}"));
            return 1;
        }
    };
    let mine = std::fs::read_to_string(&exercise).unwrap_or_default();
    if mine == pristine {
        println!("{relative} is already as it was shipped: nothing to reset.");
        return 0;
    }
    if !args.yes
        && !confirm(&format!(
            "Put {relative} back as it was shipped? Your version is kept as a backup. [y/N] "
        ))
    {
        println!("nothing changed.");
        return 1;
    }
    let progress = Progress::open();
    let backup = match progress.back_up(&lesson, &mine) {
        Ok(path) => path,
        Err(e) => {
            eprintln!(
                "error: could not save your version in {} ({e}); nothing changed",
                progress.dir().display()
            );
            return 1;
        }
    };
    if let Err(e) = std::fs::write(&exercise, pristine) {
        super::print_error(format_args!(
            "could not write {relative} ({e}); your version is also in {}",
            backup.display()
        ));
        return 1;
    }
    let _ = progress.mark_unsolved(&lesson);
    println!("{relative} is back as it was shipped.");
    println!("your version is saved as {}", lessons::shown(&backup));
    println!("run `corolab check {:02}` to start over.", lesson.number);
    0
}

/// The exercise as committed at `HEAD`, or why it cannot be had.
fn pristine(root: &std::path::Path, relative: &str) -> Result<String, String> {
    let output =
        Command::new("git").args(["show", &format!("HEAD:{relative}")]).current_dir(root).output().map_err(
            |e| format!("git is needed to find the original exercise, and it could not be run ({e})"),
        )?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "git has no committed version of it in {} (git says: {}); \
             a copy of corolab from `git clone` has one",
            root.display(),
            said.trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| "the committed version is not UTF-8".to_string())
}

/// Asks `question` on the terminal; true on an answer starting with `y`.
fn confirm(question: &str) -> bool {
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    answer.trim().to_ascii_lowercase().starts_with('y')
}
