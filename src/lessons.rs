//! The lessons: found on disk under `lessons/NN-slug/`, read for their titles.
//!
//! A lesson is a folder `lessons/NN-slug/` holding `lesson.md` (the lesson
//! itself, code included by anchor; its first `# ` heading is the title and
//! its first paragraph the summary), `README.md` (the same with the code
//! brought in, generated: see [`page`]), `hints.md` (one `## ` section per
//! hint, for `corolab hint NN`), `original.py` (the Python program it
//! translates) and an exercise: `exercise.rs` with TODOs, `solution.rs`,
//! and the tests both share, `tests.rs`. Cargo knows the exercise as the test target
//! `lessonNN`, which `cargo test` skips (it fails until solved) and
//! `corolab check NN` runs; the solution is `lessonNN-solution`, which
//! `cargo test` runs, so CI proves every exercise can be solved.
//!
//! Lessons are found at run time, in the folder the crate was built from
//! (or `$COROLAB_HOME/lessons`), so adding a lesson needs no registry.
#![forbid(unsafe_code)]

pub mod include;
pub mod page;
pub mod progress;

use std::path::{Path, PathBuf};

/// One lesson folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// Its number, as in `01`.
    pub number: u32,
    /// Its folder name, as in `01-generators`.
    pub slug: String,
    /// The README's first heading.
    pub title: String,
    /// The README's first paragraph, on one line.
    pub summary: String,
    /// The folder.
    pub dir: PathBuf,
}

impl Lesson {
    /// The Cargo test target of the exercise, as in `lesson01`.
    pub fn exercise_target(&self) -> String {
        format!("lesson{:02}", self.number)
    }

    /// The Cargo test target of the solution, as in `lesson01-solution`.
    pub fn solution_target(&self) -> String {
        format!("lesson{:02}-solution", self.number)
    }

    /// The file the lesson is written in: `lesson.md`, or `README.md` in a
    /// folder that has no `lesson.md`.
    pub fn source(&self) -> PathBuf {
        let source = self.dir.join("lesson.md");
        if source.is_file() { source } else { self.dir.join("README.md") }
    }

    /// The exercise the learner edits.
    pub fn exercise(&self) -> PathBuf {
        self.dir.join("exercise.rs")
    }

    /// The lesson's hints, in the order to show them: each `## ` section of
    /// `hints.md`, its heading dropped. Empty when there is no such file.
    pub fn hints(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.dir.join("hints.md")).unwrap_or_default();
        let mut hints: Vec<String> = Vec::new();
        let mut current: Option<String> = None;
        for line in text.lines() {
            if line.starts_with("## ") {
                hints.extend(current.take());
                current = Some(String::new());
            } else if let Some(hint) = current.as_mut() {
                hint.push_str(line);
                hint.push('\n');
            }
        }
        hints.extend(current);
        hints.into_iter().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect()
    }
}

/// The project folder: `$COROLAB_HOME` if set, else where corolab was built.
pub fn project_dir() -> PathBuf {
    std::env::var_os("COROLAB_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// `path` as a learner would type it: relative to the current folder when
/// it is inside it (`lessons/01-generators/exercise.rs`), else whole.
pub fn shown(path: &Path) -> String {
    let here = std::env::current_dir().ok();
    let relative = here.as_deref().and_then(|h| path.strip_prefix(h).ok());
    relative.unwrap_or(path).display().to_string()
}

/// Every lesson under `project_dir()/lessons`, in number order.
pub fn all() -> Vec<Lesson> {
    in_dir(&project_dir().join("lessons"))
}

/// Every lesson under `dir`, in number order. Folders that do not start
/// with a number, or have neither `lesson.md` nor `README.md`, are skipped.
pub fn in_dir(dir: &Path) -> Vec<Lesson> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut lessons: Vec<Lesson> = entries.filter_map(|e| read(&e.ok()?.path())).collect();
    lessons.sort_by_key(|l| l.number);
    lessons
}

fn read(dir: &Path) -> Option<Lesson> {
    let slug = dir.file_name()?.to_str()?.to_string();
    let number = slug.split('-').next()?.parse().ok()?;
    let readme = std::fs::read_to_string(dir.join("lesson.md"))
        .or_else(|_| std::fs::read_to_string(dir.join("README.md")))
        .ok()?;
    let mut lines = readme.lines().map(str::trim);
    let title = lines.by_ref().find_map(|l| l.strip_prefix("# "))?.to_string();
    let summary: Vec<&str> =
        lines.skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty() && !l.starts_with('#')).collect();
    Some(Lesson { number, slug, title, summary: summary.join(" "), dir: dir.to_path_buf() })
}

/// Finds a lesson by number (`1`, `01`) or folder name (`01-generators`).
pub fn find(lessons: &[Lesson], name: &str) -> Option<Lesson> {
    let number: Option<u32> = name.parse().ok();
    lessons.iter().find(|l| Some(l.number) == number || l.slug == name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_title_and_summary_and_sorts_by_number() {
        let dir = std::env::temp_dir().join(format!("corolab-lessons-{}", std::process::id()));
        for (slug, readme) in [
            ("02-b", "# Two\n\nSecond\nlesson.\n\nMore."),
            ("01-a", "# One\n\nFirst.\n"),
            ("notes", "# Not a lesson\n"),
        ] {
            std::fs::create_dir_all(dir.join(slug)).unwrap();
            std::fs::write(dir.join(slug).join("README.md"), readme).unwrap();
        }
        let lessons = in_dir(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        let titles: Vec<(&str, &str)> =
            lessons.iter().map(|l| (l.title.as_str(), l.summary.as_str())).collect();
        assert_eq!(titles, [("One", "First."), ("Two", "Second lesson.")]);
        assert_eq!(find(&lessons, "2").unwrap().slug, "02-b");
        assert_eq!(find(&lessons, "01-a").unwrap().exercise_target(), "lesson01");
        assert!(find(&lessons, "3").is_none());
    }

    #[test]
    fn hints_are_the_sections_of_hints_md_in_order() {
        let dir = std::env::temp_dir().join(format!("corolab-hints-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("01-a")).unwrap();
        std::fs::write(dir.join("01-a/lesson.md"), "# One\n\nFirst.\n").unwrap();
        std::fs::write(dir.join("01-a/hints.md"), "# Hints\n\n## 1\n\nLook up.\n\n## 2\nLook\ndown.\n")
            .unwrap();
        let lesson = in_dir(&dir).remove(0);
        let hints = lesson.hints();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(hints, ["Look up.", "Look\ndown."]);
        assert_eq!(lesson.title, "One");
    }
}
