"""blocking: n blocking calls (a sleep of D each) through run_in_executor,
so they overlap on a thread pool, as src/scenarios/blocking.rs's aio arm."""

import asyncio
import concurrent.futures
import time

UNIT, DEFAULT_N, DEFAULT_DELAY_MS = "calls", 10, 100


def want(n, **_):
    return n


def on_asyncio(n, delay, workers=None, **_):
    async def main():
        loop = asyncio.get_running_loop()
        if workers:
            loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(workers))
        await asyncio.gather(*(loop.run_in_executor(None, time.sleep, delay) for _ in range(n)))
        return n

    return asyncio.run(main())


VARIANTS = {"asyncio": on_asyncio}
