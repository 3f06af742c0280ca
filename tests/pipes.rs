//! corolab ends quietly when the reader of its output stops reading
//! (`corolab run pingpong | head`): no panic text, exit status 0, no hang.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `corolab ARGS`, reads one line, closes the pipe, and returns the
/// exit status and what went to stderr.
fn read_one_line_and_hang_up(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corolab"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the corolab binary runs");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(!first.is_empty(), "`corolab {}` printed nothing", args.join(" "));
    drop(stdout);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`corolab {}` went on after its reader left", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (status.code(), stderr)
}

fn ends_quietly(args: &[&str]) {
    let (code, stderr) = read_one_line_and_hang_up(args);
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(code, Some(0), "`corolab {}` exit status; stderr: {stderr}", args.join(" "));
}

#[test]
fn run_pingpong_ends_quietly_when_its_reader_leaves() {
    // Far more output than a pipe buffers, so a write must fail.
    ends_quietly(&["run", "pingpong", "--backend", "threads", "--n", "50000"]);
    ends_quietly(&["run", "pingpong", "--backend", "greenlet", "--n", "50000"]);
}

#[test]
fn run_sleepers_ends_quietly_when_its_reader_leaves() {
    // The narration goes on after the reader has left.
    ends_quietly(&["run", "sleepers", "--n", "5", "--delay-ms", "50"]);
}

#[test]
fn printing_commands_end_quietly_too() {
    ends_quietly(&["run", "--list"]);
    ends_quietly(&[]);
}
