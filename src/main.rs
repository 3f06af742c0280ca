//! The `corolab` command: parses, calls the library, prints.
//!
//! `corolab` alone shows the tour; `corolab --help` lists the rest.
#![forbid(unsafe_code)]

mod cli;

use clap::Parser;

fn main() {
    let args = cli::Args::parse();
    let code = cli::main(args);
    std::process::exit(code);
}
