"""The catalog server bounds half-open connections: header time and how many are open."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import anyio
import pytest

from partsagent.testing import CatalogServer

HALF_REQUEST = b"GET /index.json HTTP/1.1\r\nHost: x\r\n"
"""Request headers that never end: the blank line never comes."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def half_open(port: int, n: int) -> Iterator[list[socket.socket]]:
    """``n`` connections that each sent part of their request headers and then nothing."""
    socks: list[socket.socket] = []
    try:
        for _ in range(n):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            with contextlib.suppress(OSError):  # a connection closed at once: also a bound
                sock.sendall(HALF_REQUEST)
            socks.append(sock)
        yield socks
    finally:
        for sock in socks:
            sock.close()


def get_index(port: int, within: float) -> bytes:
    """index.json from the server, asking again until ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.json", timeout=1) as r:
                body: bytes = r.read()
                return body
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


async def test_incomplete_headers_are_closed_after_the_header_timeout() -> None:
    """A connection that never finishes its headers is closed by the server, not kept."""
    async with CatalogServer(header_timeout=0.5) as server:
        port = int(server.url.rsplit(":", 1)[1].rstrip("/"))
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(HALF_REQUEST)
        await writer.drain()
        with anyio.fail_after(5):
            assert await reader.read() == b""  # EOF: the server hung up
        writer.close()


async def test_connections_over_the_limit_are_closed_at_once() -> None:
    """Past max_connections a new connection is closed; the server answers once one leaves."""
    async with CatalogServer(max_connections=4, header_timeout=60) as server:
        port = int(server.url.rsplit(":", 1)[1].rstrip("/"))
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(4)]
        for _, writer in held:
            writer.write(HALF_REQUEST)
            await writer.drain()
        await asyncio.sleep(0.05)  # let the server accept them (no event to wait on)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        with anyio.fail_after(5):
            assert await reader.read() == b""
        writer.close()
        for _, w in held:
            w.close()
        body = await asyncio.to_thread(get_index, port, 5.0)
        assert b"partsagent-catalog/1" in body


@pytest.mark.skipif(sys.platform == "win32", reason="ulimit is POSIX")
def test_catalog_serve_answers_under_300_half_open_connections_and_ulimit_256() -> None:
    """`catalog serve` with 256 descriptors, 300 half-open connections: it still answers."""
    port = free_port()

    def low_ulimit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    proc = subprocess.Popen(
        [sys.executable, "-m", "partsagent", "catalog", "serve", "--port", str(port),
         "--header-timeout", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=low_ulimit,
    )  # fmt: skip
    try:
        get_index(port, 20.0)  # up
        with half_open(port, 300):
            body = get_index(port, 10.0)
        assert b"partsagent-catalog/1" in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)
