"""Lesson 13, the Python original: asyncio clients of real servers.

The articles' aioredis example (two redis servers, two connections, one
loop, interleaved), a BRPOP that parks one coroutine while another pushes
the job, and a pipeline; plus their "wget" on asyncio streams.

Plain python3 (3.11+), no packages:

    python3 original.py                     # two tiny RESP servers, in-process
    python3 original.py --ports 6379 6380   # two real redis-servers
    python3 original.py --wget http://127.0.0.1:7000/hello/world

aioredis itself is gone (it became `redis.asyncio` in redis-py 4.2). With
--ports and redis-py importable (`pip install redis`), the example uses
`redis.asyncio`; otherwise it speaks RESP itself over asyncio streams, a
client of 30 lines below, and says which it used. Without --ports it
starts two tiny RESP servers of its own (enough of redis for this example:
PING, HSET, HGETALL, LPUSH, BRPOP, INCR), since nothing else may be
listening.
"""

import argparse
import asyncio
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer()

START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}")


# -- RESP over asyncio streams: a client ----------------------------------

def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        arg = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


async def read_value(reader):
    """One RESP2 value: readline for the header, readexactly for a bulk
    string's bytes, from the same StreamReader (the lesson's point)."""
    line = await reader.readline()
    if not line:
        raise ConnectionError("the server closed the connection mid-reply")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n == -1 else (await reader.readexactly(n + 2))[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n == -1 else [await read_value(reader) for _ in range(n)]
    raise ValueError(f"not RESP2: {line!r}")


class Resp:
    """A redis connection: the few commands this example needs."""

    name = "RESP over asyncio streams (this file)"

    @classmethod
    async def connect(cls, port):
        self = cls()
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        return self

    async def call(self, *args):
        self.writer.write(encode(*args))
        await self.writer.drain()
        return await read_value(self.reader)

    async def pipeline(self, commands):
        self.writer.write(b"".join(encode(*c) for c in commands))
        await self.writer.drain()
        return [await read_value(self.reader) for _ in commands]

    async def hset(self, key, mapping):
        flat = [x for pair in mapping.items() for x in pair]
        return await self.call("HSET", key, *flat)

    async def hgetall(self, key):
        flat = await self.call("HGETALL", key)
        return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}

    async def lpush(self, key, value):
        return await self.call("LPUSH", key, value)

    async def brpop(self, key, timeout):
        got = await self.call("BRPOP", key, timeout)
        return None if got is None else (got[0], got[1])

    async def close(self):
        self.writer.close()
        await self.writer.wait_closed()


class RedisPy:
    """The same, on redis-py's asyncio API (what aioredis became)."""

    name = "redis.asyncio (redis-py)"

    @classmethod
    async def connect(cls, port):
        import redis.asyncio as aioredis

        self = cls()
        self.r = aioredis.Redis(host="127.0.0.1", port=port)
        await self.r.ping()
        return self

    async def pipeline(self, commands):
        async with self.r.pipeline(transaction=False) as p:
            for c in commands:
                p.execute_command(*c)
            return await p.execute()

    async def hset(self, key, mapping):
        return await self.r.hset(key, mapping=mapping)

    async def hgetall(self, key):
        return {k.decode(): v.decode() for k, v in (await self.r.hgetall(key)).items()}

    async def lpush(self, key, value):
        return await self.r.lpush(key, value)

    async def brpop(self, key, timeout):
        return await self.r.brpop([key], timeout)

    async def close(self):
        await self.r.aclose()


# -- a tiny RESP server, for when no redis-server is at hand ----------------

async def tiny_redis():
    store, pushed = {}, asyncio.Condition()

    async def serve(reader, writer):
        async def reply(value):
            if isinstance(value, int):
                writer.write(b":%d\r\n" % value)
            elif isinstance(value, str):
                writer.write(b"+" + value.encode() + b"\r\n")
            elif value is None:
                writer.write(b"*-1\r\n")
            else:
                writer.write(b"*%d\r\n" % len(value))
                for v in value:
                    writer.write(b"$%d\r\n%s\r\n" % (len(v), v))
            await writer.drain()

        while True:
            try:
                args = await read_value(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                break
            cmd, *rest = [a.decode() if i == 0 else a for i, a in enumerate(args)]
            cmd = cmd.upper()
            if cmd == "PING":
                await reply("PONG")
            elif cmd == "HSET":
                h = store.setdefault(rest[0], {})
                new = sum(f not in h for f in rest[1::2])
                h.update(zip(rest[1::2], rest[2::2]))
                await reply(new)
            elif cmd == "HGETALL":
                await reply([x for kv in store.get(rest[0], {}).items() for x in kv])
            elif cmd == "INCR":
                store[rest[0]] = store.get(rest[0], 0) + 1
                await reply(store[rest[0]])
            elif cmd == "LPUSH":
                store.setdefault(rest[0], []).insert(0, rest[1])
                async with pushed:
                    pushed.notify_all()
                await reply(len(store[rest[0]]))
            elif cmd == "BRPOP":
                key, timeout = rest[0], float(rest[1])
                async with pushed:
                    try:
                        await asyncio.wait_for(pushed.wait_for(lambda: store.get(key)), timeout or None)
                        await reply([key, store[key].pop()])
                    except TimeoutError:
                        await reply(None)
            else:
                writer.write(b"-ERR unknown command '" + cmd.encode() + b"'\r\n")
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


# -- the story ---------------------------------------------------------------

async def hash_on(client, name, port, value):
    redis = await client.connect(port)
    say(f"[{name}] connected to port {port}")
    await redis.hset("hash", {"key1": value, "key2": "value2"})
    say(f"[{name}] HSET hash key1 {value} key2 value2")
    await asyncio.sleep(0.02)  # let the other one run
    fields = await redis.hgetall("hash")
    say(f"[{name}] HGETALL hash -> " + " ".join(f"{k}={v}" for k, v in fields.items()))
    await redis.close()


async def blocking_pop(client, port):
    say("-- a BRPOP parks its task; the loop runs the pusher")
    started = time.monotonic()

    async def worker():
        redis = await client.connect(port)
        say("[worker] BRPOP jobs 5 (the list is empty: it waits)")
        got = await redis.brpop("jobs", 5)
        await redis.close()
        return got

    waiting = asyncio.create_task(worker())
    boss = await client.connect(port)
    await asyncio.sleep(0.1)
    await boss.lpush("jobs", "job 1")
    say('[boss] LPUSH jobs "job 1"')
    got = await waiting
    value = None if got is None else got[1].decode()
    say(f"[worker] got {value!r}, {(time.monotonic() - started) * 1000:.0f} ms after it asked")
    await boss.close()


async def pipelined(client, port):
    say("-- pipelining: 100 INCRs, one write, one round trip")
    redis = await client.connect(port)
    replies = await redis.pipeline([("INCR", "n")] * 100)
    say(f"{len(replies)} replies, in order; the last is {replies[-1]}")
    await redis.close()


async def redis_demo(ports):
    servers = []
    if ports is None:
        for _ in range(2):
            server, port = await tiny_redis()
            servers.append(server)
        ports = [s.sockets[0].getsockname()[1] for s in servers]
        client = Resp
    else:
        try:
            import redis.asyncio  # noqa: F401

            client = RedisPy
        except ImportError:
            client = Resp
    say("-- two servers, two connections, one loop (aioredis)")
    say(f"client: {client.name}")
    await asyncio.gather(
        hash_on(client, "redis1", ports[0], "value1"),
        hash_on(client, "redis2", ports[1], "other"),
    )
    await blocking_pop(client, ports[0])
    await pipelined(client, ports[1])
    for server in servers:
        server.close()


# -- wget on asyncio streams, as the articles have it ------------------------

async def wget(url):
    url = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port or 80)
    query = f"GET {url.path or '/'} HTTP/1.0\r\nHost: {url.hostname}\r\n\r\n"
    writer.write(query.encode("latin-1"))
    while True:
        line = await reader.readline()
        if not line:
            break
        line = line.decode("latin1").rstrip()
        if line:
            print(f"HTTP header> {line}")
    writer.close()
    await writer.wait_closed()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", type=int, nargs=2, help="two redis servers to use")
    parser.add_argument("--wget", metavar="URL", help="print a page's lines, as the articles' wget")
    args = parser.parse_args()
    asyncio.run(wget(args.wget) if args.wget else redis_demo(args.ports))
