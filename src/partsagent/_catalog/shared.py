"""A cache shared with other processes is untrusted input, and belongs to one catalog.

What another process (a bug, an older version, another deployment) left in a
shared cache such as Redis is checked here against the kind of document its
key stands for before the manager uses it; a value that fails is a miss.
And when the user names no namespace, the namespace is derived from the
catalog's identity, so that two catalogs never read each other's entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import inspect
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from .._exceptions import CatalogFormatError, CatalogUnavailable, PartsAgentError
from .._metrics.log import get_logger
from .._models import Article, Category, Manufacturer, Model
from . import documents as doc
from .cache import MISSING
from .documents import Deferred
from .source import BucketReader, CatalogSource
from .suspend import Suspension

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "MAX_PENDING",
    "NOT_FOUND",
    "CatalogNamespaced",
    "SharedCache",
    "Unreadable",
    "bounded",
    "call_timeout",
    "catalog_namespace",
    "kind_of",
    "problem",
]

_log = get_logger()

WRITE_CHUNK = 64
"""Documents per ``multi_set``: each write is a call as short as a read."""

MAX_PENDING = 10_000
"""Writes queued for a shared cache at most; more are dropped (logged) until it catches up."""

DEFAULT_CALL_TIMEOUT = 0.25
"""Seconds a shared-cache call may take when the cache names no ``timeout`` of its own."""

GRACE_TURNS = 8
"""Turns of the event loop a call past its deadline still has to read an answer that came."""

T = TypeVar("T")
CLEAR_TIMEOUT = 30.0
"""Seconds for clearing a namespace: it walks the database's keys, unlike a look-up."""

NOT_FOUND = "__partsagent_not_found__"
"""The one key of the value that remembers a 404: ``{NOT_FOUND: path}``."""

_ELEMENT: dict[str, type] = {
    "manufacturers": Manufacturer,
    "models": Model,
    "categories": Category,
    "articles": Article,
}


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Stands for a shared-cache value that could not even be decoded (see ``problem``)."""

    reason: str


@runtime_checkable
class CatalogNamespaced(Protocol):
    """A cache whose namespace is to be derived from the catalog (``redis_cache()``)."""

    needs_catalog_namespace: bool

    def bind_namespace(self, namespace: str) -> None: ...


def kind_of(key: str) -> str:
    """The document kind of a manager key (``"articles/117/..."`` -> ``"articles"``)."""
    return key.partition("/")[0]


def problem(kind: str, path: str, value: Any) -> str | None:
    """Why ``value`` cannot be the cached ``kind`` document at ``path``; None if it can.

    Valid: a tuple of the kind's validated models (possibly empty), or the 404
    marker naming this very path.
    """
    if isinstance(value, Unreadable):
        return value.reason
    if isinstance(value, dict):
        if value.keys() == {NOT_FOUND} and value[NOT_FOUND] == path:
            return None
        return "an object that is not this document's 404 marker"
    element = _ELEMENT.get(kind)
    if element is None or (isinstance(value, tuple) and all(isinstance(v, element) for v in value)):
        return None
    return f"a {type(value).__name__}, not a list of {element.__name__}"


def call_timeout(cache: Any) -> float:
    """Seconds a call to ``cache`` may take: its ``call_timeout`` (``redis_cache``'s
    ``timeout``) or its own ``timeout``, else ``DEFAULT_CALL_TIMEOUT``."""
    timeout = getattr(cache, "call_timeout", None) or getattr(cache, "timeout", None)
    if isinstance(timeout, int | float) and timeout > 0 and math.isfinite(timeout):
        return float(timeout)
    return DEFAULT_CALL_TIMEOUT


async def bounded(seconds: float, call: Callable[[], Awaitable[T]]) -> T:
    """``await call()``, cancelled when the shared cache has not answered within ``seconds``.

    Timed on the answer, not on this process's lateness. A process whose loop was
    busy (its reports, or other processes on a loaded host, took the CPU) notices
    the deadline late: the answer may be there, unread, or the call may not even
    have gone out. So a deadline noticed late (by over a tenth of ``seconds``)
    gives the call ``seconds`` more, once, and past the deadline the call has
    ``GRACE_TURNS`` turns of the loop to read what came. On an idle loop neither
    costs anything: a Redis that has not answered is slow indeed. Raises TimeoutError.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(call())
    try:
        deadline = loop.time() + seconds
        await asyncio.wait((task,), timeout=seconds)
        if not task.done() and loop.time() - deadline > seconds / 10:
            await asyncio.wait((task,), timeout=seconds)
        for _ in range(GRACE_TURNS):
            if task.done():
                break
            await asyncio.sleep(0)
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait((task,))  # its connection goes back to the pool now
    if task.cancelled():
        raise TimeoutError(f"no answer within {seconds:g} s")
    return task.result()


async def catalog_namespace(source: CatalogSource) -> str:
    """``partsagent-<hash>`` of the catalog's identity: where it is, and its index.json.

    Where: the source's ``name`` (a directory, or a URL without its credentials).
    What: the bytes of ``index.json`` (its parsed content for a source that is
    not a BucketReader), so that a catalog whose index changes starts afresh.
    """
    if isinstance(source, BucketReader):
        raw = await source.read(doc.INDEX_PATH)
        doc.parse(doc.INDEX, doc.INDEX_PATH, raw)  # a bucket, not any file that answers
    else:
        raw = (await source.index()).model_dump_json().encode()
    digest = hashlib.sha256(source.name.encode() + b"\n" + raw).hexdigest()
    return f"partsagent-{digest[:16]}"


class SharedCache:
    """The manager's reads and writes of a cache other processes share (any aiocache).

    Failures of the cache are misses (reads) or skipped (writes), logged, never a
    failed lookup; writes go out behind the callers, one ``multi_set`` per kind
    and loop tick. Every call is bounded by the cache's ``timeout`` (or
    ``DEFAULT_CALL_TIMEOUT``), and a failed or timed-out call suspends the
    cache for a while (``suspend``): a stalled Redis costs misses, not waits;
    writes go in chunks of ``WRITE_CHUNK``, each a short call. A value that is
    not a valid document of its key's kind is a miss, logged once
    (``partsagent.cache.bad_value``), and is overwritten when the document has
    been fetched again. A cache that takes its namespace from
    the catalog (``CatalogNamespaced``) is named by ``name()`` before its first
    use, and left alone (misses, no writes) while that fails.
    """

    def __init__(self, cache: Any, name: Callable[[], Awaitable[str]]) -> None:
        self.cache = cache
        self._name = name
        self._naming = asyncio.Lock()
        self._pending: list[tuple[str, Any, float]] = []
        self._dropping = False
        self._writer: asyncio.Task[None] | None = None
        self.suspension = Suspension()
        self.timeout = call_timeout(cache)

    async def _call(
        self, what: str, call: Callable[[], Awaitable[T]], *, known_up: bool = False, **log: Any
    ) -> T | None:
        """``call()`` within the timeout, unless the cache is suspended; None when it failed.

        ``known_up``: Redis has just answered another call of this process (a wait
        for another process's values): the call goes out even while suspended,
        and ends the pause if it is answered. A CatalogFormatError (a value that
        does not decode) is the value's fault, not the cache's: it is raised, and
        the cache stays in use.
        """
        probe = self.suspension.begin()
        if probe is None:
            if not known_up:
                return None
            probe = False
        try:
            result = await bounded(self.timeout, call)
        except CatalogFormatError:
            self.suspension.succeeded(probe)
            raise
        except asyncio.CancelledError:
            self.suspension.abandoned(probe)
            raise
        except Exception as exc:  # a broken or slow shared cache is a miss, not a failed report
            _log.warning(f"partsagent.cache.{what}_failed", error_type=type(exc).__name__, **log)
            self.suspension.failed(probe, type(exc).__name__, slow=isinstance(exc, TimeoutError))
            return None
        self.suspension.succeeded(probe or known_up)
        return result

    async def ready(self) -> bool:
        cache = self.cache
        if not isinstance(cache, CatalogNamespaced) or not cache.needs_catalog_namespace:
            return True
        async with self._naming:
            if cache.needs_catalog_namespace:
                try:
                    namespace = await self._name()
                except PartsAgentError as exc:
                    _log.warning("partsagent.cache.unnamed", error_type=type(exc).__name__)
                    return False
                cache.bind_namespace(namespace)
        return True

    def _checked(self, kind: str, key: str, path: str, value: Any) -> Any:
        why = problem(kind, path, value)
        if why is None:
            return value
        _log.warning("partsagent.cache.bad_value", key=key, kind=kind, problem=why)
        return MISSING

    async def get(self, kind: str, key: str, path: str) -> Any:
        """The valid document at ``key``, or MISSING."""
        if not await self.ready():
            return MISSING
        try:
            value = await self._call("read", lambda: self.cache.get(key, default=MISSING), key=key)
        except CatalogFormatError as exc:  # undecodable: a bad value, to fetch and overwrite
            return self._checked(kind, key, path, Unreadable(exc.detail))
        if value is None or value is MISSING:
            return MISSING
        return self._checked(kind, key, path, value)

    async def get_many(
        self, keys: list[str], wanted: Mapping[str, tuple[str, str]], *, known_up: bool = False
    ) -> list[Any]:
        """One round trip; ``wanted`` maps each key to (kind, path); ``known_up`` as ``_call``."""
        if not keys or not await self.ready():
            return [MISSING] * len(keys)
        decode = getattr(self.cache, "decode", None)
        if decode is None:
            values = await self._call(
                "read", lambda: self.cache.multi_get(keys), known_up=known_up, keys=len(keys)
            )
        else:  # the round trip alone is timed; decoding (CPU) follows, never cut short
            raws = await self._call(
                "read",
                lambda: self.cache.multi_get(keys, loads_fn=_same),
                known_up=known_up,
                keys=len(keys),
            )
            values = None if raws is None else list(map(decode, keys, raws))
        if values is None:
            return [MISSING] * len(keys)
        return [
            MISSING if v is None else self._checked(wanted[k][0], k, wanted[k][1], v)
            for k, v in zip(keys, values, strict=True)
        ]

    def set_later(self, key: str, value: Any, ttl: float) -> None:
        """Queue a write; the writes of one loop tick go out together, behind the callers.

        A report never waits for the shared cache to store what it fetched: the
        in-process tier already holds it. ``flush()`` waits for what is queued.
        A cache that cannot keep up loses writes (``MAX_PENDING`` wait at most),
        never memory.
        """
        if len(self._pending) >= MAX_PENDING:
            if not self._dropping:
                _log.warning("partsagent.cache.write_dropped", pending=len(self._pending))
            self._dropping = True
            return
        self._pending.append((key, value, ttl))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_pending())

    async def flush(self) -> None:
        """Wait until every queued write has been sent (or has failed, logged)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def clear(self) -> None:
        """Delete this catalog's entries (its namespace), never the rest of the database.

        Writes still queued hold documents read before the clear: they are dropped.
        """
        self._pending.clear()
        await self.flush()
        namespace = getattr(self.cache, "namespace", None) if await self.ready() else None
        if not namespace:
            raise CatalogUnavailable(
                "shared cache",
                "not cleared: it has no namespace of its own (clearing it would clear "
                "everything in it); name one, e.g. redis_cache(url, namespace=...)",
            )
        try:
            await self.cache.clear(namespace=namespace, timeout=CLEAR_TIMEOUT)
        except Exception as exc:  # any failure: the caller must know old documents stay
            raise CatalogUnavailable(
                "shared cache", f"not cleared ({type(exc).__name__}); clear it again"
            ) from exc

    async def aclose(self) -> None:
        """Send what is queued, then close the cache; cancelled, drop the queue.

        Bounded like every call: a stalled cache is closed without its writes.
        """
        try:
            await self.flush()
        finally:
            if self._writer is not None and not self._writer.done():
                self._writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._writer
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.timeout):
                    await self.cache.close()

    async def _write_pending(self) -> None:
        await asyncio.sleep(0)  # let the rest of this tick's writes join
        while self._pending:
            batch, self._pending, self._dropping = self._pending, [], False
            if not await self.ready():
                continue
            for (kind, ttl), pairs in _groups(batch).items():
                dumps = _dumps_for(self.cache, kind)
                for start in range(0, len(pairs), WRITE_CHUNK):
                    # Encoded first: the round trip alone is timed, so that a busy CPU
                    # (encoding a pack's lists) does not pass for a slow cache.
                    chunk = [
                        (key, dumps(value)) for key, value in pairs[start : start + WRITE_CHUNK]
                    ]
                    await self._call(
                        "write",
                        functools.partial(
                            self.cache.multi_set,
                            chunk,
                            ttl=ttl if ttl > 0 else None,
                            dumps_fn=_same,
                        ),
                        keys=len(chunk),
                        kind=kind,
                    )
                    await asyncio.sleep(0)  # the callers between two chunks


def _groups(batch: list[tuple[str, Any, float]]) -> dict[tuple[str, float], list[tuple[str, Any]]]:
    """Writes by (kind, ttl), one MSET each; a document that does not validate is left out."""
    groups: dict[tuple[str, float], list[tuple[str, Any]]] = {}
    for key, value, ttl in batch:
        if isinstance(value, Deferred):  # a shared cache stores only validated documents
            try:
                value = value.resolve()
            except CatalogFormatError:
                continue
        groups.setdefault((kind_of(key), ttl), []).append((key, value))
    return groups


def _same(value: Any) -> Any:
    """A serializer step that leaves the value as it is (encoded, or decoded, elsewhere)."""
    return value


def _dumps_for(cache: Any, kind: str) -> Any:
    """The cache serializer's ``dumps`` told the kind of its keys, if it takes one."""
    dumps = cache.serializer.dumps
    if "kind" in inspect.signature(dumps).parameters:
        return functools.partial(dumps, kind=kind)
    return dumps
