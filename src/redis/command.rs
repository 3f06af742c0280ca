//! The mini-redis's commands: one function from a parsed command and the
//! store to a reply.
//!
//! [`execute`] is all a server needs to answer a command; it does no IO and
//! never waits. The one command that must wait, `BRPOP` on empty lists,
//! answers [`Reply::Block`]: the connection's coroutine (or thread) parks
//! until a push or the deadline and asks [`Blocked::try_pop`] again. How it
//! parks is the backend's business, and the point of the lesson: on
//! threads it blocks a thread on a condition variable; on gevent, may and
//! aio it parks one coroutine and the others go on.
//!
//! The replies, errors included, are worded as redis 7 words them, so
//! `redis-cli` and `redis-benchmark` see what they expect.
#![forbid(unsafe_code)]

use super::resp::Value;
use super::store::{Bytes, Data, Store, WrongType};
use std::time::{Duration, Instant};

/// What the connection does after a command.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// Send this value and read the next command.
    Value(Value),
    /// Send this value, then close the connection (`QUIT`).
    Close(Value),
    /// Send nothing yet: wait for a push to one of the lists (`BRPOP`).
    Block(Blocked),
}

/// A `BRPOP` (or `BLPOP`) waiting for a list to have something.
#[derive(Clone, Debug, PartialEq)]
pub struct Blocked {
    /// The lists to pop from, in the order given.
    pub keys: Vec<Bytes>,
    /// `BLPOP` pops at the left, `BRPOP` at the right.
    pub left: bool,
    /// How long to wait; `None` waits for ever (a timeout of 0).
    pub timeout: Option<Duration>,
}

impl Blocked {
    /// Tries the pop again: the reply when a list had a value.
    pub fn try_pop(&self, store: &mut Store, now: Instant) -> Option<Value> {
        match store.pop_first(&self.keys, self.left, now) {
            Ok(Some((key, value))) => Some(Value::Array(vec![Value::Bulk(key), Value::Bulk(value)])),
            Ok(None) => None,
            Err(WrongType) => Some(wrong_type()),
        }
    }

    /// The reply when the wait timed out: a nil array.
    pub fn timed_out() -> Value {
        Value::NilArray
    }
}

// ANCHOR: execute
/// Runs one command (its name and arguments) against the store at `now`.
pub fn execute(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    let Some((name, args)) = args.split_first() else {
        return Reply::Value(Value::error("ERR empty command"));
    };
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    let Some(command) = COMMANDS.iter().find(|c| c.name == name) else {
        return Reply::Value(unknown_command(&name, args));
    };
    let arity_ok = if command.arity >= 0 {
        args.len() + 1 == command.arity as usize
    } else {
        args.len() + 1 >= command.arity.unsigned_abs() as usize
    };
    if !arity_ok {
        return Reply::Value(Value::error(format!("ERR wrong number of arguments for '{name}' command")));
    }
    (command.run)(store, args, now)
}
// ANCHOR_END: execute

/// One command: its name, its arity as redis counts it (the name
/// included; negative means "at least"), and what it does.
struct Command {
    name: &'static str,
    arity: i32,
    run: fn(&mut Store, &[Bytes], Instant) -> Reply,
}

/// Every command the mini-redis knows.
const COMMANDS: &[Command] = &[
    Command { name: "ping", arity: -1, run: ping },
    Command { name: "echo", arity: 2, run: |_, a, _| value(Value::Bulk(a[0].clone())) },
    Command { name: "quit", arity: -1, run: |_, _, _| Reply::Close(Value::simple("OK")) },
    Command { name: "select", arity: 2, run: select },
    Command { name: "config", arity: -2, run: config },
    Command { name: "info", arity: -1, run: info },
    Command { name: "command", arity: -1, run: |_, _, _| value(Value::Array(Vec::new())) },
    Command { name: "client", arity: -2, run: |_, _, _| ok() },
    Command { name: "dbsize", arity: 1, run: |s, _, now| value(Value::Integer(s.len(now) as i64)) },
    Command { name: "flushall", arity: -1, run: flush },
    Command { name: "flushdb", arity: -1, run: flush },
    Command { name: "get", arity: 2, run: get },
    Command { name: "set", arity: -3, run: set },
    Command { name: "mget", arity: -2, run: mget },
    Command { name: "mset", arity: -3, run: mset },
    Command { name: "del", arity: -2, run: del },
    Command { name: "exists", arity: -2, run: exists },
    Command { name: "incr", arity: 2, run: |s, a, now| incr_by(s, &a[0], 1, now) },
    Command { name: "decr", arity: 2, run: |s, a, now| incr_by(s, &a[0], -1, now) },
    Command { name: "incrby", arity: 3, run: incrby },
    Command { name: "expire", arity: 3, run: |s, a, now| expire(s, a, now, Duration::from_secs) },
    Command { name: "pexpire", arity: 3, run: |s, a, now| expire(s, a, now, Duration::from_millis) },
    Command { name: "ttl", arity: 2, run: |s, a, now| ttl(s, &a[0], now, false) },
    Command { name: "pttl", arity: 2, run: |s, a, now| ttl(s, &a[0], now, true) },
    Command { name: "hset", arity: -4, run: hset },
    Command { name: "hget", arity: 3, run: hget },
    Command { name: "hgetall", arity: 2, run: hgetall },
    Command { name: "lpush", arity: -3, run: |s, a, now| push(s, a, true, now) },
    Command { name: "rpush", arity: -3, run: |s, a, now| push(s, a, false, now) },
    Command { name: "lpop", arity: 2, run: |s, a, now| pop(s, &a[0], true, now) },
    Command { name: "rpop", arity: 2, run: |s, a, now| pop(s, &a[0], false, now) },
    Command { name: "llen", arity: 2, run: llen },
    Command { name: "lrange", arity: 4, run: lrange },
    Command { name: "brpop", arity: -3, run: |s, a, now| blocking_pop(s, a, false, now) },
    Command { name: "blpop", arity: -3, run: |s, a, now| blocking_pop(s, a, true, now) },
];

fn value(v: Value) -> Reply {
    Reply::Value(v)
}

fn ok() -> Reply {
    value(Value::simple("OK"))
}

fn wrong_type() -> Value {
    Value::error("WRONGTYPE Operation against a key holding the wrong kind of value")
}

fn not_an_integer() -> Reply {
    value(Value::error("ERR value is not an integer or out of range"))
}

fn syntax_error() -> Reply {
    value(Value::error("ERR syntax error"))
}

fn unknown_command(name: &str, args: &[Bytes]) -> Value {
    let mut text = format!("ERR unknown command '{name}', with args beginning with: ");
    for arg in args.iter().take(8) {
        text.push_str(&format!("'{}' ", String::from_utf8_lossy(arg)));
    }
    Value::Error(text)
}

fn integer(arg: &[u8]) -> Option<i64> {
    std::str::from_utf8(arg).ok()?.parse().ok()
}

fn ping(_: &mut Store, args: &[Bytes], _: Instant) -> Reply {
    match args {
        [] => value(Value::simple("PONG")),
        [message] => value(Value::Bulk(message.clone())),
        _ => value(Value::error("ERR wrong number of arguments for 'ping' command")),
    }
}

fn select(_: &mut Store, args: &[Bytes], _: Instant) -> Reply {
    match integer(&args[0]) {
        Some(0) => ok(),
        Some(_) => value(Value::error("ERR DB index is out of range")),
        None => not_an_integer(),
    }
}

/// `CONFIG GET`: what `redis-benchmark` and `redis-cli` ask at start-up
/// (`save`, `appendonly`), answered as a server that saves nothing.
fn config(_: &mut Store, args: &[Bytes], _: Instant) -> Reply {
    if !args[0].eq_ignore_ascii_case(b"get") || args.len() != 2 {
        return value(Value::error("ERR this mini-redis supports only CONFIG GET <parameter>"));
    }
    const KNOWN: &[(&str, &str)] = &[("save", ""), ("appendonly", "no"), ("databases", "1")];
    let pattern = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let mut pairs = Vec::new();
    for (name, setting) in KNOWN {
        if pattern == "*" || pattern == *name {
            pairs.push(Value::bulk(*name));
            pairs.push(Value::bulk(*setting));
        }
    }
    value(Value::Array(pairs))
}

fn info(store: &mut Store, _: &[Bytes], now: Instant) -> Reply {
    let text = format!(
        "# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\nserver_name:corolab-mini-redis\r\n\r\n# Keyspace\r\ndb0:keys={},expires=0\r\n",
        store.len(now)
    );
    value(Value::bulk(text))
}

fn flush(store: &mut Store, _: &[Bytes], _: Instant) -> Reply {
    store.clear();
    ok()
}

fn get(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    match store.get_str(&args[0], now) {
        Ok(Some(v)) => value(Value::Bulk(v.clone())),
        Ok(None) => value(Value::Nil),
        Err(WrongType) => value(wrong_type()),
    }
}

// ANCHOR: set
/// `SET key value [EX seconds | PX milliseconds] [NX | XX]`.
fn set(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    let (key, val) = (&args[0], &args[1]);
    let (mut ttl, mut only_if) = (None, None);
    let mut options = args[2..].iter();
    while let Some(option) = options.next() {
        let option = option.to_ascii_uppercase();
        match option.as_slice() {
            b"EX" | b"PX" if ttl.is_none() => {
                let amount = options.next().and_then(|a| integer(a));
                match amount {
                    Some(n) if n > 0 => {
                        let n = n as u64;
                        ttl = Some(if option == b"EX" {
                            Duration::from_secs(n)
                        } else {
                            Duration::from_millis(n)
                        });
                    }
                    Some(_) => return value(Value::error("ERR invalid expire time in 'set' command")),
                    None => return not_an_integer(),
                }
            }
            b"NX" | b"XX" if only_if.is_none() => only_if = Some(option == b"NX"),
            _ => return syntax_error(),
        }
    }
    if let Some(must_be_new) = only_if
        && store.contains(key, now) == must_be_new
    {
        return value(Value::Nil); // NX on an existing key, XX on a missing one
    }
    store.set(key, val.clone(), ttl, now);
    ok()
}
// ANCHOR_END: set

fn mget(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    let values = args
        .iter()
        .map(|k| match store.get_str(k, now) {
            Ok(Some(v)) => Value::Bulk(v.clone()),
            _ => Value::Nil,
        })
        .collect();
    value(Value::Array(values))
}

fn mset(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    if args.len() % 2 != 0 {
        return value(Value::error("ERR wrong number of arguments for 'mset' command"));
    }
    for pair in args.chunks(2) {
        store.set(&pair[0], pair[1].clone(), None, now);
    }
    ok()
}

fn del(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    value(Value::Integer(args.iter().filter(|k| store.delete(k, now)).count() as i64))
}

fn exists(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    value(Value::Integer(args.iter().filter(|k| store.contains(k, now)).count() as i64))
}

fn incrby(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    match integer(&args[1]) {
        Some(by) => incr_by(store, &args[0], by, now),
        None => not_an_integer(),
    }
}

fn incr_by(store: &mut Store, key: &[u8], by: i64, now: Instant) -> Reply {
    let Ok(current) = store.str_mut(key, now) else { return value(wrong_type()) };
    let old = if current.is_empty() { Some(0) } else { integer(current) };
    let Some(old) = old else { return not_an_integer() };
    let Some(new) = old.checked_add(by) else {
        return value(Value::error("ERR increment or decrement would overflow"));
    };
    *current = new.to_string().into_bytes();
    value(Value::Integer(new))
}

fn expire(store: &mut Store, args: &[Bytes], now: Instant, unit: fn(u64) -> Duration) -> Reply {
    let Some(amount) = integer(&args[1]) else { return not_an_integer() };
    if amount <= 0 {
        // A deadline already past deletes the key, as redis does.
        return value(Value::Integer(i64::from(store.delete(&args[0], now))));
    }
    value(Value::Integer(i64::from(store.expire(&args[0], unit(amount as u64), now))))
}

fn ttl(store: &mut Store, key: &[u8], now: Instant, millis: bool) -> Reply {
    value(Value::Integer(match store.ttl(key, now) {
        Err(false) => -2,
        Err(true) => -1,
        // Rounded as redis rounds: to the nearest second or millisecond.
        Ok(left) if millis => (left.as_micros() as i64 + 500) / 1000,
        Ok(left) => (left.as_millis() as i64 + 500) / 1000,
    }))
}

fn hset(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    let pairs = &args[1..];
    if pairs.len() % 2 != 0 {
        return value(Value::error("ERR wrong number of arguments for 'hset' command"));
    }
    let Ok(hash) = store.hash_mut(&args[0], now) else { return value(wrong_type()) };
    let mut added = 0;
    for pair in pairs.chunks(2) {
        match hash.iter_mut().find(|(f, _)| *f == pair[0]) {
            Some((_, v)) => *v = pair[1].clone(),
            None => {
                hash.push((pair[0].clone(), pair[1].clone()));
                added += 1;
            }
        }
    }
    value(Value::Integer(added))
}

fn hget(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    match store.get(&args[0], now) {
        None => value(Value::Nil),
        Some(Data::Hash(h)) => {
            value(h.iter().find(|(f, _)| *f == args[1]).map_or(Value::Nil, |(_, v)| Value::Bulk(v.clone())))
        }
        Some(_) => value(wrong_type()),
    }
}

fn hgetall(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    match store.get(&args[0], now) {
        None => value(Value::Array(Vec::new())),
        Some(Data::Hash(h)) => value(Value::Array(
            h.iter().flat_map(|(f, v)| [Value::Bulk(f.clone()), Value::Bulk(v.clone())]).collect(),
        )),
        Some(_) => value(wrong_type()),
    }
}

fn push(store: &mut Store, args: &[Bytes], left: bool, now: Instant) -> Reply {
    match store.push(&args[0], args[1..].to_vec(), left, now) {
        Ok(len) => value(Value::Integer(len as i64)),
        Err(WrongType) => value(wrong_type()),
    }
}

fn pop(store: &mut Store, key: &[u8], left: bool, now: Instant) -> Reply {
    match store.pop(key, left, now) {
        Ok(Some(v)) => value(Value::Bulk(v)),
        Ok(None) => value(Value::Nil),
        Err(WrongType) => value(wrong_type()),
    }
}

fn llen(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    match store.get(&args[0], now) {
        None => value(Value::Integer(0)),
        Some(Data::List(l)) => value(Value::Integer(l.len() as i64)),
        Some(_) => value(wrong_type()),
    }
}

fn lrange(store: &mut Store, args: &[Bytes], now: Instant) -> Reply {
    let (Some(start), Some(stop)) = (integer(&args[1]), integer(&args[2])) else { return not_an_integer() };
    let list = match store.get(&args[0], now) {
        None => return value(Value::Array(Vec::new())),
        Some(Data::List(l)) => l,
        Some(_) => return value(wrong_type()),
    };
    let len = list.len() as i64;
    let at = |i: i64| if i < 0 { (len + i).max(0) } else { i };
    let (start, stop) = (at(start), at(stop).min(len - 1));
    if start > stop {
        return value(Value::Array(Vec::new()));
    }
    let items =
        list.iter().skip(start as usize).take((stop - start + 1) as usize).map(|v| Value::Bulk(v.clone()));
    value(Value::Array(items.collect()))
}

// ANCHOR: brpop
/// `BRPOP key [key ...] timeout`: pop now if any list has a value,
/// otherwise ask the connection to wait.
fn blocking_pop(store: &mut Store, args: &[Bytes], left: bool, now: Instant) -> Reply {
    let (timeout, keys) = args.split_last().expect("arity checked");
    let seconds = std::str::from_utf8(timeout).ok().and_then(|t| t.parse::<f64>().ok());
    let timeout = match seconds {
        Some(s) if s < 0.0 => return value(Value::error("ERR timeout is negative")),
        Some(0.0) => None,
        Some(s) if s.is_finite() && s < 1e9 => Some(Duration::from_secs_f64(s)),
        _ => return value(Value::error("ERR timeout is not a float or out of range")),
    };
    let blocked = Blocked { keys: keys.to_vec(), left, timeout };
    match blocked.try_pop(store, now) {
        Some(reply) => value(reply),
        None => Reply::Block(blocked),
    }
}
// ANCHOR_END: brpop

#[cfg(test)]
mod tests {
    use super::*;

    fn run(store: &mut Store, line: &str, now: Instant) -> Reply {
        let args: Vec<Bytes> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
        execute(store, &args, now)
    }

    fn reply(store: &mut Store, line: &str) -> Value {
        match run(store, line, Instant::now()) {
            Reply::Value(v) | Reply::Close(v) => v,
            Reply::Block(b) => panic!("{line} blocked: {b:?}"),
        }
    }

    #[test]
    fn strings_set_get_incr_del() {
        let mut s = Store::new();
        assert_eq!(reply(&mut s, "PING"), Value::simple("PONG"));
        assert_eq!(reply(&mut s, "SET k v"), Value::simple("OK"));
        assert_eq!(reply(&mut s, "get k"), Value::bulk("v"));
        assert_eq!(reply(&mut s, "INCR n"), Value::Integer(1));
        assert_eq!(reply(&mut s, "INCRBY n 41"), Value::Integer(42));
        assert_eq!(reply(&mut s, "INCR k"), Value::error("ERR value is not an integer or out of range"));
        assert_eq!(reply(&mut s, "DEL k n missing"), Value::Integer(2));
        assert_eq!(reply(&mut s, "GET k"), Value::Nil);
    }

    #[test]
    fn set_options_nx_xx_ex_px() {
        let mut s = Store::new();
        let t0 = Instant::now();
        assert_eq!(run(&mut s, "SET k 1 NX", t0), Reply::Value(Value::simple("OK")));
        assert_eq!(run(&mut s, "SET k 2 NX", t0), Reply::Value(Value::Nil));
        assert_eq!(run(&mut s, "SET other 2 XX", t0), Reply::Value(Value::Nil));
        assert_eq!(run(&mut s, "SET k 3 PX 1500", t0), Reply::Value(Value::simple("OK")));
        assert_eq!(run(&mut s, "PTTL k", t0), Reply::Value(Value::Integer(1500)));
        assert_eq!(run(&mut s, "TTL k", t0), Reply::Value(Value::Integer(2)), "1.5 s rounds to 2");
        assert_eq!(run(&mut s, "GET k", t0 + Duration::from_millis(1500)), Reply::Value(Value::Nil));
        assert_eq!(
            run(&mut s, "SET k 1 EX 0", t0),
            Reply::Value(Value::error("ERR invalid expire time in 'set' command"))
        );
        assert_eq!(run(&mut s, "SET k 1 EX 5 PX 5", t0), Reply::Value(Value::error("ERR syntax error")));
    }

    #[test]
    fn expire_and_ttl_answer_as_redis() {
        let mut s = Store::new();
        let t0 = Instant::now();
        assert_eq!(run(&mut s, "TTL nothing", t0), Reply::Value(Value::Integer(-2)));
        run(&mut s, "SET k v", t0);
        assert_eq!(run(&mut s, "TTL k", t0), Reply::Value(Value::Integer(-1)));
        assert_eq!(run(&mut s, "EXPIRE k 10", t0), Reply::Value(Value::Integer(1)));
        assert_eq!(run(&mut s, "TTL k", t0 + Duration::from_secs(3)), Reply::Value(Value::Integer(7)));
        assert_eq!(run(&mut s, "EXPIRE k -1", t0), Reply::Value(Value::Integer(1)));
        assert_eq!(run(&mut s, "EXISTS k", t0), Reply::Value(Value::Integer(0)));
    }

    #[test]
    fn hashes_keep_fields_in_order() {
        let mut s = Store::new();
        assert_eq!(reply(&mut s, "HSET h a 1 b 2"), Value::Integer(2));
        assert_eq!(reply(&mut s, "HSET h a 3"), Value::Integer(0));
        let all = Value::Array(vec![Value::bulk("a"), Value::bulk("3"), Value::bulk("b"), Value::bulk("2")]);
        assert_eq!(reply(&mut s, "HGETALL h"), all);
        assert_eq!(reply(&mut s, "HGET h b"), Value::bulk("2"));
        assert_eq!(reply(&mut s, "GET h"), wrong_type());
    }

    #[test]
    fn lists_push_pop_range() {
        let mut s = Store::new();
        assert_eq!(reply(&mut s, "LPUSH q a b c"), Value::Integer(3));
        assert_eq!(
            reply(&mut s, "LRANGE q 0 -1"),
            Value::Array(vec![Value::bulk("c"), Value::bulk("b"), Value::bulk("a")])
        );
        assert_eq!(reply(&mut s, "RPOP q"), Value::bulk("a"));
        assert_eq!(reply(&mut s, "LLEN q"), Value::Integer(2));
        assert_eq!(reply(&mut s, "BRPOP q 1"), Value::Array(vec![Value::bulk("q"), Value::bulk("b")]));
    }

    #[test]
    fn brpop_on_empty_lists_blocks_then_pops_after_a_push() {
        let mut s = Store::new();
        let now = Instant::now();
        let Reply::Block(blocked) = run(&mut s, "BRPOP q1 q2 0.5", now) else { panic!("should block") };
        assert_eq!(blocked.timeout, Some(Duration::from_millis(500)));
        assert_eq!(blocked.try_pop(&mut s, now), None);
        run(&mut s, "LPUSH q2 job", now);
        assert_eq!(
            blocked.try_pop(&mut s, now),
            Some(Value::Array(vec![Value::bulk("q2"), Value::bulk("job")]))
        );
        let Reply::Block(forever) = run(&mut s, "BRPOP q 0", now) else { panic!("should block") };
        assert_eq!(forever.timeout, None);
        assert_eq!(run(&mut s, "BRPOP q -1", now), Reply::Value(Value::error("ERR timeout is negative")));
    }

    #[test]
    fn mistakes_get_redis_errors() {
        let mut s = Store::new();
        assert_eq!(reply(&mut s, "GET"), Value::error("ERR wrong number of arguments for 'get' command"));
        assert_eq!(
            reply(&mut s, "NOSUCH a b"),
            Value::error("ERR unknown command 'nosuch', with args beginning with: 'a' 'b' ")
        );
        assert_eq!(reply(&mut s, "SELECT 1"), Value::error("ERR DB index is out of range"));
        assert_eq!(reply(&mut s, "SELECT 0"), Value::simple("OK"));
        assert_eq!(run(&mut s, "QUIT", Instant::now()), Reply::Close(Value::simple("OK")));
        assert_eq!(
            reply(&mut s, "CONFIG GET save"),
            Value::Array(vec![Value::bulk("save"), Value::bulk("")])
        );
    }
}
