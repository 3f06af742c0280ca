"""sleepers: n tasks each sleep D at once, then all are joined; a correct
run takes at least D, as src/scenarios/sleepers.rs."""

import asyncio
import time

UNIT, DEFAULT_N, DEFAULT_DELAY_MS = "sleepers", 10, 500


def want(n, **_):
    return n


def on_gevent(n, delay, **_):
    import gevent

    start = time.perf_counter()
    gevent.joinall([gevent.spawn(gevent.sleep, delay) for _ in range(n)])
    return n if time.perf_counter() - start >= delay else 0


async def sleep_all(n, delay):
    """The asyncio code, whichever loop runs it."""
    start = time.perf_counter()
    await asyncio.gather(*(asyncio.sleep(delay) for _ in range(n)))
    return n if time.perf_counter() - start >= delay else 0


def on_asyncio(n, delay, **_):
    return asyncio.run(sleep_all(n, delay))


def on_uvloop(n, delay, **_):
    """The same coroutine on uvloop's loop (libuv): the swap is one line."""
    import uvloop

    return uvloop.run(sleep_all(n, delay))


VARIANTS = {"gevent": on_gevent, "asyncio": on_asyncio, "uvloop": on_uvloop}
