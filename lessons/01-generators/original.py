#!/usr/bin/env python3
"""Lesson 01 in Python: the generators that lessons/01-generators/ builds in Rust.

Runs with plain python3, no packages needed:  python3 lessons/01-generators/original.py
"""

import sys
import time


def countdown(n):
    while n > 0:
        yield n
        n -= 1


def fibonacci():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b


class Stop(Exception):
    pass


def averager():
    """send(x) answers with the running average; throw(Stop) returns a summary."""
    total, count, average = 0.0, 0, None
    while True:
        try:
            x = yield average
        except Stop:
            return (count, average)
        total += x
        count += 1
        average = total / count


# The producer-consumer scenario (corolab run producer-consumer --backend generator).
def consumer():
    r = ''
    while True:
        n = yield r
        if not n:
            return
        print('[consumer] consuming %s' % n)
        r = '200 OK'


def produce(c, n=5):
    c.send(None)  # prime it: run to the first yield. corolab's first send carries a value instead.
    for i in range(1, n + 1):
        print('[producer] producing %s' % i)
        r = c.send(i)
        print('[producer] consumer answered %s' % r)
    c.close()  # GeneratorExit at the pending yield; corolab's close() unwinds the stack


# --- the bench peer: corolab's pingpong and producer-consumer scenarios
# on plain generators, so `corolab bench` puts them in the same tables.

def bench_pingpong(n, _delay):
    printed = []

    def worker(values):
        for v in values:
            printed.append(v)
            yield

    ping = worker('%d%d' % (2 * k + 1, 2 * k + 2) for k in range(n))
    pong = worker('%d%d' % (2 * n + 2 * k + 1, 2 * n + 2 * k + 2) for k in range(n))
    for _ in range(n):  # a generator yields back to its caller: this loop drives both
        next(ping)
        next(pong)
    want = [v for k in range(n) for v in ('%d%d' % (2 * k + 1, 2 * k + 2), '%d%d' % (2 * n + 2 * k + 1, 2 * n + 2 * k + 2))]
    return len(printed) if printed == want else 0


def bench_producer_consumer(n, _delay):
    seen = []

    def consumer():
        r = ''
        while True:
            item = yield r
            seen.append(item)
            r = '200 OK'

    c = consumer()
    c.send(None)
    answered = sum(c.send(i) == '200 OK' for i in range(1, n + 1))
    c.close()
    return n if seen == list(range(1, n + 1)) and answered == n else 0


BENCH = {  # (scenario, variant): (run, default n, unit, units a correct run does, modules needed)
    ('pingpong', 'generators'): (bench_pingpong, 2, 'turns', lambda n: 2 * n, []),
    ('producer-consumer', 'generators'): (bench_producer_consumer, 5, 'items', lambda n: n, []),
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


if __name__ == '__main__':
    if '--peers' in sys.argv or '--json' in sys.argv:
        sys.exit(bench(sys.argv[1:]))
    print(list(countdown(3)))
    f = fibonacci()
    print([next(f) for _ in range(10)])
    avg = averager()
    next(avg)  # prime: Python needs this, corolab does not
    print(avg.send(10), avg.send(20), avg.send(30))
    try:
        avg.throw(Stop())
    except StopIteration as stop:
        print('summary:', stop.value)
    produce(consumer())
