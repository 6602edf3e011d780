"""What reports derive from cached documents, kept for the next report on the same vehicle.

A report on a vehicle seen before reads the same lists and works out the same
things from them: the union of its variants' categories, the articles that fit
each category at each position. ``DerivedMemo`` keeps such results beside the
manager's in-process cache, under rules that make a kept result answer as
working it out again would:

* a result is kept only when every document it rests on is in the cache
  (``sources``), and the cache let nothing go while it was made (``since``);
  it expires with the first of its documents to expire: a document updated in
  the catalog is seen after its TTL, as without the memo;
* when the cache lets go of any value (evicted, expired, deleted, cleared,
  overwritten), its ``generation`` moves on and the memo is emptied: it never
  holds a list the cache no longer does, nor a result of one;
* at most ``max_entries`` results (least recently used go first);
* it is written synchronously, after the awaits that gathered a result: a
  cancelled report leaves nothing half-made behind.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

from .._metrics import record_hit
from .cache import MISSING, BoundedStore

__all__ = ["DerivedMemo"]

DERIVED_ENTRIES = 4_096
"""Results kept per manager: a few dozen per vehicle (its categories, a part's articles)."""


class DerivedMemo:
    """Results derived from the documents of ``store``, kept while those documents are."""

    def __init__(self, store: BoundedStore, *, max_entries: int = DERIVED_ENTRIES) -> None:
        self._store = store
        self._clock = store.clock
        self.max_entries = max_entries
        self._generation = store.generation
        # key -> (value, expires_at or None); order is recency, most recent last.
        self._data: OrderedDict[Hashable, tuple[Any, float | None]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        """Results held that still rest on what the cache holds."""
        self._follow()
        return len(self._data)

    def _follow(self) -> None:
        """Empty the memo if the cache let a value go since it was last looked at."""
        if self._store.generation != self._generation:
            self.clear()

    def get(self, key: Hashable) -> Any:
        """The result kept at ``key``, or ``MISSING``."""
        self._follow()
        entry = self._data.get(key)
        if entry is None or (entry[1] is not None and self._clock() >= entry[1]):
            if entry is not None:
                del self._data[key]
            self.misses += 1
            return MISSING
        self._data.move_to_end(key)
        self.hits += 1
        # Counted as a catalog cache hit (no object built): a warm report is answered
        # from cached lists, whether it looked them up or took what it worked out of them.
        record_hit("catalog.derived")
        return entry[0]

    def since(self) -> int:
        """The cache's generation now: take it before reading what a result is made of."""
        return self._store.generation

    def put(self, key: Hashable, value: Any, sources: Iterable[str], *, since: int) -> bool:
        """Keep ``value``, made of the cached documents at ``sources`` read since ``since``
        (``since()`` before the reads); True if kept.

        Not kept when the cache let a value go meanwhile (one of the documents may
        have been replaced while the result was made), nor when one of them is no
        longer cached (a cache too small for a report's lists): nothing would say
        when the result went stale.
        """
        self._follow()
        if self._store.generation != since:
            return False
        expires: float | None = None
        for source in sources:
            at = self._store.expires_at(source)
            if at is MISSING:
                return False
            if at is not None and (expires is None or at < expires):
                expires = at
        if self._store.generation != since:
            return False  # reading the sources found one expired
        self._data[key] = (value, expires)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)
        return True

    def stats(self) -> dict[str, int]:
        """Hits, misses, results kept and the cap."""
        return {
            "hits": self.hits,
            "misses": self.misses,
            "size": len(self),
            "max_size": self.max_entries,
        }

    def clear(self) -> None:
        """Forget every result (the cache moved on, or was cleared)."""
        self._data.clear()
        self._generation = self._store.generation
