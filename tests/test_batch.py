"""PartsAgent.process_batch: one result per input, in input order, errors as values, bounded."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from partsagent import InputError, PartsAgent, UnresolvedVehicle
from partsagent._batch import REORDER_WINDOW
from partsagent.catalog import BucketManager
from partsagent.planning import Plan, PlanRequest, RulesPlanner
from partsagent.testing import CatalogServer, ServerOptions

FOCUS = {"make": "Ford", "model": "Focus", "year": 2020}
ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}


def good(i: int) -> dict[str, Any]:
    damage = ["rear bumper cracked", "bonnet dented", "left headlight smashed"][i % 3]
    return {"vehicle": [FOCUS, ASTRA][i % 2], "damaged_parts": damage}


async def test_results_come_in_input_order_with_errors_in_their_place(
    sample_agent: PartsAgent,
) -> None:
    """Fast failures between slower reports keep their places; none stops the batch."""
    items: list[Any] = [
        good(0),
        {"vehicle": {"make": "Ford", "year": 2019}, "damaged_parts": "hood"},
        good(1),
        {"vehicle": ASTRA},
        "not a mapping",
        {"vehicle": {**ASTRA, "year": 1900}, "damaged_parts": "hood"},
        good(2),
    ]
    results = [r async for r in sample_agent.process_batch(items, concurrency=3)]
    assert [r.index for r in results] == list(range(len(items)))
    assert [r.ok for r in results] == [True, False, True, False, False, False, True]
    unresolved = results[1].error
    assert isinstance(unresolved, UnresolvedVehicle)
    assert {c.name for c in unresolved.candidates} >= {"FORD FOCUS", "FORD FIESTA"}
    assert all(isinstance(r.error, InputError) for r in results if not r.ok)
    assert "damaged_parts" in str(results[3].error)
    for r, item in zip(results, items, strict=True):
        if r.report is not None:
            assert isinstance(item, dict)
            assert r.report.vehicle.model.name == item["vehicle"]["model"].upper()


async def test_an_endless_input_is_read_only_a_bounded_window_ahead(
    sample_agent: PartsAgent,
) -> None:
    """A generator that never ends is read at most the window ahead of the results taken."""
    pulled = 0

    def endless() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield good(i)

    concurrency = 2
    taken = 0
    async for result in sample_agent.process_batch(endless(), concurrency=concurrency):
        assert result.index == taken
        taken += 1
        await asyncio.sleep(0.01)  # a slow consumer: the feeder must wait, not run ahead
        assert pulled - taken <= concurrency * (1 + REORDER_WINDOW) + 2
        if taken == 30:
            break
    assert pulled - taken <= concurrency * (1 + REORDER_WINDOW) + 2


async def test_an_async_input_that_fails_ends_after_its_results(
    sample_agent: PartsAgent,
) -> None:
    """Items before a failing read are answered, then the read's error is raised."""

    async def reader() -> AsyncIterator[dict[str, Any]]:
        for i in range(3):
            yield good(i)
        raise OSError("the disk went away")

    seen: list[int] = []

    async def consume() -> None:
        async for result in sample_agent.process_batch(reader()):
            seen.append(result.index)

    with pytest.raises(OSError, match="went away"):
        await consume()
    assert seen == [0, 1, 2]


async def test_leaving_early_cancels_what_is_in_flight(sample_dir: Any) -> None:
    """Breaking out of the loop leaves no task of the batch running."""
    options = ServerOptions(latency_ms=200)
    async with CatalogServer(sample_dir, options) as server, PartsAgent(server.url) as agent:
        before = asyncio.all_tasks()
        batch = agent.process_batch((good(i) for i in range(100)), concurrency=8)
        async for _ in batch:
            break
        await batch.aclose()  # type: ignore[attr-defined]
        await asyncio.sleep(0)
        left = {t for t in asyncio.all_tasks() - before if not t.done()}
        names = [t.get_coro().__qualname__ for t in left]  # type: ignore[union-attr]
        assert not [n for n in names if "_one" in n or "feed" in n], names


class _GatedPlanner:
    """A planner (the public extension point) that counts the reports planning at once.

    Each plan waits until ``gate`` reports are inside (or the batch can send no
    more), so the count shows how many the batch lets run together, with no timing.
    """

    name = "gated"

    def __init__(self, gate: int, total: int) -> None:
        self.inside = 0
        self.most = 0
        self.entered = 0
        self._gate = gate
        self._total = total
        self._rules = RulesPlanner()
        self._full = asyncio.Event()

    async def plan(self, catalog: BucketManager, request: PlanRequest) -> Plan:
        self.inside += 1
        self.entered += 1
        self.most = max(self.most, self.inside)
        if self.inside >= self._gate or self.entered >= self._total:
            self._full.set()
        await self._full.wait()
        try:
            return await self._rules.plan(catalog, request)
        finally:
            self.inside -= 1
            if self.inside == 0:
                self._full.clear()

    async def aclose(self) -> None:
        await self._rules.aclose()


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_at_most_concurrency_reports_run_at_once(sample_dir: Any, concurrency: int) -> None:
    """process_batch lets exactly ``concurrency`` reports run together, never more."""
    items = [good(i) for i in range(7)]
    planner = _GatedPlanner(gate=concurrency, total=len(items))
    async with PartsAgent(sample_dir, planner=planner, warm_vehicle=False) as agent:
        with anyio.fail_after(60):
            results = [r async for r in agent.process_batch(items, concurrency=concurrency)]
    assert all(r.ok for r in results), [r.error for r in results]
    assert planner.most == concurrency


@pytest.mark.parametrize("concurrency", [0, -1, 1.5, True])
async def test_a_bad_concurrency_is_refused_at_once(
    sample_agent: PartsAgent, concurrency: Any
) -> None:
    """concurrency must be a whole number, 1 or more: refused before anything runs."""
    with pytest.raises(InputError, match="concurrency"):
        sample_agent.process_batch([good(0)], concurrency=concurrency)
