"""A cache shared with other processes is untrusted input, and belongs to one catalog.

What another process (a bug, an older version, another deployment) left in a
shared cache such as Redis is checked here against the kind of document its
key stands for before the manager uses it; a value that fails is a miss.
And when the user names no namespace, the namespace is derived from the
catalog's identity, so that two catalogs never read each other's entries.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import structlog

from .._exceptions import CatalogFormatError, PartsAgentError
from .._models import Article, Category, Manufacturer, Model
from . import documents as doc
from .cache import MISSING
from .documents import Deferred
from .source import BucketReader, CatalogSource

__all__ = [
    "NOT_FOUND",
    "CatalogNamespaced",
    "SharedCache",
    "Unreadable",
    "catalog_namespace",
    "kind_of",
    "problem",
]

_log = structlog.get_logger("partsagent")

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
    failed lookup; a value that is not a valid document of its key's kind is a
    miss, logged once (``partsagent.cache.bad_value``), and is overwritten when
    the document has been fetched again. A cache that takes its namespace from
    the catalog (``CatalogNamespaced``) is named by ``name()`` before its first
    use, and left alone (misses, no writes) while that fails.
    """

    def __init__(self, cache: Any, name: Callable[[], Awaitable[str]]) -> None:
        self.cache = cache
        self._name = name
        self._naming = asyncio.Lock()

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
            value = await self.cache.get(key, default=MISSING)
        except CatalogFormatError as exc:  # undecodable: a bad value, to fetch and overwrite
            return self._checked(kind, key, path, Unreadable(exc.detail))
        except Exception as exc:  # a broken or slow shared cache is a miss, not a failed report
            _log.warning("partsagent.cache.read_failed", key=key, error_type=type(exc).__name__)
            return MISSING
        return MISSING if value is MISSING else self._checked(kind, key, path, value)

    async def get_many(self, keys: list[str], wanted: Mapping[str, tuple[str, str]]) -> list[Any]:
        """One round trip; ``wanted`` maps each key to (kind, path)."""
        if not keys or not await self.ready():
            return [MISSING] * len(keys)
        try:
            values = await self.cache.multi_get(keys)
        except Exception as exc:  # a broken or slow shared cache is a miss
            _log.warning(
                "partsagent.cache.read_failed", keys=len(keys), error_type=type(exc).__name__
            )
            return [MISSING] * len(keys)
        return [
            MISSING if v is None else self._checked(wanted[k][0], k, wanted[k][1], v)
            for k, v in zip(keys, values, strict=True)
        ]

    async def set(self, key: str, value: Any, ttl: float) -> None:
        if not await self.ready():
            return
        try:
            if isinstance(value, Deferred):
                value = value.resolve()  # a shared cache stores only validated documents
            await self.cache.set(key, value, ttl=ttl if ttl > 0 else None)
        except Exception as exc:  # a cache that cannot store must not fail the lookup
            _log.warning("partsagent.cache.write_failed", key=key, error_type=type(exc).__name__)
