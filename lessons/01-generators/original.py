#!/usr/bin/env python3
"""Lesson 01 in Python: the generators that lessons/01-generators/ builds in Rust.

Runs with plain python3, no packages needed:  python3 lessons/01-generators/original.py
"""

import os
import sys
import time

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
def consumer(say=print):
    r = ''
    try:
        while True:
            n = yield r
            if not n:
                return
            say('[consumer] consuming %s' % n)
            r = '200 OK'
    except GeneratorExit:
        say('[consumer] closed at its yield (GeneratorExit)')
        raise


def produce(c, n=5, say=print):
    c.send(None)  # prime it: run to the first yield. corolab's first send carries a value instead.
    for i in range(1, n + 1):
        say('[producer] producing %s' % i)
        r = c.send(i)
        say('[producer] consumer answered %s' % r)
    c.close()  # GeneratorExit at the pending yield; corolab's close() unwinds the stack


START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}")


def slow_squares(n, cost):
    """A lazy generator: each value costs `cost` seconds, paid when asked for."""
    for i in range(1, n + 1):
        say(f"  body: working {cost * 1000:.0f} ms on {i}")
        time.sleep(cost)
        yield i * i
    say("  body: no more values, it returns")


if __name__ == '__main__':
    # `corolab demo 01` tells the same story in Rust, line for line.
    say("-- lazy: the body runs only when the caller asks for a value")
    squares = slow_squares(3, 0.1)
    say("slow_squares(3) made; its body has not started")
    for square in squares:
        say(f"caller got {square}")
    say("-- countdown and fibonacci: one value per next()")
    say(f"countdown(3) -> {list(countdown(3))}")
    f = fibonacci()
    say(f"ten fibonacci numbers -> {[next(f) for _ in range(10)]}")
    say("-- averager: send carries a value in, throw ends it")
    avg = averager()
    next(avg)  # prime: Python needs this, corolab does not
    for x in (10, 20, 30):
        say(f"send({x}) -> average {avg.send(x):.1f}")
    try:
        avg.throw(Stop())
    except StopIteration as stop:
        count, average = stop.value
        say(f"throw(Stop) -> returned: {count} numbers, average {average:.1f}")
    say("-- producer-consumer: two routines take turns through send")
    produce(consumer(say), n=3, say=say)
