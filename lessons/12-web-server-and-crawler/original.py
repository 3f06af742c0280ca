#!/usr/bin/env python3
"""Lesson 12's Python counterpart: a web server and a crawler on asyncio.

Runs with plain python3 (asyncio streams, no packages):

    python3 original.py                 # serve on 127.0.0.1:8080, crawl it, narrated
    python3 original.py --serve         # only serve (Ctrl-C to stop); try curl
    python3 original.py --aiohttp       # the same with aiohttp (pip install aiohttp)
    python3 original.py --serve --port 9000

The server answers GET /, /hello/{name} and /data, and ?delay_ms=N makes any
page N ms slow with `await asyncio.sleep`, which lets every other connection
run meanwhile. The crawler fetches 20 pages of 200 ms with at most 10 in
flight (an asyncio.Semaphore) and checks every body: about 0.4 s instead of 4.
"""
import asyncio
import json
import os
import sys
import time
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("crawl/asyncio")

PORT = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 8080
INDEX = b"<!doctype html><h1>corolab</h1><a href='/hello/world'>/hello/{name}</a> <a href='/data'>/data</a>\n"
START = time.monotonic()
NARRATE = [False]  # the first crawl tells what happens, page by page


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}")


DATA = json.dumps({"service": "corolab", "models": ["generator", "greenlet", "gevent", "aio", "threads"]}).encode()


def route(method, target):
    """(status, content type, body, delay in s), like corolab's http::routes."""
    path, _, query = target.partition("?")
    delay = 0.0
    for pair in query.split("&"):
        if pair.startswith("delay_ms="):
            try:
                delay = int(pair[len("delay_ms="):]) / 1000
            except ValueError:
                return 400, "text/plain", b"bad delay_ms\n", 0
    if path == "/":
        answer = (200, "text/html", INDEX)
    elif path == "/data":
        answer = (200, "application/json", DATA)
    elif path.startswith("/hello/") and len(path) > 7 and "/" not in path[7:]:
        answer = (200, "text/plain; charset=utf-8", f"Hello, {unquote(path[7:])}!\n".encode())
    else:
        return 404, "text/plain", b"404 Not Found\n", delay
    if method not in ("GET", "HEAD"):
        return 405, "text/plain", b"405 Method Not Allowed\n", 0
    return (*answer, delay)


async def handle(reader, writer):
    """One connection: keep-alive until the client closes or goes quiet."""
    try:
        while True:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ")
            except ValueError:
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                break
            headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
            await reader.readexactly(int(headers.get("content-length", "0")))
            status, ctype, body, delay = route(method, target)
            if NARRATE[0] and target.startswith("/hello/"):
                name = unquote(target.partition("?")[0][7:])
                sleeps = f"its handler sleeps {delay * 1000:.0f} ms"
                say(f"server: {name} asked for; {sleeps}")
            if delay:
                await asyncio.sleep(delay)  # the coroutine waits; the loop serves others
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                         f"{'Connection: close' + chr(13) + chr(10) if close else ''}\r\n".encode())
            if method != "HEAD":
                writer.write(body)
            await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
        pass  # the client hung up, sent too much, or went quiet
    except asyncio.CancelledError:
        pass  # the server is shutting down
    finally:
        writer.close()


async def fetch(conn, target):
    """GET on a keep-alive connection (reader, writer); returns (status, body)."""
    reader, writer = conn
    writer.write(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = next(int(l.split(":")[1]) for l in head if l.lower().startswith("content-length"))
    return int(head[0].split(" ")[1]), await reader.readexactly(length)


async def crawl(port, n=20, delay_ms=200, concurrency=10):
    """Fetch n slow pages, at most `concurrency` at once, and check each;
    returns how long it took, in seconds."""
    limit = asyncio.Semaphore(concurrency)
    idle = []  # keep-alive connections not in use: at most `concurrency` are ever opened
    in_flight = [0]

    async def one(i):
        async with limit:
            in_flight[0] += 1
            if NARRATE[0]:
                say(f"page {i}: fetching ({in_flight[0]} in flight)")
            conn = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
            status, body = await fetch(conn, f"/hello/page%20{i}?delay_ms={delay_ms}")
            idle.append(conn)
            in_flight[0] -= 1
            if NARRATE[0]:
                say(f"page {i}: {status} '{body.decode().strip()}'")
            assert (status, body) == (200, f"Hello, page {i}!\n".encode()), (i, status, body)
            return i

    started = time.perf_counter()
    done = await asyncio.gather(*(one(i) for i in range(n)))
    took = time.perf_counter() - started
    assert sorted(done) == list(range(n))
    for _, writer in idle:
        writer.close()
    await asyncio.sleep(0.1)  # let the server's handlers see the clients hang up
    return took


async def main_streams(serve_only):
    server = await asyncio.start_server(handle, "127.0.0.1", PORT)
    if serve_only:
        url = f"http://127.0.0.1:{PORT}/"
        print(f"serving on {url} (try: curl -v {url}hello/world)")
        async with server:
            await server.serve_forever()
    # `corolab demo 12` tells the same story in Rust, line for line.
    say(f"-- serving on http://127.0.0.1:{PORT}/: a task per connection")
    async with server:
        say("-- crawl: 6 pages of 200 ms, at most 3 in flight")
        NARRATE[0] = True
        took = await crawl(PORT, n=6, delay_ms=200, concurrency=3)
        NARRATE[0] = False
        say(f"-- crawl: 6 pages in {took * 1000:.0f} ms (one at a time: 1200 ms)")
        took = await crawl(PORT)
        rate = f"{took * 1000:.0f} ms, {20 / took:.0f} pages/s"
        say(f"-- crawl: 20 pages of 200 ms, 10 in flight: {rate}")


def main_aiohttp(serve_only):
    from aiohttp import ClientSession, TCPConnector, web  # pip install aiohttp

    async def page(request):
        delay = int(request.query.get("delay_ms", "0"))
        if delay:
            await asyncio.sleep(delay / 1000)
        if "name" in request.match_info:
            return web.Response(text=f"Hello, {request.match_info['name']}!\n")
        return web.Response(body=DATA, content_type="application/json")

    app = web.Application()
    app.add_routes([web.get("/hello/{name}", page), web.get("/data", page)])
    if serve_only:
        web.run_app(app, host="127.0.0.1", port=PORT)
        return

    async def run():
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", PORT).start()
        async with ClientSession(connector=TCPConnector(limit=10)) as session:
            async def one(i):
                async with session.get(f"http://127.0.0.1:{PORT}/hello/page%20{i}?delay_ms=200") as r:
                    assert await r.text() == f"Hello, page {i}!\n"
            started = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(20)))
            print(f"crawl (aiohttp): 20 pages in {(time.perf_counter() - started) * 1000:.0f} ms")
        await runner.cleanup()

    asyncio.run(run())


if __name__ == "__main__":
    serve_only = "--serve" in sys.argv
    try:
        if "--aiohttp" in sys.argv:
            main_aiohttp(serve_only)
        else:
            asyncio.run(main_streams(serve_only))
    except KeyboardInterrupt:
        print("\nstopped")
