"""BoundedMemoryCache: the bounded store as an aiocache backend.

For code that wants an aiocache cache object (``get``, ``set``, ``multi_get``,
``add``, ``increment`` ...) with a cap: the same LRU and TTL rules as
``BoundedStore``, whose synchronous methods it keeps. Loaded only when asked
for (``partsagent._catalog.cache.BoundedMemoryCache``), because aiocache
imports redis whenever it is installed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from aiocache.base import BaseCache
from aiocache.serializers import NullSerializer

from .._exceptions import UsageError
from .cache import BoundedStore

__all__ = ["BoundedMemoryCache"]


class BoundedMemoryCache(BoundedStore, BaseCache):  # type: ignore[misc]  # aiocache ships no type hints
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
        BoundedStore.__init__(self, max_entries=max_entries, clock=clock, namespace=namespace)
        BaseCache.__init__(self, serializer=NullSerializer(), namespace=namespace, timeout=timeout)

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
        self.generation += 1
        self._data[key] = (value, entry[1])
        self._data.move_to_end(key)
        return value

    async def _expire(self, key: str, ttl: float | None, _conn: Any = None) -> bool:
        entry = self._live(key)
        if entry is None:
            return False
        self.generation += 1
        self._data[key] = (entry[0], self.clock() + ttl if ttl else None)
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
            self.clear_nowait()
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
