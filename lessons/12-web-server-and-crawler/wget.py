# The articles' "wget": print an HTTP answer's header lines as they arrive.
# Run `corolab serve http` first, then: python3 wget.py 127.0.0.1 PORT /data
import asyncio
import sys


async def wget(host, port, path):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        print(f"HTTP header> {line.decode().rstrip()}")
    writer.close()
    await writer.wait_closed()


asyncio.run(wget(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
