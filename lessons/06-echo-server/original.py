"""Lesson 06, the Python original: an echo server with gevent (one hub),
and with a thread per connection; plus a client that checks every echo.

  python3 original.py gevent  127.0.0.1:7000   # needs: pip install gevent
  python3 original.py threads 127.0.0.1:7000   # plain python3
  python3 original.py client  127.0.0.1:7000   # 10 clients x 1000 messages
  python3 original.py                          # narrated: `corolab demo 06`
"""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("echo/threads", "echo/gevent")


def handle(conn):
    """Echo until the client closes its side."""
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                return
            conn.sendall(data)


def serve_gevent(host, port):
    from gevent.server import StreamServer

    server = StreamServer((host, port), lambda conn, addr: handle(conn))
    print(f"gevent echo on {host}:{port}; Ctrl-C stops")
    server.serve_forever()


def serve_threads(host, port):
    listener = socket.create_server((host, port))
    print(f"threaded echo on {host}:{port}; Ctrl-C stops")
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def message(client, seq):
    n = 16 + (client * 31 + seq * 7) % 113
    return bytes((client * 131 + seq * 17 + i) % 256 for i in range(n))


def client(host, port, clients=10, messages=1000, report=True):
    def one(c):
        with socket.create_connection((host, port)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for seq in range(messages):
                sent = message(c, seq)
                s.sendall(sent)
                got = b""
                while len(got) < len(sent):
                    got += s.recv(len(sent) - len(got))
                assert got == sent, f"client {c}: echo {seq} differs"

    t = time.monotonic()
    threads = [threading.Thread(target=one, args=(c,)) for c in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.monotonic() - t
    if report:
        print(f"{clients * messages} echoes verified in {took:.2f} s: {clients * messages / took:.0f} messages/s")


START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}")


CLIENTS, MESSAGES, PAUSE = 3, 2, 0.1


def narrated_handle(conn, how):
    """handle(), saying what the server does."""
    say(f"server: accepted a connection; {how} serves it")
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                say("server: the client closed its side; the handler ends")
                return
            say(f"server: echoes {data.decode()!r}")
            conn.sendall(data)


def talk(i, port, connect, sleep):
    """One client: MESSAGES messages, PAUSE apart, each echo checked."""
    with connect(("127.0.0.1", port)) as s:
        for k in range(MESSAGES):
            sent = f"hello {k} from client {i}".encode()
            s.sendall(sent)
            got = b""
            while len(got) < len(sent):
                got += s.recv(len(sent) - len(got))
            say(f"client {i}: got {got.decode()!r} back")
            sleep(PAUSE)


def demo_threads():
    say("-- threads: a thread per connection, three clients at once")
    t = time.monotonic()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    handlers = []

    def accept_loop():
        for _ in range(CLIENTS):  # bounded: the demo's clients, then stop
            conn, _ = listener.accept()
            th = threading.Thread(target=narrated_handle, args=(conn, "a new thread"))
            handlers.append(th)
            th.start()

    acceptor = threading.Thread(target=accept_loop)
    acceptor.start()
    connect = socket.create_connection
    clients = [
        threading.Thread(target=talk, args=(i, port, connect, time.sleep))
        for i in range(CLIENTS)
    ]
    for th in clients:
        th.start()
    for th in clients + [acceptor]:
        th.join()
    for th in handlers:  # complete once the acceptor is done
        th.join()
    listener.close()
    took = time.monotonic() - t
    say(f"-- threads: {CLIENTS * MESSAGES} echoes, {CLIENTS} clients, {took:.2f} s")


def demo_gevent():
    import gevent
    import gevent.server
    import gevent.socket

    say("-- gevent: a greenlet per connection, one thread, one hub")
    t = time.monotonic()
    handle_one = lambda conn, _: narrated_handle(conn, "a greenlet")  # noqa: E731
    server = gevent.server.StreamServer(("127.0.0.1", 0), handle_one)
    server.start()
    connect = gevent.socket.create_connection
    clients = [
        gevent.spawn(talk, i, server.server_port, connect, gevent.sleep)
        for i in range(CLIENTS)
    ]
    gevent.joinall(clients)
    gevent.sleep(0.05)  # let the handlers see their clients hang up
    server.stop()
    took = time.monotonic() - t
    say(f"-- gevent: {CLIENTS * MESSAGES} echoes, {CLIENTS} clients, {took:.2f} s")


def demo():
    demo_threads()
    try:
        import gevent  # noqa: F401
    except ImportError:
        print("gevent is not installed (pip install gevent): skipping its part")
    else:
        demo_gevent()


if __name__ == "__main__":
    if len(sys.argv) == 1:
        demo()
        sys.exit(0)
    mode = sys.argv[1]
    host, _, port = (sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1:7000").rpartition(":")
    try:
        {"gevent": serve_gevent, "threads": serve_threads, "client": client}[mode](host, int(port))
    except KeyboardInterrupt:
        pass
