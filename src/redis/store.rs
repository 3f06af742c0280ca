//! The keyspace of the mini-redis: strings, hashes and lists, with expiry.
//!
//! A plain data structure: no locks, no IO, no clock of its own. Every
//! method that cares about time takes `now`, so tests are exact and each
//! backend decides how the store is shared (a `RefCell` on one hub or
//! loop thread, a `Mutex` for threads and may).
//!
//! Expiry works as redis's does, in two halves:
//!
//! - *lazily*: a key read after its deadline is deleted then and reads as
//!   missing, so no reader ever sees a stale value;
//! - *actively*: [`Store::purge_expired`], called by the server now and
//!   then, deletes expired keys nobody reads, so they do not pile up. Redis
//!   samples 20 keys with a TTL ten times a second; this store keeps the
//!   keys with a TTL in a set of their own and walks it, which is simpler
//!   and fine at a learner's scale.
#![forbid(unsafe_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

/// A key or a value: redis strings are bytes.
pub type Bytes = Vec<u8>;

/// What a key holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data {
    /// A string (`SET`, `GET`, `INCR`).
    Str(Bytes),
    /// A hash of fields (`HSET`, `HGETALL`), in insertion order.
    Hash(Vec<(Bytes, Bytes)>),
    /// A list (`LPUSH`, `RPOP`, `BRPOP`): the front is the left.
    List(VecDeque<Bytes>),
}

#[derive(Debug)]
struct Entry {
    data: Data,
    expires: Option<Instant>,
}

/// The operation was against a key holding another type (redis's
/// `WRONGTYPE` error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrongType;

/// The keyspace. See the module docs.
#[derive(Debug, Default)]
pub struct Store {
    entries: HashMap<Bytes, Entry>,
    volatile: HashSet<Bytes>,
    pushes: u64,
}

impl Store {
    /// An empty keyspace.
    pub fn new() -> Store {
        Store::default()
    }

    /// How many keys are live at `now`.
    pub fn len(&mut self, now: Instant) -> usize {
        self.purge_expired(now);
        self.entries.len()
    }

    /// Whether no key is live at `now`.
    pub fn is_empty(&mut self, now: Instant) -> bool {
        self.len(now) == 0
    }

    /// Deletes every key.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.volatile.clear();
    }

    /// What `key` holds at `now`, if anything (deleting it if it expired).
    pub fn get(&mut self, key: &[u8], now: Instant) -> Option<&Data> {
        self.live(key, now)?;
        self.entries.get(key).map(|e| &e.data)
    }

    /// Whether `key` is live at `now`.
    pub fn contains(&mut self, key: &[u8], now: Instant) -> bool {
        self.live(key, now).is_some()
    }

    /// Sets `key` to a string, replacing whatever it held; `ttl` sets its
    /// expiry, `None` clears it (as `SET` without `EX` does).
    pub fn set(&mut self, key: &[u8], value: Bytes, ttl: Option<Duration>, now: Instant) {
        let expires = ttl.map(|t| now + t);
        self.put(key, Entry { data: Data::Str(value), expires });
    }

    /// Deletes `key`; whether it was live.
    pub fn delete(&mut self, key: &[u8], now: Instant) -> bool {
        let was_live = self.live(key, now).is_some();
        self.entries.remove(key);
        self.volatile.remove(key);
        was_live
    }

    /// Sets `key`'s expiry; false if the key is not live.
    pub fn expire(&mut self, key: &[u8], ttl: Duration, now: Instant) -> bool {
        match self.live(key, now) {
            Some(entry) => {
                entry.expires = Some(now + ttl);
                self.volatile.insert(key.to_vec());
                true
            }
            None => false,
        }
    }

    /// The time `key` has left: `Err(false)` when it is missing,
    /// `Err(true)` when it has no expiry (redis's -2 and -1).
    pub fn ttl(&mut self, key: &[u8], now: Instant) -> Result<Duration, bool> {
        match self.live(key, now) {
            None => Err(false),
            Some(Entry { expires: None, .. }) => Err(true),
            Some(Entry { expires: Some(at), .. }) => Ok(at.saturating_duration_since(now)),
        }
    }

    /// The string under `key`, or `WrongType`.
    pub fn get_str(&mut self, key: &[u8], now: Instant) -> Result<Option<&Bytes>, WrongType> {
        match self.get(key, now) {
            None => Ok(None),
            Some(Data::Str(s)) => Ok(Some(s)),
            Some(_) => Err(WrongType),
        }
    }

    /// The string under `key` for changing in place (created empty when
    /// missing, keeping any expiry when present), or `WrongType`.
    pub fn str_mut(&mut self, key: &[u8], now: Instant) -> Result<&mut Bytes, WrongType> {
        self.typed_mut(
            key,
            now,
            || Data::Str(Vec::new()),
            |d| match d {
                Data::Str(s) => Some(s),
                _ => None,
            },
        )
    }

    /// The hash under `key` for changing (created empty when missing), or
    /// `WrongType`.
    pub fn hash_mut(&mut self, key: &[u8], now: Instant) -> Result<&mut Vec<(Bytes, Bytes)>, WrongType> {
        self.typed_mut(
            key,
            now,
            || Data::Hash(Vec::new()),
            |d| match d {
                Data::Hash(h) => Some(h),
                _ => None,
            },
        )
    }

    /// Pushes `values` onto the list under `key` (created when missing),
    /// at the left or the right; the list's new length, or `WrongType`.
    pub fn push(
        &mut self,
        key: &[u8],
        values: Vec<Bytes>,
        left: bool,
        now: Instant,
    ) -> Result<usize, WrongType> {
        let list = self.typed_mut(
            key,
            now,
            || Data::List(VecDeque::new()),
            |d| match d {
                Data::List(l) => Some(l),
                _ => None,
            },
        )?;
        for value in values {
            if left {
                list.push_front(value);
            } else {
                list.push_back(value);
            }
        }
        let len = list.len();
        self.pushes += 1;
        Ok(len)
    }

    /// Pops from the list under `key`, at the left or the right; an emptied
    /// list is deleted, as in redis.
    pub fn pop(&mut self, key: &[u8], left: bool, now: Instant) -> Result<Option<Bytes>, WrongType> {
        let popped = match self.live(key, now) {
            None => return Ok(None),
            Some(Entry { data: Data::List(list), .. }) => {
                if left {
                    list.pop_front()
                } else {
                    list.pop_back()
                }
            }
            Some(_) => return Err(WrongType),
        };
        if let Some(Entry { data: Data::List(list), .. }) = self.entries.get(key)
            && list.is_empty()
        {
            self.entries.remove(key);
            self.volatile.remove(key);
        }
        Ok(popped)
    }

    /// Pops from the first of `keys` that holds a non-empty list: the key
    /// and the value, as `BRPOP` answers. `None` when all are empty (the
    /// caller parks and tries again after the next push).
    pub fn pop_first(
        &mut self,
        keys: &[Bytes],
        left: bool,
        now: Instant,
    ) -> Result<Option<(Bytes, Bytes)>, WrongType> {
        for key in keys {
            if let Some(value) = self.pop(key, left, now)? {
                return Ok(Some((key.clone(), value)));
            }
        }
        Ok(None)
    }

    /// How many pushes there have been: a waiter on `BRPOP` notes it,
    /// and only a change is worth waking up for.
    pub fn pushes(&self) -> u64 {
        self.pushes
    }

    /// Deletes every key whose expiry has passed at `now`; how many.
    pub fn purge_expired(&mut self, now: Instant) -> usize {
        let expired: Vec<Bytes> = self
            .volatile
            .iter()
            .filter(|k| self.entries.get(*k).is_none_or(|e| e.expires.is_some_and(|at| at <= now)))
            .cloned()
            .collect();
        for key in &expired {
            self.entries.remove(key);
            self.volatile.remove(key);
        }
        expired.len()
    }

    fn put(&mut self, key: &[u8], entry: Entry) {
        if entry.expires.is_some() {
            self.volatile.insert(key.to_vec());
        } else {
            self.volatile.remove(key);
        }
        self.entries.insert(key.to_vec(), entry);
    }

    /// The entry under `key` if it is live at `now`; an expired one is
    /// deleted on the way (lazy expiry).
    fn live(&mut self, key: &[u8], now: Instant) -> Option<&mut Entry> {
        let expired = self.entries.get(key)?.expires.is_some_and(|at| at <= now);
        if expired {
            self.entries.remove(key);
            self.volatile.remove(key);
            return None;
        }
        self.entries.get_mut(key)
    }

    fn typed_mut<T>(
        &mut self,
        key: &[u8],
        now: Instant,
        empty: impl FnOnce() -> Data,
        typed: impl FnOnce(&mut Data) -> Option<&mut T>,
    ) -> Result<&mut T, WrongType> {
        if self.live(key, now).is_none() {
            self.put(key, Entry { data: empty(), expires: None });
        }
        let entry = self.entries.get_mut(key).expect("just made live");
        typed(&mut entry.data).ok_or(WrongType)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_key_expires_at_its_deadline_and_not_before() {
        let t0 = Instant::now();
        let mut store = Store::new();
        store.set(b"k", b"v".to_vec(), Some(SECOND), t0);
        assert_eq!(store.get_str(b"k", t0 + SECOND / 2), Ok(Some(&b"v".to_vec())));
        assert_eq!(store.ttl(b"k", t0 + SECOND / 2), Ok(SECOND / 2));
        assert_eq!(store.get_str(b"k", t0 + SECOND), Ok(None));
        assert_eq!(store.ttl(b"k", t0 + SECOND), Err(false), "missing reads as -2");
    }

    #[test]
    fn set_without_ttl_clears_the_expiry() {
        let t0 = Instant::now();
        let mut store = Store::new();
        store.set(b"k", b"1".to_vec(), Some(SECOND), t0);
        store.set(b"k", b"2".to_vec(), None, t0);
        assert_eq!(store.ttl(b"k", t0 + 2 * SECOND), Err(true), "no expiry reads as -1");
    }

    #[test]
    fn purge_deletes_expired_keys_nobody_reads() {
        let t0 = Instant::now();
        let mut store = Store::new();
        for i in 0..10u8 {
            store.set(&[i], vec![i], Some(SECOND), t0);
        }
        store.set(b"forever", b"x".to_vec(), None, t0);
        assert_eq!(store.purge_expired(t0), 0);
        assert_eq!(store.purge_expired(t0 + SECOND), 10);
        assert_eq!(store.len(t0 + SECOND), 1);
    }

    #[test]
    fn types_do_not_mix() {
        let t0 = Instant::now();
        let mut store = Store::new();
        store.push(b"q", vec![b"a".to_vec()], true, t0).unwrap();
        assert_eq!(store.get_str(b"q", t0), Err(WrongType));
        assert!(store.hash_mut(b"q", t0).is_err());
        store.set(b"s", b"x".to_vec(), None, t0);
        assert_eq!(store.push(b"s", vec![b"a".to_vec()], true, t0), Err(WrongType));
    }

    #[test]
    fn lists_pop_from_either_end_and_vanish_when_empty() {
        let t0 = Instant::now();
        let mut store = Store::new();
        let values = vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()];
        assert_eq!(store.push(b"q", values, true, t0), Ok(3)); // c b a
        assert_eq!(store.pop(b"q", false, t0), Ok(Some(b"a".to_vec())));
        assert_eq!(store.pop(b"q", true, t0), Ok(Some(b"c".to_vec())));
        assert_eq!(store.pop(b"q", true, t0), Ok(Some(b"b".to_vec())));
        assert!(!store.contains(b"q", t0), "an emptied list is deleted");
        assert_eq!(store.pushes(), 1);
    }

    #[test]
    fn pop_first_takes_the_first_non_empty_list() {
        let t0 = Instant::now();
        let mut store = Store::new();
        store.push(b"two", vec![b"x".to_vec()], true, t0).unwrap();
        let keys = [b"one".to_vec(), b"two".to_vec()];
        assert_eq!(store.pop_first(&keys, false, t0), Ok(Some((b"two".to_vec(), b"x".to_vec()))));
        assert_eq!(store.pop_first(&keys, false, t0), Ok(None));
    }
}
