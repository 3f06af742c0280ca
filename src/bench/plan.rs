//! What the bench runs: the knobs for each scenario, quick or full, and the
//! scale probe's steps.
//!
//! The scenarios and their backends come from the registry
//! ([`crate::scenarios::SCENARIOS`]); this file only sizes them. A scenario's
//! `default_n` is sized for watching (a handful of turns), so the bench
//! scales the ones it knows up to sizes worth timing, and runs any scenario
//! it does not know at its default size (the size its author chose for a
//! run someone waits for), so a new scenario shows up in the tables the day
//! it lands without blowing the quick bench's minute.
#![forbid(unsafe_code)]

use crate::scenarios::{Backend, Scenario};
use std::time::Duration;

/// The knobs one bench run passes to a child, as command-line flags.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Knobs {
    /// `--n`.
    pub n: u64,
    /// `--delay-ms`.
    pub delay_ms: Option<u64>,
    /// `--clients`.
    pub clients: Option<u64>,
}

impl Knobs {
    /// The flags, as `corolab run`, the tokio peer and the Python originals
    /// all accept them.
    pub fn args(&self) -> Vec<String> {
        let mut args = vec!["--n".to_string(), self.n.to_string()];
        if let Some(d) = self.delay_ms {
            args.extend(["--delay-ms".to_string(), d.to_string()]);
        }
        if let Some(c) = self.clients {
            args.extend(["--clients".to_string(), c.to_string()]);
        }
        args
    }

    /// `n = 10000, delay 100 ms`: for table headings.
    pub fn describe(&self) -> String {
        let mut s = format!("n = {}", self.n);
        if let Some(d) = self.delay_ms {
            s += &format!(", delay {d} ms");
        }
        if let Some(c) = self.clients {
            s += &format!(", {c} clients");
        }
        s
    }
}

/// How one scenario is benched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sizing {
    /// The knobs.
    pub knobs: Knobs,
    /// Whether items per second means something here (it does not for
    /// sleepers, whose wall time is the sleep).
    pub throughput: bool,
    /// Backends left out, with the reason shown in their row.
    pub skip: Vec<(Backend, &'static str)>,
}

/// The sizing of `scenario` for a quick or a full run.
pub fn sizing(scenario: &Scenario, quick: bool) -> Sizing {
    let pick = |q: u64, f: u64| if quick { q } else { f };
    let knobs = |n, delay_ms, clients| Knobs { n, delay_ms, clients };
    match scenario.name {
        "pingpong" | "producer-consumer" => {
            Sizing { knobs: knobs(pick(20_000, 200_000), None, None), throughput: true, skip: Vec::new() }
        }
        "sleepers" => Sizing {
            knobs: knobs(pick(1_000, 10_000), Some(100), None),
            throughput: false,
            skip: vec![(Backend::Sequential, "one after another it takes n × delay; see the scale probe")],
        },
        "echo" => Sizing {
            knobs: knobs(pick(500, 5_000), None, Some(pick(10, 50))),
            throughput: true,
            skip: Vec::new(),
        },
        // Each call blocks for the delay: sequential takes n × 100 ms.
        "blocking" => {
            Sizing { knobs: knobs(pick(10, 20), Some(100), None), throughput: true, skip: Vec::new() }
        }
        // Each page takes 200 ms to serve: sequential takes n × 200 ms.
        "crawl" => Sizing { knobs: knobs(pick(10, 40), None, None), throughput: true, skip: Vec::new() },
        // Each item is about 0.1 s of one core's arithmetic.
        "multicore" => Sizing { knobs: knobs(pick(4, 16), None, None), throughput: true, skip: Vec::new() },
        _ => Sizing { knobs: knobs(scenario.default_n, None, None), throughput: true, skip: Vec::new() },
    }
}

/// The scale probe's settings.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProbePlan {
    /// The scenario probed.
    pub scenario: &'static str,
    /// The sizes tried, smallest first; a runner stops at its first failure.
    pub steps: Vec<u64>,
    /// How long each sleeper sleeps: long enough that all N are alive at
    /// once when memory peaks.
    pub delay_ms: u64,
    /// The size memory per task is measured at.
    pub per_task_n: u64,
    /// The limits each step runs under.
    #[serde(serialize_with = "as_secs")]
    pub time_limit: Duration,
    /// Memory limit per step, KiB.
    pub rss_limit_kb: u64,
}

fn as_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// The probe: sleepers at 10^3, 10^4 … (10^5 when quick, 10^6 in full),
/// within 1 GiB and 10 s each, sleeping 1 s (when quick: 4 s, sleeping
/// 0.5 s, so the quick bench stays under a minute).
pub fn probe(quick: bool) -> ProbePlan {
    ProbePlan {
        scenario: "sleepers",
        steps: if quick { vec![1_000, 10_000, 100_000] } else { vec![1_000, 10_000, 100_000, 1_000_000] },
        delay_ms: if quick { 500 } else { 1_000 },
        per_task_n: 100_000,
        time_limit: Duration::from_secs(if quick { 4 } else { 10 }),
        rss_limit_kb: 1 << 20,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{Config, Outcome, ScenarioError};

    fn fake(_: Backend, _: &Config) -> Result<Outcome, ScenarioError> {
        Ok(Outcome { items: 1, unit: "things", ok: true, detail: String::new() })
    }

    #[test]
    fn unknown_scenarios_run_at_their_default_size() {
        let s = Scenario {
            name: "new-one",
            summary: "",
            default_n: 7,
            backends: &[Backend::Threads],
            knobs: &[],
            run: fake,
        };
        let sizing = sizing(&s, true);
        assert_eq!(sizing.knobs.n, 7);
        assert_eq!(sizing.knobs.args(), ["--n", "7"]);
    }

    #[test]
    fn knobs_become_flags() {
        let k = Knobs { n: 5, delay_ms: Some(100), clients: Some(3) };
        assert_eq!(k.args(), ["--n", "5", "--delay-ms", "100", "--clients", "3"]);
        assert_eq!(k.describe(), "n = 5, delay 100 ms, 3 clients");
    }

    #[test]
    fn the_quick_probe_is_smaller_than_the_full_one() {
        assert!(probe(true).steps.len() < probe(false).steps.len());
        assert!(probe(true).steps.contains(&probe(true).per_task_n));
    }
}
