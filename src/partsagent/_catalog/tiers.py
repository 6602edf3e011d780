"""The manager's cache tiers: in process, a shared cache behind it, and leases on requests.

What a look-up finds before anything is fetched, and where a fetched document
goes, in one place:

* the in-process tier (``BoundedStore``) answers hits without waiting; a
  document that came unvalidated (``Deferred``) is validated on first use;
* a shared cache (Redis) sits behind it and is untrusted (``shared``): what it
  holds is checked, kept in process too, and what is fetched is written to it
  behind the callers;
* with a Redis, the processes missing one request send it once
  (``shared_flights``): ``recall`` claims the request before it is sent, and
  ``holding`` keeps the lease until what it brought is in the shared cache;
* a 404 is remembered for ``negative_ttl``; the rest of a pack goes into free
  room only (``store_extra``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from .._exceptions import CatalogFormatError, NotFound
from .._metrics import count, record_hit
from .cache import MISSING, BoundedStore
from .documents import Deferred
from .flights import Flight
from .shared import NOT_FOUND, SharedCache
from .shared_flights import Claim, SharedFlights
from .stats import KINDS, Counters

__all__ = ["CacheTiers"]

_OPERATION = {kind: f"catalog.{kind}" for kind in KINDS}

CLAIM_ROUNDS = 3
"""Claims of a request another process was sending: after the third wait, fetch it."""


class CacheTiers:
    """Memory, then a shared cache, then (with a Redis) one request for every process."""

    def __init__(
        self,
        memory: BoundedStore,
        shared: SharedCache | None,
        shared_flights: SharedFlights | None,
        counters: Counters,
        *,
        ttls: Mapping[str, float],
        negative_ttl: float,
    ) -> None:
        self.memory = memory
        self.shared = shared
        self.shared_flights = shared_flights
        self._c = counters
        self.ttls = dict(ttls)
        self.negative_ttl = negative_ttl

    # -- the in-process tier -----------------------------------------------------

    def materialize(self, kind: str, key: str, value: Any) -> Any:
        """Validate a deferred document on first use; a bad one is dropped, never cached."""
        if not isinstance(value, Deferred):
            return value
        try:
            resolved = value.resolve()
        except CatalogFormatError:
            self._c.by_kind[kind].errors += 1
            self.memory.delete_nowait(key)
            raise
        self.memory.replace_nowait(key, resolved)
        return resolved

    def hit(self, kind: str, key: str, value: Any) -> Any:
        """Account for a cache hit (no object built for it); a remembered 404 raises NotFound."""
        stats = self._c.by_kind[kind]
        if isinstance(value, dict) and NOT_FOUND in value:
            stats.negative_hits += 1
            raise NotFound(value[NOT_FOUND], "remembered as missing")
        stats.hits += 1
        record_hit(_OPERATION[kind])
        return self.materialize(kind, key, value)

    def peek(self, kind: str, key: str) -> Any:
        """A fresh in-memory value (hit accounted for) or MISSING; never waits."""
        value = self.memory.get_nowait(key)
        return value if value is MISSING else self.hit(kind, key, value)

    # -- storing -----------------------------------------------------------------

    def _set(self, key: str, value: Any, ttl: float) -> None:
        """Keep a document in process now; a shared cache gets it after the callers."""
        self.memory.set_nowait(key, value, ttl=ttl if ttl > 0 else None)
        if self.shared is not None:
            self.shared.set_later(key, value, ttl)

    async def store(self, kind: str, key: str, value: Any) -> None:
        """Cache a document for its kind's TTL; a NotFound is remembered for negative_ttl."""
        if isinstance(value, NotFound):
            if self.negative_ttl > 0:
                self._set(key, {NOT_FOUND: value.path}, self.negative_ttl)
            return
        self._set(key, value, self.ttls[kind])

    async def store_extra(self, kind: str, key: str, value: Any) -> None:
        """Cache a document an answer brought unasked (the rest of a pack), into free room only.

        Such documents never evict or replace a cached one: a pack of hundreds
        of lists must not push out what reports read. A list the pack lacks is
        remembered as missing for the kind's TTL, not ``negative_ttl``: a pack
        is a consistent answer, not a transient 404.
        """
        if isinstance(value, NotFound):
            value = {NOT_FOUND: value.path}
        elif not isinstance(value, tuple | Deferred):
            return
        ttl = self.ttls[kind]
        self.memory.add_if_room_nowait(key, value, ttl=ttl if ttl > 0 else None)
        if self.shared is not None:
            self.shared.set_later(key, value, ttl)

    # -- the shared tier and its leases ------------------------------------------

    def _recalled(self, kind: str, flight: Flight, value: Any) -> bool:
        """Settle ``flight`` with a (checked) shared-cache value, kept in process too.

        False if the shared cache had nothing: the flight is then the catalog's.
        """
        if value is MISSING:
            return False
        self._c.by_kind[kind].shared_hits += 1
        count("cache.shared_hits")
        missing = isinstance(value, dict) and NOT_FOUND in value
        ttl = self.negative_ttl if missing else self.ttls[kind]
        self.memory.set_nowait(flight.key, value, ttl=ttl if ttl > 0 else None)
        if missing:
            flight.future.set_exception(NotFound(value[NOT_FOUND], "remembered as missing"))
        else:
            flight.future.set_result(value)
        return True

    async def _read(self, kind: str, flights: list[Flight], known_up: bool = False) -> list[Flight]:
        """Settle the flights the shared cache answers (one round trip); return the rest."""
        assert self.shared is not None
        wanted = {f.key: (kind, f.path) for f in flights}
        values = await self.shared.get_many(list(wanted), wanted, known_up=known_up)
        return [f for f, v in zip(flights, values, strict=True) if not self._recalled(kind, f, v)]

    async def recall(
        self, kind: str, flights: list[Flight], request: str | None = None
    ) -> tuple[list[Flight], AbstractAsyncContextManager[None]]:
        """Settle what the shared cache holds; return the flights to fetch, and a hold to
        fetch them under.

        ``request`` names the one request that answers every flight (a model's
        pack); None: each flight is its own request (a document). Requests
        another process is sending are waited for, then read from the shared
        cache; what is still missing then (its sender's lease expired while the
        sender was starved of CPU, or its write failed) is claimed again, so that
        of the processes that waited one sends it, not each (up to
        ``CLAIM_ROUNDS`` rounds; then each fetches what it misses). The hold keeps
        this process's leases until what it fetched is in the shared cache:
        ``async with hold: fetch and store``.
        """
        if self.shared is None or not flights:
            return flights, contextlib.nullcontext()
        rest = await self._read(kind, flights)
        leases = self.shared_flights
        if leases is None or not rest:
            return rest, contextlib.nullcontext()
        fetch: list[Flight] = []
        ours: list[Claim] = []
        try:
            for _ in range(CLAIM_ROUNDS):
                if request is None:
                    claims = [Claim(f.key, (f.key,)) for f in rest]
                else:
                    claims = [Claim(request, tuple(f.key for f in rest))]
                leased, theirs = await leases.claim(claims)
                ours += leased
                mine = {key for claim in leased for key in claim.keys}
                fetch += [f for f in rest if f.key in mine]
                rest = [f for f in rest if f.key not in mine]
                if not theirs:
                    break
                known_up = await leases.wait_for(theirs)
                rest = await self._read(kind, rest, known_up)
                if not rest:
                    break
        except BaseException:  # cancelled: what this process leased is sent by others
            await leases.release(ours)
            raise
        return fetch + rest, leases.holding(ours, self.shared.flush)

    async def flush(self) -> None:
        """Wait until the shared cache has been sent what was stored."""
        if self.shared is not None:
            await self.shared.flush()

    async def clear(self) -> None:
        """Drop every cached document, in process and in the shared cache (its namespace)."""
        self.memory.clear_nowait()
        if self.shared is not None:
            await self.shared.clear()

    async def aclose(self) -> None:
        if self.shared is not None:
            await self.shared.aclose()
