//! The learner's commands, run as a learner runs them: `corolab lesson`,
//! `hint`, `solution`, `reset`, `lessons`, and the lesson folders'
//! generated READMEs.

use corolab::lessons::{self, page};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn all() -> Vec<lessons::Lesson> {
    lessons::in_dir(&Path::new(ROOT).join("lessons"))
}

/// Runs `corolab ARGS` at 80 columns with its progress kept in `state`.
fn corolab(args: &[&str], state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corolab"))
        .args(args)
        .env("COLUMNS", "80")
        .env("COROLAB_STATE", state)
        .env("COROLAB_HOME", ROOT)
        .output()
        .expect("corolab runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn state_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corolab-state-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The lines of `text` wider than `width` outside its code blocks.
fn wide_prose_lines(text: &str, width: usize) -> Vec<String> {
    let mut in_code = false;
    let mut wide = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.chars().count() > width {
            wide.push(line.to_string());
        }
    }
    wide
}

#[test]
fn every_lesson_readme_is_its_lesson_md_with_the_code_included() {
    let write = std::env::var_os("COROLAB_WRITE_READMES").is_some();
    let mut stale = Vec::new();
    for lesson in all() {
        assert!(lesson.dir.join("lesson.md").is_file(), "{} has no lesson.md", lesson.slug);
        let want = page::readme(&lesson).unwrap_or_else(|e| panic!("{e}"));
        let path = lesson.dir.join("README.md");
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            if write {
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "out of date (edit lesson.md, never README.md; then run \
         `COROLAB_WRITE_READMES=1 cargo test --test lessons`):\n{}",
        stale.join("\n")
    );
}

#[test]
fn lesson_prints_the_code_with_no_include_left_and_prose_within_80_columns() {
    let state = state_dir("lesson");
    for lesson in all() {
        let out = corolab(&["lesson", &format!("{:02}", lesson.number)], &state);
        let text = stdout(&out);
        assert!(out.status.success(), "lesson {}: {}", lesson.number, String::from_utf8_lossy(&out.stderr));
        assert!(!text.contains("{{#include"), "lesson {} left an include unresolved", lesson.number);
        assert!(text.contains("```rust"), "lesson {} shows no Rust code", lesson.number);
        let wide = wide_prose_lines(&text, 80);
        assert!(wide.is_empty(), "lesson {} has lines over 80 columns:\n{}", lesson.number, wide.join("\n"));
    }
}

#[test]
fn hint_gives_the_next_hint_each_time_and_stops_at_the_last() {
    let state = state_dir("hint");
    let lesson = all().into_iter().find(|l| l.hints().len() >= 2).expect("a lesson with two hints");
    let n = format!("{:02}", lesson.number);
    let hints = lesson.hints();
    let mut seen = Vec::new();
    for _ in 0..hints.len() + 1 {
        let out = corolab(&["hint", &n], &state);
        assert!(out.status.success());
        seen.push(stdout(&out));
    }
    let again = stdout(&corolab(&["hint", &n, "--again"], &state));
    std::fs::remove_dir_all(&state).unwrap();
    let total = hints.len();
    for (i, text) in seen.iter().enumerate().take(total) {
        assert!(text.starts_with(&format!("hint {} of {total}", i + 1)), "run {}: {text}", i + 1);
        assert!(wide_prose_lines(text, 80).is_empty(), "{text}");
    }
    assert!(seen[total - 1].contains(&format!("corolab solution {n}")), "the last hint points to the answer");
    assert!(seen[total].starts_with(&format!("hint {total} of {total}")), "past the last, the last again");
    assert!(again.starts_with(&format!("hint 1 of {total}")));
}

#[test]
fn every_lesson_has_hints_and_a_solution_to_show() {
    let state = state_dir("solution");
    for lesson in all() {
        assert!(!lesson.hints().is_empty(), "lesson {} has no hints.md sections", lesson.slug);
        let out = corolab(&["solution", &format!("{:02}", lesson.number)], &state);
        let text = stdout(&out);
        assert!(out.status.success() && text.starts_with("One answer"), "{text}");
        assert!(!text.contains("ANCHOR"), "lesson {}'s answer shows its anchors", lesson.number);
    }
}

#[test]
fn lessons_ticks_solved_ones_and_names_the_next() {
    let state = state_dir("lessons");
    let all = all();
    let fresh = stdout(&corolab(&["lessons"], &state));
    lessons::progress::Progress::at(&state).mark_solved(&all[0]).unwrap();
    let after = stdout(&corolab(&["lessons"], &state));
    std::fs::remove_dir_all(&state).unwrap();
    assert!(fresh.contains(&format!("Next: lesson {:02}", all[0].number)), "{fresh}");
    assert!(after.starts_with(&format!("✓ {:02}", all[0].number)), "{after}");
    assert!(
        after.contains(&format!("1 of {} solved. Next: lesson {:02}", all.len(), all[1].number)),
        "{after}"
    );
    assert!(wide_prose_lines(&after, 80).is_empty(), "{after}");
}

/// A project folder of one lesson, `01-x`, in a git repository of its own
/// when `git` is true, with the exercise committed as `pristine`.
fn project(name: &str, git: bool) -> PathBuf {
    let dir = state_dir(name);
    std::fs::create_dir_all(dir.join("lessons/01-x")).unwrap();
    std::fs::write(dir.join("lessons/01-x/lesson.md"), "# One\n\nFirst.\n").unwrap();
    std::fs::write(dir.join("lessons/01-x/exercise.rs"), "pristine\n").unwrap();
    if git {
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .current_dir(&dir)
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "lesson"]);
    }
    dir
}

fn reset(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corolab"))
        .arg("reset")
        .args(args)
        .env("COLUMNS", "80")
        .env("COROLAB_HOME", home)
        .env("COROLAB_STATE", home.join(".corolab"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn reset_restores_the_committed_exercise_and_keeps_yours_as_a_named_backup() {
    let home = project("reset", true);
    let exercise = home.join("lessons/01-x/exercise.rs");
    std::fs::write(&exercise, "mine\n").unwrap();
    let unasked = reset(&home, &["01"]);
    let kept = std::fs::read_to_string(&exercise).unwrap();
    let out = reset(&home, &["01", "--yes"]);
    let text = stdout(&out);
    let restored = std::fs::read_to_string(&exercise).unwrap();
    let backup = text.lines().find_map(|l| l.strip_prefix("your version is saved as ")).map(PathBuf::from);
    let backed_up = backup.as_ref().and_then(|b| std::fs::read_to_string(b).ok());
    std::fs::remove_dir_all(&home).unwrap();
    assert!(!unasked.status.success() && kept == "mine\n", "no answer (stdin closed) changes nothing");
    assert!(out.status.success(), "{text}");
    assert_eq!(restored, "pristine\n");
    assert_eq!(
        backed_up.as_deref(),
        Some("mine\n"),
        "the backup it names holds the learner's version: {text}"
    );
    assert!(wide_prose_lines(&text, 80).is_empty() || text.contains(".corolab"), "{text}");
}

#[test]
fn reset_without_a_git_history_says_so_and_changes_nothing() {
    let home = project("reset-nogit", false);
    let exercise = home.join("lessons/01-x/exercise.rs");
    std::fs::write(&exercise, "mine\n").unwrap();
    let out = reset(&home, &["01", "--yes"]);
    let kept = std::fs::read_to_string(&exercise).unwrap();
    std::fs::remove_dir_all(&home).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("cannot reset lessons/01-x/exercise.rs") && err.contains("git"), "{err}");
    assert_eq!(kept, "mine\n");
}

#[test]
fn demos_narrate_with_timestamps_section_by_section_as_the_python_does() {
    let state = state_dir("demo");
    // Every lesson with a `demo.rs` has a `corolab demo NN` that runs it.
    let with_demos: Vec<_> = all().into_iter().filter(|l| l.dir.join("demo.rs").is_file()).collect();
    assert!(with_demos.len() >= 5, "the demos were not found");
    for lesson in with_demos {
        let number = lesson.number;
        let out = corolab(&["demo", &format!("{number:02}")], &state);
        let text = stdout(&out);
        assert!(out.status.success(), "demo {number}: {}", String::from_utf8_lossy(&out.stderr));
        let python = std::fs::read_to_string(lesson.dir.join("original.py")).unwrap();
        let python_sections = python.matches("say(\"-- ").count() + python.matches("say(f\"-- ").count();
        // A section starts `   12 ms  -- …` (or `… ms  [thread] -- …`).
        let sections = text.lines().filter(|l| l.contains(" ms  -- ") || l.contains("] -- ")).count();
        assert_eq!(sections, python_sections, "demo {number} tells the story in as many parts:\n{text}");
        for line in text.lines() {
            let (time, rest) = line.split_once(" ms  ").unwrap_or_else(|| panic!("no timestamp: {line}"));
            assert!(time.trim().parse::<u64>().is_ok() && !rest.is_empty(), "{line}");
            assert!(line.chars().count() <= 80, "over 80 columns: {line}");
        }
    }
}

/// One way to type commands (the README: `cargo install --path .`, then
/// `corolab …`): no lesson page, hint or exercise says `cargo run -- …`
/// for a corolab command. (`cargo run -p corolab-benches …` is another
/// program, and stays.)
#[test]
fn lessons_type_commands_one_way() {
    let mut found = Vec::new();
    for lesson in all() {
        for file in ["lesson.md", "hints.md", "exercise.rs", "solution.rs"] {
            let text = std::fs::read_to_string(lesson.dir.join(file)).unwrap_or_default();
            let flat = text.replace("--\n", "-- ");
            for (at, _) in flat.match_indices("cargo run") {
                let rest = &flat[at..];
                if !rest.contains("corolab-benches") || rest.find("corolab-benches") > rest.find('\n') {
                    found.push(format!("{}/{file}: {}", lesson.slug, rest.lines().next().unwrap_or("")));
                }
            }
        }
    }
    assert!(found.is_empty(), "type `corolab …`, not `cargo run -- …`:\n{}", found.join("\n"));
}
