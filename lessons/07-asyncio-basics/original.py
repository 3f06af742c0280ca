"""Lesson 07, the Python original: the loop, tasks, futures, callbacks,
gather / wait / as_completed.

Plain python3 (3.11+), no packages:  python3 original.py
"""

import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("sleepers/asyncio", "pingpong/asyncio", "producer-consumer/asyncio")

START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}")


def deliver_later(delay, value):
    """A future that a call_later callback sets after `delay` seconds."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    loop.call_later(delay, future.set_result, value)
    return future


async def sleeper(i, delay):
    await asyncio.sleep(delay)
    say(f"task {i} woke after {delay * 1000:.0f} ms")
    return i


def spawn_sleepers(delays):
    return [asyncio.create_task(sleeper(i, d)) for i, d in enumerate(delays)]


async def main():
    loop = asyncio.get_running_loop()

    say("-- callbacks: call_soon runs at the next turn, call_later after its delay")
    loop.call_later(0.05, say, "call_later(50 ms) ran")
    loop.call_soon(say, "call_soon #1 ran")
    loop.call_soon(say, "call_soon #2 ran")
    say("callbacks scheduled; nothing has run yet")
    await asyncio.sleep(0.1)

    say("-- futures: a callback sets it, the awaiting task wakes")
    future = deliver_later(0.1, "hello")
    say(f"future done? {future.done()}")
    say(f"awaited: {await future!r}")
    try:
        future.set_result("again")
    except asyncio.InvalidStateError:
        say("set_result twice: InvalidStateError (a future is set once)")

    delays = [0.3, 0.1, 0.2]

    say("-- gather: results in argument order")
    say(f"gather -> {await asyncio.gather(*spawn_sleepers(delays))}")

    say("-- as_completed: results in completion order")
    order = [await f for f in asyncio.as_completed(spawn_sleepers(delays))]
    say(f"as_completed -> {order}")

    say("-- wait(FIRST_COMPLETED): the first done, the others still running")
    done, pending = await asyncio.wait(spawn_sleepers(delays), return_when=asyncio.FIRST_COMPLETED)
    say(f"first -> {[t.result() for t in done]}, {len(pending)} pending")
    say(f"the rest -> {sorted(await asyncio.gather(*pending))}")


if __name__ == "__main__":
    asyncio.run(main())
