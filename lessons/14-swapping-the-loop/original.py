"""Lesson 14, the Python original: the same asyncio program on two loops.

The articles' trick: write the program against asyncio, then swap the
loop under it for uvloop (libuv, in C) and it runs faster, unchanged. Here
the program is sleepers (many tasks sleeping at once) and an echo server
with its clients; main() runs it on asyncio's own loop, then on uvloop's.

Plain python3 (3.11+):  python3 original.py
With uvloop:            pip install --break-system-packages uvloop
"""

import asyncio
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("echo/asyncio", "echo/uvloop", "sleepers/asyncio", "sleepers/uvloop")

from peer.echo import message  # noqa: E402  the echo scenario's messages, 16 to 128 bytes

SLEEPERS, NAP = 10_000, 0.2
CLIENTS, MESSAGES = 10, 1_000


async def sleepers(n, nap):
    """n tasks sleep `nap` at once; all are awaited."""
    await asyncio.gather(*(asyncio.sleep(nap) for _ in range(n)))
    return n


async def echo(clients, n):
    """An echo server and `clients` clients, each sending n messages and
    checking every echo; the number of echoes that came back intact."""

    async def serve(reader, writer):
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := await reader.read(4096):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def client(c):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        good = 0
        for seq in range(n):
            sent = message(c, seq)
            writer.write(sent)
            await writer.drain()
            good += await reader.readexactly(len(sent)) == sent
        writer.close()
        await writer.wait_closed()
        return good

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    good = sum(await asyncio.gather(*(client(c) for c in range(clients))))
    server.close()
    await server.wait_closed()
    return good


async def main():
    """The program: it does not know which loop runs it."""
    loop = type(asyncio.get_running_loop())
    t = time.perf_counter()
    woke = await sleepers(SLEEPERS, NAP)
    slept = time.perf_counter() - t
    t = time.perf_counter()
    good = await echo(CLIENTS, MESSAGES)
    echoed = time.perf_counter() - t
    print(f"{loop.__module__}.{loop.__name__}:")
    print(f"  {woke} sleepers of {NAP * 1000:.0f} ms: {slept * 1000:.0f} ms "
          f"({(slept - NAP) * 1e6 / woke:.1f} us a sleeper past the nap)")
    print(f"  {good} echoes: {echoed * 1000:.0f} ms ({echoed * 1e6 / good:.1f} us an echo)")


def on_uvloop():
    """The swap: one line, and uvloop imported only here."""
    try:
        import uvloop
    except ImportError:
        print("uvloop is not installed: pip install --break-system-packages uvloop")
        return
    uvloop.run(main())


if __name__ == "__main__":
    asyncio.run(main())
    on_uvloop()
