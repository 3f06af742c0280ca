"""crawl: fetch n pages from a slow local server (delay each), at most C in
flight over keep-alive connections, every body checked, as
src/scenarios/crawl.rs. The server is asyncio's too, on a free port, in
the same loop: only the crawler's model matters, and it waits on the
network the whole time."""

import asyncio

UNIT, DEFAULT_N, DEFAULT_DELAY_MS = "pages", 20, 200
CONCURRENCY = 10


def want(n, **_):
    return n


async def serve(reader, writer):
    """GET /hello/{name}?delay_ms=D: "Hello, {name}!" after D ms, keep-alive,
    until the client closes its side."""
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            target = head.split(" ")[1]
            path, _, query = target.partition("?")
            delay = int(query.partition("delay_ms=")[2] or 0) / 1000
            await asyncio.sleep(delay)
            body = f"Hello, {path[len('/hello/'):].replace('%20', ' ')}!\n".encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def fetch(conn, target):
    reader, writer = conn
    writer.write(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = next(int(line.split(":")[1]) for line in head if line.lower().startswith("content-length"))
    return int(head[0].split(" ")[1]), await reader.readexactly(length)


def on_asyncio(n, delay, **_):
    """A task per page; an asyncio.Semaphore keeps C in flight, and idle
    keep-alive connections are reused, so at most C are ever opened."""

    async def main():
        handlers = []

        async def handler(reader, writer):
            handlers.append(asyncio.current_task())
            await serve(reader, writer)

        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        limit, idle = asyncio.Semaphore(CONCURRENCY), []

        async def page(i):
            async with limit:
                conn = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
                status, body = await fetch(conn, f"/hello/page%20{i}?delay_ms={int(delay * 1000)}")
                idle.append(conn)
                return status == 200 and body == f"Hello, page {i}!\n".encode()

        good = sum(await asyncio.gather(*(page(i) for i in range(n))))
        for _, writer in idle:
            writer.close()
        await asyncio.gather(*handlers)  # each sees its client hang up and ends
        server.close()
        await server.wait_closed()
        return good

    return asyncio.run(main())


VARIANTS = {"asyncio": on_asyncio}
