"""The catalog server's routes: contract documents, the batch endpoints and the control endpoints.

Only the paths of the contract are served (anything else is 404 before the
file system is touched). Control endpoints, never subject to faults and never
counted: ``GET /_stats`` (snapshot), ``POST /_stats/reset`` and
``POST /_options`` (change the fault options it names, of a server in another process;
the others stay).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import stat
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import orjson
import structlog
from aiohttp import web

from .._catalog import documents as doc
from .._catalog.http import BATCH_HEADER, BATCH_PREFIX, MAX_BATCH
from .._catalog.ids import _ID
from .._catalog.packs import PACKS_DIR, stale_version
from .._exceptions import InputError
from ._faults import STALL_SECONDS, Dropped, FaultDice, ServerOptions, fail_early, send_body
from ._stats import ServerStats

log = structlog.get_logger("partsagent.server")

__all__ = ["DEFAULT_CACHE_BYTES", "MAX_BATCH_ITEMS", "STATE", "create_app"]

#: The batch endpoints refuse more documents than this with 400.
MAX_BATCH_ITEMS = MAX_BATCH
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
_JSON = "application/json"
# A loop too busy to keep time must not teach the server to answer early.
_MAX_LATENESS = 0.002


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


class _State:
    """The bucket on disk, its documents in memory, the faults and the stats of one app."""

    def __init__(self, root: Path, options: ServerOptions, stats: ServerStats) -> None:
        self.root = root
        self.stats = stats
        self.cache = _LRU(DEFAULT_CACHE_BYTES)
        self.faults = FaultDice(options, stats)
        self.timer_lateness = 0.0
        """Seconds the event loop's timers fire late, on average (measured as we go)."""
        self._packs_stale: asyncio.Task[bool] | None = None

    async def packs_stale(self) -> bool:
        """True when the bucket's packs no longer match its documents (checked once).

        A bucket edited by hand and not packed again: the server then offers no
        packs (index.json without its ``pack`` entry, packs 404), so that no
        client reads their old lists, and says so in its log.
        """
        if self._packs_stale is None:
            self._packs_stale = asyncio.get_running_loop().create_task(self._check_packs())
        return await asyncio.shield(self._packs_stale)

    async def _check_packs(self) -> bool:
        stale = await asyncio.to_thread(_stale_version, self.root)
        if stale is not None:
            log.warning(
                "catalog.serve.stale_packs",
                advertised=stale[0],
                documents=stale[1],
                detail="the documents changed since 'partsagent catalog pack'; packs are not "
                "served until it is run again",
            )
        return stale is not None

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


STATE: web.AppKey[_State] = web.AppKey("partsagent_server_state", _State)


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
        case ["packs", version, "manufacturers", mid, "models", name] if (
            _is_id(version)
            and _is_id(mid)
            and name.endswith(".json")
            and _is_id(name.removesuffix(".json"))
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


async def _handle_bucket(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    # The raw path, never decoded: a contract path has no '%', so nothing encoded can pass.
    raw = request.rel_url.raw_path
    segments = raw[1:].split("/") if raw.startswith("/") else []
    stats = state.stats
    stats.enter(raw)
    resp: web.StreamResponse | None = None
    try:
        resp = await _respond(request, state, segments)
        return resp
    finally:
        stats.in_flight -= 1
        # No status for a reset (no response at all) or a handler cancelled by a client leaving.
        if resp is not None and not isinstance(resp, Dropped):
            stats.statuses[resp.status] += 1


async def _respond(request: web.Request, state: _State, segments: list[str]) -> web.StreamResponse:
    rel = _document_path(segments)
    batch = None if rel is not None else _batch_kind(segments)
    if rel is None and batch is None:
        return web.Response(status=404, text="not a catalog document", content_type="text/plain")
    plan = state.faults.draw(batch=batch is not None)
    # The injected latency counts from arrival and includes the work of building the
    # body, as a remote catalog's latency would: the client sees delay_s, not more.
    answer_at = asyncio.get_running_loop().time() + plan.delay_s
    if plan.fault is not None:
        await state.until(answer_at)
    early = fail_early(request, state.stats, plan)
    if early is not None:
        return early
    if plan.fault == "stall":
        state.stats.faults["stall"] += 1
        # Until the client gives up: its leaving cancels this handler (handler_cancellation).
        await asyncio.sleep(STALL_SECONDS)
        return Dropped(status=504)
    if batch is not None:
        body, status = await _batch_body(request, state, *batch)
        if status != 200:
            return web.Response(body=body, status=status, content_type=_JSON)
    else:
        assert rel is not None
        found = await state.document(rel)
        if rel == doc.INDEX_PATH or rel.startswith(PACKS_DIR + "/"):
            found = await _without_stale_packs(state, rel, found)
        if found is None:
            return web.Response(status=404, text=f"{rel} not found", content_type="text/plain")
        body = found
    await state.until(answer_at)
    return await send_body(request, state.faults, plan, body)


def _stale_version(root: Path) -> tuple[str, str] | None:
    """``stale_version``, recomputed only when a file's size or time changed since last asked.

    Hashing a bucket reads every document (half a second for the sample); the
    servers of a test run share their buckets, and a stat of each file is cheap.
    """
    stats = [(str(p), p.stat()) for p in sorted(root.rglob("*.json"))]
    signature = tuple((name, st.st_size, st.st_mtime_ns) for name, st in stats)
    return _stale_for(root, hash(signature))


@functools.lru_cache(maxsize=64)
def _stale_for(root: Path, signature: int) -> tuple[str, str] | None:
    return stale_version(root)


async def _without_stale_packs(state: _State, rel: str, data: bytes | None) -> bytes | None:
    """The document, unless the packs are stale: then index.json names none and packs are 404."""
    if data is None or not await state.packs_stale():
        return data
    if rel != doc.INDEX_PATH:
        return None
    try:
        index = orjson.loads(data)
    except orjson.JSONDecodeError:
        return data
    if isinstance(index, dict):
        index.pop("pack", None)
    return orjson.dumps(index)


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
    # The other endpoint's parameter makes the request ambiguous; other parameters (a
    # token or signature from the client's base URL) are not the server's business.
    others = [other for other, *_ in _BATCH_QUERY.values() if other != param]
    if len(values) != 1 or any(other in request.query for other in others):
        return f"pass exactly one {param}=... parameter, and no {' or '.join(others)}"
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
    return _json_response(request.app[STATE].stats.snapshot())


async def _handle_stats_reset(request: web.Request) -> web.Response:
    stats = request.app[STATE].stats
    stats.reset()
    return _json_response(stats.snapshot())


async def _handle_options(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        fields = await request.json(loads=orjson.loads)
        if not isinstance(fields, dict):
            raise TypeError("the body must be a JSON object of option fields")
        # Only the options named change: a latency set at start stays unless the body names it.
        options = dataclasses.replace(state.faults.options, **fields)
    except (orjson.JSONDecodeError, TypeError, InputError) as exc:
        return _json_response({"error": f"bad options: {exc}"}, status=400)
    state.faults.set_options(options)
    return _json_response(options.to_dict())


async def _announce_batch(request: web.Request, response: web.StreamResponse) -> None:
    response.headers[BATCH_HEADER] = "1"


def create_app(directory: Path, options: ServerOptions, stats: ServerStats) -> web.Application:
    """An aiohttp app serving the bucket in ``directory``; counts into ``stats``."""
    root = Path(directory).resolve()
    if not root.is_dir():
        raise InputError(f"catalog directory {str(directory)!r} does not exist")
    app = web.Application()
    app[STATE] = state = _State(root, options, stats)
    if options.preload:
        state.preload()
    app.router.add_get("/_stats", _handle_stats)
    app.router.add_post("/_stats/reset", _handle_stats_reset)
    app.router.add_post("/_options", _handle_options)
    app.router.add_get("/{tail:.*}", _handle_bucket)
    app.on_response_prepare.append(_announce_batch)
    return app
