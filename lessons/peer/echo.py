"""echo: an echo server and C clients each sending n messages over
127.0.0.1, every echo checked byte for byte, as src/scenarios/echo.rs. The
server listens on a free port and the clients run in this process."""

import selectors
import socket
import threading

UNIT, DEFAULT_N, DEFAULT_DELAY_MS, DEFAULT_CLIENTS = "messages", 1000, 0, 10


def want(n, clients, **_):
    return n * clients


def message(client, seq):
    """The bytes client `client` sends as message `seq` (as corolab's echo)."""
    size = 16 + (client * 31 + seq * 7) % 113
    return bytes((client * 131 + seq * 17 + i) % 256 for i in range(size))


def handle(conn):
    """Echo until the client closes its side."""
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                return
            conn.sendall(data)


def talk(s, c, n):
    """Send client c's n messages on socket s; how many came back intact."""
    good = 0
    for seq in range(n):
        sent = message(c, seq)
        s.sendall(sent)
        got = b""
        while len(got) < len(sent):
            part = s.recv(len(sent) - len(got))
            if not part:
                return good
            got += part
        good += got == sent
    return good


def on_threads(n, clients, **_):
    """A thread per connection on the server, a thread per client."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept():
        with listener:
            for _ in range(clients):
                conn, _ = listener.accept()
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    good = [0] * clients

    def client(c):
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            good[c] = talk(s, c, n)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(good)


def on_gevent(n, clients, **_):
    """gevent's StreamServer, a greenlet per connection and per client."""
    import gevent
    from gevent import socket as gsocket
    from gevent.server import StreamServer

    server = StreamServer(("127.0.0.1", 0), lambda conn, addr: handle(conn))
    server.start()
    port = server.address[1]

    def client(c):
        with gsocket.create_connection(("127.0.0.1", port)) as s:
            return talk(s, c, n)

    jobs = [gevent.spawn(client, c) for c in range(clients)]
    gevent.joinall(jobs)
    server.stop()
    return sum(j.value or 0 for j in jobs)


def on_selectors(n, clients, **_):
    """One DefaultSelector, no threads: the server's accept and read
    callbacks and every client's read callback ride in key.data, as in
    lesson 04. Messages are at most 128 bytes and each client waits for
    its echo before the next, so a send never finds the socket full."""
    sel = selectors.DefaultSelector()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    good = [0] * clients
    running = [clients]

    def accept(sock, mask):
        conn, _ = sock.accept()
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sel.register(conn, selectors.EVENT_READ, echo)

    def echo(conn, mask):
        data = conn.recv(4096)
        if data:
            conn.send(data)
        else:
            sel.unregister(conn)
            conn.close()

    def client_reader(c):
        state = {"seq": 0, "got": b""}  # what the blocking client's locals held

        def on_read(sock, mask):
            part = sock.recv(4096)
            state["got"] += part
            sent = message(c, state["seq"])
            if part and len(state["got"]) < len(sent):
                return  # half an echo: wait for the rest
            if part:
                good[c] += state["got"] == sent
                state["seq"] += 1
                state["got"] = b""
            if part and state["seq"] < n:
                sock.send(message(c, state["seq"]))
                return
            sel.unregister(sock)
            sock.close()
            running[0] -= 1

        return on_read

    sel.register(listener, selectors.EVENT_READ, accept)
    for c in range(clients):
        s = socket.create_connection(("127.0.0.1", port))  # loopback: at once
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, client_reader(c))
        s.send(message(c, 0))
    while running[0] or len(sel.get_map()) > 1:
        events = sel.select(timeout=10)
        if not events:
            break  # ten silent seconds: something is lost; the count says so
        for key, mask in events:
            key.data(key.fileobj, mask)
    sel.unregister(listener)
    listener.close()
    sel.close()
    return sum(good)


async def echo_all(n, clients):
    """asyncio streams: a task per connection on the server, a task per
    client; the same code on any asyncio loop."""
    import asyncio

    async def serve(reader, writer):
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
    good = await asyncio.gather(*(client(c) for c in range(clients)))
    server.close()
    await server.wait_closed()
    return sum(good)


def on_asyncio(n, clients, **_):
    import asyncio

    return asyncio.run(echo_all(n, clients))


def on_uvloop(n, clients, **_):
    """The same coroutine on uvloop's loop: the swap is one line."""
    import uvloop

    return uvloop.run(echo_all(n, clients))


VARIANTS = {"threads": on_threads, "gevent": on_gevent, "asyncio": on_asyncio, "uvloop": on_uvloop,
            "selectors": on_selectors}
