//! From a RESP2 reply to what a command returns: the typed half of every
//! redis client here, shared by the blocking [`Client`](super::Client)
//! and the aio [`AsyncClient`](super::AsyncClient), which differ only in
//! how they wait for the bytes.
//!
//! An error reply (`-WRONGTYPE ...`) becomes [`RedisError::Server`]; a
//! value of another type than the command's is [`RedisError::Unexpected`].
#![forbid(unsafe_code)]

use super::client::{Pair, RedisError};
use super::resp::Value;

/// An error reply as an error, any other value as it is.
pub fn checked(value: Value) -> Result<Value, RedisError> {
    match value {
        Value::Error(e) => Err(RedisError::Server(e)),
        v => Ok(v),
    }
}

/// `PING`: whether the answer was `PONG`.
pub fn pong(value: Value) -> Result<bool, RedisError> {
    Ok(checked(value)? == Value::simple("PONG"))
}

/// `SET`: whether the value was set (`NX` and `XX` may refuse: nil).
pub fn set(value: Value) -> Result<bool, RedisError> {
    match checked(value)? {
        Value::Simple(_) => Ok(true),
        Value::Nil => Ok(false),
        v => Err(RedisError::Unexpected(v)),
    }
}

/// An integer reply (`DEL`, `INCR`, `TTL`, `HSET`, `LPUSH`).
pub fn integer(value: Value) -> Result<i64, RedisError> {
    match checked(value)? {
        Value::Integer(n) => Ok(n),
        v => Err(RedisError::Unexpected(v)),
    }
}

/// A bulk string or nil (`GET`, `RPOP`).
pub fn optional_bulk(value: Value) -> Result<Option<Vec<u8>>, RedisError> {
    match checked(value)? {
        Value::Bulk(b) => Ok(Some(b)),
        Value::Nil => Ok(None),
        v => Err(RedisError::Unexpected(v)),
    }
}

/// A flat array of field, value, field, value (`HGETALL`).
pub fn pairs(value: Value) -> Result<Vec<Pair>, RedisError> {
    match checked(value)? {
        Value::Array(items) => {
            let mut bulks = items.into_iter().map(|v| match v {
                Value::Bulk(b) => Ok(b),
                v => Err(RedisError::Unexpected(v)),
            });
            let mut pairs = Vec::new();
            while let (Some(f), Some(v)) = (bulks.next(), bulks.next()) {
                pairs.push((f?, v?));
            }
            Ok(pairs)
        }
        v => Err(RedisError::Unexpected(v)),
    }
}

/// `BRPOP`: the list and the value, or `None` at the timeout (nil array).
pub fn popped(value: Value) -> Result<Option<Pair>, RedisError> {
    match checked(value)? {
        Value::NilArray => Ok(None),
        Value::Array(pair) => match <[Value; 2]>::try_from(pair) {
            Ok([Value::Bulk(k), Value::Bulk(v)]) => Ok(Some((k, v))),
            Ok(other) => Err(RedisError::Unexpected(Value::Array(other.into()))),
            Err(other) => Err(RedisError::Unexpected(Value::Array(other))),
        },
        v => Err(RedisError::Unexpected(v)),
    }
}

/// `BRPOP`'s timeout argument: seconds, fractions allowed, 0 for ever.
pub fn seconds(timeout: std::time::Duration) -> String {
    format!("{}", timeout.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_replies_are_server_errors_for_every_type() {
        let err = || Value::error("WRONGTYPE no");
        assert!(matches!(integer(err()), Err(RedisError::Server(e)) if e == "WRONGTYPE no"));
        assert!(matches!(optional_bulk(err()), Err(RedisError::Server(_))));
        assert!(matches!(pairs(err()), Err(RedisError::Server(_))));
        assert!(matches!(popped(err()), Err(RedisError::Server(_))));
    }

    #[test]
    fn shapes_are_checked() {
        let three = Value::Array(vec![Value::bulk("a"), Value::bulk("b"), Value::bulk("c")]);
        assert!(matches!(popped(three), Err(RedisError::Unexpected(_))));
        assert!(matches!(integer(Value::bulk("1")), Err(RedisError::Unexpected(_))));
        assert_eq!(popped(Value::NilArray).unwrap(), None);
        assert!(!set(Value::Nil).unwrap());
        assert_eq!(seconds(std::time::Duration::from_millis(100)), "0.1");
    }
}
