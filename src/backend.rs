//! The names of the concurrency models, as the CLI, the tables and the
//! JSON output spell them.
//!
//! A leaf: it knows nothing of how any model works, so every layer
//! (scenarios, servers, bench, cli) can name a backend without importing
//! the others. Which backends run which scenario is the scenario's own
//! business (`Scenario::backends` in [`crate::scenarios`]).
#![forbid(unsafe_code)]

use std::fmt;

/// A concurrency model corolab runs work on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Backend {
    /// No concurrency at all: one thing after another (the baseline that
    /// shows what concurrency buys).
    Sequential,
    /// A process per connection (`fork`): the oldest server model.
    Fork,
    /// OS threads and crossbeam channels: the baseline every model is
    /// compared with.
    Threads,
    /// `generator`: Python-style generators, `yield` and `send`.
    Generator,
    /// `genloop`: generators as tasks on a loop (`yield from` asyncio).
    Genloop,
    /// `greenlet`: explicit symmetric switching.
    Greenlet,
    /// `callbacks`: an event loop of callbacks on readiness and timers, no
    /// coroutines at all.
    Callbacks,
    /// `gevent`: a hub on greenlets, with timers and an epoll reactor.
    Gevent,
    /// `gevent::may`: the gevent API on `may`'s M:N scheduler.
    May,
    /// `aio`: async/await tasks on an event loop.
    Aio,
}

impl Backend {
    /// Every backend, in the order tables list them.
    pub const ALL: &'static [Backend] = &[
        Backend::Sequential,
        Backend::Fork,
        Backend::Threads,
        Backend::Generator,
        Backend::Genloop,
        Backend::Greenlet,
        Backend::Callbacks,
        Backend::Gevent,
        Backend::May,
        Backend::Aio,
    ];

    /// The name the CLI and the JSON output use.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sequential => "sequential",
            Backend::Fork => "fork",
            Backend::Threads => "threads",
            Backend::Generator => "generator",
            Backend::Genloop => "genloop",
            Backend::Greenlet => "greenlet",
            Backend::Callbacks => "callbacks",
            Backend::Gevent => "gevent",
            Backend::May => "may",
            Backend::Aio => "aio",
        }
    }

    /// Looks a backend up by its CLI name.
    pub fn from_name(name: &str) -> Option<Backend> {
        Backend::ALL.iter().copied().find(|b| b.name() == name)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
