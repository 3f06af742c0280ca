//! How wide the terminal is, for everything corolab prints.
//!
//! Every table, timeline and page corolab prints fits in [`width`]
//! columns: the terminal's width when standard output is a terminal, and
//! 80 otherwise (a pipe, a file, a test), so output reads in an 80x24
//! terminal and pastes into an issue without wrapping. `COLUMNS`, when set
//! to a number, wins over both (as `ls` and `git` honour it), so a user
//! or a test can ask for any width.
#![forbid(unsafe_code)]

/// The width used when output is not a terminal: the classic terminal.
pub const DEFAULT_WIDTH: usize = 80;

/// The narrowest width corolab lays out for; below it lines may wrap.
pub const MIN_WIDTH: usize = 40;

/// The number of columns output should fit in. See the module docs.
pub fn width() -> usize {
    from_env(std::env::var("COLUMNS").ok().as_deref())
        .or_else(|| terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0)))
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// Whether standard output is a terminal (so a pager or colour may be used).
pub fn is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
}

/// Splits `text` into lines of at most `width` characters, at spaces, so
/// prose fits [`width`] without the terminal breaking words (a word longer
/// than `width` gets a line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` wrapped to `width`, its first line after `first` and the others
/// indented by `indent` spaces: a hanging paragraph, ready to print.
pub fn hanging(first: &str, text: &str, indent: usize, width: usize) -> String {
    let mut out = String::from(first);
    let mut room = width.saturating_sub(first.chars().count()).max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            lines.push(std::mem::take(&mut line));
            room = width.saturating_sub(indent).max(1);
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', indent));
        }
        out.push_str(line);
    }
    out
}

fn from_env(columns: Option<&str>) -> Option<usize> {
    columns?.trim().parse().ok().filter(|&w| w > 0)
}

#[cfg(test)]
mod tests {
    use super::{from_env, hanging, wrap};

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let text = "one two three four five";
        assert_eq!(wrap(text, 9), ["one two", "three", "four five"]);
        assert!(wrap("", 9).is_empty());
        let para = hanging("name  ", text, 6, 16);
        assert_eq!(para, "name  one two\n      three four\n      five");
        assert!(para.lines().all(|l| l.chars().count() <= 16));
    }

    #[test]
    fn columns_must_be_a_positive_number() {
        assert_eq!(from_env(Some("120")), Some(120));
        assert_eq!(from_env(Some(" 72 ")), Some(72));
        assert_eq!(from_env(Some("0")), None);
        assert_eq!(from_env(Some("wide")), None);
        assert_eq!(from_env(None), None);
    }
}
