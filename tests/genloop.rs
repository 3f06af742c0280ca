//! The genloop backend: generators as tasks on a loop. Its scenarios,
//! its server, and what the loop promises (joins, panics, timeouts,
//! deadlocks, trace events).

use corolab::genloop::{self, Answer, Request, TaskError, sock_connect, sock_recv};
use corolab::scenarios::{self, Backend, Config};
use corolab::trace::{self, State, Wait};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

#[test]
fn ten_thousand_sleepers_take_about_one_delay_not_ten_thousand() {
    let delay = Duration::from_millis(500);
    let config = Config::quiet().with_n(10_000).with_delay(delay);
    let report = scenarios::run(scenarios::find("sleepers").unwrap(), Backend::Genloop, &config);
    assert!(report.ok, "{report:?}");
    assert_eq!(report.items, 10_000);
    // One after another would be 5,000 s; allow a loaded machine plenty.
    assert!(report.wall_ms < 20.0 * delay.as_millis() as f64, "{} ms", report.wall_ms);
    assert!(report.peak_rss_kb > 0, "peak memory is reported");
}

#[test]
fn echo_and_crawl_scenarios_check_every_byte_on_genloop() {
    let echo = Config { clients: Some(100), ..Config::quiet().with_n(50) };
    let report = scenarios::run(scenarios::find("echo").unwrap(), Backend::Genloop, &echo);
    assert!(report.ok, "{report:?}");
    assert_eq!(report.items, 100 * 50);
    let crawl = Config::quiet().with_n(8).with_delay(Duration::from_millis(20));
    let report = scenarios::run(scenarios::find("crawl").unwrap(), Backend::Genloop, &crawl);
    assert!(report.ok, "{report:?}");
    assert_eq!(report.items, 8);
}

#[test]
fn serve_echo_on_genloop_answers_100_clients_x_200_messages_byte_for_byte() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corolab"))
        .args(["serve", "echo", "--backend", "genloop", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("corolab starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let clients: Vec<_> = (0..100u64)
        .map(|c| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                for seq in 0..200 {
                    let sent = scenarios::echo::message(c, seq);
                    s.write_all(&sent).unwrap();
                    let mut back = vec![0; sent.len()];
                    s.read_exact(&mut back).unwrap();
                    assert_eq!(back, sent, "client {c} message {seq}");
                }
                200
            })
        })
        .collect();
    let echoed: u64 = clients.into_iter().map(|c| c.join().unwrap()).sum();
    child.kill().ok();
    child.wait().ok();
    assert_eq!(echoed, 100 * 200);
}

#[test]
fn a_panicking_task_reaches_its_joiner_and_the_loop_goes_on() {
    let got = genloop::run::<(Result<u32, TaskError>, u32)>(genloop::task("main", |co| {
        let bad = genloop::task("bad", |_co| -> u32 { panic!("boom") });
        let good = genloop::task("good", |co| {
            co.yield_from(genloop::sleep(Duration::from_millis(5)), Answer::Go).unwrap();
            7u32
        });
        let bad = co.yield_from(genloop::spawn::<u32>(bad), Answer::Go).unwrap();
        let good = co.yield_from(genloop::spawn::<u32>(good), Answer::Go).unwrap();
        let bad = co.yield_from(genloop::join(bad), Answer::Go).unwrap();
        let good = co.yield_from(genloop::join(good), Answer::Go).unwrap().unwrap();
        (bad, good)
    }))
    .unwrap();
    assert_eq!(got.0, Err(TaskError::Panicked("boom".into())));
    assert_eq!(got.1, 7);
}

#[test]
fn a_socket_wait_with_a_timeout_gives_up_with_timed_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let started = Instant::now();
    let result = genloop::run::<()>(genloop::task("main", move |co| {
        let stream = Rc::new(co.yield_from(sock_connect(addr), Answer::Go).unwrap().unwrap());
        stream.set_timeout(Some(Duration::from_millis(50)));
        let err = co.yield_from(sock_recv(stream, 16), Answer::Go).unwrap().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
    }));
    assert!(result.is_ok(), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "the socket wait timed out");
    drop(listener);
}

#[test]
fn a_join_that_can_never_end_is_reported_as_a_deadlock() {
    let result = genloop::run::<()>(genloop::task("main", |co| {
        let waiter = genloop::task("waiter", |co| {
            // Parks forever: a join on main, which waits on this one.
            let _ = co.yield_(Request::Join(genloop::Tid::MAIN));
        });
        let waiter = co.yield_from(genloop::spawn::<()>(waiter), Answer::Go).unwrap();
        let _ = co.yield_from(genloop::join(waiter), Answer::Go);
    }));
    match result {
        Err(TaskError::Failed(why)) => assert!(why.contains("deadlock"), "{why}"),
        other => panic!("expected a deadlock, got {other:?}"),
    }
}

#[test]
fn a_sleepers_trace_rows_show_timer_waits_and_the_end() {
    let recording = trace::ThreadRecording::start();
    let config = Config::quiet().with_n(2).with_delay(Duration::from_millis(20));
    let report = scenarios::run(scenarios::find("sleepers").unwrap(), Backend::Genloop, &config);
    let trace = recording.finish();
    assert!(report.ok, "{report:?}");
    assert_eq!(trace.tasks, ["main", "sleeper 0", "sleeper 1"], "a row per task, none for sub-operations");
    for row in 1..=2 {
        let states: Vec<State> =
            trace.events.iter().filter(|e| e.task.index() == row).map(|e| e.state).collect();
        let timer = states.iter().position(|s| *s == State::Waiting(Wait::Timer)).expect("waits on a timer");
        assert!(states[timer..].contains(&State::Ready), "{states:?}");
        assert_eq!(states.last(), Some(&State::Done), "{states:?}");
    }
}
