//! The `corolab` command: parses, calls the library, prints.
//!
//! `corolab` alone shows the tour; `corolab --help` lists the rest.
#![deny(unsafe_code)]

mod cli;

use clap::{CommandFactory, FromArgMatches};

fn main() {
    // Help wraps to the same width as everything else (80 in a pipe).
    let matches = cli::Args::command().term_width(corolab::term::width()).get_matches();
    let args = cli::Args::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // A server must outlive a client that hangs up: may's sockets write
    // with plain write(2), which raises SIGPIPE on a reset connection (std's
    // use MSG_NOSIGNAL), so only commands without sockets (the tour,
    // `lessons`, `check`) take the default action that ends them quietly.
    if args.only_prints() {
        die_quietly_on_broken_pipe();
    }
    let code = cli::main(args);
    std::process::exit(code);
}

/// Rust ignores SIGPIPE, so `corolab lessons | head` would make `println!`
/// panic once `head` exits. A command-line tool should just stop, as `cat`
/// does: restore the default action.
#[allow(unsafe_code)]
fn die_quietly_on_broken_pipe() {
    // SAFETY: setting a signal's disposition to SIG_DFL runs no code of ours
    // in a handler; it happens before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
