"""Hundreds of reports through a faulty catalog server: correct, bounded, consistent, no leaks.

The reference for every report is the same report computed on the embedded
catalog (LocalBucket) with no faults. Under faults a report must equal it, or
say in its warnings that something could not be read, or fail with a
CatalogError; after the fault clears, every report and every cached document
must equal the reference again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import random
import shutil
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from partsagent import (
    CatalogError,
    CatalogUnavailable,
    CircuitOpen,
    PartsAgent,
    PartsAgentError,
    PartsReport,
)
from partsagent.catalog import BucketManager, CircuitBreaker, HttpBucket
from partsagent.testing import SAMPLE_VEHICLES, CatalogServer, ServerOptions

pytestmark = pytest.mark.slow

DAMAGES: list[list[dict[str, str]] | str] = [
    [
        {"component": "front bumper", "severity": "severe"},
        {"component": "headlight", "severity": "moderate"},
        {"component": "bonnet", "severity": "minor"},
    ],
    [
        {"component": "rear bumper", "severity": "moderate"},
        {"component": "right tail light", "severity": "severe"},
    ],
    "left door mirror smashed, front left wing dented and the radiator grille cracked",
]


@dataclass(frozen=True, slots=True)
class Case:
    vehicle: dict[str, Any]
    damage: list[dict[str, str]] | str


CASES = [Case(dict(v), d) for v in SAMPLE_VEHICLES for d in DAMAGES]
COMPARED = ("vehicle", "lines", "totals")

# Tight limits so that faults cost little time: 0.5 s per attempt, 3 s per lookup, 6 s per report.
MANAGER_OPTIONS: dict[str, Any] = {
    "attempts": 4,
    "attempt_timeout": 0.5,
    "deadline": 3.0,
    "backoff_initial": 0.01,
    "backoff_max": 0.05,
}
AGENT_DEADLINE = 6.0
# A report must be settled by then: its own deadline plus room for a loaded test machine.
HARD_LIMIT = AGENT_DEADLINE + 10.0

_reference: dict[int, PartsReport] = {}


def same(report: PartsReport, other: PartsReport) -> bool:
    """Equal in what the user pays for: vehicle, lines and totals (not performance)."""
    return all(getattr(report, f) == getattr(other, f) for f in COMPARED)


def says_fetch_failed(report: PartsReport) -> bool:
    """True if the report warns that part of the catalog could not be read."""
    return report.has_warning("catalog_unreadable")


def reference(i: int) -> PartsReport:
    """The report of CASES[i] on the embedded catalog, without faults."""
    return _reference[i]


@pytest.fixture(autouse=True)
async def _references() -> None:
    """Compute the reference reports once per session, before any fault is injected."""
    if not _reference:
        async with PartsAgent() as agent:
            for n, case in enumerate(CASES):
                _reference[n] = await agent.process_damage_report(case.vehicle, case.damage)


class Clock:
    """Monotonic time that a test can move forward, so a breaker's cool-down ends at once."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


@contextlib.asynccontextmanager
async def open_agent(
    url: str,
    clock: Clock,
    *,
    breaker: CircuitBreaker | None = None,
    deadline: float = AGENT_DEADLINE,
    max_reports: int = 1000,
    **options: Any,
) -> AsyncIterator[PartsAgent]:
    """An agent over its own manager (PartsAgent bounds a report, the manager a lookup)."""
    if breaker is None:
        breaker = CircuitBreaker(failure_threshold=5, reset_timeout=0.2, clock=clock)
    manager = BucketManager(
        HttpBucket(url, timeout=5.0), breaker=breaker, **{**MANAGER_OPTIONS, **options}
    )
    async with (
        manager,
        PartsAgent(manager, report_deadline=deadline, max_reports=max_reports) as agent,
    ):
        yield agent


@dataclass(slots=True)
class Tally:
    exact: int = 0
    flagged: int = 0
    failed: int = 0
    open_circuit: int = 0


async def run_case(agent: PartsAgent, i: int, tally: Tally, problems: list[str]) -> None:
    """One report under faults, checked against the reference."""
    case = CASES[i]
    try:
        async with asyncio.timeout(HARD_LIMIT):
            report = await agent.process_damage_report(case.vehicle, case.damage)
    except CatalogError as exc:
        tally.failed += 1
        tally.open_circuit += isinstance(exc, CircuitOpen)
        return
    except PartsAgentError as exc:
        # The inputs are valid: blaming them for a catalog fault would send users astray.
        problems.append(f"case {i}: {type(exc).__name__} for valid input: {exc}")
        return
    want = reference(i)
    if same(report, want):
        tally.exact += 1
    elif says_fetch_failed(report):
        tally.flagged += 1
    else:
        problems.append(f"case {i}: silently partial report, warnings={report.warnings}")


async def check_cached_documents(agent: PartsAgent) -> None:
    """Every document the reports used reads back as the embedded catalog holds it.

    After the verification round these come from the agent's cache, so a wrong
    value kept from the faulty period would show here.
    """
    catalog = agent.catalog
    async with BucketManager() as local:
        assert await catalog.get_manufacturers() == await local.get_manufacturers()
        for i in range(len(CASES)):
            report = reference(i)
            mid = report.vehicle.manufacturer.id
            models = await local.get_models_for_manufacturer(mid)
            assert await catalog.get_models_for_manufacturer(mid) == models
            for variant in report.vehicle.variants:
                got = await outcome(catalog.load_categories_for_variant, mid, variant.id)
                want = await outcome(local.load_categories_for_variant, mid, variant.id)
                assert got == want, f"case {i}: categories of {variant.id}"
                for line in report.lines:
                    args = (mid, variant.id, line.category.id)
                    got = await outcome(catalog.get_articles_for_category, *args)
                    want = await outcome(local.get_articles_for_category, *args)
                    assert got == want, f"case {i}: articles {args}"


async def outcome(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return await fn(*args)
    except PartsAgentError as exc:
        return type(exc).__name__


def assert_no_leaks() -> None:
    """No task but this one, and every aiohttp session closed."""
    current = asyncio.current_task()
    assert {t for t in asyncio.all_tasks() if t is not current} == set()
    gc.collect()
    open_sessions = [
        o for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession) and not o.closed
    ]
    assert open_sessions == []


@pytest.fixture
async def server(sample_dir: Any) -> AsyncIterator[CatalogServer]:
    """A catalog server this test stops itself before checking for leaked tasks."""
    async with CatalogServer(sample_dir) as s:
        yield s


FAULTS = [
    pytest.param(
        ServerOptions(latency_ms=1, jitter_ms=4, spike_rate=0.03, spike_ms=600), id="latency-spikes"
    ),
    pytest.param(ServerOptions(burst_every=15, burst_len=4, error_rate=0.05), id="5xx-bursts"),
    pytest.param(ServerOptions(reset_rate=0.15), id="connection-resets"),
    pytest.param(ServerOptions(truncate_rate=0.15), id="truncated-bodies"),
    pytest.param(ServerOptions(drip_rate=0.2, drip_chunk=1024, drip_delay_ms=5), id="slow-drip"),
    pytest.param(ServerOptions(invalid_json_rate=0.1), id="invalid-json"),
]
ROUNDS = 3
DUPLICATES = 10


@pytest.mark.parametrize("faults", FAULTS)
async def test_reports_under_faults(server: CatalogServer, faults: ServerOptions) -> None:
    """Each report is exact, flagged, or a CatalogError; after the fault clears all are exact."""
    tally, problems = Tally(), list[str]()
    clock = Clock()
    rng = random.Random(7)
    for round_no in range(ROUNDS):
        server.options = dataclasses.replace(faults, seed=round_no)
        # A fresh agent per round: cold caches, so the catalog is really asked.
        async with open_agent(server.url, clock) as agent:
            picks = list(range(len(CASES))) + rng.sample(range(len(CASES)), DUPLICATES)
            rng.shuffle(picks)
            await asyncio.gather(*(run_case(agent, i, tally, problems) for i in picks))
            async with asyncio.timeout(30):
                await agent.catalog.drain()  # warming prefetches may outlive the reports
            assert agent.catalog.get_cache_stats()["in_flight"] == 0
            if round_no < ROUNDS - 1:
                continue
            # The fault clears and the breaker's cool-down ends. While its one probe is out, the
            # breaker refuses the other lookups: the first reports may still be flagged.
            server.options = ServerOptions()
            clock.offset += 1.0
            await asyncio.gather(
                *(run_case(agent, i, Tally(), problems) for i in range(len(CASES)))
            )
            assert agent.catalog.get_cache_stats()["breaker"] == "closed"
            # From now on every report is exact: nothing wrong was cached on the way.
            for i, case in enumerate(CASES):
                report = await agent.process_damage_report(case.vehicle, case.damage)
                assert same(report, reference(i)), f"case {i} wrong after the fault cleared"
            await check_cached_documents(agent)
            async with asyncio.timeout(30):
                await agent.catalog.drain()
            stats = agent.catalog.get_cache_stats()
            assert stats["in_flight"] == 0
            assert stats["breaker"] == "closed"
    assert problems == []
    total = ROUNDS * (len(CASES) + DUPLICATES)
    assert tally.exact + tally.flagged + tally.failed == total
    # The fault really bit: some requests were hit, and most reports still came out exact.
    assert sum(server.stats.faults.values()) > 0
    assert tally.exact > total // 2
    await server.aclose()
    assert_no_leaks()


async def test_dead_catalog_fails_fast_and_recovers(server: CatalogServer) -> None:
    """With every request failing the breaker opens, reports fail without asking; then recover."""
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=0.2, clock=clock)
    server.options = ServerOptions(error_rate=1.0)
    async with open_agent(server.url, clock, breaker=breaker, deadline=60.0) as agent:
        with pytest.raises(CatalogUnavailable):
            await agent.process_damage_report(CASES[0].vehicle, CASES[0].damage)
        assert agent.catalog.get_cache_stats()["breaker"] == "open"
        asked = server.stats.total
        # 50 reports while open: each refused at once (well within a 5 s bound of a 60 s deadline).
        async with asyncio.timeout(5.0):
            results = await asyncio.gather(
                *(agent.process_damage_report(c.vehicle, c.damage) for c in CASES[:25] * 2),
                return_exceptions=True,
            )
        assert all(isinstance(r, CircuitOpen) for r in results)
        assert server.stats.total == asked
        # The catalog returns; after the cool-down one probe closes the breaker.
        server.options = ServerOptions()
        clock.offset += 1.0
        for i, case in enumerate(CASES):
            report = await agent.process_damage_report(case.vehicle, case.damage)
            assert same(report, reference(i))
        assert agent.catalog.get_cache_stats()["breaker"] == "closed"
    await server.aclose()
    assert_no_leaks()


async def test_closed_port_fails_fast_and_recovers_when_the_server_starts(
    sample_dir: Any, unused_tcp_port: int
) -> None:
    """A catalog that is not even listening opens the breaker; once it listens, reports work."""
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=0.2, clock=clock)
    url = f"http://127.0.0.1:{unused_tcp_port}/"
    async with open_agent(url, clock, breaker=breaker, deadline=60.0) as agent:
        with pytest.raises(CatalogUnavailable):
            await agent.process_damage_report(CASES[0].vehicle, CASES[0].damage)
        async with asyncio.timeout(5.0):
            for case in CASES[:10]:
                with pytest.raises(CircuitOpen):
                    await agent.process_damage_report(case.vehicle, case.damage)
        async with CatalogServer(sample_dir, port=unused_tcp_port):
            clock.offset += 1.0
            report = await agent.process_damage_report(CASES[0].vehicle, CASES[0].damage)
            assert same(report, reference(0))
            assert agent.catalog.get_cache_stats()["breaker"] == "closed"
    assert_no_leaks()


async def test_cancelled_reports_leave_everything_consistent(server: CatalogServer) -> None:
    """Reports cancelled at random points leave no flight, no task and nothing wrong cached."""
    rng = random.Random(42)
    server.options = ServerOptions(latency_ms=2, jitter_ms=10, seed=3)
    async with open_agent(server.url, Clock()) as agent:
        cancelled = finished = 0
        for _ in range(3):

            async def one(i: int, limit: float | None) -> PartsReport | None:
                try:
                    return await asyncio.wait_for(
                        agent.process_damage_report(CASES[i].vehicle, CASES[i].damage), limit
                    )
                except TimeoutError:
                    return None

            picks = [rng.randrange(len(CASES)) for _ in range(60)]
            # A third run to the end; the others are cancelled anywhere in their first 0.3 s.
            timeouts = [
                rng.choice([None, rng.uniform(0.0, 0.3), rng.uniform(0.0, 0.3)]) for _ in picks
            ]
            results = await asyncio.gather(
                *(one(i, t) for i, t in zip(picks, timeouts, strict=True))
            )
            for i, report in zip(picks, results, strict=True):
                if report is None:
                    cancelled += 1
                    continue
                finished += 1
                assert same(report, reference(i))
            # Warming prefetches belong to the manager and may outlive the reports.
            async with asyncio.timeout(10):
                await agent.catalog.drain()
            assert agent.catalog.get_cache_stats()["in_flight"] == 0
        assert cancelled > 0
        assert finished > 0
        # Later reports, cancelled nowhere, are all exact and the cache holds only good values.
        for i, case in enumerate(CASES):
            report = await agent.process_damage_report(case.vehicle, case.damage)
            assert same(report, reference(i))
        await check_cached_documents(agent)
        async with asyncio.timeout(10):
            await agent.catalog.drain()
        assert agent.catalog.get_cache_stats()["in_flight"] == 0
    await server.aclose()
    assert_no_leaks()


async def settle_caches(agent: PartsAgent, server: CatalogServer, faults: ServerOptions) -> None:
    """Fill both caches with the same entries every time, so measurements compare like with like.

    Which documents a faulty round leaves in a 100-entry cache varies (an article
    list of 40 categories weighs more than a models list); touching the same 5
    reports and then the same 100 documents, without faults, makes the content
    identical, so only a leak can make memory differ.
    """
    server.options = ServerOptions()
    for i in range(5):
        await agent.process_damage_report(CASES[i].vehicle, CASES[i].damage)
    keys = [("117", v, f"CAT{c:03d}") for v in ("127445", "127446", "127447") for c in range(1, 34)]
    await agent.catalog.get_manufacturers()
    for mid, vid, cid in keys:
        await agent.catalog.get_articles_for_category(mid, vid, cid)
    server.options = faults


async def test_memory_stays_bounded(server: CatalogServer) -> None:
    """A long run with small caches under faults keeps them at their caps and memory flat."""
    faults = ServerOptions(error_rate=0.05, reset_rate=0.05, seed=5)
    server.options = faults
    tally, problems = Tally(), list[str]()
    retained: list[int] = []
    try:
        async with open_agent(server.url, Clock(), max_entries=100, max_reports=5) as agent:
            for round_no in range(5):
                if round_no == 2:
                    # Warm-up done (imports, interned strings, pools): trace what stays from here.
                    tracemalloc.start()
                await asyncio.gather(
                    *(run_case(agent, i, tally, problems) for i in range(len(CASES)))
                )
                stats = agent.catalog.get_cache_stats()
                assert stats["cache_size"] <= 100
                assert agent.reports.stats()["size"] <= 5
                if tracemalloc.is_tracing():
                    await settle_caches(agent, server, faults)
                    gc.collect()
                    retained.append(tracemalloc.get_traced_memory()[0])
            assert agent.catalog.get_cache_stats()["evictions"] > 0
    finally:
        tracemalloc.stop()
    assert problems == []
    # Same cache content at each measurement, so what is held stays put (noise is ~200 kB);
    # keeping anything per report (30 reports a round) would add megabytes.
    assert max(retained) - min(retained) < 1_000_000, retained
    await server.aclose()
    assert_no_leaks()


async def test_unreadable_categories_of_one_variant_are_not_silent(
    sample_dir: Path, tmp_path: Path
) -> None:
    """A variant whose category list cannot be read is flagged, and nothing wrong is cached."""
    vehicle = {"make": "Toyota", "model": "Corolla", "year": 2020}
    damage = [{"component": "intercooler", "severity": "severe"}]
    async with PartsAgent() as local:
        want = await local.process_damage_report(vehicle, damage)
    # Only variant 144101 lists Intercooler; its category list becomes unreadable.
    bucket = tmp_path / "bucket"
    shutil.copytree(sample_dir, bucket)
    broken = bucket / "manufacturers/111/variants/144101/categories.json"
    good = broken.read_bytes()
    broken.write_bytes(b'{"not json')
    async with PartsAgent(bucket) as agent:
        try:
            report = await agent.process_damage_report(vehicle, damage)
        except CatalogError:
            pass
        else:
            assert same(report, want) or says_fetch_failed(report), report.warnings
        broken.write_bytes(good)
        again = await agent.process_damage_report(vehicle, damage)
    assert same(again, want)


@pytest.mark.parametrize("total", [0.0, 0.1, 0.32, 0.6])
def test_a_flaky_catalog_fails_the_share_it_is_given(total: float) -> None:
    """ServerOptions.flaky keeps the mix's proportions and scales them to ``total``."""
    opts = ServerOptions.flaky(total, seed=7)
    rates = [opts.error_rate, opts.reset_rate, opts.truncate_rate, opts.invalid_json_rate]
    assert sum(rates) + opts.stall_rate == pytest.approx(total)
    assert opts.seed == 7
    if total:
        assert opts.error_rate == pytest.approx(3 * opts.reset_rate)
        assert opts.stall_rate < opts.reset_rate
