"""Lesson 11, the Python original: async iteration (an async generator, the
lines of a stream, the items of a queue) and async resources (`async with`).

Plain python3 (3.11+), no packages:  python3 original.py
"""

import asyncio
import contextlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer()

START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}")


# -- async iterators -------------------------------------------------------

async def ticker(total, every):
    """An async generator: `async for` awaits between items."""
    for i in range(total):
        await asyncio.sleep(every)
        yield i


DONE = object()  # end marker: Python 3.13 has Queue.shutdown() for this, as aio's Queue does


class QueueItems:
    """The protocol by hand: __aiter__ and __anext__ (what `async for` calls)."""

    def __init__(self, queue):
        self.queue = queue

    def __aiter__(self):
        return self

    async def __anext__(self):
        item = await self.queue.get()
        if item is DONE:
            raise StopAsyncIteration
        return item


async def sum_numbers(reader):
    total = 0
    async for line in reader:  # a StreamReader iterates over lines
        line = line.strip()
        if line:
            total += int(line)
    return total


async def iterators_demo():
    async def other():
        await asyncio.sleep(0.15)
        say("other task")

    task = asyncio.create_task(other())
    async for n in ticker(3, 0.1):
        say(f"tick {n}")
    await task

    async def serve(reader, writer):
        for chunk in [b"1\n2", b"0\n\n", b"-4\r\n2", b"5"]:
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.005)
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    say(f"sum of the numbers on the stream: {await sum_numbers(reader)}")
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()

    queue = asyncio.Queue()
    for word in ["one", "two", "three", DONE]:
        queue.put_nowait(word)
    seen = [word async for word in QueueItems(queue)]
    say(f"items of a queue: {seen}")


# -- async resources -------------------------------------------------------

class Pool:
    """At most `size` connections; `async with pool.acquire(name) as conn:`."""

    def __init__(self, size):
        self.slots = asyncio.Semaphore(size)

    @contextlib.asynccontextmanager
    async def acquire(self, name):
        async with self.slots:  # wait for a slot (an await), give it back at the end
            say(f"open {name}")
            try:
                yield name
            except asyncio.CancelledError:
                say(f"close {name} (cancelled)")  # no goodbye: we were told to stop
                raise
            else:
                await asyncio.sleep(0.01)  # the goodbye, on the wire: exits may await
                say(f"bye {name}")
                say(f"close {name}")


async def resources_demo():
    pool = Pool(2)
    open_now = most = 0

    async def user(name):
        nonlocal open_now, most
        async with pool.acquire(name):
            open_now += 1
            most = max(most, open_now)
            await asyncio.sleep(0.02)
            open_now -= 1

    await asyncio.gather(*(user(n) for n in "abcde"))
    say(f"at most {most} open at once, with 2 slots")

    async def holder():
        async with pool.acquire("holder"):
            await asyncio.sleep(60)

    task = asyncio.create_task(holder())
    await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    async with pool.acquire("next"):
        say("the cancelled holder gave its slot back")


async def main():
    say("-- async iteration")
    await iterators_demo()
    say("-- async resources")
    await resources_demo()


if __name__ == "__main__":
    asyncio.run(main())
