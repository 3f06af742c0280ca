//! A lesson as a page: its `lesson.md` with the code brought in, laid out
//! for a terminal (`corolab lesson NN`) or for a code host (the lesson's
//! generated `README.md`).
//!
//! A lesson is written once, in `lessons/NN-slug/lesson.md`, with its code
//! included by anchor from the tree (see [`super::include`]); the book
//! includes that same file. Two views are made from it:
//!
//! - [`readme`]: the Markdown with every include resolved, behind a comment
//!   saying where it comes from. It is checked in as `README.md`, so the
//!   folder reads on its own, and `tests/lessons.rs` fails when it is out
//!   of date.
//! - [`for_terminal`]: the same text with its paragraphs and list items
//!   re-wrapped to the terminal's width. A table too wide for it is stacked:
//!   each row becomes an item whose other cells follow, one a line, named
//!   by their column. Code blocks are left as they are (keep their lines
//!   within 80 columns at the source); headings and fences stay, as
//!   Markdown reads well enough as plain text.
#![forbid(unsafe_code)]

use super::Lesson;
use super::include::{self, IncludeError};

/// The first line of a generated README: what it is, and how to remake it.
pub const README_HEADER: &str = "<!-- Generated from lesson.md with its code included: edit lesson.md, then\n     run `COROLAB_WRITE_READMES=1 cargo test --test lessons`. -->\n\n";

/// The lesson's Markdown with its includes resolved.
pub fn markdown(lesson: &Lesson) -> Result<String, IncludeError> {
    include::resolve_file(&lesson.source())
}

/// What the lesson's `README.md` must hold.
pub fn readme(lesson: &Lesson) -> Result<String, IncludeError> {
    let mut text = markdown(lesson)?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(format!("{README_HEADER}{text}"))
}

/// The lesson laid out in `width` columns for a terminal.
pub fn for_terminal(lesson: &Lesson, width: usize) -> Result<String, IncludeError> {
    Ok(wrap_markdown(&markdown(lesson)?, width))
}

/// Re-wraps the paragraphs and list items of `markdown` to `width`
/// columns, leaving code blocks, tables, headings and HTML lines alone.
pub fn wrap_markdown(markdown: &str, width: usize) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut table: Vec<&str> = Vec::new();
    let mut in_code = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if !in_code && trimmed.starts_with('|') {
            flush(&mut paragraph, width, &mut out);
            table.push(line);
            continue;
        }
        flush_table(&mut table, width, &mut out);
        if trimmed.starts_with("```") {
            flush(&mut paragraph, width, &mut out);
            in_code = !in_code;
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if in_code {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let verbatim = trimmed.is_empty()
            || trimmed.starts_with('#')
            || trimmed.starts_with('<')
            || line.starts_with("    ");
        if verbatim || list_marker(trimmed).is_some() {
            flush(&mut paragraph, width, &mut out);
        }
        if verbatim {
            out.push_str(line);
            out.push('\n');
        } else {
            paragraph.push(line);
        }
    }
    flush(&mut paragraph, width, &mut out);
    flush_table(&mut table, width, &mut out);
    out
}

/// Writes the gathered lines of a table into `out`: as they are when they
/// fit in `width`, else stacked, a row at a time.
fn flush_table(table: &mut Vec<&str>, width: usize, out: &mut String) {
    if table.is_empty() {
        return;
    }
    if table.iter().all(|l| textwrap::core::display_width(l) <= width) {
        for line in table.iter() {
            out.push_str(line);
            out.push('\n');
        }
        table.clear();
        return;
    }
    let rows: Vec<Vec<String>> = table.iter().map(|l| cells(l)).collect();
    let is_rule =
        |row: &Vec<String>| row.iter().all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':')));
    let header = rows.first().cloned().unwrap_or_default();
    let body = rows.iter().skip(1).filter(|r| !is_rule(r));
    let item = textwrap::Options::new(width).initial_indent("- ").subsequent_indent("  ").break_words(false);
    let cell =
        textwrap::Options::new(width).initial_indent("    ").subsequent_indent("      ").break_words(false);
    for row in body {
        let Some(first) = row.first() else { continue };
        out.push_str(&textwrap::fill(first, &item));
        out.push('\n');
        for (i, text) in row.iter().enumerate().skip(1).filter(|(_, t)| !t.is_empty()) {
            let line = match header.get(i).filter(|h| !h.is_empty()) {
                Some(name) => format!("{name}: {text}"),
                None => text.clone(),
            };
            out.push_str(&textwrap::fill(&line, &cell));
            out.push('\n');
        }
    }
    table.clear();
}

/// The cells of a table row `| a | b \| c |`, trimmed (`\|` is a `|`).
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').filter(|s| !s.ends_with('\\')).unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cells.last_mut().unwrap().push('|');
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// Wraps the gathered lines of one paragraph or list item into `out`.
fn flush(paragraph: &mut Vec<&str>, width: usize, out: &mut String) {
    let Some(first) = paragraph.first() else { return };
    let indent = first.len() - first.trim_start().len();
    let marker = list_marker(first.trim_start()).unwrap_or(0);
    let text: Vec<&str> = paragraph.iter().map(|l| l.trim()).collect();
    let text = text.join(" ");
    let initial = " ".repeat(indent);
    let subsequent = " ".repeat(indent + marker);
    let options = textwrap::Options::new(width)
        .initial_indent(&initial)
        .subsequent_indent(&subsequent)
        .break_words(false);
    for line in textwrap::wrap(&text, options) {
        out.push_str(&line);
        out.push('\n');
    }
    paragraph.clear();
}

/// The width of a list item's marker (`- `, `* `, `12. `), if `line` is one.
fn list_marker(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then_some(digits + 2)
}

#[cfg(test)]
mod tests {
    use super::wrap_markdown;

    #[test]
    fn paragraphs_and_list_items_wrap_and_code_does_not() {
        let text = "A paragraph that is long enough to wrap,\nover two lines.\n\n- an item that also\n  wraps here\n- short\n\n```rust\nlet code = \"stays exactly as it is, however long the line\";\n```\n| a | table |\n";
        let out = wrap_markdown(text, 20);
        assert_eq!(
            out,
            "A paragraph that is\nlong enough to wrap,\nover two lines.\n\n- an item that also\n  wraps here\n- short\n\n```rust\nlet code = \"stays exactly as it is, however long the line\";\n```\n| a | table |\n"
        );
    }

    #[test]
    fn a_table_too_wide_is_stacked_row_by_row_with_column_names() {
        let table =
            "| asyncio | corolab |\n| --- | --- |\n| `loop.call_soon(f)` | `aio::call_soon(f)` \\| more |\n";
        assert_eq!(wrap_markdown(table, 60), table, "a table that fits stays");
        assert_eq!(
            wrap_markdown(table, 30),
            "- `loop.call_soon(f)`\n    corolab:\n      `aio::call_soon(f)`\n      | more\n"
        );
    }

    #[test]
    fn numbered_items_indent_their_continuation_lines() {
        let out = wrap_markdown("10. one two three four\n", 12);
        assert_eq!(out, "10. one two\n    three\n    four\n");
    }
}
