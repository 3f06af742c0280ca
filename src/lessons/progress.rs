//! What a learner has done so far: lessons solved, hints seen, exercises
//! backed up before a reset.
//!
//! It lives in a folder of plain files, `.corolab/` in the project folder
//! (gitignored; `$COROLAB_STATE` picks another), so it survives
//! `cargo clean` and can be read or deleted by hand:
//!
//! ```text
//! .corolab/solved/01            `corolab check 01` passed (holds the time)
//! .corolab/hints/01             how many hints of lesson 01 were shown
//! .corolab/backups/01-exercise-1764623000.rs   the exercise before a reset
//! ```
#![forbid(unsafe_code)]

use super::Lesson;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The learner's progress, kept under one folder.
#[derive(Clone, Debug)]
pub struct Progress {
    dir: PathBuf,
}

impl Progress {
    /// The progress folder in use: `$COROLAB_STATE`, else
    /// `.corolab/` in [`super::project_dir`].
    pub fn open() -> Progress {
        let dir = std::env::var_os("COROLAB_STATE")
            .map(PathBuf::from)
            .unwrap_or_else(|| super::project_dir().join(".corolab"));
        Progress::at(dir)
    }

    /// Progress kept in `dir` (created when first written).
    pub fn at(dir: impl Into<PathBuf>) -> Progress {
        Progress { dir: dir.into() }
    }

    /// The folder it is kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, kind: &str, lesson: &Lesson) -> PathBuf {
        self.dir.join(kind).join(format!("{:02}", lesson.number))
    }

    fn write(&self, path: &Path, text: &str) -> io::Result<()> {
        std::fs::create_dir_all(path.parent().unwrap_or(&self.dir))?;
        std::fs::write(path, text)
    }

    /// Whether `corolab check` has passed on this lesson's exercise.
    pub fn is_solved(&self, lesson: &Lesson) -> bool {
        self.file("solved", lesson).is_file()
    }

    /// Records that the exercise passed.
    pub fn mark_solved(&self, lesson: &Lesson) -> io::Result<()> {
        self.write(&self.file("solved", lesson), &format!("{}\n", now()))
    }

    /// Forgets a pass (after a reset the exercise is unsolved again).
    pub fn mark_unsolved(&self, lesson: &Lesson) -> io::Result<()> {
        match std::fs::remove_file(self.file("solved", lesson)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// How many of the lesson's hints were shown so far.
    pub fn hints_seen(&self, lesson: &Lesson) -> usize {
        std::fs::read_to_string(self.file("hints", lesson))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Records that `count` hints were shown.
    pub fn set_hints_seen(&self, lesson: &Lesson, count: usize) -> io::Result<()> {
        self.write(&self.file("hints", lesson), &format!("{count}\n"))
    }

    /// Saves `text` (the learner's exercise) as a new backup file, and
    /// returns its path.
    pub fn back_up(&self, lesson: &Lesson, text: &str) -> io::Result<PathBuf> {
        let mut path = self.dir.join("backups").join(format!("{:02}-exercise-{}.rs", lesson.number, now()));
        let mut n = 1;
        while path.exists() {
            n += 1;
            path = self.dir.join("backups").join(format!("{:02}-exercise-{}-{n}.rs", lesson.number, now()));
        }
        self.write(&path, text)?;
        Ok(path)
    }
}

/// Seconds since the Unix epoch: enough to order backups and passes.
fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson(number: u32) -> Lesson {
        Lesson {
            number,
            slug: format!("{number:02}-x"),
            title: String::new(),
            summary: String::new(),
            dir: PathBuf::new(),
        }
    }

    #[test]
    fn solved_hints_and_backups_are_kept_per_lesson() {
        let dir = std::env::temp_dir().join(format!("corolab-progress-{}", std::process::id()));
        let progress = Progress::at(&dir);
        let (one, two) = (lesson(1), lesson(2));
        assert!(!progress.is_solved(&one));
        progress.mark_solved(&one).unwrap();
        progress.set_hints_seen(&two, 2).unwrap();
        let first = progress.back_up(&one, "mine").unwrap();
        let second = progress.back_up(&one, "mine again").unwrap();
        let facts = (
            progress.is_solved(&one),
            progress.is_solved(&two),
            progress.hints_seen(&one),
            progress.hints_seen(&two),
            std::fs::read_to_string(&first).unwrap(),
            first != second,
        );
        progress.mark_unsolved(&one).unwrap();
        let after_reset = progress.is_solved(&one);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(facts, (true, false, 0, 2, "mine".to_string(), true));
        assert!(!after_reset);
    }
}
