//! mdBook's `{{#include …}}`, resolved from the tree, so a lesson reads with
//! its code in a terminal and on a code host, not only in the book.
//!
//! The rules are mdBook's own:
//!
//! - `{{#include path}}` is the whole file, with every `ANCHOR:` and
//!   `ANCHOR_END:` line taken out;
//! - `{{#include path:name}}` is the lines between `ANCHOR: name` and
//!   `ANCHOR_END: name` (the marker lines, and any other anchors' markers
//!   inside, left out);
//! - `{{#include path:3}}` is line 3, `path:3:` from line 3 on, `path::9`
//!   up to line 9, `path:3:9` lines 3 to 9 (counted from 1, inclusive);
//! - the path is relative to the file that holds the include, and what
//!   comes in is resolved in turn, relative to its own file (to a depth of
//!   10, as mdBook stops there);
//! - `\{{#include …}}` is an example of the syntax: it loses its backslash
//!   and stays as it is.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// How deep includes inside included files are followed (mdBook's limit).
const MAX_DEPTH: usize = 10;

/// A `{{#include}}` that could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeError {
    /// The file holding the include.
    pub from: PathBuf,
    /// What it asked for, as written (`../../src/x.rs:name`).
    pub target: String,
    /// Why it failed, in a few words.
    pub why: String,
}

impl std::fmt::Display for IncludeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: cannot include {}: {}", self.from.display(), self.target, self.why)
    }
}

impl std::error::Error for IncludeError {}

/// Reads `file` and resolves every include in it.
pub fn resolve_file(file: &Path) -> Result<String, IncludeError> {
    let text = std::fs::read_to_string(file).map_err(|e| IncludeError {
        from: file.to_path_buf(),
        target: file.display().to_string(),
        why: e.to_string(),
    })?;
    resolve(&text, file, 0)
}

/// Resolves every include in `text`, which was read from `file`.
pub fn resolve(text: &str, file: &Path, depth: usize) -> Result<String, IncludeError> {
    const DIRECTIVE: &str = "{{#include ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(DIRECTIVE) {
        if rest[..start].ends_with('\\') {
            out.push_str(&rest[..start - 1]);
            out.push_str(DIRECTIVE);
            rest = &rest[start + DIRECTIVE.len()..];
            continue;
        }
        out.push_str(&rest[..start]);
        let after = &rest[start + DIRECTIVE.len()..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let target = after[..end].trim();
        let error = |why: String| IncludeError { from: file.to_path_buf(), target: target.to_string(), why };
        let (path, selector) = match target.split_once(':') {
            Some((p, s)) => (p, Some(s)),
            None => (target, None),
        };
        let included = file.parent().unwrap_or(Path::new(".")).join(path);
        let body = std::fs::read_to_string(&included).map_err(|e| error(e.to_string()))?;
        let mut chosen = select(&body, selector).map_err(error)?;
        if depth < MAX_DEPTH {
            chosen = resolve(&chosen, &included, depth + 1)?;
        }
        // mdBook drops the newline that ends the last line taken.
        out.push_str(chosen.strip_suffix('\n').unwrap_or(&chosen));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The part of `body` that `selector` (what follows the first `:`) names.
fn select(body: &str, selector: Option<&str>) -> Result<String, String> {
    let lines: Vec<&str> = body.lines().collect();
    let keep = |lines: &[&str]| -> String {
        lines.iter().filter(|l| !is_anchor_line(l)).map(|l| format!("{l}\n")).collect()
    };
    let Some(selector) = selector else { return Ok(keep(&lines)) };
    if selector.chars().all(|c| c.is_ascii_digit() || c == ':') {
        let (from, to) = line_range(selector, lines.len())?;
        return Ok(keep(lines.get(from..to).unwrap_or_default()));
    }
    let start = lines
        .iter()
        .position(|l| marker(l, "ANCHOR:") == Some(selector))
        .ok_or(format!("no `ANCHOR: {selector}` line"))?;
    let len = lines[start + 1..]
        .iter()
        .position(|l| marker(l, "ANCHOR_END:") == Some(selector))
        .ok_or(format!("no `ANCHOR_END: {selector}` line"))?;
    Ok(keep(&lines[start + 1..start + 1 + len]))
}

/// The 0-based, half-open range of lines a `3`, `3:`, `:9` or `3:9` names.
fn line_range(selector: &str, count: usize) -> Result<(usize, usize), String> {
    let number = |s: &str, default: usize| -> Result<usize, String> {
        if s.is_empty() { Ok(default) } else { s.parse().map_err(|_| format!("bad line number `{s}`")) }
    };
    let (from, to) = match selector.split_once(':') {
        None => {
            let line = number(selector, 1)?;
            (line, line)
        }
        Some((a, b)) => (number(a, 1)?, number(b, count)?),
    };
    let from = from.max(1) - 1;
    Ok((from.min(count), to.min(count).max(from)))
}

/// The anchor name on a line such as `// ANCHOR: name`, for `kind`
/// `ANCHOR:` or `ANCHOR_END:`.
fn marker<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    let at = line.find(kind)?;
    // `ANCHOR:` must not match inside `ANCHOR_END:`, nor in running text.
    let before = line[..at].trim();
    if !before.chars().all(|c| matches!(c, '/' | '#' | '<' | '!' | '-' | '*' | ' ')) {
        return None;
    }
    let name = line[at + kind.len()..].trim();
    let name = name.trim_end_matches("-->").trim_end_matches("*/").trim();
    name.split_whitespace().next()
}

fn is_anchor_line(line: &str) -> bool {
    marker(line, "ANCHOR:").is_some() || marker(line, "ANCHOR_END:").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> PathBuf {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("corolab-include-{}-{n}", std::process::id()));
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    const CODE: &str =
        "// ANCHOR: all\nfn a() {}\n// ANCHOR: b\nfn b() {}\n// ANCHOR_END: b\n// ANCHOR_END: all\n";

    #[test]
    fn anchors_select_their_lines_without_any_markers() {
        let dir = tree(&[("src/x.rs", CODE), ("doc/page.md", "A\n{{#include ../src/x.rs:all}}\nB\n")]);
        let out = resolve_file(&dir.join("doc/page.md"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(out.unwrap(), "A\nfn a() {}\nfn b() {}\nB\n");
    }

    #[test]
    fn whole_files_and_line_ranges_follow_mdbook() {
        let dir = tree(&[
            ("x.rs", CODE),
            ("page.md", "{{#include x.rs}}|{{#include x.rs:2}}|{{#include x.rs:4:}}|{{#include x.rs::2}}"),
        ]);
        let out = resolve_file(&dir.join("page.md")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(out, "fn a() {}\nfn b() {}|fn a() {}|fn b() {}|fn a() {}");
    }

    #[test]
    fn nested_includes_resolve_from_their_own_file_and_escapes_stay() {
        let dir = tree(&[
            ("src/x.rs", CODE),
            ("lessons/01/lesson.md", "{{#include ../../src/x.rs:b}}\n\\{{#include not/read.rs}}\n"),
            ("book/ch.md", "{{#include ../lessons/01/lesson.md}}\n"),
        ]);
        let out = resolve_file(&dir.join("book/ch.md")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(out, "fn b() {}\n{{#include not/read.rs}}\n");
    }

    #[test]
    fn a_missing_file_or_anchor_is_an_error_naming_it() {
        let dir = tree(&[("x.rs", CODE), ("a.md", "{{#include x.rs:gone}}"), ("b.md", "{{#include y.rs}}")]);
        let a = resolve_file(&dir.join("a.md")).unwrap_err();
        let b = resolve_file(&dir.join("b.md")).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!((a.target.as_str(), a.why.as_str()), ("x.rs:gone", "no `ANCHOR: gone` line"));
        assert_eq!(b.target, "y.rs");
    }
}
