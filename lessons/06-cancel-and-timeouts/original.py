#!/usr/bin/env python3
"""Lesson 06's Python counterpart: cancellation and timeouts.

Runs with plain python3 (3.8+), no packages: python3 original.py
"""
import asyncio


async def job(log):
    try:
        log.append("started")
        await asyncio.sleep(3600)
        log.append("finished")  # never reached
    finally:
        log.append("cleaned up")  # runs on cancel, like Drop in Rust


async def main():
    # Cancel: the coroutine gets CancelledError at its await; finally runs.
    log = []
    task = asyncio.create_task(job(log))
    await asyncio.sleep(0.01)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        log.append("awaiter saw CancelledError")
    print(log)  # ['started', 'cleaned up', 'awaiter saw CancelledError']

    # Timeout: wait_for cancels the inner awaitable when time is up.
    log = []
    try:
        await asyncio.wait_for(job(log), timeout=0.02)
    except asyncio.TimeoutError:
        log.append("timed out")
    print(log)  # ['started', 'cleaned up', 'timed out']

    # A fast job beats its timeout.
    print(await asyncio.wait_for(asyncio.sleep(0.01, result="done"), timeout=1))


asyncio.run(main())
