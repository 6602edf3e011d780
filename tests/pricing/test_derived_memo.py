"""The per-vehicle memo: what a report works out of a vehicle's lists, kept for the next one.

Against the project's catalog server: a kept result is used, a document updated
on the server is seen after its TTL or an invalidation (as without the memo),
and a cancelled report leaves nothing half-made behind.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from partsagent import EstimateData, PartsAgent, PartsReport, Vehicle
from partsagent._markets import load_markets
from partsagent._pricing import lines, vehicle_lists
from partsagent._pricing.lines import Pricing, _ranked_for
from partsagent._pricing.report import ReportLine
from partsagent._pricing.search import PartNeed, PartOptions, search_parts
from partsagent._pricing.vehicle_lists import (
    VehicleCategories,
    vehicle_categories,
    vehicle_resolution,
)
from partsagent.catalog import BucketManager, HttpBucket
from partsagent.testing import CatalogServer, ServerOptions

MID = "117"
ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def vauxhall(sample_dir: Path, tmp_path: Path) -> Path:
    """The sample's Vauxhall lists as plain documents (no packs), free to change."""
    out = tmp_path / "bucket"
    out.mkdir()
    index = orjson.loads((sample_dir / "index.json").read_bytes())
    index.pop("pack", None)
    (out / "index.json").write_bytes(orjson.dumps(index))
    shutil.copy(sample_dir / "manufacturers.json", out / "manufacturers.json")
    shutil.copytree(sample_dir / "manufacturers" / MID, out / "manufacturers" / MID)
    return out


def set_price(bucket: Path, category_id: str, article_id: str, amount: str) -> int:
    """Give one article a new price in every variant's list of ``category_id``; how many."""
    changed = 0
    for path in (bucket / "manufacturers" / MID / "variants").glob(
        f"*/categories/{category_id}/articles.json"
    ):
        articles = orjson.loads(path.read_bytes())
        for a in articles:
            if a["id"] == article_id:
                a["price"]["amount"] = amount
                changed += 1
        path.write_bytes(orjson.dumps(articles))
    return changed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def updated(server: CatalogServer, bucket: Path, line: ReportLine) -> AsyncIterator[None]:
    """The catalog updated: ``line``'s article priced at 1.23 on a server on the same port.

    The server keeps what it read in memory, so the update is a new server.
    """
    await server.aclose()
    assert set_price(bucket, line.category.id, line.article.id, "1.23") > 0
    async with CatalogServer(bucket, port=server.port):
        yield


def priced(report: PartsReport, line: ReportLine) -> list[Decimal]:
    """The prices of ``line``'s article in ``report``."""
    return [ln.price.amount for ln in report.lines if ln.article.id == line.article.id]


async def test_an_updated_price_is_seen_after_its_ttl(vauxhall: Path) -> None:
    """Within the TTL a kept result answers (as the cache would); past it, the new price."""
    clock = FakeClock()
    server = CatalogServer(vauxhall, port=free_port())
    async with (
        BucketManager(HttpBucket(f"http://127.0.0.1:{server.port}/"), ttl=60, clock=clock) as m,
        PartsAgent(m, max_reports=1) as agent,
    ):
        async with server:
            first = await agent.process_damage_report(ASTRA, "left headlamp smashed")
        line = first.lines[0]
        async with updated(server, vauxhall, line):
            before = m.derived.stats()["hits"]
            within = await agent.process_damage_report(
                ASTRA, "left headlamp smashed, bonnet dented"
            )
            assert m.derived.stats()["hits"] > before  # the kept results were used
            clock.now += 61
            after = await agent.process_damage_report(ASTRA, "left headlamp smashed, N/S mirror")
    assert line.price.amount != Decimal("1.23")
    assert priced(within, line) == [line.price.amount]
    assert priced(after, line) == [Decimal("1.23")]


async def test_an_updated_price_is_seen_after_clear_cache(vauxhall: Path) -> None:
    """Clearing the manager's cache takes the kept results with it."""
    server = CatalogServer(vauxhall, port=free_port())
    async with (
        BucketManager(HttpBucket(f"http://127.0.0.1:{server.port}/")) as manager,
        PartsAgent(manager, max_reports=1) as agent,
    ):
        async with server:
            first = await agent.process_damage_report(ASTRA, "left headlamp smashed")
        line = first.lines[0]
        assert len(manager.derived) > 0
        async with updated(server, vauxhall, line):
            await manager.clear_cache()
            assert len(manager.derived) == 0
            again = await agent.process_damage_report(ASTRA, "left headlamp smashed, bonnet dented")
    assert priced(again, line) == [Decimal("1.23")]


async def test_a_tiny_cache_keeps_no_result_and_prices_the_same(vauxhall: Path) -> None:
    """With a cache too small for a report's lists nothing is kept, and the report is priced
    as with a large one (the memo never holds a list the cache let go)."""
    async with CatalogServer(vauxhall) as server:
        async with (
            BucketManager(HttpBucket(server.url), max_entries=2) as small,
            PartsAgent(small, max_reports=1) as agent,
        ):
            # A report cache of one: the third report is priced again, not recalled.
            tiny = [
                await agent.process_damage_report(ASTRA, damage)
                for damage in ("left headlamp smashed, bonnet dented", "bonnet dented") * 2
            ]
            assert small.derived.stats()["hits"] == 0
        async with PartsAgent(server.url, max_reports=1) as agent:
            roomy = await agent.process_damage_report(ASTRA, "left headlamp smashed, bonnet dented")
    assert tiny[0].lines == tiny[2].lines == roomy.lines
    assert tiny[2].totals == roomy.totals
    assert all(r.performance["report_cache"] == "miss" for r in tiny)


async def test_kept_options_are_the_options_searched_afresh(vauxhall: Path) -> None:
    """A part's options from the memo are equal to those a new search finds."""
    needs = [PartNeed(category_id=c) for c in ("CAT001", "CAT003")]
    variants = ["127445", "127446", "127447"]
    async with CatalogServer(vauxhall) as server:
        async with BucketManager(HttpBucket(server.url)) as manager:
            first = await search_parts(manager, MID, variants, needs)
            kept = await search_parts(manager, MID, variants, needs)
            assert manager.derived.stats()["hits"] == len(needs)
        async with BucketManager(HttpBucket(server.url)) as fresh:
            afresh = await search_parts(fresh, MID, variants, needs)
    assert all(a is b for a, b in zip(first, kept, strict=True))
    assert _options(kept) == _options(afresh)


def _options(found: list[PartOptions]) -> list[object]:
    return [(o.need, [(x.article.id, x.fits_variants) for x in o.options]) for o in found]


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (bounded) for ``condition()`` to hold: the memo offers no event to wait on."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def test_a_cancelled_report_keeps_nothing_half_made(vauxhall: Path) -> None:
    """Cancelled while its article lists are in flight: the memo holds only what was whole,
    another report waiting on the same lists is priced, and so is the next one."""
    damage = "left headlamp smashed, bonnet dented"
    async with CatalogServer(vauxhall, ServerOptions(latency_ms=150)) as server:
        async with (
            BucketManager(HttpBucket(server.url)) as manager,
            PartsAgent(manager, max_reports=1) as agent,
        ):
            cancelled = asyncio.create_task(agent.process_damage_report(ASTRA, damage))
            other = asyncio.create_task(agent.process_damage_report(ASTRA, "bonnet dented"))
            # The vehicle's categories are kept; its article lists are being fetched.
            await _until(lambda: len(manager.derived) == 1)
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
            survivor = await other
            assert survivor.complete
            again = await agent.process_damage_report(ASTRA, damage)
        async with PartsAgent(server.url, max_reports=1) as fresh:
            expected = await fresh.process_damage_report(ASTRA, damage)
    assert again.complete
    assert again.lines == expected.lines
    assert again.operations == expected.operations
    assert again.totals == expected.totals


async def test_what_a_vehicle_and_a_part_keep_per_build_is_bounded(sample_dir: Path) -> None:
    """The panels of a vehicle and the ranking of a part's options are kept per build, at
    most BUILDS_KEPT and RANKED_KEPT of them, and a kept one is the one worked out afresh."""
    variants = ["127445", "127446", "127447"]
    builds = [frozenset(variants[:n]) | {f"other{i}"} for i in range(12) for n in (1, 2, 3)]
    data = EstimateData.load()
    market = load_markets().get("GB")
    pricing = Pricing(market.code, data.rates.market(market), data.rates)
    async with BucketManager(sample_dir) as manager:
        lists = await vehicle_categories(manager, MID, variants)
        [options] = await search_parts(manager, MID, variants, [PartNeed(category_id="CAT001")])
    panels = [lists.panels(b) for b in builds]
    ranked = [_ranked_for(options, b, pricing) for b in builds]
    assert len(lists._panels) == vehicle_lists.BUILDS_KEPT < len(builds)
    assert len(options.ranked) == lines.RANKED_KEPT < len(ranked)
    afresh = VehicleCategories.of([(v, lists.by_variant[v], None) for v in variants])
    assert [afresh.panels(b) for b in builds] == panels
    assert lists.panels(builds[-1]) is panels[-1]
    whole = frozenset(variants)
    kept = _ranked_for(options, whole, pricing)
    assert kept.usable
    assert _ranked_for(options, whole, pricing) is kept
    again = PartOptions(need=options.need, options=options.options, errors=options.errors)
    assert _ranked_for(again, whole, pricing) == kept


async def test_a_resolution_is_kept_while_its_lists_are(sample_dir: Path) -> None:
    """A resolved vehicle is kept and given again; an ambiguous one is worked out each time;
    clearing the cache drops it, and the next one is resolved afresh (and the same)."""
    astra = Vehicle(make="Vauxhall", model="Astra", year=2018)
    vague = Vehicle(make="Vauxhall", year=2018)
    async with BucketManager(sample_dir) as manager:
        first = await vehicle_resolution(manager, astra, "GB")
        again = await vehicle_resolution(manager, astra, "GB")
        assert again is first
        unsure = [await vehicle_resolution(manager, vague, "GB") for _ in range(2)]
        assert unsure[0].status == "ambiguous"
        assert unsure[0] is not unsure[1]
        await manager.clear_cache()
        afresh = await vehicle_resolution(manager, astra, "GB")
    assert afresh is not first
    assert afresh == first
