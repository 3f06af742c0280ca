"""producer-consumer: a producer hands items 1..=n to a consumer, which
answers each with "200 OK", as src/scenarios/producer_consumer.rs."""

import asyncio

UNIT, DEFAULT_N, DEFAULT_DELAY_MS = "items", 5, 0
STATUS = "200 OK"


def want(n, **_):
    return n


def generators(n, **_):
    """The classic consumer() generator, driven by send()."""
    seen = []

    def consumer():
        r = ""
        while True:
            item = yield r
            seen.append(item)
            r = STATUS

    c = consumer()
    c.send(None)  # prime: run to the first yield
    answered = sum(c.send(i) == STATUS for i in range(1, n + 1))
    c.close()
    return n if seen == list(range(1, n + 1)) and answered == n else 0


def on_asyncio(n, **_):
    """Two one-slot queues, one each way."""

    async def main():
        items, answers, seen = asyncio.Queue(1), asyncio.Queue(1), []

        async def consumer():
            while (item := await items.get()) is not None:
                seen.append(item)
                await answers.put(STATUS)

        task = asyncio.create_task(consumer())
        answered = 0
        for item in range(1, n + 1):
            await items.put(item)
            answered += await answers.get() == STATUS
        await items.put(None)
        await task
        return n if seen == list(range(1, n + 1)) and answered == n else 0

    return asyncio.run(main())


VARIANTS = {"generators": generators, "asyncio": on_asyncio}
