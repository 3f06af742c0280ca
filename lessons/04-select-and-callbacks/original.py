#!/usr/bin/env python3
"""Lesson 04 in Python: select() and callbacks, the event loop underneath.

Runs with plain python3 (3.11 or later), no packages needed:
    python3 lessons/04-select-and-callbacks/original.py    # the demo below
    python3 lessons/04-select-and-callbacks/original.py select-server 7000
    python3 lessons/04-select-and-callbacks/original.py selectors-server 7000
    python3 lessons/04-select-and-callbacks/original.py client 127.0.0.1:7000

The articles' two event-loop servers, as they wrote them:

1. a select.select() echo server: lists of sockets to read and to write,
   a message queue per connection, and a socket in the write list only
   while its queue holds something to send; with its client, which opens
   two sockets and sends a message in three parts on each;
2. a selectors.DefaultSelector() echo server: the callback to run is
   registered with the socket, in key.data, and the loop calls it.

The demo runs each server in a thread and the two-socket client against
it, with every line timestamped, as `corolab demo 04` does in Rust.
"""

import os
import queue
import select
import selectors
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peer  # noqa: E402  answers `corolab bench` when it asks (lessons/peer/)

peer.offer("echo/selectors")

START = time.monotonic()


def say(what):
    print(f"{(time.monotonic() - START) * 1000:6.0f} ms  {what}", flush=True)


def peer_port(s):
    """The client's port, for the log (or "?" once it has gone)."""
    try:
        return s.getpeername()[1]
    except OSError:
        return "?"


# -- 1. select.select(): inputs, outputs and a queue per connection ---------

def select_server(server, stop):
    """Echo with select.select until `stop` is set."""
    server.setblocking(False)
    inputs = [server]  # sockets we expect to read from
    outputs = []  # sockets we expect to write to
    message_queues = {}  # outgoing data, per socket
    while inputs and not stop.is_set():
        # Wait for at least one socket to be ready (a timeout, to see `stop`).
        readable, writable, exceptional = select.select(inputs, outputs, inputs, 0.05)
        for s in readable:
            if s is server:
                connection, client_address = s.accept()
                say(f"[server] new connection from {client_address[1]}")
                connection.setblocking(False)
                inputs.append(connection)
                message_queues[connection] = queue.Queue()
            else:
                data = s.recv(1024)
                if data:
                    say(f"[server] received {data!r} from {peer_port(s)}")
                    message_queues[s].put(data)
                    if s not in outputs:
                        outputs.append(s)  # an answer to send: watch for writable
                else:
                    say(f"[server] closing {peer_port(s)} after reading no data")
                    if s in outputs:
                        outputs.remove(s)
                    inputs.remove(s)
                    s.close()
                    del message_queues[s]
        for s in writable:
            try:
                next_msg = message_queues[s].get_nowait()
            except (queue.Empty, KeyError):
                if s in outputs:
                    outputs.remove(s)  # nothing left: stop watching for writable
            else:
                s.send(next_msg)
        for s in exceptional:
            inputs.remove(s)
            if s in outputs:
                outputs.remove(s)
            s.close()
            message_queues.pop(s, None)
    for s in inputs:
        s.close()


def client(address):
    """The articles' client: two sockets, a message in three parts on each."""
    messages = [b"This is the message. ", b"It will be sent ", b"in parts."]
    socks = [socket.create_connection(address) for _ in range(2)]
    for message in messages:
        for s in socks:
            say(f"[client {s.getsockname()[1]}] sending {message!r}")
            s.send(message)
        for s in socks:
            data = s.recv(1024)
            say(f"[client {s.getsockname()[1]}] received {data!r}")
            if not data:
                s.close()
    for s in socks:
        s.close()


# -- 2. selectors: the callback rides in key.data ---------------------------

def selectors_server(sock, stop):
    """Echo with a DefaultSelector and callbacks until `stop` is set."""
    sel = selectors.DefaultSelector()

    def accept(sock, mask):
        conn, addr = sock.accept()  # ready to accept
        say(f"[server] accepted {addr[1]}")
        conn.setblocking(False)
        sel.register(conn, selectors.EVENT_READ, read)

    def read(conn, mask):
        data = conn.recv(1000)  # ready to read
        if data:
            say(f"[server] echoing {data!r} to {peer_port(conn)}")
            conn.send(data)  # short messages: the socket takes them whole
        else:
            say(f"[server] closing {peer_port(conn)}")
            sel.unregister(conn)
            conn.close()

    sock.setblocking(False)
    sel.register(sock, selectors.EVENT_READ, accept)
    while not stop.is_set():
        events = sel.select(timeout=0.05)
        for key, mask in events:
            callback = key.data
            callback(key.fileobj, mask)
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    sel.close()


def run(server_fn):
    sock = socket.create_server(("127.0.0.1", 0))
    address = sock.getsockname()
    say(f"[server] listening on port {address[1]}")
    stop = threading.Event()
    thread = threading.Thread(target=server_fn, args=(sock, stop))
    thread.start()
    client(address)
    time.sleep(0.05)  # let the server see both sockets close
    stop.set()
    thread.join()


def demo():
    say("-- select.select: a queue per connection, write interest while it is full")
    run(select_server)
    say("-- selectors: the callback to run is the key's data")
    run(selectors_server)


def main(argv):
    if len(argv) == 3 and argv[1] in ("select-server", "selectors-server"):
        server = select_server if argv[1] == "select-server" else selectors_server
        sock = socket.create_server(("127.0.0.1", int(argv[2])))
        say(f"serving on port {argv[2]}; Ctrl-C stops")
        try:
            server(sock, threading.Event())
        except KeyboardInterrupt:
            pass
    elif len(argv) == 3 and argv[1] == "client":
        host, port = argv[2].rsplit(":", 1)
        client((host, int(port)))
    else:
        demo()


if __name__ == "__main__":
    main(sys.argv)
