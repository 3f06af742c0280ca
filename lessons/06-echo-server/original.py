"""Lesson 06, the Python original: an echo server with gevent (one hub),
and with a thread per connection; plus a client that checks every echo.

  python3 original.py gevent  127.0.0.1:7000   # needs: pip install gevent
  python3 original.py threads 127.0.0.1:7000   # plain python3
  python3 original.py client  127.0.0.1:7000   # 10 clients x 1000 messages
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


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "threads"
    host, _, port = (sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1:7000").rpartition(":")
    try:
        {"gevent": serve_gevent, "threads": serve_threads, "client": client}[mode](host, int(port))
    except KeyboardInterrupt:
        pass
