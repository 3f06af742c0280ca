//! The book's code is never a copy: every `{{#include file:anchor}}` in
//! `book/` and `lessons/` must name a file that exists and, when it names an
//! anchor, an `ANCHOR: name` / `ANCHOR_END: name` pair in that file. Images
//! the chapters show must exist, and every lesson must have its chapter.
//!
//! Paths resolve as mdBook resolves them: relative to the file that holds
//! the include, including when that file is itself included (a lesson's
//! `lesson.md` included by its chapter), which is why `lessons/` is scanned
//! in its own place.
//!
//! And no answer in sight: a lesson's `solution.rs` is shown only folded,
//! inside `<details>`.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every `.md` file under `dir`, recursively (the built book excluded).
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && !path.ends_with("book/book") {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// The `{{#include ...}}` and `{{#rustdoc_include ...}}` targets in `text`.
fn includes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for directive in ["{{#include ", "{{#rustdoc_include "] {
        let mut rest = text;
        while let Some(start) = rest.find(directive) {
            // mdBook leaves `\{{#include …}}` alone: an escaped example.
            let escaped = rest[..start].ends_with('\\');
            rest = &rest[start + directive.len()..];
            if escaped {
                continue;
            }
            if let Some(end) = rest.find("}}") {
                out.push(rest[..end].trim().to_string());
            }
        }
    }
    out
}

/// Markdown image targets (`![alt](target)`), local ones only.
fn images(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("![") {
        rest = &rest[start + 2..];
        let Some(close) = rest.find("](") else { break };
        let after = &rest[close + 2..];
        let Some(end) = after.find(')') else { break };
        let target = &after[..end];
        if !target.contains("://") {
            out.push(target.to_string());
        }
        rest = after;
    }
    out
}

/// What is wrong with one include target, seen from `from` (a file).
fn check_include(from: &Path, target: &str) -> Option<String> {
    let (path, selector) = match target.split_once(':') {
        Some((p, s)) => (p, Some(s)),
        None => (target, None),
    };
    let file = from.parent()?.join(path);
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Some(format!("{}: includes {target}, but {} does not exist", from.display(), file.display()));
    };
    // mdBook strips `ANCHOR` lines only from what an anchor selects: a
    // whole file included as it is would show them.
    if selector.is_none() && text.lines().any(|l| l.contains("ANCHOR: ") || l.contains("ANCHOR_END: ")) {
        return Some(format!(
            "{}: includes the whole of {target}, whose ANCHOR lines would show; \
             wrap the file in an anchor and include that",
            from.display()
        ));
    }
    // A line number or range (`file:10`, `file:10:20`, `file::20`) is not an anchor.
    let anchor = selector.filter(|s| !s.chars().all(|c| c.is_ascii_digit() || c == ':'))?;
    let has = |marker: &str| {
        text.lines().any(|l| l.trim_start().trim_start_matches("//").trim_start_matches('#').trim() == marker)
    };
    if !has(&format!("ANCHOR: {anchor}")) || !has(&format!("ANCHOR_END: {anchor}")) {
        return Some(format!(
            "{}: includes {target}, but {} has no `// ANCHOR: {anchor}` … `// ANCHOR_END: {anchor}`",
            from.display(),
            file.display()
        ));
    }
    None
}

/// Every broken include and missing image under `dirs`.
fn problems(dirs: &[PathBuf]) -> Vec<String> {
    let mut files = Vec::new();
    for dir in dirs {
        markdown_files(dir, &mut files);
    }
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        out.extend(includes(&text).iter().filter_map(|t| check_include(&file, t)));
        for image in images(&text) {
            let path = file.parent().unwrap().join(&image);
            if !path.is_file() {
                out.push(format!("{}: shows {image}, which does not exist", file.display()));
            }
        }
    }
    out
}

#[test]
fn every_include_and_anchor_in_the_book_and_lessons_exists() {
    let root = Path::new(ROOT);
    let found = problems(&[root.join("book/src"), root.join("lessons")]);
    assert!(found.is_empty(), "broken includes:\n{}", found.join("\n"));
}

#[test]
fn the_checker_catches_a_missing_anchor_a_missing_file_and_a_whole_file_with_anchors() {
    let dir = std::env::temp_dir().join(format!("corolab-book-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/a.rs"), "// ANCHOR: here\nfn a() {}\n// ANCHOR_END: here\n").unwrap();
    std::fs::write(
        dir.join("chapter.md"),
        "{{#include src/a.rs:here}}\n{{#include src/a.rs:gone}}\n{{#include src/b.rs}}\n{{#include src/a.rs:2}}\n{{#include src/a.rs}}\n\\{{#include not/checked.rs}}\n![x](missing.svg)\n",
    )
    .unwrap();
    let found = problems(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].contains("src/a.rs:gone") && found[0].contains("ANCHOR: gone"));
    assert!(found[1].contains("src/b.rs does not exist"));
    assert!(found[2].contains("whole of src/a.rs"));
    assert!(found[3].contains("missing.svg"));
}

#[test]
fn every_lesson_has_a_chapter_in_the_summary() {
    let root = Path::new(ROOT);
    let summary = std::fs::read_to_string(root.join("book/src/SUMMARY.md")).unwrap();
    let mut missing = Vec::new();
    for lesson in corolab::lessons::in_dir(&root.join("lessons")) {
        let chapter = format!("lessons/{}.md", lesson.slug);
        if !summary.contains(&format!("({chapter})")) || !root.join("book/src").join(&chapter).is_file() {
            missing.push(format!(
                "lesson {} has no chapter in the book: run `scripts/lesson-chapter.sh {} SCENARIO…` \
                 (it writes book/src/{chapter} and lists it in book/src/SUMMARY.md)",
                lesson.slug, lesson.slug
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Every include of a `solution.rs` in `text` that is not inside a
/// `<details>` block, by line number.
fn unfolded_solutions(text: &str) -> Vec<usize> {
    let mut depth = 0usize;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        depth += line.matches("<details").count();
        if includes(line).iter().any(|t| t.split(':').next().is_some_and(|p| p.ends_with("solution.rs")))
            && depth == 0
        {
            out.push(i + 1);
        }
        depth = depth.saturating_sub(line.matches("</details>").count());
    }
    out
}

#[test]
fn no_page_shows_a_solution_unless_folded() {
    let root = Path::new(ROOT);
    let mut files = Vec::new();
    markdown_files(&root.join("book/src"), &mut files);
    markdown_files(&root.join("lessons"), &mut files);
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            unfolded_solutions(&text).into_iter().map(move |n| format!("{}:{n}", f.display()))
        })
        .collect();
    assert!(found.is_empty(), "solution code in plain sight (fold it in <details>):\n{}", found.join("\n"));
}

#[test]
fn the_fold_check_sees_a_bare_solution_and_passes_a_folded_one() {
    let text = "{{#include solution.rs:a}}\n<details>\n{{#include ../x/solution.rs:solution}}\n</details>\n{{#include other.rs:b}}\n";
    assert_eq!(unfolded_solutions(text), [1]);
}

#[test]
fn the_book_turns_playground_buttons_off() {
    let toml = std::fs::read_to_string(Path::new(ROOT).join("book/book.toml")).unwrap();
    assert!(toml.contains("[output.html.playground]") && toml.contains("runnable = false"));
}
