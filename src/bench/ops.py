# The Python side of `corolab bench`'s per-operation table: the same
# operations as src/bench/ops.rs, timed the same way (inside the process,
# over many operations, the check after the timed loop).
#
#   python3 ops.py OP VARIANT TARGET_MS
#
# OP is switch, spawn, timer, remote or socket; VARIANT is generators,
# greenlet, gevent, asyncio, uvloop or threads. The loop grows until it
# lasts TARGET_MS (timer: 10,000 tasks, once). It prints one JSON line:
# {"ok": true, "ns": <total ns of the timed loop>, "iters": <operations>}
# or {"ok": false, "skip": "pip install uvloop"} when a module is missing,
# or {"ok": false, "error": "..."} when the variant has no such operation.
import json
import sys
import time

MESSAGE = b"x" * 64


def need(module):
    try:
        return __import__(module)
    except ImportError:
        print(json.dumps({"ok": False, "skip": f"pip install {module}"}))
        sys.exit(0)


def done(ns, iters):
    print(json.dumps({"ok": True, "ns": ns, "iters": iters}))


# ---- generators -------------------------------------------------------
def generators(op, n):
    if op == "switch":
        def echo():
            while True:
                yield

        g = echo()
        next(g)
        t = time.perf_counter_ns()
        for _ in range(n):
            g.send(None)
        return time.perf_counter_ns() - t, n
    if op == "spawn":
        def once():
            yield 1

        t = time.perf_counter_ns()
        for _ in range(n):
            for _ in once():
                pass
        return time.perf_counter_ns() - t, n
    return None


# ---- greenlet ---------------------------------------------------------
def greenlet_ops(op, n):
    greenlet = need("greenlet")
    main = greenlet.getcurrent()
    if op == "switch":
        def child():
            while True:
                main.switch()

        g = greenlet.greenlet(child)
        g.switch()
        t = time.perf_counter_ns()
        for _ in range(n):
            g.switch()
        return time.perf_counter_ns() - t, n
    if op == "spawn":
        t = time.perf_counter_ns()
        for i in range(n):
            greenlet.greenlet(lambda: i).switch()
        return time.perf_counter_ns() - t, n
    return None


# ---- gevent -----------------------------------------------------------
def gevent_ops(op, n):
    gevent = need("gevent")
    if op == "switch":
        took = []

        def turns(record):
            t = time.perf_counter_ns()
            for _ in range(n):
                gevent.sleep(0)
            if record:
                took.append(time.perf_counter_ns() - t)

        gevent.joinall([gevent.spawn(turns, True), gevent.spawn(turns, False)])
        return took[0], n
    if op == "spawn":
        t = time.perf_counter_ns()
        for i in range(n):
            gevent.spawn(lambda: i).join()
        return time.perf_counter_ns() - t, n
    if op == "timer":
        woke = []
        deadline = time.monotonic() + 0.2

        def sleeper():
            gevent.sleep(max(0.0, deadline - time.monotonic()))
            woke.append(time.perf_counter_ns())
            # Alive while the others wake, as in workloads.rs (TIMER_HOLD).
            gevent.sleep(max(0.0, deadline + 0.2 - time.monotonic()))

        gevent.joinall([gevent.spawn(sleeper) for _ in range(n)])
        return woke[-1] - woke[0], n - 1
    if op == "socket":
        from gevent import socket

        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def serve():
            conn, _ = listener.accept()
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                conn.sendall(data)

        server = gevent.spawn(serve)
        client = socket.create_connection(listener.getsockname())
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t = time.perf_counter_ns()
        for _ in range(n):
            client.sendall(MESSAGE)
            got = 0
            while got < len(MESSAGE):
                got += len(client.recv(len(MESSAGE) - got))
        took = time.perf_counter_ns() - t
        client.close()
        server.join()
        return took, n
    return None


# ---- asyncio and uvloop -----------------------------------------------
def asyncio_ops(op, n, uvloop):
    import asyncio

    async def switch():
        took = []

        async def turns(record):
            t = time.perf_counter_ns()
            for _ in range(n):
                await asyncio.sleep(0)
            if record:
                took.append(time.perf_counter_ns() - t)

        await asyncio.gather(turns(True), turns(False))
        return took[0], n

    async def spawn():
        async def one(i):
            return i

        t = time.perf_counter_ns()
        for i in range(n):
            await asyncio.create_task(one(i))
        return time.perf_counter_ns() - t, n

    async def timer():
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.2
        woke = []

        async def sleeper():
            fut = loop.create_future()
            loop.call_at(deadline, fut.set_result, None)
            await fut
            woke.append(time.perf_counter_ns())
            # Alive while the others wake, as in workloads.rs (TIMER_HOLD).
            await asyncio.sleep(max(0.0, deadline + 0.2 - loop.time()))

        await asyncio.gather(*(sleeper() for _ in range(n)))
        return woke[-1] - woke[0], n - 1

    async def remote():
        import threading

        loop = asyncio.get_running_loop()
        took = []

        async def noop():
            return 1

        def other_thread():
            t = time.perf_counter_ns()
            for _ in range(n):
                asyncio.run_coroutine_threadsafe(noop(), loop).result()
            took.append(time.perf_counter_ns() - t)

        thread = threading.Thread(target=other_thread)
        thread.start()
        while thread.is_alive():
            await asyncio.sleep(0.001)
        thread.join()
        return took[0], n

    async def socket():
        finished = asyncio.get_running_loop().create_future()

        async def serve(reader, writer):
            while data := await reader.read(4096):
                writer.write(data)
                await writer.drain()
            writer.close()
            finished.set_result(None)

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        t = time.perf_counter_ns()
        for _ in range(n):
            writer.write(MESSAGE)
            await writer.drain()
            await reader.readexactly(len(MESSAGE))
        took = time.perf_counter_ns() - t
        writer.close()
        await finished
        server.close()
        await server.wait_closed()
        return took, n

    ops = {"switch": switch, "spawn": spawn, "timer": timer, "remote": remote, "socket": socket}
    if op not in ops:
        return None
    if uvloop:
        return need("uvloop").run(ops[op]())
    return asyncio.run(ops[op]())


# ---- threads ----------------------------------------------------------
def threads_ops(op, n):
    import queue
    import threading

    if op == "switch":
        there, back = queue.SimpleQueue(), queue.SimpleQueue()

        def echo():
            while (x := there.get()) is not None:
                back.put(x)

        other = threading.Thread(target=echo)
        other.start()
        t = time.perf_counter_ns()
        for i in range(n):
            there.put(i)
            back.get()
        took = time.perf_counter_ns() - t
        there.put(None)
        other.join()
        return took, n
    if op == "spawn":
        t = time.perf_counter_ns()
        for _ in range(n):
            th = threading.Thread(target=lambda: None)
            th.start()
            th.join()
        return time.perf_counter_ns() - t, n
    return None


def calibrated(run, op, target_ns):
    if op == "timer":
        return run(10_000)
    n = 16
    while True:
        result = run(n)
        if result is None or result[0] >= target_ns or n >= 1 << 26:
            return result
        n = int(n * min(100.0, max(2.0, target_ns * 1.2 / max(result[0], 1))))


def main():
    op, variant, target_ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runs = {
        "generators": lambda n: generators(op, n),
        "greenlet": lambda n: greenlet_ops(op, n),
        "gevent": lambda n: gevent_ops(op, n),
        "asyncio": lambda n: asyncio_ops(op, n, False),
        "uvloop": lambda n: asyncio_ops(op, n, True),
        "threads": lambda n: threads_ops(op, n),
    }
    result = calibrated(runs[variant], op, target_ms * 1_000_000)
    if result is None:
        print(json.dumps({"ok": False, "error": f"{variant} has no {op}"}))
    else:
        done(*result)


main()
