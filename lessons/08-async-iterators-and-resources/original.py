#!/usr/bin/env python3
"""Lesson 08's Python counterpart: async iterators and async context managers.

Runs with plain python3 (3.8+), no packages: python3 original.py
"""
import asyncio


class Countdown:
    """An async iterator: n, n-1, ..., 1, sleeping before each."""

    def __init__(self, n):
        self.n = n

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.n == 0:
            raise StopAsyncIteration
        await asyncio.sleep(0.001)
        self.n -= 1
        return self.n + 1


async def shout(reader, writer):
    count = 0
    async for line in reader:  # the lines of a stream
        writer.write(line.upper())
        await writer.drain()
        count += 1
    writer.close()
    await writer.wait_closed()
    print("server answered", count, "lines")


async def most_at_once(tasks, limit):
    sem = asyncio.Semaphore(limit)
    inside = peak = 0

    async def worker():
        nonlocal inside, peak
        async with sem:  # released on every way out
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.002)
            inside -= 1

    await asyncio.gather(*(worker() for _ in range(tasks)))
    return peak


async def main():
    print("countdown:", [x async for x in Countdown(3)])

    server = await asyncio.start_server(shout, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"hello\nasync world\n")
    writer.write_eof()
    print("client got:", await reader.read())
    writer.close()
    server.close()
    await server.wait_closed()

    print("most at once:", await most_at_once(10, 3))


asyncio.run(main())
