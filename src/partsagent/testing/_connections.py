"""Bounds on the catalog server's connections: how long headers may take, how many are open.

A client that opens connections and never finishes its request headers must
not hold them for ever (aiohttp's default keep-alive is an hour), nor take
every file descriptor, so that the server can still open the bucket's files
and answer others. aiohttp bounds the first with ``keepalive_timeout``, which
it also applies from the start of a connection until its first complete
request; this module adds the second: past ``max_connections`` open ones, a
new connection is closed at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

__all__ = ["DEFAULT_HEADER_TIMEOUT", "BoundedSite", "default_max_connections"]

DEFAULT_HEADER_TIMEOUT = 20.0
"""Seconds a connection may take to send a complete request (and stay idle between two)."""
_MAX_CONNECTIONS = 1024
_SPARE_DESCRIPTORS = 64
"""File descriptors left for the bucket's files, the listening socket and the log."""


def default_max_connections() -> int:
    """1024, or fewer when the process may not open that many files (``ulimit -n``)."""
    try:
        import resource
    except ImportError:  # not on this platform: no limit to read
        return _MAX_CONNECTIONS
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return _MAX_CONNECTIONS
    return max(8, min(_MAX_CONNECTIONS, soft - _SPARE_DESCRIPTORS))


class _Refused(asyncio.Protocol):
    """The protocol of a connection over the limit: closed as soon as it is accepted."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class BoundedSite(web.BaseSite):
    """A TCP site that closes a new connection at once while ``max_connections`` are open."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, *, max_connections: int):
        super().__init__(runner)
        self._host = host
        self._port = port
        self.max_connections = max_connections
        self.refused = 0
        """Connections closed at once because the server was full."""

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None  # the runner is set up before a site is made

        def protocol() -> Any:
            if len(server.connections) >= self.max_connections:
                self.refused += 1
                return _Refused()
            return server()

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(protocol, self._host, self._port)
