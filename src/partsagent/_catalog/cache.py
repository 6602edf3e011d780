"""A bounded, LRU, TTL in-memory aiocache backend, and the cache statistics snapshot.

aiocache's own ``SimpleMemoryCache`` has no size cap (aiocache issue #498) and
keeps one event-loop timer handle per key with a TTL. ``BoundedMemoryCache``
caps the number of entries (least recently used goes first), checks expiry
when an entry is read (and when it is about to be evicted) against an
injectable clock, and needs no timer handles and no running loop.

Keys are ``"{kind}/{rest}"``; evictions, expirations and sizes are counted per
kind (the part before the first ``/``).
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from aiocache.base import BaseCache
from aiocache.serializers import NullSerializer

from .._exceptions import InputError, UsageError

__all__ = ["MISSING", "BoundedMemoryCache", "KindCounters"]


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing.MISSING
"""Returned by ``get_nowait`` when the key is absent or expired (``None`` is a valid value)."""

_OTHER = "other"


def _kind(key: str) -> str:
    kind, sep, _ = key.partition("/")
    return kind if sep else _OTHER


@dataclass(frozen=True, slots=True)
class KindCounters:
    """Evictions and expirations so far, and current entries, of one document kind."""

    evictions: int = 0
    expirations: int = 0
    size: int = 0


class _Tally:
    __slots__ = ("evictions", "expirations", "size")

    def __init__(self) -> None:
        self.evictions = 0
        self.expirations = 0
        self.size = 0


class BoundedMemoryCache(BaseCache):  # type: ignore[misc]  # aiocache ships no type hints
    """In-process aiocache backend with an entry cap (LRU) and per-entry TTL.

    * ``max_entries=10_000``: the cache never holds more entries than this.
    * ``clock=time.monotonic``: seconds; tests pass a fake clock to expire entries.
    * ``namespace=""``: prefix added by aiocache's key builder.
    * ``timeout=None``: a dict lookup cannot hang, so aiocache need not wrap each
      call in ``asyncio.wait_for``.

    Values are stored as they are (no serializer), so ``get`` returns the very
    object that was ``set``. TTLs are seconds; ``None`` or ``0`` never expires.
    """

    NAME = "bounded-memory"

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        namespace: str = "",
        timeout: float | None = None,
    ) -> None:
        if max_entries < 1:
            raise InputError("max_entries must be at least 1")
        super().__init__(serializer=NullSerializer(), namespace=namespace, timeout=timeout)
        self.max_entries = max_entries
        self._clock = clock
        # key -> (value, expires_at or None); order is recency, most recent last.
        self._data: OrderedDict[str, tuple[Any, float | None]] = OrderedDict()
        self._kinds: dict[str, _Tally] = {}

    def __len__(self) -> int:
        """Entries held, including expired ones not yet noticed (never above ``max_entries``)."""
        return len(self._data)

    def __repr__(self) -> str:
        return f"BoundedMemoryCache(max_entries={self.max_entries}, size={len(self._data)})"

    def stats_by_kind(self) -> dict[str, KindCounters]:
        """Evictions, expirations and current size per document kind."""
        return {
            kind: KindCounters(t.evictions, t.expirations, t.size)
            for kind, t in self._kinds.items()
        }

    # -- synchronous fast path -------------------------------------------

    def get_nowait(self, key: str) -> Any:
        """The value at ``key`` or ``MISSING``, without awaiting.

        The hot path of the catalog manager: aiocache's ``get`` goes through four
        decorators and a coroutine per call, which costs more than the lookup
        itself. Applies the namespace and refreshes recency like ``get``.
        """
        if self.namespace:
            key = self.namespace + key
        entry = self._data.get(key)
        if entry is None:
            return MISSING
        expires = entry[1]
        if expires is not None and self._clock() >= expires:
            self._remove(key, expired=True)
            return MISSING
        self._data.move_to_end(key)
        return entry[0]

    def set_nowait(self, key: str, value: Any, *, ttl: float | None = None) -> None:
        """Store ``value`` at ``key`` without awaiting; ``ttl`` seconds, None never expires."""
        if self.namespace:
            key = self.namespace + key
        self._store(key, value, ttl)

    def replace_nowait(self, key: str, value: Any) -> None:
        """Swap the value of a fresh entry, keeping its expiry; no-op if absent or expired."""
        if self.namespace:
            key = self.namespace + key
        entry = self._live(key)
        if entry is not None:
            self._data[key] = (value, entry[1])

    def delete_nowait(self, key: str) -> None:
        """Drop ``key`` if present."""
        if self.namespace:
            key = self.namespace + key
        if key in self._data:
            self._remove(key)

    # -- internals ----------------------------------------------------------

    def _tally(self, key: str) -> _Tally:
        kind = _kind(key[len(self.namespace) :] if self.namespace else key)
        tally = self._kinds.get(kind)
        if tally is None:
            tally = self._kinds[kind] = _Tally()
        return tally

    def _remove(self, key: str, *, expired: bool = False, evicted: bool = False) -> Any:
        value, _ = self._data.pop(key)
        tally = self._tally(key)
        tally.size -= 1
        if expired:
            tally.expirations += 1
        elif evicted:
            tally.evictions += 1
        return value

    def _live(self, key: str) -> tuple[Any, float | None] | None:
        """The entry at ``key`` if present and fresh; drops it (counted) if expired."""
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] is not None and self._clock() >= entry[1]:
            self._remove(key, expired=True)
            return None
        return entry

    def _store(self, key: str, value: Any, ttl: float | None) -> None:
        expires = self._clock() + ttl if ttl else None
        if key in self._data:
            self._data[key] = (value, expires)
            self._data.move_to_end(key)
            return
        while len(self._data) >= self.max_entries:
            oldest = next(iter(self._data))
            old_expires = self._data[oldest][1]
            stale = old_expires is not None and self._clock() >= old_expires
            self._remove(oldest, expired=stale, evicted=not stale)
        self._data[key] = (value, expires)
        self._tally(key).size += 1

    # -- the aiocache 0.12 backend API ---------------------------------------

    async def _get(self, key: str, encoding: str | None = "utf-8", _conn: Any = None) -> Any:
        entry = self._live(key)
        if entry is None:
            return None
        self._data.move_to_end(key)
        return entry[0]

    async def _gets(self, key: str, encoding: str | None = "utf-8", _conn: Any = None) -> Any:
        return await self._get(key, encoding=encoding)

    async def _multi_get(
        self, keys: Iterable[str], encoding: str | None = "utf-8", _conn: Any = None
    ) -> list[Any]:
        return [await self._get(key) for key in keys]

    async def _set(
        self,
        key: str,
        value: Any,
        ttl: float | None = None,
        _cas_token: Any = None,
        _conn: Any = None,
    ) -> bool | int:
        if _cas_token is not None:
            entry = self._live(key)
            if entry is None or entry[0] != _cas_token:
                return 0
        self._store(key, value, ttl)
        return True

    async def _multi_set(
        self, pairs: Iterable[tuple[str, Any]], ttl: float | None = None, _conn: Any = None
    ) -> bool:
        for key, value in pairs:
            self._store(key, value, ttl)
        return True

    async def _add(self, key: str, value: Any, ttl: float | None = None, _conn: Any = None) -> bool:
        if self._live(key) is not None:
            raise ValueError(f"Key {key} already exists, use .set to update the value")
        self._store(key, value, ttl)
        return True

    async def _exists(self, key: str, _conn: Any = None) -> bool:
        return self._live(key) is not None

    async def _increment(self, key: str, delta: int, _conn: Any = None) -> int:
        entry = self._live(key)
        if entry is None:
            self._store(key, delta, None)
            return delta
        try:
            value = int(entry[0]) + delta
        except (TypeError, ValueError):
            raise TypeError("Value is not an integer") from None
        self._data[key] = (value, entry[1])
        self._data.move_to_end(key)
        return value

    async def _expire(self, key: str, ttl: float | None, _conn: Any = None) -> bool:
        entry = self._live(key)
        if entry is None:
            return False
        self._data[key] = (entry[0], self._clock() + ttl if ttl else None)
        return True

    async def _delete(self, key: str, _conn: Any = None) -> int:
        if self._live(key) is None:
            return 0
        self._remove(key)
        return 1

    async def _clear(self, namespace: str | None = None, _conn: Any = None) -> bool:
        if namespace:
            for key in [k for k in self._data if k.startswith(namespace)]:
                self._remove(key)
        else:
            self._data.clear()
            for tally in self._kinds.values():
                tally.size = 0
        return True

    async def _raw(self, command: str, *args: Any, **kwargs: Any) -> Any:
        raise UsageError(f"BoundedMemoryCache has no raw command {command!r}; use the aiocache API")

    async def _redlock_release(self, key: str, value: Any) -> int:
        entry = self._live(key)
        if entry is None or entry[0] != value:
            return 0
        self._remove(key)
        return 1

    async def _close(self, *args: Any, _conn: Any = None, **kwargs: Any) -> None:
        """Nothing to release: no connections and no timer handles."""
