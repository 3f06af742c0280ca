//! Measuring a run: wall time and peak memory, read from the kernel.
//!
//! Peak memory is the process's high-water mark of resident memory
//! (`VmHWM` in `/proc/self/status`). Linux lets a process reset that mark
//! (writing `5` to `/proc/self/clear_refs`), so [`Meter::start`] resets it and
//! several runs in one process each get their own peak, as far as the kernel
//! allows: memory the allocator kept from an earlier run and did not return
//! still counts. `corolab bench` runs each backend in a fresh child process
//! for that reason.
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

/// Reads the peak resident set size of this process, in KiB (0 where the
/// kernel does not say, as on systems without `/proc`).
pub fn peak_rss_kb() -> u64 {
    status_field("self", "VmHWM:")
}

/// Reads the current resident set size of another process, in KiB (0 once
/// it is gone). `corolab bench` watches its children with it.
pub fn rss_kb_of(pid: u32) -> u64 {
    status_field(&pid.to_string(), "VmRSS:")
}

/// A `kB` field of `/proc/<process>/status`, or 0.
fn status_field(process: &str, name: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets the peak resident set size to the current one. Returns whether the
/// kernel accepted it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Times one run and reads its peak memory.
#[derive(Debug)]
pub struct Meter {
    started: Instant,
}

/// What a [`Meter`] saw.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// Wall-clock time from `start` to `stop`.
    pub wall: Duration,
    /// Peak resident memory during the run, in KiB.
    pub peak_rss_kb: u64,
}

impl Meter {
    /// Resets the peak-memory mark and starts the clock.
    pub fn start() -> Meter {
        reset_peak_rss();
        Meter { started: Instant::now() }
    }

    /// Stops the clock and reads the peak.
    pub fn stop(self) -> Measured {
        Measured { wall: self.started.elapsed(), peak_rss_kb: peak_rss_kb() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_rss_grows_when_memory_is_touched() {
        let meter = Meter::start();
        let before = peak_rss_kb();
        // Touch 64 MiB so the pages become resident.
        let block = vec![1u8; 64 << 20];
        std::hint::black_box(&block);
        let measured = meter.stop();
        assert!(before > 0, "VmHWM should be readable on Linux");
        assert!(measured.peak_rss_kb >= before + 32 * 1024, "{} vs {}", measured.peak_rss_kb, before);
    }

    #[test]
    fn rss_of_a_live_process_is_read_and_of_a_missing_one_is_zero() {
        assert!(rss_kb_of(std::process::id()) > 0);
        assert_eq!(rss_kb_of(u32::MAX), 0);
    }
}
