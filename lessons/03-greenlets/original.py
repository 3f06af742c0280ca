#!/usr/bin/env python3
"""Lesson 03 in Python: greenlets, explicit symmetric switching.

Needs the greenlet package:  pip install greenlet
Then:                        python3 lessons/03-greenlets/original.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("pingpong/greenlet")

try:
    from greenlet import greenlet, getcurrent
except ImportError:
    sys.exit("this lesson needs the greenlet package: pip install greenlet")


def docs_demo():
    """The demo in greenlet's own documentation: prints 12 56 34."""
    out = []

    def test1():
        out.append(12)
        gr2.switch()
        out.append(34)

    def test2():
        out.append(56)
        gr1.switch()
        out.append(78)  # never reached

    gr1 = greenlet(test1)
    gr2 = greenlet(test2)
    gr1.switch()
    return out


def articles_demo():
    """The articles' version: test1 switches to test2 twice, so 78 is
    printed too: 12 56 34 78 (the pingpong scenario with n = 2)."""
    out = []

    def test1():
        out.append(12)
        gr2.switch()
        out.append(34)
        gr2.switch()

    def test2():
        out.append(56)
        gr1.switch()
        out.append(78)

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
                    return
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
            main.switch()
        except ShuttingDown as e:
            return 'cleaned up after: %s' % e

    g = greenlet(run)
    g.switch()
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
    print(docs_demo())
    print(articles_demo())
    print(ring(3, 2))
    print(cleanup_on_throw('shutting down'))
    pingpong()
