"""Lesson 10, the Python original: run_in_executor, a loop in another
thread, call_soon_threadsafe and run_coroutine_threadsafe.

Plain python3 (3.11+), no packages:  python3 original.py
"""

import asyncio
import concurrent.futures
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("blocking/asyncio")

START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  [{threading.current_thread().name}] {what}")


def slow_checksum(data):
    """A blocking call: a disk read, a C library, a sleep."""
    time.sleep(0.2)
    return sum(data)


async def heartbeat(ticks):
    while True:
        await asyncio.sleep(0.01)
        ticks[0] += 1


async def checksums(inputs, blocking):
    loop = asyncio.get_running_loop()
    if blocking:  # the mistake: every call freezes the loop
        return [slow_checksum(data) for data in inputs]
    return await asyncio.gather(*(loop.run_in_executor(None, slow_checksum, data) for data in inputs))


async def executor_demo():
    for blocking in (True, False):
        ticks = [0]
        beat = asyncio.create_task(heartbeat(ticks))
        await asyncio.sleep(0)
        started = time.monotonic()
        sums = await checksums([[1, 2, 3]] * 4, blocking)
        took = (time.monotonic() - started) * 1000
        beat.cancel()
        how = "on the loop      " if blocking else "in run_in_executor"
        say(f"4 calls {how}: {sums} in {took:4.0f} ms, heartbeat ticked {ticks[0]:2} times")


def start_loop_thread():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="loop-thread")
    thread.start()
    return loop, thread


def call_on_loop(loop, f):
    """Run f on the loop's thread, block this thread for its result."""
    result = concurrent.futures.Future()
    loop.call_soon_threadsafe(lambda: result.set_result(f()))
    return result.result(timeout=5)


async def double_later(n, delay):
    await asyncio.sleep(delay)
    return n * 2


def thread_demo():
    loop, thread = start_loop_thread()
    say("started a loop in another thread")
    ran_on = call_on_loop(loop, lambda: threading.current_thread().name)
    say(f"call_soon_threadsafe: the callback ran on [{ran_on}]")
    answer = asyncio.run_coroutine_threadsafe(double_later(21, 0.01), loop).result(timeout=5)
    say(f"run_coroutine_threadsafe(double_later(21)) -> {answer}")

    def asker(t, out):
        out[t] = [asyncio.run_coroutine_threadsafe(double_later(t * 10 + i, 0.02), loop).result(5)
                  for i in range(5)]

    out = {}
    askers = [threading.Thread(target=asker, args=(t, out), name=f"asker-{t}") for t in range(8)]
    for a in askers:
        a.start()
    for a in askers:
        a.join()
    ok = all(out[t] == [(t * 10 + i) * 2 for i in range(5)] for t in range(8))
    say(f"8 threads x 5 questions to one loop: all answers right? {ok}")
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()
    say("stopped the loop (call_soon_threadsafe(loop.stop)) and joined its thread")


if __name__ == "__main__":
    say("-- run_in_executor: blocking calls off the loop")
    asyncio.run(executor_demo())
    say("-- a loop in another thread")
    thread_demo()
