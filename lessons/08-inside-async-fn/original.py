#!/usr/bin/env python3
"""Lesson 08 in Python: one coroutine, three spellings.

Runs with plain python3 (3.11 or later), no packages needed:
    python3 lessons/08-inside-async-fn/original.py

1. `async def greet` with two awaits and a local that lives across them;
2. the same as a class whose `__await__` is a state machine by hand:
   what Rust's compiler makes of an `async fn` (Python keeps a frame
   object on the heap instead, so it never needs one);
3. the same as a generator with `yield from`, the @asyncio.coroutine
   spelling. That decorator was removed in 3.11; `types.coroutine`, which
   it was built on, still marks a generator as awaitable, so the
   generator runs here on asyncio's own loop.
"""

import asyncio
import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer()

log = []


async def greet(name, delay):
    greeting = f"hello, {name}"
    await asyncio.sleep(delay)
    log.append(greeting)
    await asyncio.sleep(delay)
    log.append(f"bye, {name}")
    return len(greeting)


class Greet:
    """greet() as an explicit state machine: START, FIRST, SECOND, DONE."""

    def __init__(self, name, delay):
        self.state, self.name, self.delay = "START", name, delay

    def __await__(self):
        while True:
            if self.state == "START":
                self.greeting = f"hello, {self.name}"
                self.sleep, self.state = asyncio.sleep(self.delay).__await__(), "FIRST"
            elif self.state in ("FIRST", "SECOND"):
                try:
                    yield next(self.sleep)  # Pending: hand the loop what sleep waits on
                    continue
                except StopIteration:
                    pass
                if self.state == "FIRST":
                    log.append(self.greeting)
                    self.sleep, self.state = asyncio.sleep(self.delay).__await__(), "SECOND"
                else:
                    log.append(f"bye, {self.name}")
                    self.state = "DONE"
                    return len(self.greeting)
            else:
                raise RuntimeError("Greet awaited after it returned")


@types.coroutine
def greet_gen(name, delay):
    greeting = f"hello, {name}"
    yield from asyncio.sleep(delay).__await__()
    log.append(greeting)
    yield from asyncio.sleep(delay).__await__()
    log.append(f"bye, {name}")
    return len(greeting)


async def main():
    results = []
    for spelling in (greet, Greet, greet_gen):
        log.clear()
        got = await asyncio.gather(spelling("ann", 0.1), spelling("bob", 0.1))
        print(f"{spelling.__name__:>9}: {log} -> {got}")
        results.append((list(log), got))
    assert results[0] == results[1] == results[2], "the three spellings differ"


if __name__ == "__main__":
    asyncio.run(main())
