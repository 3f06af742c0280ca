"""Lesson 05, the Python original: spawn, joinall, sleep, and what a
blocking call does to the hub.

Needs the gevent package (pip install gevent):  python3 original.py
Without it, only the sequential part runs. With --patch, gevent's monkey
patching replaces time.sleep first, and the blocking call stops blocking.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("sleepers/gevent")

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


if __name__ == "__main__":
    sequential()
    try:
        import gevent  # noqa: F401
    except ImportError:
        print("gevent is not installed (pip install gevent): skipping the concurrent parts")
    else:
        concurrent()
        blocking()
        timeout()
