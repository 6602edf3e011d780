"""CatalogServer: the catalog server in the current event loop; ``serve_forever`` for the CLI.

Tests and benchmarks need a network peer that behaves like a real catalog,
including a bad one: slow, flaky, resetting, truncating (see ``_faults``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
from pathlib import Path
from types import TracebackType
from typing import Self

import structlog
from aiohttp import web

from .._catalog.open import sample_catalog_path
from .._exceptions import InputError, UsageError
from ._connections import DEFAULT_HEADER_TIMEOUT, BoundedSite, default_max_connections
from ._faults import ServerOptions
from ._routes import STATE, create_app
from ._stats import ServerStats

__all__ = ["CatalogServer", "serve", "serve_forever"]

log = structlog.get_logger("partsagent.server")

# Long enough that a hostile 10 kB segment reaches our validator and gets its 404.
_MAX_LINE_SIZE = 64 * 1024
_LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CatalogServer:
    """Runs the catalog server in the current event loop; ``async with`` starts and stops it.

    Documents are cached in memory once read: write a test bucket before the
    first request for a document, not after.

    * ``header_timeout=20``: seconds a connection may take to send a complete
      request, and stay idle between two; then it is closed.
    * ``max_connections=None``: connections open at once, 1024 or fewer under a
      lower ``ulimit -n`` (64 descriptors are kept for files); past it a new
      connection is closed at once.
    """

    def __init__(
        self,
        directory: Path | str | None = None,
        options: ServerOptions | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        max_connections: int | None = None,
    ) -> None:
        if header_timeout <= 0:
            raise InputError("header_timeout must be a positive number of seconds")
        if max_connections is not None and max_connections < 1:
            raise InputError("max_connections must be at least 1")
        self.directory = Path(directory) if directory is not None else sample_catalog_path()
        self.host = host
        self.port = port
        self.header_timeout = header_timeout
        self.max_connections = (
            max_connections if max_connections is not None else default_max_connections()
        )
        self.stats = ServerStats()
        self._app = create_app(self.directory, options or ServerOptions(), self.stats)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def options(self) -> ServerOptions:
        return self._app[STATE].faults.options

    @options.setter
    def options(self, value: ServerOptions) -> None:
        """Replace the faults at once; the random generator restarts from ``value.seed``."""
        self._app[STATE].faults.set_options(value)

    @property
    def url(self) -> str:
        """Base URL ending with '/'."""
        if self._url is None:
            raise UsageError("the CatalogServer is not running; use 'async with CatalogServer()'")
        return self._url

    async def start(self) -> None:
        if self._runner is not None:
            raise UsageError("this CatalogServer is already running")
        runner = web.AppRunner(
            self._app,
            access_log=None,
            # Cancel a handler whose client left, so shutdown does not wait out injected latency.
            handler_cancellation=True,
            shutdown_timeout=1.0,
            max_line_size=_MAX_LINE_SIZE,
            # aiohttp applies it from the connection's start until a complete request,
            # and between requests: no half-sent headers hold a connection for ever.
            keepalive_timeout=self.header_timeout,
        )
        await runner.setup()
        try:
            site = BoundedSite(runner, self.host, self.port, max_connections=self.max_connections)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        port = runner.addresses[0][1]
        self._url = _base_url(self.host, port)

    async def aclose(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def serve(
    directory: Path,
    host: str,
    port: int,
    options: ServerOptions,
    ready_file: Path | None = None,
    *,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    max_connections: int | None = None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with CatalogServer(
        directory,
        options,
        host=host,
        port=port,
        header_timeout=header_timeout,
        max_connections=max_connections,
    ) as server:
        if not _is_loopback(host):
            log.warning(
                "catalog.serve.exposed",
                host=host,
                detail="the catalog server has no authentication and can inject faults; "
                "bind it to a non-loopback address only on a trusted network",
            )
        log.info("catalog.serve", url=server.url, directory=str(server.directory))
        if ready_file is not None:
            tmp = ready_file.with_suffix(".tmp")
            tmp.write_text(server.url)
            tmp.replace(ready_file)
        await stop.wait()
    log.info("catalog.serve.stopped", url=server.url)


def serve_forever(
    directory: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    options: ServerOptions | None = None,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    max_connections: int | None = None,
    ready_file: Path | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM; for ``partsagent catalog serve``."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                Path(directory),
                host,
                port,
                options or ServerOptions(),
                ready_file,
                header_timeout=header_timeout,
                max_connections=max_connections,
            )
        )
