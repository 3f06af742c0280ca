//! RESP2, the protocol redis speaks: values, an incremental parser, an
//! encoder.
//!
//! Every message is one value, and a value says its own type in its first
//! byte and its own length before its bytes, so a reader never guesses:
//!
//! ```text
//!   +OK\r\n                      simple string      "OK"
//!   -ERR unknown command\r\n     error              "ERR unknown command"
//!   :42\r\n                      integer            42
//!   $5\r\nhello\r\n              bulk string        b"hello"
//!   $-1\r\n                      null bulk          (nil)
//!   *2\r\n$3\r\nGET\r\n$1\r\nk\r\n  array          ["GET", "k"]
//! ```
//!
//! A client sends each command as an array of bulk strings; a person typing
//! into `nc` may send an *inline* command instead (`PING\r\n`, words split
//! at spaces), which [`parse_command`] accepts too, as redis does.
//!
//! [`parse`] is incremental: given the bytes read so far it answers
//! `Ok(None)` (need more), `Ok(Some((value, used)))`, or an error when the
//! bytes can never become a value. Lengths are checked against [`Limits`]
//! *before* anything is reserved for them, so `*2147483647\r\n` costs a
//! few bytes, not gigabytes. The parser owns no buffer and does no IO: the
//! servers and clients on every backend share it.
#![forbid(unsafe_code)]

use std::fmt;

/// One RESP2 value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `+text`: a short status such as `OK` or `PONG`.
    Simple(String),
    /// `-text`: an error reply; by convention the first word is its kind
    /// (`ERR`, `WRONGTYPE`).
    Error(String),
    /// `:n`: a signed 64-bit integer.
    Integer(i64),
    /// `$n` then n bytes: binary-safe data.
    Bulk(Vec<u8>),
    /// `$-1`: the absent value (`GET` of a missing key).
    Nil,
    /// `*n` then n values.
    Array(Vec<Value>),
    /// `*-1`: the absent array (`BRPOP` that timed out).
    NilArray,
}

impl Value {
    /// A simple string.
    pub fn simple(text: &str) -> Value {
        Value::Simple(text.to_string())
    }

    /// An error reply.
    pub fn error(text: impl Into<String>) -> Value {
        Value::Error(text.into())
    }

    /// A bulk string.
    pub fn bulk(bytes: impl Into<Vec<u8>>) -> Value {
        Value::Bulk(bytes.into())
    }

    /// Appends this value's RESP2 encoding to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Simple(s) => line(out, b'+', s.as_bytes()),
            Value::Error(s) => line(out, b'-', s.as_bytes()),
            Value::Integer(n) => line(out, b':', n.to_string().as_bytes()),
            Value::Bulk(bytes) => {
                line(out, b'$', bytes.len().to_string().as_bytes());
                out.extend_from_slice(bytes);
                out.extend_from_slice(b"\r\n");
            }
            Value::Nil => out.extend_from_slice(b"$-1\r\n"),
            Value::Array(items) => {
                line(out, b'*', items.len().to_string().as_bytes());
                for item in items {
                    item.encode(out);
                }
            }
            Value::NilArray => out.extend_from_slice(b"*-1\r\n"),
        }
    }

    /// This value's RESP2 encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// Encodes a command (an array of bulk strings), as clients send them.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A], out: &mut Vec<u8>) {
    line(out, b'*', args.len().to_string().as_bytes());
    for arg in args {
        let arg = arg.as_ref();
        line(out, b'$', arg.len().to_string().as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

fn line(out: &mut Vec<u8>, kind: u8, body: &[u8]) {
    out.push(kind);
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}

/// How large a value the parser accepts. Checked before memory is
/// reserved, so a hostile length costs nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest bulk string, in bytes (redis's default is 512 MiB).
    pub max_bulk: usize,
    /// The most elements in one array (and so arguments in one command).
    pub max_array: usize,
    /// The longest line: a simple string, an error, an inline command.
    pub max_line: usize,
    /// How deeply arrays may nest.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_bulk: 64 << 20, max_array: 1 << 20, max_line: 64 << 10, max_depth: 8 }
    }
}

/// Bytes that can never become a RESP2 value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// The first byte names no type (`+ - : $ *`).
    UnknownType(u8),
    /// A length or an integer is not a number.
    BadNumber,
    /// A bulk string's length is negative (other than -1) or past
    /// [`Limits::max_bulk`].
    BadBulkLength,
    /// An array's length is negative (other than -1) or past
    /// [`Limits::max_array`].
    BadArrayLength,
    /// A line is longer than [`Limits::max_line`].
    LineTooLong,
    /// A bulk string is not followed by `\r\n`.
    MissingCrlf,
    /// Arrays nest deeper than [`Limits::max_depth`].
    TooDeep,
    /// A command is not an array of bulk strings.
    NotACommand,
    /// An inline command has an unbalanced quote.
    UnbalancedQuotes,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The texts redis itself replies with, where it has one.
        match self {
            ProtocolError::UnknownType(b) => {
                write!(f, "Protocol error: expected '$', got '{}'", char::from(*b))
            }
            ProtocolError::BadNumber => f.write_str("Protocol error: invalid number"),
            ProtocolError::BadBulkLength => f.write_str("Protocol error: invalid bulk length"),
            ProtocolError::BadArrayLength => f.write_str("Protocol error: invalid multibulk length"),
            ProtocolError::LineTooLong => f.write_str("Protocol error: too big inline request"),
            ProtocolError::MissingCrlf => f.write_str("Protocol error: missing CRLF after bulk"),
            ProtocolError::TooDeep => f.write_str("Protocol error: arrays nested too deeply"),
            ProtocolError::NotACommand => {
                f.write_str("Protocol error: a command is an array of bulk strings")
            }
            ProtocolError::UnbalancedQuotes => f.write_str("Protocol error: unbalanced quotes in request"),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// What [`parse`] found: `None` until the buffer holds a whole value, then
/// the value and how many bytes it used.
pub type Parsed<T> = Result<Option<(T, usize)>, ProtocolError>;

// ANCHOR: parse
/// Parses one value from the front of `buf`. See the module docs.
pub fn parse(buf: &[u8], limits: &Limits) -> Parsed<Value> {
    parse_at(buf, 0, limits, 0)
}

fn parse_at(buf: &[u8], start: usize, limits: &Limits, depth: usize) -> Parsed<Value> {
    let Some(&kind) = buf.get(start) else { return Ok(None) };
    let Some((text, next)) = read_line(buf, start + 1, limits)? else { return Ok(None) };
    match kind {
        b'+' => Ok(Some((Value::Simple(String::from_utf8_lossy(text).into_owned()), next))),
        b'-' => Ok(Some((Value::Error(String::from_utf8_lossy(text).into_owned()), next))),
        b':' => Ok(Some((Value::Integer(number(text)?), next))),
        b'$' => {
            let len = number(text)?;
            if len == -1 {
                return Ok(Some((Value::Nil, next)));
            }
            let len = usize::try_from(len)
                .ok()
                .filter(|&n| n <= limits.max_bulk)
                .ok_or(ProtocolError::BadBulkLength)?;
            if buf.len() < next + len + 2 {
                return Ok(None); // the length is sane; wait for the bytes
            }
            if &buf[next + len..next + len + 2] != b"\r\n" {
                return Err(ProtocolError::MissingCrlf);
            }
            Ok(Some((Value::Bulk(buf[next..next + len].to_vec()), next + len + 2)))
        }
        b'*' => {
            let len = number(text)?;
            if len == -1 {
                return Ok(Some((Value::NilArray, next)));
            }
            let len = usize::try_from(len)
                .ok()
                .filter(|&n| n <= limits.max_array)
                .ok_or(ProtocolError::BadArrayLength)?;
            if depth >= limits.max_depth {
                return Err(ProtocolError::TooDeep);
            }
            // Reserve no more than the bytes present could hold (each
            // element takes at least 3 bytes), whatever the header claims.
            let mut items = Vec::with_capacity(len.min((buf.len() - next) / 3));
            let mut at = next;
            for _ in 0..len {
                match parse_at(buf, at, limits, depth + 1)? {
                    Some((item, used)) => {
                        items.push(item);
                        at = used;
                    }
                    None => return Ok(None),
                }
            }
            Ok(Some((Value::Array(items), at)))
        }
        other => Err(ProtocolError::UnknownType(other)),
    }
}
// ANCHOR_END: parse

/// Reads a `\r\n`-terminated line starting at `start`: its text and the
/// index after the terminator.
fn read_line<'a>(
    buf: &'a [u8],
    start: usize,
    limits: &Limits,
) -> Result<Option<(&'a [u8], usize)>, ProtocolError> {
    let rest = &buf[start.min(buf.len())..];
    match rest.windows(2).position(|w| w == b"\r\n") {
        Some(end) if end > limits.max_line => Err(ProtocolError::LineTooLong),
        Some(end) => Ok(Some((&rest[..end], start + end + 2))),
        None if rest.len() > limits.max_line => Err(ProtocolError::LineTooLong),
        None => Ok(None),
    }
}

fn number(text: &[u8]) -> Result<i64, ProtocolError> {
    std::str::from_utf8(text).ok().and_then(|s| s.parse().ok()).ok_or(ProtocolError::BadNumber)
}

/// Parses one command from the front of `buf`: an array of bulk strings,
/// or an inline command (`SET k v\r\n`, quotes allowed as redis-cli
/// prints them). Empty inline lines are skipped (redis ignores them too).
pub fn parse_command(buf: &[u8], limits: &Limits) -> Parsed<Vec<Vec<u8>>> {
    let mut start = 0;
    loop {
        match buf.get(start) {
            None => return Ok(None),
            Some(b'*') => {
                return match parse_at(buf, start, limits, 0)? {
                    None => Ok(None),
                    Some((Value::Array(items), used)) => {
                        let args = items
                            .into_iter()
                            .map(|v| match v {
                                Value::Bulk(b) => Ok(b),
                                _ => Err(ProtocolError::NotACommand),
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok(Some((args, used)))
                    }
                    Some((Value::NilArray, used)) => Ok(Some((Vec::new(), used))),
                    Some(_) => Err(ProtocolError::NotACommand),
                };
            }
            Some(_) => {
                let rest = &buf[start..];
                let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                    return if rest.len() > limits.max_line {
                        Err(ProtocolError::LineTooLong)
                    } else {
                        Ok(None)
                    };
                };
                if end > limits.max_line {
                    return Err(ProtocolError::LineTooLong);
                }
                let text = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
                let args = split_inline(text)?;
                if args.len() > limits.max_array {
                    return Err(ProtocolError::BadArrayLength);
                }
                start += end + 1;
                if !args.is_empty() {
                    return Ok(Some((args, start)));
                }
            }
        }
    }
}

/// Splits an inline command into words: spaces separate, double quotes
/// group (with `\"` and `\\` escapes), single quotes group literally.
fn split_inline(text: &[u8]) -> Result<Vec<Vec<u8>>, ProtocolError> {
    let mut args = Vec::new();
    let mut i = 0;
    while i < text.len() {
        while i < text.len() && text[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == text.len() {
            break;
        }
        let mut word = Vec::new();
        match text[i] {
            quote @ (b'"' | b'\'') => {
                i += 1;
                loop {
                    match text.get(i) {
                        None => return Err(ProtocolError::UnbalancedQuotes),
                        Some(&b) if b == quote => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') if quote == b'"' && i + 1 < text.len() => {
                            word.push(text[i + 1]);
                            i += 2;
                        }
                        Some(&b) => {
                            word.push(b);
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                while i < text.len() && !text[i].is_ascii_whitespace() {
                    word.push(text[i]);
                    i += 1;
                }
            }
        }
        args.push(word);
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(bytes: &[u8]) -> Parsed<Value> {
        parse(bytes, &Limits::default())
    }

    #[test]
    fn every_type_round_trips() {
        let values = [
            Value::simple("OK"),
            Value::error("ERR no"),
            Value::Integer(-42),
            Value::bulk(&b"a\r\nb"[..]),
            Value::Nil,
            Value::Array(vec![Value::bulk("x"), Value::Integer(1), Value::Array(vec![])]),
            Value::NilArray,
        ];
        for value in values {
            let bytes = value.to_bytes();
            assert_eq!(parse_all(&bytes), Ok(Some((value.clone(), bytes.len()))), "{value:?}");
        }
    }

    #[test]
    fn a_partial_value_asks_for_more_at_every_cut() {
        let bytes = Value::Array(vec![Value::bulk("hello"), Value::Integer(7)]).to_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(parse_all(&bytes[..cut]), Ok(None), "cut at {cut}");
        }
    }

    #[test]
    fn hostile_lengths_are_refused_before_reserving() {
        assert_eq!(parse_all(b"$99999999999\r\n"), Err(ProtocolError::BadBulkLength));
        assert_eq!(parse_all(b"*2147483647\r\n"), Err(ProtocolError::BadArrayLength));
        // Within the limit, a huge header reserves only what the bytes hold.
        assert_eq!(parse_all(b"*1000000\r\n:1\r\n"), Ok(None));
        let small = Limits { max_array: 10, ..Limits::default() };
        assert_eq!(parse(b"*11\r\n", &small), Err(ProtocolError::BadArrayLength));
        assert_eq!(parse_all(b"$-2\r\n"), Err(ProtocolError::BadBulkLength));
        assert_eq!(parse_all(b"*-5\r\n"), Err(ProtocolError::BadArrayLength));
    }

    #[test]
    fn garbage_is_an_error_not_a_wait() {
        assert_eq!(parse_all(b"?x\r\n"), Err(ProtocolError::UnknownType(b'?')));
        assert_eq!(parse_all(b":12a\r\n"), Err(ProtocolError::BadNumber));
        assert_eq!(parse_all(b"$3\r\nabcd\r\n"), Err(ProtocolError::MissingCrlf));
        let tight = Limits { max_line: 8, ..Limits::default() };
        assert_eq!(parse(b"+0123456789", &tight), Err(ProtocolError::LineTooLong));
        let shallow = Limits { max_depth: 2, ..Limits::default() };
        assert_eq!(parse(b"*1\r\n*1\r\n*1\r\n:1\r\n", &shallow), Err(ProtocolError::TooDeep));
    }

    #[test]
    fn commands_come_as_arrays_or_inline() {
        let mut wire = Vec::new();
        encode_command(&["SET", "k", "v"], &mut wire);
        let limits = Limits::default();
        assert_eq!(
            parse_command(&wire, &limits),
            Ok(Some((vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()], wire.len())))
        );
        let inline = b"\r\nset \"a b\" 'c\\d'\r\nPING\r\n";
        let (args, used) = parse_command(inline, &limits).unwrap().unwrap();
        assert_eq!(args, [b"set".to_vec(), b"a b".to_vec(), b"c\\d".to_vec()]);
        assert_eq!(parse_command(&inline[used..], &limits), Ok(Some((vec![b"PING".to_vec()], 6))));
        assert_eq!(parse_command(b"GET \"k\r\n", &limits), Err(ProtocolError::UnbalancedQuotes));
        assert_eq!(parse_command(b"*1\r\n:1\r\n", &limits), Err(ProtocolError::NotACommand));
    }
}
