//! `corolab lessons`: every lesson with its summary, the solved ones ticked,
//! and the next one to do.
#![forbid(unsafe_code)]

use corolab::lessons::{self, progress::Progress};
use corolab::term;

pub fn lessons() -> i32 {
    let all = lessons::all();
    if all.is_empty() {
        println!("no lessons found under {}", lessons::project_dir().join("lessons").display());
        return 1;
    }
    let progress = Progress::open();
    let width = term::width();
    let options = textwrap::Options::new(width).initial_indent("    ").subsequent_indent("    ");
    for lesson in &all {
        let mark = if progress.is_solved(lesson) { "✓" } else { " " };
        println!("{mark} {:02}  {}", lesson.number, lesson.title);
        println!("{}", textwrap::fill(&lesson.summary, &options));
        println!("    corolab lesson {:02}   ·   corolab check {:02}\n", lesson.number, lesson.number);
    }
    let solved = all.iter().filter(|l| progress.is_solved(l)).count();
    match all.iter().find(|l| !progress.is_solved(l)) {
        Some(next) => println!(
            "{solved} of {} solved. Next: lesson {:02}, `corolab lesson {:02}`.",
            all.len(),
            next.number,
            next.number
        ),
        None => println!("all {} lessons solved.", all.len()),
    }
    0
}
