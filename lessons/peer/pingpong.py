"""pingpong: two workers hand control back and forth, n turns each, printing
the classic greenlet numbers (n = 2: 12 56 34 78), as src/scenarios/pingpong.rs."""

import asyncio

UNIT, DEFAULT_N, DEFAULT_DELAY_MS = "turns", 2, 0


def ping_value(k):
    return f"{2 * k + 1}{2 * k + 2}"


def pong_value(n, k):
    return f"{2 * n + 2 * k + 1}{2 * n + 2 * k + 2}"


def expected(n):
    return [v for k in range(n) for v in (ping_value(k), pong_value(n, k))]


def want(n, **_):
    return 2 * n


def checked(n, printed):
    return len(printed) if printed == expected(n) else 0


def generators(n, **_):
    """A generator yields back to its caller: a driver loop resumes both."""
    printed = []

    def worker(values):
        for v in values:
            printed.append(v)
            yield

    ping = worker(ping_value(k) for k in range(n))
    pong = worker(pong_value(n, k) for k in range(n))
    for _ in range(n):
        next(ping)
        next(pong)
    return checked(n, printed)


def greenlets(n, **_):
    """Each worker switches straight to the other: no driver."""
    from greenlet import greenlet

    printed = []

    def ping():
        for k in range(n):
            printed.append(ping_value(k))
            pong_g.switch()

    def pong():
        for k in range(n):
            printed.append(pong_value(n, k))
            if k + 1 < n:
                ping_g.switch()

    ping_g, pong_g = greenlet(ping), greenlet(pong)
    ping_g.switch()
    return checked(n, printed)


def on_asyncio(n, **_):
    """Two tasks pass the turn through two queues."""
    printed = []

    async def main():
        to_ping, to_pong = asyncio.Queue(), asyncio.Queue()

        async def ping():
            for k in range(n):
                printed.append(ping_value(k))
                to_pong.put_nowait(None)
                if k + 1 < n:
                    await to_ping.get()

        async def pong():
            for k in range(n):
                await to_pong.get()
                printed.append(pong_value(n, k))
                if k + 1 < n:
                    to_ping.put_nowait(None)

        await asyncio.gather(ping(), pong())

    asyncio.run(main())
    return checked(n, printed)


VARIANTS = {"generators": generators, "greenlet": greenlets, "asyncio": on_asyncio}
