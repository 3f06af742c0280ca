//! The tests lesson 11's exercise and solution share. The stream tests use
//! a real loopback connection on 127.0.0.1.

use super::*;
use corolab::aio::{self, AsyncIterator, TcpListener, TcpStream};
use std::cell::Cell;
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

fn lines(log: &Log) -> Vec<String> {
    log.borrow().clone()
}

#[test]
fn a_ticker_yields_its_ticks_in_order_then_ends_for_good() {
    let ticks = aio::run(async {
        let mut ticker = Ticker::new(3, MS);
        let mut ticks = Vec::new();
        while let Some(n) = ticker.next().await {
            ticks.push(n);
        }
        assert_eq!(ticker.next().await, None, "an exhausted ticker stays exhausted");
        ticks
    });
    assert_eq!(ticks, [0, 1, 2]);
}

#[test]
fn a_ticker_waits_between_ticks_and_lets_other_tasks_run() {
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    aio::run({
        let log = Rc::clone(&log);
        async move {
            let other = aio::spawn({
                let log = Rc::clone(&log);
                async move {
                    aio::sleep(300 * MS).await;
                    log.borrow_mut().push("other task".to_string());
                }
            });
            let mut ticker = Ticker::new(3, 200 * MS);
            while let Some(n) = ticker.next().await {
                log.borrow_mut().push(format!("tick {n}"));
            }
            other.await.unwrap();
        }
    });
    assert_eq!(
        lines(&log),
        ["tick 0", "other task", "tick 1", "tick 2"],
        "ticks at 200, 400 and 600 ms, the other task at 300 ms"
    );
}

/// Sends `chunks` from a server task, a few milliseconds apart, then
/// closes; gives `sum_numbers` of what the client read.
fn sum_sent(chunks: &'static [&'static str]) -> io::Result<i64> {
    aio::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = aio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            for chunk in chunks {
                stream.write_all(chunk.as_bytes()).await?;
                aio::sleep(5 * MS).await; // separate reads on the other side
            }
            stream.close().await
        });
        let client = TcpStream::connect(addr).await?;
        let sum = aio::wait_for(sum_numbers(&client), 5_000 * MS).await.expect("sum_numbers took over 5 s");
        server.await.expect("the server task failed")?;
        sum
    })
}

#[test]
fn the_numbers_on_a_stream_are_summed_line_by_line() {
    // Lines split across reads, a blank line, a last line without `\n`.
    assert_eq!(sum_sent(&["1\n2", "0\n\n", "-4\r\n2", "5"]).unwrap(), 1 + 20 - 4 + 25);
}

#[test]
fn an_empty_stream_sums_to_zero() {
    assert_eq!(sum_sent(&[]).unwrap(), 0);
}

#[test]
fn a_line_that_is_not_a_number_is_invalid_data() {
    let err = sum_sent(&["1\n", "two\n", "3\n"]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "got {err}");
}

#[test]
fn acquire_then_close_opens_says_goodbye_and_gives_the_slot_back() {
    let log = Log::default();
    aio::run({
        let log = Rc::clone(&log);
        async move {
            let pool = ConnectionPool::new(2, &log);
            let conn = pool.acquire("a").await; // async with pool.acquire() as conn:
            assert_eq!(pool.available(), 1, "the connection holds a slot");
            conn.close().await; // (the block's end, with an async exit)
            assert_eq!(pool.available(), 2, "close gives the slot back");
        }
    });
    assert_eq!(lines(&log), ["open a", "bye a", "close a"]);
}

#[test]
fn dropping_a_connection_gives_the_slot_back_without_a_goodbye() {
    let log = Log::default();
    aio::run({
        let log = Rc::clone(&log);
        async move {
            let pool = ConnectionPool::new(1, &log);
            {
                let _conn = pool.acquire("a").await;
                assert_eq!(pool.available(), 0);
            } // scope end: dropped
            assert_eq!(pool.available(), 1, "the drop gives the slot back");
        }
    });
    assert_eq!(lines(&log), ["open a", "close a (dropped)"]);
}

#[test]
fn the_pool_never_has_more_than_its_size_open() {
    let log = Log::default();
    let most = aio::run({
        let log = Rc::clone(&log);
        async move {
            let pool = Rc::new(ConnectionPool::new(2, &log));
            let (open, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
            let names = ["a", "b", "c", "d", "e"];
            let users = names.map(|name| {
                let (pool, open, most) = (Rc::clone(&pool), Rc::clone(&open), Rc::clone(&most));
                aio::spawn(async move {
                    let conn = pool.acquire(name).await;
                    open.set(open.get() + 1);
                    most.set(most.get().max(open.get()));
                    aio::sleep(20 * MS).await;
                    open.set(open.get() - 1);
                    conn.close().await;
                })
            });
            aio::gather(users).await.unwrap();
            most.get()
        }
    });
    assert_eq!(most, 2, "two slots: at most two connections at once");
    let log = lines(&log);
    for name in ["a", "b", "c", "d", "e"] {
        assert!(log.contains(&format!("close {name}")), "`close {name}` missing from {log:?}");
    }
}

#[test]
fn a_cancelled_task_gives_its_connection_back() {
    let log = Log::default();
    aio::run({
        let log = Rc::clone(&log);
        async move {
            let pool = Rc::new(ConnectionPool::new(1, &log));
            let holder = aio::spawn({
                let pool = Rc::clone(&pool);
                async move {
                    let conn = pool.acquire("holder").await;
                    aio::sleep(Duration::from_secs(60)).await; // cancelled here
                    conn.close().await;
                }
            });
            aio::sleep(20 * MS).await;
            assert_eq!(pool.available(), 0, "the holder should hold the only slot by now");
            holder.cancel();
            let _ = holder.await;
            // The next user gets the slot at once.
            let next = aio::wait_for(pool.acquire("next"), 1_000 * MS).await.expect("the slot came back");
            next.close().await;
        }
    });
    assert_eq!(lines(&log), ["open holder", "close holder (dropped)", "open next", "bye next", "close next"]);
}
