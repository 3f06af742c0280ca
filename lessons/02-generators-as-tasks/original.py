#!/usr/bin/env python3
"""Lesson 02 in Python: generators as tasks, the road from yield to asyncio.

Runs with plain python3 (3.11 or later), no packages needed:
    python3 lessons/02-generators-as-tasks/original.py

The articles showed coroutines A and B written as

    @asyncio.coroutine
    def A():
        print("A start"); yield from asyncio.sleep(1); print("A end")

run with loop.run_until_complete(asyncio.wait([A(), B()])). The
@asyncio.coroutine decorator was removed in Python 3.11, and asyncio no
longer drives bare generators. So this file brings the same A and B up to
date the honest way: a small generator scheduler of its own, where a task
yields a request (sleep, spawn, join) and the loop answers it, which is
what genloop does in Rust. The "baozi" producer and its two consumers,
driven with next() and send(), come first.
"""

import heapq
import os
import sys
import time
from collections import deque

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer()


# -- the baozi shop: one producer, two generator consumers ------------------

def consumer(name):
    while True:
        baozi = yield
        print(f"{name} got baozi {baozi}, eats it")


def producer():
    a, b = consumer("A"), consumer("B")
    next(a)  # start each: run to its first yield
    next(b)
    for i in range(1, 4):
        print(f"made baozi {2 * i - 1} and {2 * i}")
        a.send(2 * i - 1)
        b.send(2 * i)


# -- a generator scheduler: tasks yield requests, the loop answers ----------

class Loop:
    """A task yields ("sleep", seconds), ("spawn", generator) or
    ("join", task); the loop resumes it with the answer when it is due."""

    def __init__(self):
        self.ready = deque()  # (task, value to send)
        self.timers = []  # (deadline, seq, task)
        self.joiners = {}  # task -> the task waiting for it
        self.results = {}
        self.seq = 0

    def spawn(self, gen):
        self.ready.append((gen, None))
        return gen

    def run(self, main):
        self.spawn(main)
        while main not in self.results:
            while self.ready:
                task, value = self.ready.popleft()
                self.step(task, value)
            if self.timers:
                deadline, _, task = heapq.heappop(self.timers)
                time.sleep(max(0.0, deadline - time.monotonic()))
                self.ready.append((task, None))
            elif main not in self.results:
                raise RuntimeError("deadlock")
        return self.results.pop(main)

    def step(self, task, value):
        try:
            kind, arg = task.send(value)
        except StopIteration as stop:
            self.results[task] = stop.value
            if task in self.joiners:
                self.ready.append((self.joiners.pop(task), self.results.pop(task)))
            return
        if kind == "sleep":
            self.seq += 1
            heapq.heappush(self.timers, (time.monotonic() + arg, self.seq, task))
        elif kind == "spawn":
            self.ready.append((task, self.spawn(arg)))
        elif kind == "join":
            if arg in self.results:
                self.ready.append((task, self.results.pop(arg)))
            else:
                self.joiners[arg] = task


# The sub-operations: generators a task delegates to with `yield from`.
def sleep(seconds):
    yield ("sleep", seconds)


def spawn(gen):
    return (yield ("spawn", gen))


def join(task):
    return (yield ("join", task))


def A():
    print("A start")
    yield from sleep(1)
    print("A end")
    return "A"


def B():
    print("B start")
    yield from sleep(1)
    print("B end")
    return "B"


def main():
    a = yield from spawn(A())
    b = yield from spawn(B())
    return [(yield from join(a)), (yield from join(b))]


if __name__ == "__main__":
    producer()
    started = time.monotonic()
    print(Loop().run(main()), f"in {time.monotonic() - started:.1f} s (two sleeps of 1 s, at once)")
