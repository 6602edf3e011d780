"""The catalog server: serves a bucket over HTTP, with a batch endpoint and fault injection.

Tests and benchmarks need a network peer that behaves like a real catalog,
including a bad one: slow, flaky, resetting, truncating. The server serves only
the paths of the contract (anything else is 404 before the file system is
touched), counts what it was asked, and injects faults from one seeded
``random.Random`` so that a run can be reproduced.

Control endpoints, never subject to faults and never counted:
``GET /_stats`` (snapshot), ``POST /_stats/reset`` and ``POST /_options``
(replace the fault options of a server running in another process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import ipaddress
import json
import os
import random
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import orjson
import structlog
from aiohttp import web

from .._catalog import documents as doc
from .._catalog.http import BATCH_HEADER, BATCH_PREFIX, MAX_BATCH
from .._catalog.ids import _ID
from .._catalog.open import sample_catalog_path
from .._exceptions import InputError, UsageError

__all__ = [
    "MAX_BATCH_ITEMS",
    "CatalogServer",
    "ServerOptions",
    "ServerProcess",
    "ServerStats",
    "create_app",
    "serve_forever",
    "start_server_process",
]

log = structlog.get_logger("partsagent.server")

#: The batch endpoints refuse more documents than this with 400.
MAX_BATCH_ITEMS = MAX_BATCH
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
# Long enough that a hostile 10 kB segment reaches our validator and gets its 404.
_MAX_LINE_SIZE = 64 * 1024
_JSON = "application/json"
_INVALID_JSON = b'{"items": [{"id": "truncated'
# A loop too busy to keep time must not teach the server to answer early.
_MAX_LATENESS = 0.002
_LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


@dataclass(slots=True)
class ServerOptions:
    """Latency and faults to inject; rates are probabilities per request in [0, 1].

    Faults apply to bucket documents and batch responses only. The object is read
    on every request, so changing a field (or swapping the object) takes effect
    at once.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    """Extra latency drawn uniformly from [0, jitter_ms]."""
    error_rate: float = 0.0
    """503 with ``Retry-After: 0``."""
    seed: int | None = None
    spike_rate: float = 0.0
    spike_ms: float = 0.0
    """Latency added to a request hit by a spike."""
    burst_every: int = 0
    burst_len: int = 0
    """Every ``burst_every``-th request starts ``burst_len`` consecutive 503s (0 disables)."""
    reset_rate: float = 0.0
    """Close the connection without a response."""
    truncate_rate: float = 0.0
    """Announce the full Content-Length, send half the body, close."""
    drip_rate: float = 0.0
    drip_chunk: int = 64
    drip_delay_ms: float = 5.0
    """Send the body ``drip_chunk`` bytes at a time with this pause in between."""
    invalid_json_rate: float = 0.0
    """200 with a body that is not JSON."""
    preload: bool = False
    """Read every document into memory at start (up to the 64 MiB cache), so that a
    benchmark measures the injected latency, not this server's disk reads."""

    def __post_init__(self) -> None:
        for name in (
            "error_rate",
            "spike_rate",
            "reset_rate",
            "truncate_rate",
            "drip_rate",
            "invalid_json_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InputError(f"{name}={value!r} must be a probability between 0 and 1")
        for name in ("latency_ms", "jitter_ms", "spike_ms", "drip_delay_ms", "burst_every"):
            if getattr(self, name) < 0:
                raise InputError(f"{name} must not be negative")
        if self.burst_len < 0:
            raise InputError("burst_len must not be negative")
        if self.drip_chunk < 1:
            raise InputError("drip_chunk must be at least 1 byte")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, for a server in another process."""
        return dataclasses.asdict(self)


class ServerStats:
    """What the server was asked; a batch request counts once."""

    __slots__ = ("faults", "in_flight", "max_in_flight", "paths", "statuses", "total")

    def __init__(self) -> None:
        self.total = 0
        self.paths: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0

    def reset(self) -> None:
        """Start counting afresh; requests still running stay in flight."""
        self.total = 0
        self.paths.clear()
        self.statuses.clear()
        self.faults.clear()
        self.max_in_flight = self.in_flight

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy: later requests do not change it."""
        return {
            "total": self.total,
            "paths": dict(self.paths),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "faults": dict(self.faults),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
        }

    def _enter(self, path: str) -> None:
        self.total += 1
        # Hostile paths can be kilobytes long; the counter keeps a bounded key.
        self.paths[path[:200]] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)


class _LRU:
    """File bytes by relative path, bounded by total size; a bucket is assumed not to change."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._size = 0
        self._data: OrderedDict[str, bytes] = OrderedDict()

    def get(self, rel: str) -> bytes | None:
        data = self._data.get(rel)
        if data is not None:
            self._data.move_to_end(rel)
        return data

    def put(self, rel: str, data: bytes) -> None:
        if len(data) > self._max_bytes // 8 or rel in self._data:
            return
        self._data[rel] = data
        self._size += len(data)
        while self._size > self._max_bytes:
            _, old = self._data.popitem(last=False)
            self._size -= len(old)


@dataclass(slots=True)
class _Plan:
    """What happens to one request, drawn before its first await so runs reproduce."""

    delay_s: float = 0.0
    fault: str | None = None


class _State:
    def __init__(self, root: Path, options: ServerOptions, stats: ServerStats) -> None:
        self.root = root
        self.stats = stats
        self.cache = _LRU(DEFAULT_CACHE_BYTES)
        self.options = options
        self.rng = random.Random(options.seed)
        self.eligible = 0
        self.timer_lateness = 0.0
        """Seconds the event loop's timers fire late, on average (measured as we go)."""

    async def until(self, when: float) -> None:
        """Sleep until loop time ``when``, aiming early by the timers' measured lateness.

        An asyncio timer fires on the next millisecond tick of the selector plus
        scheduling, 0.9 ms late on average on a Linux laptop: without the
        correction the injected latency would be that much above its setting.
        """
        loop = asyncio.get_running_loop()
        target = when - self.timer_lateness
        delay = target - loop.time()
        if delay <= 0:
            return
        await asyncio.sleep(delay)
        late = min(loop.time() - target, _MAX_LATENESS)
        self.timer_lateness += 0.1 * (late - self.timer_lateness)

    def set_options(self, options: ServerOptions) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.eligible = 0

    def plan(self) -> _Plan:
        opts, rng = self.options, self.rng
        self.eligible += 1
        plan = _Plan()
        delay_ms = opts.latency_ms
        if opts.jitter_ms:
            delay_ms += rng.uniform(0.0, opts.jitter_ms)
        if opts.spike_rate and rng.random() < opts.spike_rate:
            delay_ms += opts.spike_ms
            self.stats.faults["spike"] += 1
        plan.delay_s = delay_ms / 1000.0
        n, every = self.eligible, opts.burst_every
        if every and opts.burst_len and n >= every and n % every < opts.burst_len:
            plan.fault = "burst"
        for fault, rate in (
            ("error", opts.error_rate),
            ("reset", opts.reset_rate),
            ("truncate", opts.truncate_rate),
            ("invalid_json", opts.invalid_json_rate),
            ("drip", opts.drip_rate),
        ):
            if rate and rng.random() < rate and plan.fault is None:
                plan.fault = fault
        return plan

    def preload(self) -> None:
        for path in sorted(self.root.rglob("*.json")):
            rel = path.relative_to(self.root).as_posix()
            data = _read_document(self.root, rel)
            if data is not None:
                self.cache.put(rel, data)

    async def documents(self, rels: list[str]) -> list[bytes | None]:
        """Several documents; the ones not in memory are read in one worker-thread hop."""
        found = [self.cache.get(rel) for rel in rels]
        missing = [rel for rel, data in zip(rels, found, strict=True) if data is None]
        if missing:
            read = await asyncio.to_thread(lambda: [_read_document(self.root, r) for r in missing])
            fresh = dict(zip(missing, read, strict=True))
            for rel, data in fresh.items():
                if data is not None:
                    self.cache.put(rel, data)
            found = [
                data if data is not None else fresh.get(rel)
                for rel, data in zip(rels, found, strict=True)
            ]
        return found

    async def document(self, rel: str) -> bytes | None:
        data = self.cache.get(rel)
        if data is None:
            data = await asyncio.to_thread(_read_document, self.root, rel)
            if data is not None:
                self.cache.put(rel, data)
        return data


_STATE: web.AppKey[_State] = web.AppKey("partsagent_server_state", _State)


def _read_document(root: Path, rel: str) -> bytes | None:
    """The bytes of a regular file inside ``root``, or None; never follows a link out."""
    try:
        full = (root / rel).resolve()
    except (OSError, RuntimeError):
        return None
    if not full.is_relative_to(root):
        return None
    try:
        # O_NONBLOCK: a FIFO planted in the bucket must not hang a worker thread.
        fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return fh.read()


def _is_id(segment: str) -> bool:
    return _ID.fullmatch(segment) is not None


def _document_path(segments: list[str]) -> str | None:
    """The relative path if ``segments`` name a contract document, else None."""
    match segments:
        case ["index.json"] | ["manufacturers.json"]:
            pass
        case ["manufacturers", mid, "models.json"] if _is_id(mid):
            pass
        case ["manufacturers", mid, "variants", vid, "categories.json"] if _is_id(mid) and _is_id(
            vid
        ):
            pass
        case ["manufacturers", mid, "variants", vid, "categories", cid, "articles.json"] if (
            _is_id(mid) and _is_id(vid) and _is_id(cid)
        ):
            pass
        case _:
            return None
    return "/".join(segments)


def _batch_kind(segments: list[str]) -> tuple[str, str] | None:
    """(manufacturer id, "categories" or "articles") if ``segments`` name a batch endpoint."""
    match segments:
        case [prefix, "manufacturers", mid, ("categories" | "articles") as kind] if (
            prefix == BATCH_PREFIX and _is_id(mid)
        ):
            return mid, kind
    return None


def _json_response(payload: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type=_JSON)


class _Dropped(web.Response):
    """Stands in for the response of a reset connection; it is never sent."""


async def _handle_bucket(request: web.Request) -> web.StreamResponse:
    state = request.app[_STATE]
    # The raw path, never decoded: a contract path has no '%', so nothing encoded can pass.
    raw = request.rel_url.raw_path
    segments = raw[1:].split("/") if raw.startswith("/") else []
    stats = state.stats
    stats._enter(raw)
    resp: web.StreamResponse | None = None
    try:
        resp = await _respond(request, state, segments)
        return resp
    finally:
        stats.in_flight -= 1
        # No status for a reset (no response at all) or a handler cancelled by a client leaving.
        if resp is not None and not isinstance(resp, _Dropped):
            stats.statuses[resp.status] += 1


async def _respond(request: web.Request, state: _State, segments: list[str]) -> web.StreamResponse:
    rel = _document_path(segments)
    batch = None if rel is not None else _batch_kind(segments)
    if rel is None and batch is None:
        return web.Response(status=404, text="not a catalog document", content_type="text/plain")
    plan = state.plan()
    # The injected latency counts from arrival and includes the work of building the
    # body, as a remote catalog's latency would: the client sees delay_s, not more.
    answer_at = asyncio.get_running_loop().time() + plan.delay_s
    if plan.fault is not None:
        await state.until(answer_at)
    if plan.fault in ("burst", "error"):
        state.stats.faults[plan.fault] += 1
        return web.Response(
            body=orjson.dumps({"error": "injected fault", "fault": plan.fault}),
            status=503,
            content_type=_JSON,
            headers={"Retry-After": "0"},
        )
    if plan.fault == "reset":
        state.stats.faults["reset"] += 1
        if request.transport is not None:
            request.transport.abort()
        # aiohttp swallows the ConnectionError of writing this to the aborted transport.
        return _Dropped(status=500)
    if batch is not None:
        body, status = await _batch_body(request, state, *batch)
        if status != 200:
            return web.Response(body=body, status=status, content_type=_JSON)
    else:
        assert rel is not None
        found = await state.document(rel)
        if found is None:
            return web.Response(status=404, text=f"{rel} not found", content_type="text/plain")
        body = found
    await state.until(answer_at)
    return await _send(request, state, plan, body)


async def _send(
    request: web.Request, state: _State, plan: _Plan, body: bytes
) -> web.StreamResponse:
    """Send a 200 body, honouring the body faults (truncate, invalid JSON, drip)."""
    fault = plan.fault
    if fault is not None:
        state.stats.faults[fault] += 1
    if fault == "invalid_json":
        return web.Response(body=_INVALID_JSON, content_type=_JSON)
    if fault not in ("truncate", "drip"):
        return web.Response(body=body, content_type=_JSON)
    resp = web.StreamResponse()
    resp.content_type = _JSON
    resp.content_length = len(body)
    await resp.prepare(request)
    if fault == "truncate":
        await resp.write(body[: len(body) // 2])
        if request.transport is not None:
            # close(), not abort(): the half body is flushed before the FIN.
            request.transport.close()
        return resp
    opts = state.options
    for start in range(0, len(body), opts.drip_chunk):
        await resp.write(body[start : start + opts.drip_chunk])
        await asyncio.sleep(opts.drip_delay_ms / 1000.0)
    await resp.write_eof()
    return resp


#: Per batch endpoint: its query parameter, the ids in one entry, what an entry is,
#: and the contract path of an entry's document.
_BATCH_QUERY: dict[str, tuple[str, int, str, Callable[..., str]]] = {
    "categories": ("variants", 1, "variant id", doc.categories_path),
    "articles": ("items", 2, "variant/category pair", doc.articles_path),
}


def _batch_paths(request: web.Request, mid: str, kind: str) -> list[str] | str:
    """The contract paths a batch request names, or why it is refused."""
    param, arity, shape, path_of = _BATCH_QUERY[kind]
    values = request.query.getall(param, [])
    if len(values) != 1:
        return f"pass exactly one {param}=... parameter"
    wanted = list(dict.fromkeys(values[0].split(",")))
    if len(wanted) > MAX_BATCH_ITEMS:
        return f"at most {MAX_BATCH_ITEMS} documents per batch"
    paths: list[str] = []
    for item in wanted:
        ids = item.split("/")
        try:
            if len(ids) != arity:
                raise InputError(item)
            paths.append(path_of(mid, *ids))
        except InputError:
            return f"{item[:80]!r} is not a {shape}"
    return paths


async def _batch_body(
    request: web.Request, state: _State, mid: str, kind: str
) -> tuple[bytes, int]:
    paths = _batch_paths(request, mid, kind)
    if isinstance(paths, str):
        return orjson.dumps({"error": paths}), 400
    docs = await state.documents(paths)
    parts: list[bytes] = []
    for path, data in zip(paths, docs, strict=True):
        if data is None:
            item = b"null"
        else:
            try:
                orjson.loads(data)
                item = data
            except orjson.JSONDecodeError:
                # A broken document stays a per-item problem: the client rejects the string.
                item = orjson.dumps(data.decode("utf-8", "replace"))
        parts.append(orjson.dumps(path) + b":" + item)
    return b'{"items":{' + b",".join(parts) + b"}}", 200


async def _handle_stats(request: web.Request) -> web.Response:
    return _json_response(request.app[_STATE].stats.snapshot())


async def _handle_stats_reset(request: web.Request) -> web.Response:
    stats = request.app[_STATE].stats
    stats.reset()
    return _json_response(stats.snapshot())


async def _handle_options(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    try:
        fields = await request.json(loads=orjson.loads)
        options = ServerOptions(**fields)
    except (orjson.JSONDecodeError, TypeError, InputError) as exc:
        return _json_response({"error": f"bad options: {exc}"}, status=400)
    state.set_options(options)
    return _json_response(options.to_dict())


async def _announce_batch(request: web.Request, response: web.StreamResponse) -> None:
    response.headers[BATCH_HEADER] = "1"


def create_app(directory: Path, options: ServerOptions, stats: ServerStats) -> web.Application:
    """An aiohttp app serving the bucket in ``directory``; counts into ``stats``."""
    root = Path(directory).resolve()
    if not root.is_dir():
        raise InputError(f"catalog directory {str(directory)!r} does not exist")
    app = web.Application()
    app[_STATE] = state = _State(root, options, stats)
    if options.preload:
        state.preload()
    app.router.add_get("/_stats", _handle_stats)
    app.router.add_post("/_stats/reset", _handle_stats_reset)
    app.router.add_post("/_options", _handle_options)
    app.router.add_get("/{tail:.*}", _handle_bucket)
    app.on_response_prepare.append(_announce_batch)
    return app


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
    """

    def __init__(
        self,
        directory: Path | str | None = None,
        options: ServerOptions | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.directory = Path(directory) if directory is not None else sample_catalog_path()
        self.host = host
        self.port = port
        self.stats = ServerStats()
        self._app = create_app(self.directory, options or ServerOptions(), self.stats)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def options(self) -> ServerOptions:
        return self._app[_STATE].options

    @options.setter
    def options(self, value: ServerOptions) -> None:
        """Replace the faults at once; the random generator restarts from ``value.seed``."""
        self._app[_STATE].set_options(value)

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
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
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


async def _serve(
    directory: Path,
    host: str,
    port: int,
    options: ServerOptions,
    ready_file: Path | None = None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with CatalogServer(directory, options, host=host, port=port) as server:
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
) -> None:
    """Serve until Ctrl-C or SIGTERM; for ``partsagent catalog serve``."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(Path(directory), host, port, options or ServerOptions()))


class ServerProcess:
    """A catalog server in a child process, so its CPU does not pollute client timings."""

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if the child does not leave within ``timeout``."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server_process(
    directory: Path | str | None = None,
    options: ServerOptions | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = 15.0,
) -> ServerProcess:
    """Start ``python -m partsagent.testing._server`` and return once ``/_stats`` answers.

    Use as a context manager or call ``stop()``. Stats and options of the child
    are reached over HTTP: ``GET /_stats``, ``POST /_stats/reset``, ``POST /_options``.
    """
    directory = Path(directory) if directory is not None else sample_catalog_path()
    opts = options or ServerOptions()
    with tempfile.TemporaryDirectory(prefix="partsagent-server-") as tmp:
        ready = Path(tmp) / "url"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "partsagent.testing._server",
                "--directory",
                str(directory),
                "--host",
                host,
                "--port",
                str(port),
                "--options",
                json.dumps(opts.to_dict()),
                "--ready-file",
                str(ready),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        try:
            url = _wait_ready(process, ready, deadline)
        except BaseException:
            process.kill()
            process.wait()
            raise
    return ServerProcess(process, url)


def _wait_ready(process: subprocess.Popen[bytes], ready: Path, deadline: float) -> str:
    while not ready.exists():
        if process.poll() is not None:
            raise UsageError(f"the catalog server process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise UsageError("the catalog server process did not start in time")
        time.sleep(0.02)
    url = ready.read_text()
    while True:
        try:
            with urllib.request.urlopen(url + "_stats", timeout=1.0) as resp:
                if resp.status == 200:
                    return url
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise UsageError(f"the catalog server at {url} does not answer /_stats")
        time.sleep(0.02)


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m partsagent.testing._server")
    parser.add_argument("--directory", type=Path, default=sample_catalog_path())
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--options", default="{}", help="ServerOptions fields as JSON")
    parser.add_argument("--ready-file", type=Path, default=None)
    args = parser.parse_args(argv)
    options = ServerOptions(**json.loads(args.options))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.directory, args.host, args.port, options, args.ready_file))


if __name__ == "__main__":
    _main()
