//! The work queue across processes, on redis lists: producer processes
//! `LPUSH` jobs, consumer processes `BRPOP` them, and every job is done
//! exactly once (the message-queue pattern the articles show with
//! RabbitMQ). The processes are this test binary run again with a role
//! in `REDIS_QUEUE_ROLE`; the queue is a mini-redis the parent starts.

use corolab::backend::Backend;
use corolab::redis::Client;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

const JOBS_PER_PRODUCER: usize = 50;
const ROLE: &str = "REDIS_QUEUE_ROLE";
const ADDR: &str = "REDIS_QUEUE_ADDR";

// ANCHOR: roles
/// A producer: pushes its jobs and ends.
fn produce(redis: &mut Client<std::net::TcpStream>, me: &str) {
    for job in 0..JOBS_PER_PRODUCER {
        redis.lpush("jobs", &[format!("{me}-job{job}")]).unwrap();
    }
}

/// A consumer: pops until it gets the stop sentinel, printing each job
/// done on a line of its own for the parent to count.
fn consume(redis: &mut Client<std::net::TcpStream>, me: &str) {
    loop {
        let (_, job) = redis.brpop(&["jobs"], Duration::from_secs(20)).unwrap().expect("a job within 20 s");
        let job = String::from_utf8(job).unwrap();
        if job == "STOP" {
            return;
        }
        println!("DONE {me} {job}");
    }
}
// ANCHOR_END: roles

/// Runs this process's role when it is a child; the parent test below
/// sets `REDIS_QUEUE_ROLE` for it. As a plain test (no role) it does nothing.
#[test]
fn role() {
    let (Ok(role), Ok(addr)) = (std::env::var(ROLE), std::env::var(ADDR)) else { return };
    let mut redis = Client::connect(addr.as_str()).unwrap();
    redis.set_timeout(Some(Duration::from_secs(30))).unwrap();
    match role.split_once(':') {
        Some(("producer", me)) => produce(&mut redis, me),
        Some(("consumer", me)) => consume(&mut redis, me),
        _ => panic!("unknown role {role}"),
    }
}

#[test]
fn two_producers_and_two_consumers_do_every_job_exactly_once() {
    let server =
        corolab::redis::server::spawn(Backend::Threads, "127.0.0.1:0".parse().unwrap(), Default::default())
            .unwrap();
    let addr = server.addr().to_string();
    let me = std::env::current_exe().unwrap();
    let child = |role: String| {
        Command::new(&me)
            .args(["--exact", "role", "--nocapture", "--test-threads", "1"])
            .env(ROLE, role)
            .env(ADDR, &addr)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let consumers: Vec<_> = (0..2).map(|i| child(format!("consumer:c{i}"))).collect();
    let producers: Vec<_> = (0..2).map(|i| child(format!("producer:p{i}"))).collect();
    for p in producers {
        assert!(p.wait_with_output().unwrap().status.success(), "a producer failed");
    }
    // One sentinel per consumer, behind every job (LPUSH adds at the left,
    // BRPOP takes from the right).
    let mut redis = Client::connect(server.addr()).unwrap();
    redis.lpush("jobs", &["STOP", "STOP"]).unwrap();
    let mut done = Vec::new();
    let mut per_consumer = Vec::new();
    for c in consumers {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "a consumer failed");
        let jobs: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            // libtest's own "test role ... " may start the first line.
            .filter_map(|l| l.find("DONE ").map(|at| &l[at + 5..]))
            .map(|l| l.split_once(' ').unwrap().1.to_owned())
            .collect();
        per_consumer.push(jobs.len());
        done.extend(jobs);
    }
    let unique: BTreeSet<&String> = done.iter().collect();
    assert_eq!(done.len(), 2 * JOBS_PER_PRODUCER, "every job done once: {per_consumer:?}");
    assert_eq!(unique.len(), done.len(), "no job done twice");
    let expected: BTreeSet<String> =
        (0..2).flat_map(|p| (0..JOBS_PER_PRODUCER).map(move |j| format!("p{p}-job{j}"))).collect();
    assert_eq!(unique, expected.iter().collect());
    assert_eq!(redis.rpop("jobs").unwrap(), None, "the queue is empty");
    drop(redis);
    server.stop().unwrap();
}
