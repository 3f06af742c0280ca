"""Lesson 04, the Python original: an echo server with gevent (one hub),
and with a thread per connection; plus a client that checks every echo.

  python3 original.py gevent  127.0.0.1:7000   # needs: pip install gevent
  python3 original.py threads 127.0.0.1:7000   # plain python3
  python3 original.py client  127.0.0.1:7000   # 10 clients x 1000 messages
"""

import json
import socket
import sys
import threading
import time


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


def bench(variant, clients, messages):
    """The `corolab bench` peer protocol (lessons/README.md): serve on a free
    port and run the clients in this process, then print one JSON line."""
    if variant == "gevent":
        import gevent
        from gevent import socket as gsocket
        from gevent.server import StreamServer

        server = StreamServer(("127.0.0.1", 0), lambda conn, addr: handle(conn))
        server.start()
        port = server.address[1]

        def one(c):
            with gsocket.create_connection(("127.0.0.1", port)) as s:
                for seq in range(messages):
                    sent = message(c, seq)
                    s.sendall(sent)
                    got = b""
                    while len(got) < len(sent):
                        got += s.recv(len(sent) - len(got))
                    if got != sent:
                        return 0
            return messages

        t = time.monotonic()
        jobs = [gevent.spawn(one, c) for c in range(clients)]
        gevent.joinall(jobs)
        checked = sum(j.value or 0 for j in jobs)
        took = time.monotonic() - t
        server.stop()
    else:
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]

        def accept():
            for _ in range(clients):
                conn, _ = listener.accept()
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        t = time.monotonic()
        client("127.0.0.1", port, clients, messages, report=False)
        checked = clients * messages  # client() asserts every echo
        took = time.monotonic() - t
    want = clients * messages
    print(json.dumps({"scenario": "echo", "backend": f"python-{variant}", "n": messages,
                      "wall_ms": took * 1e3, "ok": checked == want, "items": checked,
                      "unit": "messages"}))
    return 0 if checked == want else 1


if __name__ == "__main__":
    if "--peers" in sys.argv:
        print(json.dumps({"scenario": "echo", "variant": "threads"}))
        print(json.dumps({"scenario": "echo", "variant": "gevent", "needs": ["gevent"]}))
        sys.exit(0)
    if "--json" in sys.argv:
        import argparse

        p = argparse.ArgumentParser()
        p.add_argument("--json", action="store_true")
        p.add_argument("--scenario", default="echo")
        p.add_argument("--variant", default="threads")
        p.add_argument("--n", type=int, default=1000)
        p.add_argument("--clients", type=int, default=10)
        p.add_argument("--delay-ms", type=int)
        a = p.parse_args()
        sys.exit(bench(a.variant, a.clients, a.n))
    mode = sys.argv[1] if len(sys.argv) > 1 else "threads"
    host, _, port = (sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1:7000").rpartition(":")
    try:
        {"gevent": serve_gevent, "threads": serve_threads, "client": client}[mode](host, int(port))
    except KeyboardInterrupt:
        pass
