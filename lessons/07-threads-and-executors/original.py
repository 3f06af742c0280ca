"""Lesson 07, the Python original: run_in_executor, a loop in another
thread, call_soon_threadsafe and run_coroutine_threadsafe.

Plain python3 (3.11+), no packages:  python3 original.py

It is also corolab's Python peer for the `blocking` scenario
(`python3 original.py --peers`; see lessons/README.md on the book branch).
"""

import argparse
import asyncio
import concurrent.futures
import json
import sys
import threading
import time

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


# --- the bench peer: the `blocking` scenario, through run_in_executor ---

def blocking_asyncio(n, delay, workers):
    async def main():
        loop = asyncio.get_running_loop()
        if workers:
            loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(workers))
        await asyncio.gather(*(loop.run_in_executor(None, time.sleep, delay) for _ in range(n)))
        return n

    return asyncio.run(main())


def bench(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--peers", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--scenario")
    p.add_argument("--variant")
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--delay-ms", type=int, default=100)
    p.add_argument("--clients", type=int, default=None)
    p.add_argument("--workers", type=int, default=None)
    a = p.parse_args(argv)
    if a.peers:
        print(json.dumps({"scenario": "blocking", "variant": "asyncio", "needs": []}))
        return 0
    if (a.scenario, a.variant) != ("blocking", "asyncio"):
        print(json.dumps({"scenario": a.scenario, "backend": f"python-{a.variant}", "ok": False,
                          "error": "this script runs only blocking/asyncio"}))
        return 1
    start = time.perf_counter()
    items = blocking_asyncio(a.n, a.delay_ms / 1000, a.workers)
    wall_ms = (time.perf_counter() - start) * 1000
    ok = items == a.n
    print(json.dumps({"scenario": "blocking", "backend": "python-asyncio", "n": a.n, "wall_ms": wall_ms,
                      "ok": ok, "items": items, "unit": "calls"}))
    return 0 if ok else 1


if __name__ == "__main__":
    if "--peers" in sys.argv or "--json" in sys.argv:
        sys.exit(bench(sys.argv[1:]))
    say("-- run_in_executor: blocking calls off the loop")
    asyncio.run(executor_demo())
    say("-- a loop in another thread")
    thread_demo()
