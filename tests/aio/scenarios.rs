//! The lesson scenarios on the aio backend.

use crate::ms;
use corolab::scenarios::{self, Backend, Config};

#[test]
fn pingpong_and_producer_consumer_run_on_aio() {
    for name in ["pingpong", "producer-consumer"] {
        let scenario = scenarios::find(name).unwrap();
        let report = scenarios::run(scenario, Backend::Aio, &Config::quiet().with_n(20));
        assert!(report.ok, "{name}: {:?} {}", report.error, report.detail);
        assert_eq!(report.items, if name == "pingpong" { 40 } else { 20 });
    }
}

#[test]
fn sleepers_overlap_on_one_loop() {
    let outcome = scenarios::sleepers::aio(1000, ms(50), &Config::quiet()).unwrap();
    assert!(outcome.ok, "{}", outcome.detail);
    assert_eq!(outcome.items, 1000);
}

#[test]
fn echo_checks_every_message() {
    let config = Config { clients: Some(5), ..Config::quiet().with_n(40) };
    let outcome = scenarios::run(scenarios::find("echo").unwrap(), Backend::Aio, &config);
    assert!(outcome.ok, "{:?}", outcome.error);
    assert_eq!(outcome.items, 200);
}

#[test]
fn blocking_calls_overlap_only_through_the_executor() {
    let scenario = scenarios::find("blocking").unwrap();
    let config = Config { workers: Some(4), ..Config::quiet().with_n(4).with_delay(ms(100)) };
    let on_loop = scenarios::run(scenario, Backend::Sequential, &config);
    let executor = scenarios::run(scenario, Backend::Aio, &config);
    assert!(on_loop.ok && executor.ok, "{:?} {:?}", on_loop.error, executor.error);
    // Serialised: at least n × delay. Overlapped: well under it.
    assert!(on_loop.wall_ms >= 400.0, "on the loop took {} ms", on_loop.wall_ms);
    assert!(executor.wall_ms < on_loop.wall_ms, "{} vs {}", executor.wall_ms, on_loop.wall_ms);
}

#[test]
fn multicore_checksums_agree_on_one_loop_and_on_a_pool() {
    let one = scenarios::multicore::aio(4, 1, 100_000, &Config::quiet()).unwrap();
    let pool = scenarios::multicore::aio(4, 2, 100_000, &Config::quiet()).unwrap();
    assert!(one.ok && pool.ok, "{} / {}", one.detail, pool.detail);
    assert_eq!((one.items, pool.items), (4, 4));
}
