//! The `corolab` command: parses, calls the library, prints.
//!
//! `corolab` alone shows the tour; `corolab --help` lists the rest.
#![forbid(unsafe_code)]

mod cli;

use clap::{CommandFactory, FromArgMatches};

fn main() {
    end_quietly_when_output_closes();
    // Help wraps to the same width as everything else (80 in a pipe).
    let matches = cli::Args::command().term_width(corolab::term::width()).get_matches();
    let args = cli::Args::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let code = cli::main(args);
    std::process::exit(code);
}

/// `corolab run pingpong | head` must just stop once `head` has read enough,
/// as `cat` does, not panic with "failed printing to stdout: Broken pipe".
///
/// The usual cure, restoring SIGPIPE's default action, would kill a server
/// whose client hangs up: may's sockets write with plain write(2), which
/// raises SIGPIPE on a reset connection (std's use MSG_NOSIGNAL). So SIGPIPE
/// stays ignored, a write to a closed stdout fails with EPIPE, and `print!`
/// turns that failure into a panic with a fixed message, wherever it
/// happens: in the CLI, in a scenario's narration, on a coroutine's stack or
/// on a worker thread. This hook, which runs before any unwinding, ends the
/// process there with status 0 and says nothing: the reader chose to stop,
/// and nothing failed (ripgrep does the same; 141, a shell's "killed by
/// SIGPIPE", would fail a `set -o pipefail` script for reading less). Every
/// other panic goes to the default hook as before.
fn end_quietly_when_output_closes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if corolab::panic_message::as_str(info.payload()).is_some_and(is_closed_output) {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Whether `message` is std's panic for printing to a closed pipe.
fn is_closed_output(message: &str) -> bool {
    let broken = std::io::Error::from(std::io::ErrorKind::BrokenPipe).to_string();
    let epipe = std::io::Error::from_raw_os_error(libc::EPIPE).to_string();
    ["failed printing to stdout: ", "failed printing to stderr: "]
        .iter()
        .any(|prefix| message.strip_prefix(prefix).is_some_and(|e| e == epipe || e == broken))
}

#[cfg(test)]
mod tests {
    use super::is_closed_output;

    #[test]
    fn only_a_closed_pipe_ends_quietly() {
        assert!(is_closed_output("failed printing to stdout: Broken pipe (os error 32)"));
        assert!(is_closed_output("failed printing to stderr: Broken pipe (os error 32)"));
        assert!(!is_closed_output("failed printing to stdout: No space left on device (os error 28)"));
        assert!(!is_closed_output("Broken pipe (os error 32)"));
    }
}
