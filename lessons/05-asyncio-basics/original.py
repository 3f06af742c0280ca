#!/usr/bin/env python3
"""Lesson 05's Python counterpart: the loop, tasks, futures, gather/wait/as_completed.

Runs with plain python3 (3.8+), no packages: python3 original.py
"""
import asyncio
import time


async def after(delay_ms, value):
    await asyncio.sleep(delay_ms / 1000)  # the task parks here; others run
    return value


async def main():
    started = time.monotonic()

    # Tasks: gather gives results in argument order.
    tasks = [asyncio.create_task(after(d, d)) for d in (30, 10, 20)]
    print("gather:", await asyncio.gather(*tasks))  # [30, 10, 20]

    # wait: the first to finish, and the rest still pending.
    tasks = [asyncio.create_task(after(d, d)) for d in (30, 10, 20)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    print("first:", [t.result() for t in done])  # [10]
    for t in pending:
        t.cancel()

    # as_completed: results in completion order.
    order = [await f for f in asyncio.as_completed([after(d, d) for d in (30, 10, 20)])]
    print("as_completed:", order)  # [10, 20, 30]

    # A future: a result someone sets later.
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_later(0.01, fut.set_result, "set by a callback")
    print("future:", await fut)

    # Ten 0.5 s sleeps overlap.
    t0 = time.monotonic()
    await asyncio.gather(*(asyncio.sleep(0.5) for _ in range(10)))
    print(f"ten 0.5 s sleeps took {time.monotonic() - t0:.2f} s")
    print(f"total {time.monotonic() - started:.2f} s")


asyncio.run(main())
