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

fn from_env(columns: Option<&str>) -> Option<usize> {
    columns?.trim().parse().ok().filter(|&w| w > 0)
}

#[cfg(test)]
mod tests {
    use super::from_env;

    #[test]
    fn columns_must_be_a_positive_number() {
        assert_eq!(from_env(Some("120")), Some(120));
        assert_eq!(from_env(Some(" 72 ")), Some(72));
        assert_eq!(from_env(Some("0")), None);
        assert_eq!(from_env(Some("wide")), None);
        assert_eq!(from_env(None), None);
    }
}
