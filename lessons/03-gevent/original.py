"""Lesson 03, the Python original: spawn, joinall, sleep, and what a
blocking call does to the hub.

Needs the gevent package (pip install gevent):  python3 original.py
Without it, only the sequential part runs. With --patch, gevent's monkey
patching replaces time.sleep first, and the blocking call stops blocking.
"""

import sys

if "--patch" in sys.argv:
    from gevent import monkey

    monkey.patch_all()

import time

START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}")


def sleeper(i, delay, sleep):
    say(f"sleeper {i} going to sleep for {delay * 1000:.0f} ms")
    sleep(delay)
    say(f"sleeper {i} woke")
    return i


def sequential(n=10, delay=0.5):
    say("-- sequential: one after another")
    t = time.monotonic()
    results = [sleeper(i, delay, time.sleep) for i in range(n)]
    say(f"-- sequential: {results} in {time.monotonic() - t:.2f} s")


def concurrent(n=10, delay=0.5):
    import gevent

    say("-- gevent: all at once")
    t = time.monotonic()
    greenlets = [gevent.spawn(sleeper, i, delay, gevent.sleep) for i in range(n)]
    gevent.joinall(greenlets, timeout=5)
    say(f"-- gevent: {[g.value for g in greenlets]} in {time.monotonic() - t:.2f} s")


def blocking():
    import gevent

    say("-- a blocking call stops the hub")
    ticks = []

    def ticker():
        for _ in range(5):
            ticks.append(time.monotonic())
            gevent.sleep(0.001)

    def blocker():
        time.sleep(0.3)  # unpatched: blocks the thread, and so the hub

    gevent.joinall([gevent.spawn(ticker), gevent.spawn(blocker)])
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    say(f"-- longest gap between ticks: {max(gaps) * 1000:.0f} ms (1 ms if nothing blocked)")


def timeout():
    import gevent

    try:
        with gevent.Timeout(0.02):
            gevent.sleep(10)
    except gevent.Timeout:
        say("-- the Timeout was raised where the greenlet waited")


# --- the bench peer: corolab's sleepers scenario on gevent (needs gevent;
# without it `corolab bench` shows a skipped row that says pip install).

def bench_sleepers(n, delay):
    import gevent

    start = time.perf_counter()
    gevent.joinall([gevent.spawn(gevent.sleep, delay) for _ in range(n)])
    return n if time.perf_counter() - start >= delay else 0


BENCH = {  # (scenario, variant): (run, default n, unit, units a correct run does, modules needed)
    ("sleepers", "gevent"): (bench_sleepers, 10, "sleepers", lambda n: n, ["gevent"]),
}


def bench(argv):
    """The bench peer protocol (lessons/README.md): --peers lists what this
    script runs; --json --scenario S --variant V runs one, as one JSON line."""
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
        for (scenario, variant), (_, _, _, _, needs) in BENCH.items():
            print(json.dumps({"scenario": scenario, "variant": variant, "needs": needs}))
        return 0
    if (a.scenario, a.variant) not in BENCH:
        print(json.dumps({"scenario": a.scenario, "backend": "python-%s" % a.variant, "ok": False,
                          "wall_ms": 0, "error": "not run by this script"}))
        return 1
    run, default_n, unit, want, _ = BENCH[(a.scenario, a.variant)]
    n = default_n if a.n is None else a.n
    start = time.perf_counter()
    items = run(n, a.delay_ms / 1000)
    wall_ms = (time.perf_counter() - start) * 1000
    ok = items == want(n)
    print(json.dumps({"scenario": a.scenario, "backend": "python-%s" % a.variant, "n": n,
                      "wall_ms": wall_ms, "ok": ok, "items": items, "unit": unit}))
    return 0 if ok else 1


if __name__ == "__main__":
    if "--peers" in sys.argv or "--json" in sys.argv:
        sys.exit(bench(sys.argv[1:]))
    sequential()
    try:
        import gevent  # noqa: F401
    except ImportError:
        print("gevent is not installed (pip install gevent): skipping the concurrent parts")
    else:
        concurrent()
        blocking()
        timeout()
