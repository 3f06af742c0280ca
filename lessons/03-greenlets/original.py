#!/usr/bin/env python3
"""Lesson 03 in Python: greenlets, explicit symmetric switching.

Needs the greenlet package:  pip install greenlet
Then:                        python3 lessons/03-greenlets/original.py
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("pingpong/greenlet")

try:
    from greenlet import greenlet, getcurrent
except ImportError:
    sys.exit("this lesson needs the greenlet package: pip install greenlet")


START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}")


def docs_demo():
    """The demo in greenlet's own documentation: prints 12 56 34."""
    out = []

    def test1():
        out.append(12)
        say("test1: 12, switches to gr2")
        gr2.switch()
        out.append(34)
        say("test1: 34, returns: back to its parent, main")

    def test2():
        out.append(56)
        say("test2: 56, switches to gr1")
        gr1.switch()
        out.append(78)  # never reached
        say("test2: 78")

    gr1 = greenlet(test1)
    gr2 = greenlet(test2)
    gr1.switch()
    if not gr2.dead:
        say("main: gr2 still waits in its switch; nobody comes back")
    return out


def articles_demo():
    """The articles' version: test1 switches to test2 twice, so 78 is
    printed too: 12 56 34 78 (the pingpong scenario with n = 2)."""
    out = []

    def test1():
        out.append(12)
        say("test1: 12, switches to gr2")
        gr2.switch()
        out.append(34)
        say("test1: 34, switches to gr2 again")
        gr2.switch()

    def test2():
        out.append(56)
        say("test2: 56, switches to gr1")
        gr1.switch()
        out.append(78)
        say("test2: 78, returns: back to its parent, main")

    gr1 = greenlet(test1)
    gr2 = greenlet(test2)
    gr1.switch()
    return out


def ring(k, laps):
    order = []
    total = k * laps
    glets = []

    def make(i):
        def run():
            while True:
                order.append(i)
                if len(order) == total:
                    turn = f"turn {len(order)} of {total}"
                    say(f"greenlet {i}: {turn}, returns to main")
                    return
                say(f"greenlet {i}: turn {len(order)}, switches to {(i + 1) % k}")
                glets[(i + 1) % k].switch()
        return greenlet(run)

    glets.extend(make(i) for i in range(k))
    if total:
        glets[0].switch()
    return order


class ShuttingDown(Exception):
    pass


def cleanup_on_throw(reason):
    main = getcurrent()

    def run():
        try:
            say("g: switches back to main and waits there")
            main.switch()
        except ShuttingDown as e:
            say("g: ShuttingDown raised in its switch; it cleans up")
            return 'cleaned up after: %s' % e

    g = greenlet(run)
    g.switch()
    say("main: throws ShuttingDown into g")
    return g.throw(ShuttingDown(reason))


# The pingpong scenario (corolab run pingpong --backend greenlet).
def pingpong(n=2, say=print):
    def ping():
        for k in range(n):
            say('%d%d' % (2 * k + 1, 2 * k + 2))
            pong_g.switch()

    def pong():
        for k in range(n):
            say('%d%d' % (2 * n + 2 * k + 1, 2 * n + 2 * k + 2))
            if k + 1 < n:
                ping_g.switch()

    ping_g = greenlet(ping)
    pong_g = greenlet(pong)
    ping_g.switch()


if __name__ == '__main__':
    # `corolab demo 03` tells the same story in Rust, line for line.
    say("-- greenlet's docs demo: gr1 returns after 34, so 78 never prints")
    say(f"main: {docs_demo()}")
    say("-- the articles' demo: test1 switches to gr2 twice: 12 56 34 78")
    say(f"main: {articles_demo()}")
    say("-- a ring of 3 greenlets, 2 laps: each switches to the next")
    say(f"main: order {ring(3, 2)}")
    say("-- throw: the exception is raised where the greenlet waits")
    say(f"main: g returned: {cleanup_on_throw('shutting down')}")
