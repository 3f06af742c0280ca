//! Stack limits, each case in a child process (this test binary, re-run on
//! one test with `COROLAB_OVERFLOW_CHILD` set): a stack overflow inside a
//! coroutine stops the process with a clear message, and running out of
//! memory for stacks is an error, not a panic.
//!
//! The `child_*` functions are the children's bodies, not tests: they are
//! `#[ignore]`d, so an ordinary run neither runs nor counts them, and each
//! parent test runs its child with `--ignored --exact`. Run by hand with
//! `--ignored`, outside a child, they return at once.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};

const CHILD: &str = "COROLAB_OVERFLOW_CHILD";

fn run_child(test: &str) -> Output {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs")
}

fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

fn recurse(n: u64) -> u64 {
    let pad = std::hint::black_box([1u8; 512]);
    if n == 0 { 0 } else { recurse(n - 1) + pad[n as usize % 512] as u64 }
}

#[test]
#[ignore = "a child process body, run by its parent test"]
fn child_overflows_a_generator_stack() {
    if !is_child() {
        return;
    }
    let g: corolab::generator::Generator<(), (), u64> =
        corolab::generator::Generator::with_options("deep", 32 * 1024, |_, ()| recurse(u64::MAX));
    let _ = g.send(());
    unreachable!("the overflow kills the process");
}

#[test]
#[ignore = "a child process body, run by its parent test"]
fn child_overflows_a_greenlet_stack() {
    if !is_child() {
        return;
    }
    let g = corolab::greenlet::Builder::new().stack_size(48 * 1024).spawn(|_| Box::new(recurse(u64::MAX)));
    let _ = g.switch(Box::new(()));
    unreachable!("the overflow kills the process");
}

#[test]
#[ignore = "a child process body, run by its parent test"]
fn child_overflows_a_thread_stack() {
    if !is_child() {
        return;
    }
    // Make sure our handler is installed, then overflow an ordinary thread.
    let g: corolab::generator::Generator<(), (), ()> = corolab::generator::Generator::new(|_, ()| ());
    g.send(()).unwrap();
    std::thread::Builder::new().stack_size(64 * 1024).spawn(|| recurse(u64::MAX)).unwrap().join().ok();
}

fn assert_overflow_message(out: &Output, kib: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), Some(libc::SIGSEGV), "status {:?}, stderr:\n{stderr}", out.status);
    let want = format!("corolab: coroutine stack overflow (stack of {kib} KiB)");
    assert!(stderr.contains(&want), "stderr lacks {want:?}:\n{stderr}");
    assert!(stderr.contains("stack_size"), "stderr does not say how to fix it:\n{stderr}");
}

#[test]
fn generator_overflow_stops_the_process_with_a_message() {
    assert_overflow_message(&run_child("child_overflows_a_generator_stack"), "32");
}

#[test]
fn greenlet_overflow_stops_the_process_with_a_message() {
    assert_overflow_message(&run_child("child_overflows_a_greenlet_stack"), "48");
}

#[test]
fn thread_overflow_still_gets_rusts_own_message() {
    let out = run_child("child_overflows_a_thread_stack");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("has overflowed its stack"), "stderr:\n{stderr}");
    assert!(!stderr.contains("coroutine stack overflow"), "misreported:\n{stderr}");
}

#[test]
#[ignore = "a child process body, run by its parent test"]
fn child_runs_out_of_address_space() {
    if !is_child() {
        return;
    }
    // Cap the address space a little above what the process uses now, then
    // start 1 MiB-stack generators until mapping one fails.
    let used: u64 = std::fs::read_to_string("/proc/self/statm")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 4096;
    let cap = used + 64 * 1024 * 1024;
    // SAFETY: setrlimit with a valid struct; it only lowers this process's limit.
    let rc = unsafe {
        libc::setrlimit(libc::RLIMIT_AS, &libc::rlimit { rlim_cur: cap, rlim_max: libc::RLIM_INFINITY })
    };
    assert_eq!(rc, 0);
    let mut live = Vec::new();
    for _ in 0..1000 {
        let g: corolab::generator::Generator<(), (), ()> =
            corolab::generator::Generator::with_options("big", 1024 * 1024, |co, ()| {
                co.yield_(()).ok();
            });
        match g.send(()) {
            Ok(_) => live.push(g),
            Err(err) => {
                eprintln!("ERROR after {} generators: {err}", live.len());
                std::process::exit(3);
            }
        }
    }
    eprintln!("never ran out");
}

#[test]
fn running_out_of_stack_memory_is_an_error_not_a_panic() {
    let out = run_child("child_runs_out_of_address_space");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr:\n{stderr}");
    assert!(stderr.contains("could not map a 1024 KiB coroutine stack"), "stderr:\n{stderr}");
    assert!(stderr.contains("out of memory or address space"), "stderr:\n{stderr}");
}
