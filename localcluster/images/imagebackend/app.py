"""The e2e stand-in for amouat/dnmonster (port 8080, Python standard library only).

`GET /monster/<name>[?size=N]` answers a PNG drawn deterministically from the
name: a symmetric 8x8 pattern in a colour taken from the name's SHA-256, scaled
to N pixels (default 80, 8..512). PORT overrides the port.
"""
import hashlib
import os
import signal
import struct
import sys
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GRID = 8


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def monster_png(name: str, size: int = 80) -> bytes:
    """An RGB PNG of `size` x `size` pixels that depends only on `name` and `size`."""
    h = hashlib.sha256(name.encode()).digest()
    fg, bg = (h[0], h[1], h[2]), (240, 240, 240)
    bits = int.from_bytes(h[3:11], "big")
    cells = [[bool(bits >> (r * (GRID // 2) + min(c, GRID - 1 - c)) & 1) for c in range(GRID)] for r in range(GRID)]
    rows = []
    for y in range(size):
        r = y * GRID // size
        row = bytearray(b"\x00")  # filter type: none
        for x in range(size):
            row += bytes(fg if cells[r][x * GRID // size] else bg)
        rows.append(bytes(row))
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _chunk(b"IEND", b""))


class Handler(BaseHTTPRequestHandler):
    server_version = "monsterstack-imagebackend/1"

    def _send(self, status: int, ctype: str, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/monster/") and len(url.path) > len("/monster/"):
            name = urllib.parse.unquote(url.path[len("/monster/"):])
            try:
                size = int(urllib.parse.parse_qs(url.query).get("size", ["80"])[0])
            except ValueError:
                size = 0
            if not 8 <= size <= 512:
                return self._send(400, "text/plain", b"size must be 8..512\n")
            return self._send(200, "image/png", monster_png(name, size))
        if url.path in ("/", "/healthz"):
            return self._send(200, "text/plain", b"OK\n")
        return self._send(404, "text/plain", b"not found\n")

    do_HEAD = do_GET


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
