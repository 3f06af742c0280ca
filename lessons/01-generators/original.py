#!/usr/bin/env python3
"""Lesson 01 in Python: the generators that lessons/01-generators/ builds in Rust.

Runs with plain python3, no packages needed:  python3 lessons/01-generators/original.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("pingpong/generators", "producer-consumer/generators")


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


if __name__ == '__main__':
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
