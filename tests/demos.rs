//! What each `corolab demo NN` tells, checked on its log: the events its
//! lesson is about happen, in the order that teaches something. (The
//! shape every demo shares, timestamps, sections as in its `original.py`
//! and 80 columns, is `tests/lessons.rs`'s.)

use std::process::Command;

/// The demo's lines without their timestamps, and the timestamps in ms.
fn demo(number: &str) -> Vec<(u64, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_corolab"))
        .args(["demo", number])
        .env("COLUMNS", "80")
        .env("COROLAB_HOME", env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("corolab runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "demo {number}: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    text.lines()
        .map(|line| {
            let (ms, what) = line.split_once(" ms  ").unwrap_or_else(|| panic!("no timestamp: {line}"));
            (ms.trim().parse().unwrap_or_else(|_| panic!("{line}")), what.to_string())
        })
        .collect()
}

fn position(log: &[(u64, String)], what: &str) -> usize {
    log.iter().position(|(_, l)| l == what).unwrap_or_else(|| panic!("no line {what:?} in {log:#?}"))
}

#[test]
fn demo_01_runs_a_generator_body_only_when_asked_and_unwinds_it_on_close() {
    let log = demo("01");
    let made = position(&log, "slow_squares(3) made; its body has not started");
    let working = position(&log, "  body: working 100 ms on 1");
    let got = position(&log, "caller got 1");
    assert!(made < working && working < got, "{log:#?}");
    assert!(log[got].0 >= 99, "the first value costs its 100 ms sleep: {log:#?}");
    for line in ["send(10) -> average 10.0", "send(30) -> average 20.0", "countdown(3) -> [3, 2, 1]"] {
        position(&log, line);
    }
    position(&log, "throw(Stop) -> returned: 3 numbers, average 20.0");
    let turns: Vec<&str> = log.iter().map(|(_, l)| l.as_str()).filter(|l| l.starts_with('[')).collect();
    let mut expected = Vec::new();
    for i in 1..=3 {
        expected.push(format!("[producer] producing {i}"));
        expected.push(format!("[consumer] consuming {i}"));
        expected.push("[producer] consumer answered 200 OK".to_string());
    }
    expected.push("[consumer] closed at its yield (the stack unwound)".to_string());
    assert_eq!(turns, expected, "producer and consumer take turns, then close unwinds the consumer");
}

#[test]
fn demo_03_prints_both_greenlet_demos_a_ring_and_a_throw() {
    let log = demo("03");
    let docs = position(&log, "main: [12, 56, 34]");
    let articles = position(&log, "main: [12, 56, 34, 78]");
    assert!(docs < articles, "{log:#?}");
    assert!(log[..docs].iter().all(|(_, l)| !l.starts_with("test2: 78")), "78 is never reached: {log:#?}");
    position(&log, "main: gr2 still waits in its switch; nobody comes back");
    position(&log, "main: order [0, 1, 2, 0, 1, 2]");
    let thrown = position(&log, "g: ShuttingDown raised in its switch; it cleans up");
    assert!(position(&log, "main: throws ShuttingDown into g") < thrown);
    position(&log, "main: g returned: cleaned up after: shutting down");
}

#[test]
fn demo_06_echoes_every_message_of_three_clients_on_threads_and_on_gevent() {
    let log = demo("06");
    let gevent = position(&log, "-- gevent: a greenlet per connection, one thread, one hub");
    for (part, how) in [(&log[..gevent], "a new thread"), (&log[gevent..], "a greenlet")] {
        let count = |what: &str| part.iter().filter(|(_, l)| l == what).count();
        assert_eq!(count(&format!("server: accepted a connection; {how} serves it")), 3, "{part:#?}");
        assert_eq!(count("server: the client closed its side; the handler ends"), 3, "{part:#?}");
        for client in 0..3 {
            for k in 0..2 {
                let message = format!("hello {k} from client {client}");
                let echoed = position(part, &format!("server: echoes '{message}'"));
                let back = position(part, &format!("client {client}: got '{message}' back"));
                assert!(echoed < back, "the server echoes before the client reads it: {part:#?}");
            }
        }
    }
}

#[test]
fn demo_12_crawls_at_most_three_pages_at_once_and_checks_each() {
    let log = demo("12");
    let section = position(&log, "-- crawl: 6 pages of 200 ms, at most 3 in flight");
    let mut in_flight_seen = Vec::new();
    for (_, line) in &log[section..] {
        if let Some(rest) = line.strip_suffix(" in flight)")
            && let Some((_, n)) = rest.rsplit_once('(')
        {
            in_flight_seen.push(n.parse::<usize>().unwrap());
        }
    }
    assert_eq!(in_flight_seen.len(), 6, "{log:#?}");
    assert!(in_flight_seen.iter().all(|&n| (1..=3).contains(&n)), "{log:#?}");
    for i in 0..6 {
        let asked = position(&log, &format!("server: page {i} asked for; its handler sleeps 200 ms"));
        let answered = position(&log, &format!("page {i}: 200 'Hello, page {i}!'"));
        let fetching = log.iter().position(|(_, l)| l.starts_with(&format!("page {i}: fetching (")));
        assert!(fetching.is_some_and(|f| f < answered) && asked < answered, "{log:#?}");
    }
    // The semaphore: page 3 starts only once one of the first three is done.
    let fourth = log.iter().position(|(_, l)| l.starts_with("page 3: fetching")).unwrap();
    assert!(log[..fourth].iter().any(|(_, l)| l.ends_with("!'")), "{log:#?}");
    assert!(log.iter().any(|(_, l)| l.starts_with("-- crawl: 20 pages of 200 ms, 10 in flight: ")));
}
