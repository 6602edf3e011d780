"""AgentCacheManager: whole reports cached by what they mean, computed once when concurrent.

Two keys: the *input key* (the user's words, normalised for order, case and
spacing) finds a repeat in microseconds without touching the catalog; the
*canonical key* (resolved vehicle + mapped categories, positions and
severities) makes "hood" and "bonnet" share one report.

A cached report is kept as its JSON, zlib-compressed (about 4 KB instead of
the 80 KB its objects take), and rebuilt on a hit in a few hundred
microseconds: a thousandth of what computing it costs.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .._catalog.cache import MISSING, BoundedStore
from .._models import DamagedPart, Position, Severity, Vehicle
from .report import PartsReport

__all__ = ["AgentCacheManager", "canonical_key", "input_key"]


_LEVEL = 1
"""zlib level: 1 packs a report's JSON 5x in ~60 us; higher levels gain 15% for 3x the time."""


def _pack(report: PartsReport) -> bytes:
    """The compact form a cached report is kept in."""
    return zlib.compress(report.__pydantic_serializer__.to_json(report), _LEVEL)


def _unpack(data: bytes) -> PartsReport:
    """The report back from ``_pack``: equal to the one that was packed."""
    return PartsReport.model_validate_json(zlib.decompress(data))


def _words(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def input_key(
    vehicle: Vehicle, damage: Iterable[DamagedPart] | str, *, planner: str, market: str
) -> str:
    """The user's input, insensitive to component order, case and spacing."""
    v = f"{_words(vehicle.make)}|{_words(vehicle.model)}|{vehicle.year}|{_words(vehicle.vin)}"
    v += f"|{vehicle.variant_id or ''}"
    if isinstance(damage, str):
        d = "text:" + _words(damage)
    else:
        # A severity left out is read from the words: not the same input as one given.
        d = ";".join(
            sorted(
                f"{_words(p.component)}:"
                + (p.severity.value if "severity" in p.model_fields_set else "words")
                for p in damage
            )
        )
    return f"{planner}|{market}|{v}|{d}"


def canonical_key(
    *,
    manufacturer_id: str,
    model_id: str,
    year: int | None,
    variant_ids: Iterable[str],
    damage: Iterable[tuple[str, Position, Severity]],
    planner: str,
    market: str,
) -> str:
    """What the report means: equal for equivalent reports, different otherwise.

    ``damage`` holds (category id, position, severity) per damaged component;
    duplicates collapse to the worst severity, so naming a part twice is the
    same report as naming it once.
    """
    order = {Severity.MINOR: 0, Severity.MODERATE: 1, Severity.SEVERE: 2}
    worst: dict[tuple[str, str, str], Severity] = {}
    for cid, pos, severity in damage:
        slot = (cid, pos.axle or "-", pos.side or "-")
        if slot not in worst or order[severity] > order[worst[slot]]:
            worst[slot] = severity
    parts = ";".join(f"{c}:{a}:{s}:{worst[(c, a, s)].value}" for c, a, s in sorted(worst))
    variants = ",".join(sorted(variant_ids))
    return f"{planner}|{market}|{manufacturer_id}|{model_id}|{year}|{variants}|{parts}"


class AgentCacheManager:
    """Bounded TTL cache of reports with single-flight computation.

    ``ttl=3600`` seconds and ``max_entries=1000`` reports by default. A report
    that met catalog errors is returned but never cached.
    """

    def __init__(
        self,
        *,
        ttl: float = 3600.0,
        max_entries: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self._reports = BoundedStore(max_entries=max_entries, clock=clock)
        self._aliases: OrderedDict[str, str] = OrderedDict()
        self._max_aliases = max_entries * 4
        self._inflight: dict[str, _Pending] = {}
        self.hits = 0
        self.misses = 0
        self.coalesced = 0

    def lookup_input(self, key: str) -> PartsReport | None:
        """A fresh report for exactly this input, or None."""
        canonical = self._aliases.get(key)
        if canonical is None:
            return None
        packed = self._reports.get_nowait(f"report/{canonical}")
        if packed is MISSING:
            del self._aliases[key]
            return None
        self._aliases.move_to_end(key)
        self.hits += 1
        return _unpack(packed)

    def remember_input(self, key: str, canonical: str) -> None:
        self._aliases[key] = canonical
        self._aliases.move_to_end(key)
        while len(self._aliases) > self._max_aliases:
            self._aliases.popitem(last=False)

    async def get_or_compute(
        self, canonical: str, compute: Callable[[], Awaitable[tuple[PartsReport, bool]]]
    ) -> tuple[PartsReport, str]:
        """The cached report for ``canonical`` or the one ``compute`` makes, once for all callers.

        ``compute`` returns (report, cacheable). Returns (report, "hit" | "miss" | "coalesced").
        The computation belongs to the cache: a caller that is cancelled leaves it
        running for the others; when the last caller is gone it is cancelled.
        """
        cached = self._reports.get_nowait(f"report/{canonical}")
        if cached is not MISSING:
            self.hits += 1
            return _unpack(cached), "hit"
        pending = self._inflight.get(canonical)
        outcome = "coalesced"
        if pending is None:
            outcome = "miss"
            self.misses += 1
            loop = asyncio.get_running_loop()
            future: asyncio.Future[PartsReport] = loop.create_future()
            future.add_done_callback(_consume)
            task = loop.create_task(self._compute(canonical, compute, future))
            pending = self._inflight[canonical] = _Pending(future, task)
        else:
            self.coalesced += 1
        pending.waiters += 1
        try:
            return await asyncio.shield(pending.future), outcome
        finally:
            pending.waiters -= 1
            if pending.waiters == 0 and not pending.future.done():
                # The last caller left: nobody wants this report any more.
                if self._inflight.get(canonical) is pending:
                    del self._inflight[canonical]
                pending.task.cancel()

    async def _compute(
        self,
        canonical: str,
        compute: Callable[[], Awaitable[tuple[PartsReport, bool]]],
        future: asyncio.Future[PartsReport],
    ) -> None:
        try:
            report, cacheable = await compute()
            if cacheable:
                self._reports.set_nowait(f"report/{canonical}", _pack(report), ttl=self.ttl or None)
            future.set_result(report)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
        finally:
            pending = self._inflight.get(canonical)
            if pending is not None and pending.future is future:
                del self._inflight[canonical]

    def stats(self) -> dict[str, Any]:
        lookups = self.hits + self.misses + self.coalesced
        return {
            "hits": self.hits,
            "misses": self.misses,
            "coalesced": self.coalesced,
            "size": len(self._reports),
            "max_size": self._reports.max_entries,
            "hit_rate_percent": round(100.0 * (self.hits + self.coalesced) / lookups, 2)
            if lookups
            else 0.0,
        }

    async def aclose(self) -> None:
        """Cancel reports still being computed and drop every cached report."""
        tasks = [p.task for p in self._inflight.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._reports.clear_nowait()
        self._aliases.clear()


@dataclass(slots=True, eq=False)
class _Pending:
    future: asyncio.Future[PartsReport]
    task: asyncio.Task[None]
    waiters: int = 0


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
