"""A bounded, LRU, TTL in-memory store: the manager's default cache and the report cache.

aiocache's own ``SimpleMemoryCache`` has no size cap (aiocache issue #498) and
keeps one event-loop timer handle per key with a TTL. ``BoundedStore`` caps
the number of entries (least recently used goes first), checks expiry when an
entry is read (and when it is about to be evicted) against an injectable
clock, and needs no timer handles and no running loop. Its API is synchronous
(``get_nowait``...): a dict lookup has nothing to await. The same store as an
aiocache backend is ``memory_backend.BoundedMemoryCache``, a module of its own
because aiocache imports redis whenever it is installed, and
``import partsagent`` loads neither.

Keys are ``"{kind}/{rest}"``; evictions, expirations and sizes are counted per
kind (the part before the first ``/``).
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from .._exceptions import InputError

__all__ = ["MISSING", "BoundedStore", "KindCounters"]


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


class BoundedStore:
    """In-process store with an entry cap (LRU) and per-entry TTL.

    * ``max_entries=10_000``: the store never holds more entries than this.
    * ``clock=time.monotonic``: seconds; tests pass a fake clock to expire entries.
    * ``namespace=""``: prefix added to every key.

    Values are stored as they are, so ``get_nowait`` returns the very object
    that was stored. TTLs are seconds; ``None`` or ``0`` never expires.
    """

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        namespace: str = "",
    ) -> None:
        if max_entries < 1:
            raise InputError("max_entries must be at least 1")
        self.namespace = namespace
        self.max_entries = max_entries
        self.clock = clock
        """Seconds, the store's time for expiry (injectable: tests expire entries)."""
        # key -> (value, expires_at or None); order is recency, most recent last.
        self._data: OrderedDict[str, tuple[Any, float | None]] = OrderedDict()
        self._kinds: dict[str, _Tally] = {}
        self.generation = 0
        """Bumped whenever a value leaves (evicted, expired, deleted, cleared) or is
        overwritten: what was derived from the store's values under an older generation
        may rest on a value the store no longer holds (``derived.DerivedMemo``)."""

    def __len__(self) -> int:
        """Entries held, including expired ones not yet noticed (never above ``max_entries``)."""
        return len(self._data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_entries={self.max_entries}, size={len(self._data)})"

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
        itself. Applies the namespace and refreshes recency.
        """
        if self.namespace:
            key = self.namespace + key
        entry = self._data.get(key)
        if entry is None:
            return MISSING
        expires = entry[1]
        if expires is not None and self.clock() >= expires:
            self._remove(key, expired=True)
            return MISSING
        self._data.move_to_end(key)
        return entry[0]

    def expires_at(self, key: str) -> float | None | _Missing:
        """When the fresh entry at ``key`` expires (None: never), or ``MISSING``.

        Neither refreshes recency nor counts anything: for what is derived from an entry.
        """
        if self.namespace:
            key = self.namespace + key
        entry = self._live(key)
        return MISSING if entry is None else entry[1]

    def set_nowait(self, key: str, value: Any, *, ttl: float | None = None) -> None:
        """Store ``value`` at ``key`` without awaiting; ``ttl`` seconds, None never expires."""
        if self.namespace:
            key = self.namespace + key
        self._store(key, value, ttl)

    def add_if_room_nowait(self, key: str, value: Any, *, ttl: float | None = None) -> bool:
        """Store ``value`` only into free room: never evicting, never replacing; True if stored.

        For speculative entries (the lists a pack brings beyond those asked for):
        a large answer must not push out what somebody read.
        """
        if self.namespace:
            key = self.namespace + key
        if key in self._data or len(self._data) >= self.max_entries:
            return False
        self._store(key, value, ttl)
        return True

    def replace_nowait(self, key: str, value: Any) -> None:
        """Swap the value of a fresh entry, keeping its expiry; no-op if absent or expired.

        For the same document in another form (validated): the generation stays.
        """
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

    def clear_nowait(self) -> None:
        """Drop every entry (sizes go to zero; evictions and expirations are kept)."""
        self.generation += 1
        self._data.clear()
        for tally in self._kinds.values():
            tally.size = 0

    # -- internals ----------------------------------------------------------

    def _tally(self, key: str) -> _Tally:
        kind = _kind(key[len(self.namespace) :] if self.namespace else key)
        tally = self._kinds.get(kind)
        if tally is None:
            tally = self._kinds[kind] = _Tally()
        return tally

    def _remove(self, key: str, *, expired: bool = False, evicted: bool = False) -> Any:
        value, _ = self._data.pop(key)
        self.generation += 1
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
        if entry[1] is not None and self.clock() >= entry[1]:
            self._remove(key, expired=True)
            return None
        return entry

    def _store(self, key: str, value: Any, ttl: float | None) -> None:
        expires = self.clock() + ttl if ttl else None
        if key in self._data:
            self.generation += 1
            self._data[key] = (value, expires)
            self._data.move_to_end(key)
            return
        while len(self._data) >= self.max_entries:
            oldest = next(iter(self._data))
            old_expires = self._data[oldest][1]
            stale = old_expires is not None and self.clock() >= old_expires
            self._remove(oldest, expired=stale, evicted=not stale)
        self._data[key] = (value, expires)
        self._tally(key).size += 1
