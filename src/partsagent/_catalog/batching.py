"""Batching: cold look-ups of one group and kind, made in one loop tick, share a request.

Keys join an open batch load of their (group, kind, lane) until it holds
``size`` keys or its task runs (one loop tick later). A group is what one
request can answer: a manufacturer for the batch endpoints, a model for packs
(the source's ``batch_group``). The ``warm`` lane keeps background warming out
of the requests that somebody waits for. A document somebody waits for is
validated as soon as the batch arrives, in one go; the others are validated on
first read. Documents an answer holds beyond those asked for (the rest of a
pack) are cached too, into free room (``store_extra``). A model's pack that
fails (after its retries) is not asked for again: its documents are read
instead (``unpacked``: the batch endpoints, or one at a time), so that a fault
costs requests, not reports. A batch that fails (after its retries) is split
in two and each half asked again, down to single documents, so that one bad
answer does not sink every document in it; an open circuit fails them all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from .._exceptions import CatalogError, CatalogFormatError, CircuitOpen, NotFound, PartsAgentError
from . import documents as doc
from .documents import Deferred
from .flights import Flight, Flights, Load
from .requests import transient
from .stats import Counters

__all__ = ["Batcher"]

FetchBatch = Callable[[str, str, list[str], bool], Awaitable[Mapping[str, Any]]]
"""(kind, label, paths, unpacked) -> the documents by path, with retries and the deadline
applied; ``unpacked`` reads them without the packs."""
Store = Callable[[str, str, Any], Awaitable[None]]
"""(kind, key, value): cache a document; a NotFound value is remembered as missing."""
GroupOf = Callable[[str], str]
"""path -> the group of documents one request answers (by default the manufacturer)."""
Recall = Callable[
    [str, list[Flight], str | None],
    Awaitable[tuple[list[Flight], AbstractAsyncContextManager[None]]],
]
"""(kind, flights, request): settle those a shared cache can answer; return the rest, for
the catalog, and the hold (cross-process lease) to fetch them under (``tiers.recall``)."""


def manufacturer_of(path: str) -> str:
    """The default group: ``manufacturers/{mid}/...`` -> mid."""
    return path.split("/", 2)[1]


def is_pack_group(group: str) -> bool:
    """True for a model's group (``mid/model``), which a pack answers."""
    return "/" in group


def request_of(group: str) -> str | None:
    """The name of the one request a load of ``group`` sends whatever keys it holds (a
    model's pack), or None: each key is a request of its own (batch endpoints)."""
    return f"pack:{group}" if is_pack_group(group) else None


def list_key(path: str) -> tuple[str, str]:
    """(kind, manager cache key) of a category-list or article-list path."""
    mid, vid, cid = doc.list_path_ids(path)
    if cid is None:
        return "categories", doc.categories_key(mid, vid)
    return "articles", doc.articles_key(mid, vid, cid)


class Batcher:
    """Puts cold keys into batch loads and hands each document of the answer to its flight."""

    def __init__(
        self,
        flights: Flights,
        counters: Counters,
        *,
        size: int,
        fetch: FetchBatch,
        store: Store,
        store_extra: Store,
        recall: Recall,
        group_of: GroupOf = manufacturer_of,
    ) -> None:
        self._flights = flights
        self._counters = counters
        self.size = size
        self._fetch = fetch
        self._store = store
        self._store_extra = store_extra
        self._recall = recall
        self._group_of = group_of

    def add(self, cold: Iterable[tuple[str, str, str]], *, lane: str) -> int:
        """Start loading the (key, kind, path) items; returns how many keys were started."""
        started = 0
        open_batches = self._flights.open_batches
        for key, kind, path in cold:
            if key in self._flights:
                continue
            group = (self._group_of(path), kind, lane)
            load = open_batches.get(group)
            if load is None or len(load.flights) >= self.size:
                load = Load([], group=group)
                open_batches[group] = load
                self._flights.start(load, self._run(load))
            flight = self._flights.new(key)
            flight.claimed = False
            flight.path = path
            flight.load = load
            load.flights.append(flight)
            started += 1
        return started

    async def _run(self, load: Load) -> None:
        await asyncio.sleep(0)  # let callers in this tick add their keys
        self._flights.close_batch(load)
        flights = [f for f in load.flights if not f.future.done()]
        if not flights or load.group is None:
            return
        mid, kind, lane = load.group
        # What a shared cache holds is not fetched, nor what another process is fetching.
        flights, hold = await self._recall(kind, flights, request_of(mid))
        async with hold:
            if flights:
                await self._settle(mid, kind, flights, warming=lane == "warm")

    async def _settle(
        self,
        mid: str,
        kind: str,
        flights: list[Flight],
        unpacked: bool = False,
        *,
        warming: bool = False,
    ) -> None:
        """Fetch the flights' documents in one request; if it fails, without the pack,
        then each half on its own.

        Without its pack, a document costs a request of its own: ``warming`` loads
        (nobody waited for them when they started) then read only the documents
        somebody has come to wait for since; the others are left unwarmed.
        """
        paths = [f.path for f in flights]
        label = paths[0] if len(paths) == 1 else f"batch:{mid}/{kind}"
        stats = self._counters.by_kind[kind]
        try:
            items = await self._fetch(kind, label, paths, unpacked)
        except PartsAgentError as exc:
            if isinstance(exc, CircuitOpen):
                pass
            elif not unpacked and is_pack_group(mid):
                wanted = self._unwarmed(flights, exc) if warming else flights
                if wanted:
                    await self._settle(mid, kind, wanted, unpacked=True)
                return
            elif len(flights) > 1:
                half = len(flights) // 2
                await asyncio.gather(
                    self._settle(mid, kind, flights[:half], unpacked, warming=warming),
                    self._settle(mid, kind, flights[half:], unpacked, warming=warming),
                )
                return
            stats.errors += len(flights)
            for flight in flights:
                flight.future.set_exception(exc)
            return
        got: list[Any] = [items.get(flight.path) for flight in flights]
        # Documents that got no answer inside a good one (a pack that rests, one that went
        # unanswered among several) are asked for again, each alone, without packs.
        again = [f for f, item in zip(flights, got, strict=True) if transient(item)]
        if again and not (unpacked and len(flights) == 1):  # a single is not asked again
            first = next(item for item in got if transient(item))
            wanted = self._unwarmed(again, first) if warming else again
            await asyncio.gather(*(self._settle(mid, kind, [f], True) for f in wanted))
            kept = [(f, item) for f, item in zip(flights, got, strict=True) if f not in again]
            flights = [f for f, _ in kept]
            got = [item for _, item in kept]
        # What somebody waits for is validated now, in one go; the rest on first read.
        waited = [
            i
            for i, (f, item) in enumerate(zip(flights, got, strict=True))
            if f.claimed and isinstance(item, Deferred)
        ]
        for i, value in zip(waited, doc.resolve_all([got[i] for i in waited]), strict=True):
            got[i] = value
        for flight, item in zip(flights, got, strict=True):
            if isinstance(item, tuple | Deferred):
                await self._store(kind, flight.key, item)
                flight.future.set_result(item)
                continue
            stats.errors += 1
            if isinstance(item, NotFound):
                await self._store(kind, flight.key, item)
            flight.future.set_exception(
                item
                if isinstance(item, CatalogError)
                else CatalogFormatError(label, f"batch response lacks {flight.path}")
            )
        # Then what the answer brought unasked (the rest of a pack), in the room left.
        asked = {flight.path for flight in flights}
        for path, item in items.items():
            if path not in asked:
                extra_kind, key = list_key(path)
                if key not in self._flights:
                    await self._store_extra(extra_kind, key, item)

    def _unwarmed(self, flights: list[Flight], exc: BaseException) -> list[Flight]:
        """The flights somebody waits for; the others end with ``exc`` (never cached)."""
        wanted = [f for f in flights if f.claimed]
        for flight in flights:
            if not flight.claimed and not flight.future.done():
                flight.future.set_exception(exc)
        return wanted
