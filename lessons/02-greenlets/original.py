#!/usr/bin/env python3
"""Lesson 02 in Python: greenlets, explicit symmetric switching.

Needs the greenlet package:  pip install greenlet
Then:                        python3 lessons/02-greenlets/original.py
"""
import json
import sys
import time

try:
    from greenlet import greenlet, getcurrent
except ImportError:  # `--peers` must answer without it (lessons/README.md)
    if "--peers" not in sys.argv:
        sys.exit("this lesson needs the greenlet package: pip install greenlet")


def classic_demo():
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


def bench(n):
    """The `corolab bench` peer protocol: pingpong, timed, checked, one JSON line."""
    printed = []
    t = time.monotonic()
    pingpong(n, say=printed.append)
    took = time.monotonic() - t
    want = [v for k in range(n) for v in ('%d%d' % (2 * k + 1, 2 * k + 2),
                                         '%d%d' % (2 * n + 2 * k + 1, 2 * n + 2 * k + 2))]
    ok = printed == want
    print(json.dumps({"scenario": "pingpong", "backend": "python-greenlet", "n": n,
                      "wall_ms": took * 1e3, "ok": ok, "items": len(printed), "unit": "turns"}))
    return 0 if ok else 1


if __name__ == '__main__' and "--peers" in sys.argv:
    print(json.dumps({"scenario": "pingpong", "variant": "greenlet", "needs": ["greenlet"]}))
elif __name__ == '__main__' and "--json" in sys.argv:
    n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else 2
    sys.exit(bench(n))
elif __name__ == '__main__':
    print(classic_demo())
    print(ring(3, 2))
    print(cleanup_on_throw('shutting down'))
    pingpong()
