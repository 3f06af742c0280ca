"""Lesson 05, the Python original: the loop, tasks, futures, callbacks,
gather / wait / as_completed.

Plain python3 (3.11+), no packages:  python3 original.py
"""

import asyncio
import sys
import time

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


# --- the bench peer (the protocol in lessons/README.md): corolab's
# sleepers, pingpong and producer-consumer scenarios, written as asyncio
# would write them, so `corolab bench` can put asyncio in the same tables.

async def bench_sleepers(n, delay):
    start = time.perf_counter()
    await asyncio.gather(*(asyncio.sleep(delay) for _ in range(n)))
    return n if time.perf_counter() - start >= delay else 0


async def bench_pingpong(n):
    printed, to_ping, to_pong = [], asyncio.Queue(), asyncio.Queue()

    async def ping():
        for k in range(n):
            printed.append(f"{2 * k + 1}{2 * k + 2}")
            to_pong.put_nowait(None)
            if k + 1 < n:
                await to_ping.get()

    async def pong():
        for k in range(n):
            await to_pong.get()
            printed.append(f"{2 * n + 2 * k + 1}{2 * n + 2 * k + 2}")
            if k + 1 < n:
                to_ping.put_nowait(None)

    await asyncio.gather(ping(), pong())
    want = [v for k in range(n) for v in (f"{2 * k + 1}{2 * k + 2}", f"{2 * n + 2 * k + 1}{2 * n + 2 * k + 2}")]
    return len(printed) if printed == want else 0


async def bench_producer_consumer(n):
    items, answers, seen = asyncio.Queue(1), asyncio.Queue(1), []

    async def consumer():
        while (item := await items.get()) is not None:
            seen.append(item)
            await answers.put("200 OK")

    task = asyncio.create_task(consumer())
    answered = 0
    for item in range(1, n + 1):
        await items.put(item)
        answered += await answers.get() == "200 OK"
    await items.put(None)
    await task
    return n if seen == list(range(1, n + 1)) and answered == n else 0


BENCH = {  # scenario: (run it, default n, unit, how many units a correct run does)
    "sleepers": (lambda a: bench_sleepers(a.n, a.delay_ms / 1000), 10, "sleepers", lambda n: n),
    "pingpong": (lambda a: bench_pingpong(a.n), 2, "turns", lambda n: 2 * n),
    "producer-consumer": (lambda a: bench_producer_consumer(a.n), 5, "items", lambda n: n),
}


def bench(argv):
    import argparse
    import json

    p = argparse.ArgumentParser()
    p.add_argument("--peers", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--scenario")
    p.add_argument("--variant")
    p.add_argument("--n", type=int)
    p.add_argument("--delay-ms", type=int, default=500)
    p.add_argument("--clients", type=int)
    a = p.parse_args(argv)
    if a.peers:
        for scenario in BENCH:
            print(json.dumps({"scenario": scenario, "variant": "asyncio", "needs": []}))
        return 0
    if a.scenario not in BENCH or a.variant != "asyncio":
        print(json.dumps({"scenario": a.scenario, "backend": f"python-{a.variant}", "ok": False,
                          "wall_ms": 0, "error": "this script runs sleepers, pingpong, producer-consumer on asyncio"}))
        return 1
    run, default_n, unit, want = BENCH[a.scenario]
    a.n = default_n if a.n is None else a.n
    start = time.perf_counter()
    items = asyncio.run(run(a))
    wall_ms = (time.perf_counter() - start) * 1000
    ok = items == want(a.n)
    print(json.dumps({"scenario": a.scenario, "backend": "python-asyncio", "n": a.n, "wall_ms": wall_ms,
                      "ok": ok, "items": items, "unit": unit}))
    return 0 if ok else 1


if __name__ == "__main__":
    if "--peers" in sys.argv or "--json" in sys.argv:
        sys.exit(bench(sys.argv[1:]))
    asyncio.run(main())
