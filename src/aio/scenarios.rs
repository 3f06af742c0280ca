//! The `aio` backend of every scenario, one plain function each.
//!
//! `pingpong` and `producer-consumer` call [`pingpong`] and
//! [`producer_consumer`] from their `aio` arm; `blocking` and `multicore`
//! call [`blocking`] and [`multicore`]; [`sleepers`] and [`echo`] are ready
//! for the `sleepers` and `echo` scenario files to call from theirs. Tasks
//! record their trace events themselves (the loop records Running and
//! Ready, each await point its Waiting kind, the task's end Done), so every
//! function here draws a timeline under `--trace`.
#![forbid(unsafe_code)]

use super::{AsyncIterator, Error, Pool, Queue, TcpListener, TcpStream, ThreadPool};
use crate::scenarios::producer_consumer::{Log, STATUS};
use crate::scenarios::{Config, Outcome, ScenarioError, pingpong as pp};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

fn failed(e: Error) -> ScenarioError {
    ScenarioError::Failed(e.to_string())
}

fn io_failed(e: std::io::Error) -> ScenarioError {
    ScenarioError::Io(e)
}

// ANCHOR: pingpong
/// `pingpong`: two tasks pass the turn through two queues, as asyncio
/// code would (`await turn.get()` parks the task until the other puts).
pub fn pingpong(n: u64, config: &Config) -> Result<Vec<String>, ScenarioError> {
    let printed = Rc::new(RefCell::new(Vec::new()));
    let config = Rc::new(config.clone()); // tasks are 'static: they share the config
    super::run(async {
        let (to_pong, to_ping) = (Queue::unbounded(), Queue::unbounded());
        let ping = super::spawn_named("ping", {
            let (to_pong, my_turn, printed, config) =
                (to_pong.clone(), to_ping.clone(), printed.clone(), config.clone());
            async move {
                for k in 0..n {
                    let value = pp::ping_value(k);
                    config.say(&value);
                    printed.borrow_mut().push(value);
                    to_pong.put_nowait(()).ok();
                    if k + 1 < n {
                        my_turn.get().await.ok();
                    }
                }
            }
        });
        let pong = super::spawn_named("pong", {
            let (to_ping, my_turn, printed, config) =
                (to_ping.clone(), to_pong.clone(), printed.clone(), config.clone());
            async move {
                for k in 0..n {
                    my_turn.get().await.ok();
                    let value = pp::pong_value(n, k);
                    config.say(&value);
                    printed.borrow_mut().push(value);
                    if k + 1 < n {
                        to_ping.put_nowait(()).ok();
                    }
                }
            }
        });
        ping.await.map_err(failed)?;
        pong.await.map_err(failed)
    })?;
    Ok(Rc::try_unwrap(printed).map(RefCell::into_inner).unwrap_or_default())
}
// ANCHOR_END: pingpong

// ANCHOR: producer_consumer
/// `producer-consumer`: the producer puts each item on a one-slot queue
/// and awaits the consumer's answer on another.
pub fn producer_consumer(n: u64, config: &Config) -> Result<Log, ScenarioError> {
    let config = Rc::new(config.clone());
    super::run(async {
        let items: Queue<u64> = Queue::bounded(1);
        let answers: Queue<String> = Queue::bounded(1);
        let consumer = super::spawn_named("consumer", {
            let (items, answers, config) = (items.clone(), answers.clone(), config.clone());
            async move {
                let mut consumed = Vec::new();
                let mut incoming = items.items(); // ends when the producer shuts the queue
                while let Some(item) = incoming.next().await {
                    config.say(format_args!("[consumer] consuming {item}"));
                    consumed.push(item);
                    if answers.put(STATUS.to_string()).await.is_err() {
                        break;
                    }
                }
                consumed
            }
        });
        let producer = super::spawn_named("producer", async move {
            let mut got = Vec::new();
            for item in 1..=n {
                config.say(format_args!("[producer] producing {item}"));
                if items.put(item).await.is_err() {
                    break;
                }
                match answers.get().await {
                    Ok(answer) => {
                        config.say(format_args!("[producer] consumer answered {answer}"));
                        got.push(answer);
                    }
                    Err(_) => break,
                }
            }
            items.shutdown();
            got
        });
        let answers = producer.await.map_err(failed)?;
        let consumed = consumer.await.map_err(failed)?;
        Ok(Log { consumed, answers })
    })
}
// ANCHOR_END: producer_consumer

// ANCHOR: sleepers
/// `sleepers`: `n` tasks each sleep `delay` at once; then all are joined.
/// The run takes about `delay`, however large `n` is: sleeping tasks cost
/// memory (a task cell and a timer entry each), not time.
pub fn sleepers(n: u64, delay: Duration, config: &Config) -> Result<Outcome, ScenarioError> {
    let started = Instant::now();
    let woke = super::run(async {
        let tasks: Vec<_> = (0..n).map(|_| super::spawn(super::sleep(delay))).collect();
        config.say(format_args!("{n} tasks sleeping {delay:?} each"));
        let mut woke = 0u64;
        for task in tasks {
            task.await.map_err(failed)?;
            woke += 1;
        }
        Ok::<_, ScenarioError>(woke)
    })?;
    let took = started.elapsed();
    // Concurrent sleeps overlap: all of them should take well under n × delay
    // (allowing generous slack for a busy machine and for spawning a million).
    let overlapped = n < 2 || took < delay * 2 + Duration::from_secs(5);
    let ok = woke == n && overlapped;
    let detail = format!("{woke} of {n} tasks slept {delay:?} concurrently in {took:.2?}");
    config.say(&detail);
    Ok(Outcome { items: woke, unit: "sleepers", ok, detail })
}
// ANCHOR_END: sleepers

/// The message client `c` sends as its `m`-th: fixed size, self-describing.
fn echo_message(c: u64, m: u64) -> Vec<u8> {
    format!("client {c:06} message {m:08} {}\n", "x".repeat(24)).into_bytes()
}

// ANCHOR: echo
/// `echo`: a server task echoes whatever each connection sends; `clients`
/// client tasks each send `messages` messages over 127.0.0.1 and check
/// every echo byte for byte. One loop runs the server and the clients.
pub fn echo(clients: u64, messages: u64, config: &Config) -> Result<Outcome, ScenarioError> {
    let checked = super::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(io_failed)?;
        let addr = listener.local_addr().map_err(io_failed)?;
        config.say(format_args!("echo server on {addr}, {clients} clients × {messages} messages"));
        let server = super::spawn_named("server", async move {
            let mut connections = Vec::new();
            for c in 0..clients {
                let (stream, _) = listener.accept().await?;
                connections.push(super::spawn_named(format!("conn-{c}"), async move {
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = stream.read(&mut buf).await?;
                        if n == 0 {
                            return Ok::<_, std::io::Error>(());
                        }
                        stream.write_all(&buf[..n]).await?;
                    }
                }));
            }
            for conn in connections {
                conn.await.map_err(std::io::Error::other)??;
            }
            Ok::<_, std::io::Error>(())
        });
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                super::spawn_named(format!("client-{c}"), async move {
                    let stream = TcpStream::connect(addr).await?;
                    let mut good = 0u64;
                    for m in 0..messages {
                        let message = echo_message(c, m);
                        stream.write_all(&message).await?;
                        let mut back = vec![0; message.len()];
                        stream.read_exact(&mut back).await?;
                        good += u64::from(back == message);
                    }
                    stream.close().await?;
                    Ok::<_, std::io::Error>(good)
                })
            })
            .collect();
        let mut checked = 0;
        for task in tasks {
            checked += task.await.map_err(failed)?.map_err(io_failed)?;
        }
        server.await.map_err(failed)?.map_err(io_failed)?;
        Ok::<_, ScenarioError>(checked)
    })?;
    let want = clients * messages;
    let detail = format!("{checked} of {want} echoes came back intact");
    config.say(&detail);
    Ok(Outcome { items: checked, unit: "messages", ok: checked == want, detail })
}
// ANCHOR_END: echo

// ANCHOR: blocking
/// `blocking`: `n` tasks each make a blocking call (a thread sleep of
/// `delay`). With `through_executor` false they call it on the loop itself,
/// which serialises them (about n × delay, and the loop is frozen
/// meanwhile); with it true they `run_in_executor` on a pool of `workers`
/// threads (about delay × n / workers, and the loop stays free).
pub fn blocking(
    n: u64,
    delay: Duration,
    through_executor: bool,
    workers: usize,
    config: &Config,
) -> Result<Outcome, ScenarioError> {
    let started = Instant::now();
    let shared = Rc::new(config.clone());
    let lp = super::EventLoop::new();
    if through_executor {
        lp.set_default_executor(ThreadPool::new(workers));
    }
    let done = lp.run_until_complete(async {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let config = shared.clone();
                super::spawn_named(format!("call-{i}"), async move {
                    if through_executor {
                        super::run_in_executor(move || std::thread::sleep(delay)).await?;
                    } else {
                        std::thread::sleep(delay); // blocks the whole loop
                    }
                    config.say(format_args!("call {i} returned at {:.0?}", started.elapsed()));
                    Ok::<_, Error>(())
                })
            })
            .collect();
        let mut done = 0u64;
        for task in tasks {
            task.await.map_err(failed)?.map_err(failed)?;
            done += 1;
        }
        Ok::<_, ScenarioError>(done)
    })?;
    drop(lp);
    let took = started.elapsed();
    let how = if through_executor {
        format!("through run_in_executor on {workers} threads")
    } else {
        "on the loop".into()
    };
    let detail = format!("{done} blocking calls of {delay:?} {how} took {took:.2?}");
    config.say(&detail);
    Ok(Outcome { items: done, unit: "calls", ok: done == n, detail })
}
// ANCHOR_END: blocking

/// The CPU-bound unit of `multicore`: `rounds` steps of a 64-bit LCG and
/// xorshift, yielding to the loop every million steps like a well-behaved
/// coroutine. Returns the final state (a checksum).
pub async fn cpu_work(seed: u64, rounds: u64) -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for step in 0..rounds {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        x ^= x >> 29;
        if step % 1_000_000 == 999_999 {
            super::yield_now().await;
        }
    }
    x
}

/// How many LCG rounds one `multicore` item is.
pub const MULTICORE_ROUNDS: u64 = 20_000_000;

// ANCHOR: multicore
/// `multicore`: `n` CPU-bound items, on `loops` loops of an [`aio::Pool`]
/// (`loops` > 1) or on one loop (`loops` == 1). One loop is one core however
/// many tasks it runs; the pool's speed-up is about the number of cores.
/// Every checksum is verified against a recomputation on this thread.
///
/// [`aio::Pool`]: super::Pool
pub fn multicore(n: u64, loops: usize, rounds: u64, config: &Config) -> Result<Outcome, ScenarioError> {
    let started = Instant::now();
    let sums: Vec<u64> = if loops <= 1 {
        super::run(async {
            let tasks: Vec<_> = (0..n).map(|i| super::spawn(cpu_work(i, rounds))).collect();
            super::gather(tasks).await.map_err(failed)
        })?
    } else {
        let pool = Pool::new(loops)?;
        pool.map(move |i| cpu_work(i, rounds), 0..n).map_err(failed)?
    };
    let took = started.elapsed();
    // Check one in four (and the first), recomputed on one plain loop.
    let checked: Vec<u64> = (0..n).filter(|i| i % 4 == 0).collect();
    let expected = super::run(async {
        let mut out = Vec::new();
        for &i in &checked {
            out.push(cpu_work(i, rounds).await);
        }
        out
    });
    let ok =
        sums.len() as u64 == n && checked.iter().zip(&expected).all(|(&i, &want)| sums[i as usize] == want);
    let detail = format!("{n} items of {rounds} rounds on {} loop(s) in {took:.2?}", loops.max(1));
    config.say(&detail);
    Ok(Outcome { items: sums.len() as u64, unit: "items", ok, detail })
}
// ANCHOR_END: multicore
