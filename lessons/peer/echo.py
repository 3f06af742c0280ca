"""echo: an echo server and C clients each sending n messages over
127.0.0.1, every echo checked byte for byte, as src/scenarios/echo.rs. The
server listens on a free port and the clients run in this process."""

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


VARIANTS = {"threads": on_threads, "gevent": on_gevent}
