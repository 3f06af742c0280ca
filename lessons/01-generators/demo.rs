//! Lesson 01's demo in Rust: `corolab demo 01`. The same story as
//! `original.py`, line for line, on corolab's `Generator`: a lazy body that
//! runs only when asked, countdown and fibonacci, an averager driven by
//! `send` and ended by `throw`, and the producer-consumer pair taking turns.
//! (It uses the calls the exercise asks for: solve the exercise first to
//! find them yourself.)

use super::say;
use corolab::generator::{Generator, Step};
use std::time::Duration;

/// Each value costs `cost`, paid when the caller asks for it.
fn slow_squares(n: u64, cost: Duration) -> Generator<(), u64, ()> {
    Generator::new(move |co, ()| {
        for i in 1..=n {
            say(format_args!("  body: working {} ms on {i}", cost.as_millis()));
            std::thread::sleep(cost);
            if co.yield_(i * i).is_err() {
                return;
            }
        }
        say("  body: no more values, it returns");
    })
}

fn countdown(n: u64) -> Generator<(), u64, ()> {
    Generator::new(move |co, ()| {
        for i in (1..=n).rev() {
            if co.yield_(i).is_err() {
                return;
            }
        }
    })
}

fn fibonacci() -> Generator<(), u64, ()> {
    Generator::new(|co, ()| {
        let (mut a, mut b) = (0u64, 1u64);
        while co.yield_(a).is_ok() {
            (a, b) = (b, a.wrapping_add(b));
        }
    })
}

/// `send(x)` answers with the running average; a `throw` returns
/// (count, average). Its first `send` carries the first number: nothing
/// to prime, unlike Python's `next(avg)`.
fn averager() -> Generator<f64, f64, (u64, f64)> {
    Generator::new(|co, first: f64| {
        let (mut total, mut count) = (first, 1u64);
        while let Ok(x) = co.yield_(total / count as f64) {
            total += x;
            count += 1;
        }
        (count, total / count as f64)
    })
}

/// Says when the consumer's stack unwinds: `close` runs its destructors,
/// where Python raises `GeneratorExit` at the pending `yield`.
struct SaysWhenClosed;

impl Drop for SaysWhenClosed {
    fn drop(&mut self) {
        say("[consumer] closed at its yield (the stack unwound)");
    }
}

/// The producer-consumer scenario's consumer: each send is one item.
fn consumer() -> Generator<u64, &'static str, ()> {
    Generator::new(|co, first: u64| {
        let _guard = SaysWhenClosed;
        let mut n = first;
        while n != 0 {
            say(format_args!("[consumer] consuming {n}"));
            match co.yield_("200 OK") {
                Ok(next) => n = next,
                Err(_) => return,
            }
        }
    })
}

fn produce(c: &Generator<u64, &'static str, ()>, n: u64) {
    for i in 1..=n {
        say(format_args!("[producer] producing {i}"));
        if let Ok(Step::Yielded(answer)) = c.send(i) {
            say(format_args!("[producer] consumer answered {answer}"));
        }
    }
    c.close();
}

pub fn main() {
    say("-- lazy: the body runs only when the caller asks for a value");
    let squares = slow_squares(3, Duration::from_millis(100));
    say("slow_squares(3) made; its body has not started");
    for square in squares {
        say(format_args!("caller got {square}"));
    }

    say("-- countdown and fibonacci: one value per next()");
    say(format_args!("countdown(3) -> {:?}", countdown(3).collect::<Vec<_>>()));
    let ten: Vec<u64> = fibonacci().take(10).collect();
    say(format_args!("ten fibonacci numbers -> {ten:?}"));

    say("-- averager: send carries a value in, throw ends it");
    let avg = averager();
    for x in [10.0, 20.0, 30.0] {
        if let Ok(Step::Yielded(average)) = avg.send(x) {
            say(format_args!("send({x}) -> average {average:.1}"));
        }
    }
    if let Ok(Step::Returned((count, average))) = avg.throw("Stop") {
        say(format_args!("throw(Stop) -> returned: {count} numbers, average {average:.1}"));
    }

    say("-- producer-consumer: two routines take turns through send");
    produce(&consumer(), 3);
}
