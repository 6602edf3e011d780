"""ReportCache: what reports mean, cached and computed once when concurrent.

The cache shares *meaning*, never words. A cached value is a ``Meaning``: a
report priced from a plan stripped of every word a caller sent (parts,
prices, operations, totals); each caller's words are put back per call
(``in_their_words``), so no caller ever reads another's phrases.

Two keys, built here and nowhere else, each by ``_key`` as a JSON array (no
field can spell a separator): the *input key* (``input_key``) is the caller's
input exactly as given; under it the agent keeps the plan read from that
input, so a repeat needs no reading (and no model call) and gets back only the
words it sent itself. The *canonical key* (``meaning_key``, of a plan alone:
resolved vehicle + mapped categories, positions and severities, the build the
plan carries and the estimate's figures) makes "hood" and "bonnet" share one
meaning.

A meaning is kept as its JSON, zlib-compressed (about 4 KB instead of the
80 KB its objects take), and rebuilt on a hit in a few hundred microseconds:
a thousandth of what computing it costs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from .._catalog.cache import MISSING, BoundedStore
from .._exceptions import InputError
from .._models import DamagedPart, Position, Severity, Vehicle
from .assemble import Meaning, priced_needs
from .estimate import BuildPreference, EstimateData
from .plan import Plan
from .report import PartsReport

__all__ = ["ReportCache", "canonical_key", "input_key", "meaning_key"]


_LEVEL = 1
"""zlib level: 1 packs a report's JSON 5x in ~60 us; higher levels gain 15% for 3x the time."""


def _pack(meaning: Meaning) -> bytes:
    """The compact form a cached meaning is kept in: every field of it, not the report alone.

    A field left out here would be lost on every cached answer (the escalation
    words once were, and a repeat lost its INSPECTION NEEDED banner).
    """
    report = meaning.report
    head = orjson.dumps(list(meaning.escalate))  # one line: orjson writes no raw newline
    return zlib.compress(head + b"\n" + report.__pydantic_serializer__.to_json(report), _LEVEL)


def _unpack(data: bytes) -> Meaning:
    """The meaning back from ``_pack``: equal to the one that was packed."""
    head, _, body = zlib.decompress(data).partition(b"\n")
    return Meaning(PartsReport.model_validate_json(body), escalate=tuple(orjson.loads(head)))


def _key(*fields: Any) -> str:
    """The one way a cache key is built: a JSON array, so no field's text can fake another's."""
    return orjson.dumps(fields).decode()


def input_key(
    vehicle: Vehicle, damage: Iterable[DamagedPart] | str, *, planner: str, market: str
) -> str:
    """The caller's input exactly as given (order, case and spacing included)."""
    if isinstance(damage, str):
        said: Any = damage
    else:
        # A severity left out is read from the words: not the same input as one given.
        said = [
            [p.component, p.severity.value if "severity" in p.model_fields_set else None]
            for p in damage
        ]
    v = vehicle.model_dump(mode="json")
    return _key("input", planner, market, v, said)


def canonical_key(
    *,
    manufacturer_id: str,
    model_id: str,
    year: int | None,
    variant_ids: Iterable[str],
    damage: Iterable[tuple[str, Position, Severity]],
    planner: str,
    market: str,
    details: Iterable[str] = (),
) -> str:
    """What the report means: equal for equivalent reports, different otherwise.

    ``damage`` holds (category id, position, severity) per damaged component;
    duplicates collapse to the worst severity, so naming a part twice is the
    same report as naming it once. ``details`` are the other facts that change
    the report (counts, paint said to be sound, the build asked for...).
    """
    order = {Severity.MINOR: 0, Severity.MODERATE: 1, Severity.SEVERE: 2}
    worst: dict[tuple[str, str, str], Severity] = {}
    for cid, pos, severity in damage:
        slot = (cid, pos.axle or "-", pos.side or "-")
        if slot not in worst or order[severity] > order[worst[slot]]:
            worst[slot] = severity
    parts = [[c, a, s, worst[(c, a, s)].value] for c, a, s in sorted(worst)]
    return _key(
        "meaning",
        planner,
        market,
        manufacturer_id,
        model_id,
        year,
        sorted(variant_ids),
        parts,
        sorted(details),
    )


def meaning_key(plan: Plan, *, planner: str, market: str, data: EstimateData) -> str:
    """The canonical key of a plan: everything a priced report depends on, no word of it."""
    needs = priced_needs(plan)
    damaged = [(n.category.id, n.position, n.severity) for n in needs if n.reason == "damaged"]
    details = [
        _key("count", n.category.id, n.position.axle, n.position.side, n.quantity)
        for n in needs
        if n.reason == "damaged" and n.quantity != 1
    ]
    # Paint said to be sound changes the operations (no refinish): part of the meaning.
    details += [
        _key("paint-intact", n.category.id, n.position.axle, n.position.side)
        for n in needs
        if n.reason == "damaged" and n.paint_intact
    ]
    # A part only to remove and refit ("R&I grille") is labour, never a part bought.
    details += [
        _key("refit", n.category.id, n.position.axle, n.position.side)
        for n in needs
        if n.reason == "damaged" and n.refit_only
    ]
    # So does the kind of damage: "split" may replace what "cracked" repairs.
    details += [
        _key("damage", n.category.id, n.position.axle, n.position.side, *n.damage_kinds)
        for n in needs
        if n.reason == "damaged" and n.damage_kinds
    ]
    if plan.total_loss:
        details.append(_key("total-loss"))
    # An LLM plan may add other secondary lines than the rules: they are part of its meaning.
    if planner != "rules":
        details += [
            _key("extra", n.category.id, n.position.axle, n.position.side, n.reason, n.quantity)
            for n in needs
            if n.reason != "damaged"
        ]
    # The build asked for, what the words say beyond the parts and the estimate's figures
    # change the report: part of the key.
    preference = plan.build or BuildPreference()
    details += [_key("build", *dataclasses.astuple(preference)), _key("estimate", data.key)]
    r = plan.resolution
    return canonical_key(
        manufacturer_id=plan.manufacturer.id,
        model_id=plan.model.id,
        year=r.year,
        variant_ids=[v.id for v in r.variants],
        damage=damaged,
        planner=planner,
        market=market,
        details=details,
    )


class ReportCache:
    """Bounded TTL cache of report meanings (and of the plans read from exact inputs),
    with single-flight computation.

    ``ttl=3600`` seconds and ``max_entries=1000`` reports by default; ``ttl=0``
    caches nothing (equal reports in flight are still computed once). A report
    that met catalog errors is returned but never cached.
    """

    def __init__(
        self,
        *,
        ttl: float = 3600.0,
        max_entries: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not ttl >= 0:
            raise InputError(f"the report cache's ttl must be 0 (no cache) or more, not {ttl}")
        self.ttl = ttl
        self._reports = BoundedStore(max_entries=max_entries, clock=clock)
        self._plans = BoundedStore(max_entries=max_entries, clock=clock)
        self._inflight: dict[str, _Pending] = {}
        self._generation = 0
        self.hits = 0
        self.misses = 0
        self.coalesced = 0

    def plan_for(self, input_key: str) -> Plan | None:
        """The plan read from exactly this input, if still fresh."""
        plan = self._plans.get_nowait(input_key)
        return None if plan is MISSING else plan

    def remember_plan(self, input_key: str, plan: Plan) -> None:
        """Keep the plan read from this input; a plan that missed catalog lists is not kept."""
        if self.ttl and not plan.incomplete:
            # A repeat makes no model call: it must not count the first one's tokens again.
            self._plans.set_nowait(input_key, dataclasses.replace(plan, usage={}), ttl=self.ttl)

    async def get_or_compute(
        self, canonical: str, compute: Callable[[], Awaitable[tuple[Meaning, bool]]]
    ) -> tuple[Meaning, str]:
        """The cached meaning for ``canonical`` or the one ``compute`` makes, once for all callers.

        ``compute`` returns (meaning, cacheable). Returns (meaning, "hit" | "miss" | "coalesced").
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
            future: asyncio.Future[Meaning] = loop.create_future()
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
        compute: Callable[[], Awaitable[tuple[Meaning, bool]]],
        future: asyncio.Future[Meaning],
    ) -> None:
        generation = self._generation
        try:
            meaning, cacheable = await compute()
            # Computed before a clear(): it may hold the old prices, so it is not kept.
            if cacheable and self.ttl and generation == self._generation:
                self._reports.set_nowait(f"report/{canonical}", _pack(meaning), ttl=self.ttl)
            future.set_result(meaning)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
        finally:
            pending = self._inflight.get(canonical)
            if pending is not None and pending.future is future:
                del self._inflight[canonical]

    def clear(self) -> None:
        """Drop every cached report and plan; reports still being computed are not kept."""
        self._generation += 1
        self._reports.clear_nowait()
        self._plans.clear_nowait()

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
        self.clear()


@dataclass(slots=True, eq=False)
class _Pending:
    future: asyncio.Future[Meaning]
    task: asyncio.Task[None]
    waiters: int = 0


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
