//! Running one measured child process under limits.
//!
//! Every bench run happens in a fresh process, so its peak memory is its
//! own. The child is started with pipes for its output, then watched: every
//! few milliseconds the watcher asks the kernel whether it has exited
//! (`wait4` with `WNOHANG`, which also returns its resource usage) and reads
//! its resident memory from `/proc/<pid>/status`. A child that runs past its
//! time limit or grows past its memory limit is killed (`SIGKILL`) and
//! reported as such.
//!
//! Why `wait4` rather than `Child::wait`: `wait4` hands back the child's
//! `rusage`, whose `ru_maxrss` is the kernel's count of its peak resident
//! memory. That is the one figure measured the same way for every runner,
//! corolab, tokio or Python, with nothing asked of the child.
//!
//! Why watch RSS rather than set `RLIMIT_AS`: an address-space limit counts
//! reserved, untouched memory, and the models reserve plenty (each OS thread
//! reserves an 8 MiB stack, each coroutine stack is a mapping), so it would
//! stop threads long before they used a gibibyte. The limit the bench states
//! is on memory used, so that is what it watches.
//!
//! This is the one module of the bench that needs `unsafe`: the `wait4` call.

use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a child may run and how much memory it may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time before the child is killed.
    pub time: Duration,
    /// Resident memory, in KiB, before the child is killed.
    pub rss_kb: u64,
}

/// How a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// It exited with this status code.
    Exited(i32),
    /// A signal it did not ask for ended it (a crash: SIGSEGV, SIGABRT).
    Signalled(i32),
    /// It ran past [`Limits::time`] and was killed.
    TimedOut,
    /// Its resident memory passed [`Limits::rss_kb`] and it was killed.
    OverMemory,
}

/// What a watched child did.
#[derive(Clone, Debug)]
pub struct ChildRun {
    /// How it ended.
    pub end: End,
    /// Everything it wrote to standard output.
    pub stdout: String,
    /// Everything it wrote to standard error.
    pub stderr: String,
    /// Its peak resident memory, in KiB, as the kernel counted it.
    pub peak_rss_kb: u64,
    /// Wall time from spawn to exit, process start-up included.
    pub wall: Duration,
}

impl ChildRun {
    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.end == End::Exited(0)
    }
}

/// How often the watcher looks at the child.
const POLL: Duration = Duration::from_millis(5);

/// Runs `command` to the end, or until it breaks `limits`.
pub fn run(mut command: Command, limits: Limits) -> io::Result<ChildRun> {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // Its own process group, so a kill reaches whatever it started too (a
    // shell's children would otherwise hold the pipes open after it died).
    command.process_group(0);
    let started = Instant::now();
    let mut child = command.spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let pid = child.id() as libc::pid_t;
    // ANCHOR: watch
    let mut killed_for = None;
    let (status, rusage) = loop {
        if let Some(done) = wait(pid)? {
            break done;
        }
        if killed_for.is_none() {
            if started.elapsed() > limits.time {
                killed_for = Some(End::TimedOut);
            } else if crate::measure::rss_kb_of(pid as u32) > limits.rss_kb {
                killed_for = Some(End::OverMemory);
            }
            if killed_for.is_some() {
                kill(&mut child);
                continue;
            }
        }
        thread::sleep(POLL);
    };
    // ANCHOR_END: watch
    let wall = started.elapsed();
    let end = killed_for.unwrap_or_else(|| {
        if libc::WIFEXITED(status) {
            End::Exited(libc::WEXITSTATUS(status))
        } else {
            End::Signalled(libc::WTERMSIG(status))
        }
    });
    Ok(ChildRun {
        end,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        peak_rss_kb: rusage.ru_maxrss.max(0) as u64,
        wall,
    })
}

/// Kills the child and its process group. The child has not been reaped
/// yet, so its pid (and so its group id) is still its own. A failure means
/// it already exited, which the next `wait` sees.
fn kill(child: &mut Child) {
    let group = child.id() as libc::pid_t;
    // SAFETY: kill(2) has no memory-safety preconditions; `-group` names the
    // process group the child leads (set by `process_group(0)` at spawn).
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let _ = child.kill();
}

/// Reads a pipe to its end on a thread of its own, so a child that writes a
/// lot never blocks on a full pipe while the watcher waits for it.
fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// Reaps `pid` if it has exited, returning its wait status and resource
/// usage, or `None` while it still runs.
fn wait(pid: libc::pid_t) -> io::Result<Option<(libc::c_int, libc::rusage)>> {
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data for which all-zero bytes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers point to live, writable locals of the types
        // wait4 expects; `pid` is our own unreaped child, so reaping it here
        // cannot steal another part of the program's child.
        let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        match got {
            0 => return Ok(None),
            p if p == pid => return Ok(Some((status, usage))),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENEROUS: Limits = Limits { time: Duration::from_secs(10), rss_kb: 1 << 20 };

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    #[test]
    fn captures_output_status_and_peak_memory() {
        let run = run(sh("echo out; echo err >&2; exit 3"), GENEROUS).unwrap();
        assert_eq!(run.end, End::Exited(3));
        assert_eq!(run.stdout, "out\n");
        assert_eq!(run.stderr, "err\n");
        assert!(run.peak_rss_kb > 0);
    }

    #[test]
    fn a_child_past_its_time_is_killed() {
        let limits = Limits { time: Duration::from_millis(200), ..GENEROUS };
        let run = run(sh("sleep 30"), limits).unwrap();
        assert_eq!(run.end, End::TimedOut);
        assert!(run.wall < Duration::from_secs(10), "{:?}", run.wall);
    }

    #[test]
    fn a_child_past_its_memory_is_killed() {
        // python3 holds 200 MiB for a while; the limit is 50 MiB.
        let mut c = Command::new("python3");
        c.args(["-c", "import time; b = bytearray(200 << 20); time.sleep(20)"]);
        let limits = Limits { rss_kb: 50 << 10, ..GENEROUS };
        match run(c, limits) {
            Ok(r) => assert_eq!(r.end, End::OverMemory),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {} // no python3 here
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_missing_program_is_an_error_not_a_panic() {
        let e = run(Command::new("/nonexistent/corolab-peer"), GENEROUS).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
