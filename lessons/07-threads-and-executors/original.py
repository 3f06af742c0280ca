#!/usr/bin/env python3
"""Lesson 07's Python counterpart: run_in_executor, a loop in another
thread, call_soon_threadsafe and run_coroutine_threadsafe.

Runs with plain python3 (3.8+), no packages: python3 original.py
"""
import asyncio
import threading
import time


def blocking(i, delay):
    time.sleep(delay)  # would freeze the loop if called on it
    return i


async def overlap(n, delay):
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    results = await asyncio.gather(*(loop.run_in_executor(None, blocking, i, delay) for i in range(n)))
    print(f"{n} blocking calls of {delay}s through the executor: {time.monotonic() - t0:.2f}s -> {results}")


async def double(x):
    await asyncio.sleep(0.001)
    return 2 * x


def main():
    asyncio.run(overlap(8, 0.2))

    # A loop running forever in another thread.
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()

    # A plain thread asks it for results and blocks on them.
    print([asyncio.run_coroutine_threadsafe(double(x), loop).result(timeout=5) for x in range(5)])
    done = threading.Event()
    loop.call_soon_threadsafe(done.set)
    done.wait(5)
    print("call_soon_threadsafe ran:", done.is_set())

    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


main()
