"""Lesson 09, the Python original: cancel, cleanup on cancel, wait_for,
timeouts, and a race whose losers are cancelled.

Plain python3 (3.11+), no packages:  python3 original.py
"""

import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer()

START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}")


class Connection:
    """A pretend connection: an async context manager that logs open/close."""

    def __init__(self, name):
        self.name = name

    async def __aenter__(self):
        say(f"open {self.name}")
        return self

    async def __aexit__(self, *exc):
        say(f"close {self.name}")  # runs on return, on error, and on cancel
        return False


async def download(name, delay):
    async with Connection(name):
        await asyncio.sleep(delay)  # a cancel lands here, as CancelledError
        say(f"done {name}")
        return name


async def download_or_give_up(name, delay, timeout):
    try:
        return await asyncio.wait_for(download(name, delay), timeout)
    except TimeoutError:
        return None


async def race(downloads):
    tasks = [asyncio.create_task(download(name, delay)) for name, delay in downloads]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    # Wait until they are really gone: cancel() only asks.
    results = await asyncio.gather(*pending, return_exceptions=True)
    cancelled = sum(isinstance(r, asyncio.CancelledError) for r in results)
    return done.pop().result(), cancelled


async def stubborn():
    """Python lets a coroutine catch its CancelledError. Rust's aio cannot:
    a cancelled future is dropped, it never runs again."""
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        say("stubborn caught CancelledError and carries on (possible in Python only)")
        await asyncio.sleep(0.05)
        return "still here"


async def main():
    say("-- cancel: the task stops at its await, its cleanup runs")
    task = asyncio.create_task(download("a", 10))
    await asyncio.sleep(0.02)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        say("awaiting the cancelled task raised CancelledError")

    say("-- wait_for: within the timeout, and past it")
    say(f"quick -> {await download_or_give_up('quick', 0.01, 5)}")
    say(f"slow  -> {await download_or_give_up('slow', 10, 0.05)}")

    say("-- asyncio.timeout (3.11): a deadline for a whole block")
    try:
        async with asyncio.timeout(0.1):
            await download("first", 0.05)
            await download("second", 0.05)  # the deadline falls in here
    except TimeoutError:
        say("the block ran out of time")

    say("-- a race: the first to finish wins, the others are cancelled")
    winner, cancelled = await race([("slow", 10), ("fast", 0.1), ("middle", 5)])
    say(f"winner {winner}, {cancelled} cancelled")

    say("-- the difference: a Python coroutine may refuse a cancel")
    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0.01)
    task.cancel()
    say(f"stubborn returned {await task!r}")


if __name__ == "__main__":
    asyncio.run(main())
