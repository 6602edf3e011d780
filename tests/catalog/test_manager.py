"""BucketManager against the real catalog server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Self

import orjson
import pytest

from partsagent import (
    CatalogFormatError,
    CatalogUnavailable,
    InputError,
    InvalidIdentifier,
    NotFound,
    UsageError,
)
from partsagent._catalog.breaker import CircuitBreaker, CircuitOpen
from partsagent._catalog.source import BatchItem
from partsagent._models import Article, CatalogIndex, Category, Manufacturer, Model, Price
from partsagent.catalog import BucketManager, HttpBucket, LocalBucket
from partsagent.testing import CatalogServer, ServerOptions

MID = "117"
ASTRA = ("127445", "127446", "127447")


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def article_paths(stats: Mapping[str, int]) -> dict[str, int]:
    return {p: n for p, n in stats.items() if p.endswith("articles.json") or "_batch" in p}


@pytest.fixture
async def slow_server(sample_dir: Path) -> AsyncIterator[CatalogServer]:
    """A catalog server with 30 ms latency, so requests overlap."""
    async with CatalogServer(sample_dir, ServerOptions(latency_ms=30)) as server:
        yield server


async def until(predicate: Callable[[], bool]) -> None:
    """Wait (at most 5 s) for a condition the server or manager reaches on its own."""
    for _ in range(1000):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached in time")


async def categories_of(manager: BucketManager, vid: str = ASTRA[0]) -> list[str]:
    return [c.id for c in await manager.load_categories_for_variant(MID, vid)]


async def test_fifty_identical_lookups_make_one_request(slow_server: CatalogServer) -> None:
    """50 concurrent identical lookups share one catalog request."""
    async with BucketManager(HttpBucket(slow_server.url)) as manager:
        results = await asyncio.gather(
            *(manager.get_articles_for_category(MID, ASTRA[0], "CAT001") for _ in range(50))
        )
    assert all(r == results[0] for r in results)
    assert results[0]
    assert (
        slow_server.stats.paths[
            f"/manufacturers/{MID}/variants/{ASTRA[0]}/categories/CAT001/articles.json"
        ]
        == 1
    )
    stats = manager.get_cache_stats()["by_kind"]["articles"]
    assert (stats["misses"], stats["coalesced"]) == (1, 49)


async def test_sixty_distinct_lookups_stay_within_the_limit(slow_server: CatalogServer) -> None:
    """60 distinct lookups: never more than 5 in flight at the server, none requested twice."""
    async with HttpBucket(slow_server.url) as source, BucketManager(source) as manager:
        cids: list[tuple[str, str]] = []
        for vid in ASTRA:
            cids += [(vid, c) for c in await categories_of(manager, vid)]
        pairs = cids[:60]
        assert len(pairs) == 60
        slow_server.stats.reset()
        await asyncio.gather(
            *(manager.get_articles_for_category(MID, vid, cid) for vid, cid in pairs),
            *(manager.get_articles_for_category(MID, vid, cid) for vid, cid in pairs),
        )
    assert slow_server.stats.max_in_flight <= 5
    assert slow_server.stats.max_in_flight == 5  # the limit is used, not just respected
    paths = article_paths(slow_server.stats.paths)
    assert len(paths) == 60
    assert set(paths.values()) == {1}


async def test_limit_is_configurable(slow_server: CatalogServer) -> None:
    """max_concurrency=2 keeps the server at two requests in flight."""
    async with BucketManager(HttpBucket(slow_server.url), max_concurrency=2) as manager:
        cids = await categories_of(manager)
        await asyncio.gather(
            *(manager.get_articles_for_category(MID, ASTRA[0], c) for c in cids[:12])
        )
    assert slow_server.stats.max_in_flight == 2


async def test_cancelling_one_waiter_leaves_the_others_their_result(
    sample_dir: Path,
) -> None:
    """Cancelling one of three waiters does not cancel the shared request."""
    async with (
        CatalogServer(sample_dir, ServerOptions(latency_ms=200)) as server,
        BucketManager(HttpBucket(server.url)) as manager,
    ):
        tasks = [
            asyncio.create_task(manager.get_articles_for_category(MID, ASTRA[0], "CAT002"))
            for _ in range(3)
        ]
        await until(lambda: server.stats.in_flight == 1)  # the shared request reached the server
        tasks[0].cancel()
        first, second = await asyncio.gather(tasks[1], tasks[2])
        with pytest.raises(asyncio.CancelledError):
            await tasks[0]
    assert first == second
    assert first
    assert server.stats.total == 1


async def test_shared_request_is_cancelled_when_every_waiter_leaves(
    sample_dir: Path,
) -> None:
    """When the last waiter is cancelled, the manager stops the request and forgets it."""
    async with (
        CatalogServer(sample_dir, ServerOptions(latency_ms=5000)) as server,
        BucketManager(HttpBucket(server.url)) as manager,
    ):
        task = asyncio.create_task(manager.get_articles_for_category(MID, ASTRA[0], "CAT003"))
        await until(lambda: server.stats.in_flight == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await until(lambda: manager.get_cache_stats()["in_flight"] == 0)
        # A new lookup starts afresh instead of joining the cancelled one.
        server.options = ServerOptions()
        articles = await manager.get_articles_for_category(MID, ASTRA[0], "CAT003")
    assert articles


async def test_cache_hits_do_not_wait_for_a_slot(sample_dir: Path) -> None:
    """With every slot busy on slow requests, a cached lookup still returns at once."""
    async with (
        CatalogServer(sample_dir) as server,
        BucketManager(HttpBucket(server.url), max_concurrency=2) as manager,
    ):
        cached = await manager.get_articles_for_category(MID, ASTRA[0], "CAT001")
        server.options = ServerOptions(latency_ms=3000)
        cids = (await categories_of(manager))[5:9]
        busy = [
            asyncio.create_task(manager.get_articles_for_category(MID, ASTRA[0], c)) for c in cids
        ]
        await until(lambda: server.stats.in_flight == 2)
        async with asyncio.timeout(0.5):
            again = await manager.get_articles_for_category(MID, ASTRA[0], "CAT001")
        for task in busy:
            task.cancel()
        await asyncio.gather(*busy, return_exceptions=True)
    assert again is cached


async def test_flaky_server_gives_correct_results_and_caches_nothing_wrong(
    sample_dir: Path,
) -> None:
    """503s, resets and truncated bodies are retried; results equal the local truth."""
    faults = ServerOptions(error_rate=0.2, reset_rate=0.1, truncate_rate=0.1, seed=7)
    async with (
        LocalBucket(sample_dir) as local,
        CatalogServer(sample_dir, faults) as server,
        BucketManager(
            HttpBucket(server.url, timeout=2.0),
            attempts=8,
            backoff_initial=0.001,
            backoff_max=0.01,
            breaker=CircuitBreaker(failure_threshold=1000),
        ) as manager,
    ):
        cids = await categories_of(manager)
        got = await asyncio.gather(
            *(manager.get_articles_for_category(MID, ASTRA[0], c) for c in cids)
        )
        truth = [await local.articles(MID, ASTRA[0], c) for c in cids]
        assert got == truth
        assert sum(server.stats.faults.values()) > 0  # the faults really happened
        server.options = ServerOptions()
        server.stats.reset()
        again = await asyncio.gather(
            *(manager.get_articles_for_category(MID, ASTRA[0], c) for c in cids)
        )
    assert again == truth
    assert server.stats.total == 0  # every value was cached, and cached right
    assert manager.get_cache_stats()["retries"] > 0


async def test_attempts_4_means_3_retries(catalog_server: CatalogServer) -> None:
    """A look-up that fails every try counts attempts - 1 retries: the last try is no retry."""
    catalog_server.options = ServerOptions(error_rate=1.0, seed=1)
    async with BucketManager(
        catalog_server.url,
        attempts=4,
        backoff_initial=0.001,
        backoff_max=0.001,
        breaker=CircuitBreaker(failure_threshold=1000),
    ) as manager:
        with pytest.raises(CatalogUnavailable):
            await manager.load_categories_for_variant(MID, ASTRA[0])
        stats = manager.get_cache_stats()
    assert (
        catalog_server.stats.paths[f"/manufacturers/{MID}/variants/{ASTRA[0]}/categories.json"] == 4
    )
    assert stats["requests"] == 4
    assert stats["retries"] == 3


async def test_errors_are_not_cached(sample_dir: Path) -> None:
    """A lookup that failed is asked again once the catalog is back."""
    async with (
        CatalogServer(sample_dir, ServerOptions(error_rate=1.0)) as server,
        BucketManager(HttpBucket(server.url), attempts=2, backoff_initial=0.001) as manager,
    ):
        with pytest.raises(CatalogUnavailable):
            await manager.get_models_for_manufacturer(MID)
        # Twice the 2 attempts for a make's lists, then the error (index.json, read
        # alongside, is not counted here).
        assert server.stats.paths[f"/manufacturers/{MID}/models.json"] == 4
        server.options = ServerOptions()
        models = await manager.get_models_for_manufacturer(MID)
    assert any(m.name == "ASTRA" for m in models)


async def test_not_found_is_negative_cached_briefly(catalog_server: CatalogServer) -> None:
    """A 404 is remembered for negative_ttl seconds, then asked again."""
    clock = FakeClock()
    async with BucketManager(
        HttpBucket(catalog_server.url), negative_ttl=10, clock=clock
    ) as manager:
        for _ in range(3):
            with pytest.raises(NotFound):
                await manager.load_categories_for_variant(MID, "999999")
        assert catalog_server.stats.total == 1
        clock.now += 11
        with pytest.raises(NotFound):
            await manager.load_categories_for_variant(MID, "999999")
    assert catalog_server.stats.total == 2


async def test_not_found_is_not_retried(catalog_server: CatalogServer) -> None:
    """NotFound is final: one request, no retries."""
    async with BucketManager(HttpBucket(catalog_server.url), negative_ttl=0) as manager:
        with pytest.raises(NotFound):
            await manager.get_articles_for_category(MID, ASTRA[0], "CAT999")
    assert catalog_server.stats.total == 1


async def test_retry_after_is_honoured(sample_dir: Path) -> None:
    """After a 503 the manager waits, retries, and succeeds."""
    async with (
        CatalogServer(sample_dir) as server,
        BucketManager(HttpBucket(server.url), attempts=10, backoff_initial=0.001) as manager,
    ):
        assert isinstance(manager.source, HttpBucket)
        await manager.source.pack_version()  # index.json is read now, before the faults
        server.options = ServerOptions(error_rate=0.5, seed=3)
        server.stats.reset()
        manufacturers = await manager.get_manufacturers()
    assert any(m.id == MID for m in manufacturers)
    assert server.stats.statuses[503] >= 1
    assert server.stats.statuses[200] == 1


async def test_deadline_bounds_a_lookup(sample_dir: Path) -> None:
    """A catalog slower than the deadline yields CatalogUnavailable within the deadline."""
    async with (
        CatalogServer(sample_dir, ServerOptions(latency_ms=5000)) as server,
        BucketManager(HttpBucket(server.url), deadline=0.3, attempt_timeout=0.2) as manager,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(CatalogUnavailable):
            await manager.get_manufacturers()
        assert loop.time() - started < 3.0


async def test_breaker_fails_fast_then_recovers(sample_dir: Path) -> None:
    """A dead catalog opens the breaker; after the cool-down a probe closes it."""
    clock = FakeClock()
    async with (
        CatalogServer(sample_dir, ServerOptions(error_rate=1.0)) as server,
        BucketManager(
            HttpBucket(server.url),
            attempts=1,
            breaker=CircuitBreaker(failure_threshold=3, reset_timeout=5, clock=clock),
            clock=clock,
        ) as manager,
    ):
        for _ in range(3):
            with pytest.raises(CatalogUnavailable):
                await manager.get_manufacturers()
        before = server.stats.total
        with pytest.raises(CircuitOpen):
            await manager.get_manufacturers()
        assert server.stats.total == before  # refused without a request
        server.options = ServerOptions()
        clock.now += 6
        assert await manager.get_manufacturers()
        assert manager.breaker.state == "closed"


async def test_batch_endpoint_makes_one_request_per_variant(
    catalog_server: CatalogServer,
) -> None:
    """Against the project's server, cold articles for one variant go out as one batch."""
    async with BucketManager(HttpBucket(catalog_server.url)) as manager:
        cids = await categories_of(manager)
        catalog_server.stats.reset()
        results = await manager.get_articles_concurrent([(MID, ASTRA[0], c) for c in cids])
        assert all(r.ok for r in results)
        assert catalog_server.stats.total == 1
        again = await manager.get_articles_concurrent([(MID, ASTRA[0], c) for c in cids])
    assert catalog_server.stats.total == 1  # fresh values are never requested twice
    assert [r.value for r in again] == [r.value for r in results]


async def test_concurrent_callers_share_one_batch(catalog_server: CatalogServer) -> None:
    """Two fan-outs started in the same tick merge their cold keys into one batch."""
    async with BucketManager(HttpBucket(catalog_server.url)) as manager:
        cids = await categories_of(manager)
        catalog_server.stats.reset()
        a, b = await asyncio.gather(
            manager.get_articles_concurrent([(MID, ASTRA[0], c) for c in cids[:6]]),
            manager.get_articles_concurrent([(MID, ASTRA[0], c) for c in cids[3:10]]),
        )
    assert all(r.ok for r in a + b)
    assert catalog_server.stats.total == 1


async def test_one_batch_spans_the_variants_of_a_manufacturer(
    catalog_server: CatalogServer,
) -> None:
    """Cold category lists, then article lists, of three variants cost one request each."""
    async with BucketManager(HttpBucket(catalog_server.url)) as manager:
        await manager.get_manufacturers()  # learn that the server offers batches
        catalog_server.stats.reset()
        cats = await manager.get_categories_concurrent([(MID, v) for v in ASTRA])
        arts = await manager.get_articles_concurrent(
            [(MID, v, c) for v in ASTRA for c in ("CAT001", "CAT002", "CAT003")]
        )
    assert all(r.ok and r.value for r in cats + arts)
    assert catalog_server.stats.paths == {
        f"/_batch/manufacturers/{MID}/categories": 1,
        f"/_batch/manufacturers/{MID}/articles": 1,
    }


async def test_batch_size_one_sends_each_lookup_alone(catalog_server: CatalogServer) -> None:
    """batch_size=1 turns batching off: one plain request per document, same results."""
    async with BucketManager(HttpBucket(catalog_server.url), batch_size=1) as manager:
        await manager.get_manufacturers()
        catalog_server.stats.reset()
        cats = await manager.get_categories_concurrent([(MID, v) for v in ASTRA])
        arts = await manager.get_articles_concurrent([(MID, v, "CAT001") for v in ASTRA])
    assert all(r.ok and r.value for r in cats + arts)
    assert catalog_server.stats.total == 2 * len(ASTRA)
    assert not any("_batch" in p for p in catalog_server.stats.paths)


async def test_background_prefetch_goes_in_requests_of_its_own(
    catalog_server: CatalogServer,
) -> None:
    """Keys warmed in the background never share a request with keys someone waits for."""
    wanted = [(MID, ASTRA[0], "CAT001"), (MID, ASTRA[1], "CAT001")]
    warm = [(MID, v, c) for v in ASTRA for c in ("CAT002", "CAT003")]
    async with BucketManager(HttpBucket(catalog_server.url)) as manager:
        await manager.get_manufacturers()
        catalog_server.stats.reset()
        assert await manager.prefetch_articles(wanted) == 2
        assert await manager.prefetch_articles(warm, background=True) == 6
        results = await manager.get_articles_concurrent(wanted + warm)
        assert catalog_server.stats.total == 2
        await manager.prefetch_articles(wanted)  # all fresh: nothing to start
        await manager.prefetch_articles(warm, background=True)
    assert all(r.ok for r in results)
    assert catalog_server.stats.total == 2


def copy_astra(sample_dir: Path, out: Path, variants: Sequence[str]) -> Path:
    """The sample's top documents and the given Astra variants, copied to ``out``."""
    for rel in ("index.json", "manufacturers.json", f"manufacturers/{MID}/models.json"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sample_dir / rel, out / rel)
    for vid in variants:
        variant = f"manufacturers/{MID}/variants/{vid}"
        shutil.copytree(sample_dir / variant, out / variant)
    return out


@asynccontextmanager
async def served(bucket: Path) -> AsyncIterator[tuple[CatalogServer, BucketManager]]:
    """A server on ``bucket`` and a manager that already knows it offers batches."""
    async with CatalogServer(bucket) as server, BucketManager(HttpBucket(server.url)) as manager:
        await manager.get_manufacturers()
        yield server, manager


@pytest.fixture
def astra_variants(sample_dir: Path, tmp_path: Path) -> Path:
    """The sample's Astra variants; in the second, CAT001's first article has its own price."""
    out = copy_astra(sample_dir, tmp_path / "astra", ASTRA)
    changed = out / f"manufacturers/{MID}/variants/{ASTRA[1]}/categories/CAT001/articles.json"
    articles = orjson.loads(changed.read_bytes())
    articles[0]["price"]["amount"] = "1.23"
    changed.write_bytes(orjson.dumps(articles))
    return out


async def test_articles_shared_by_variants_are_validated_once(astra_variants: Path) -> None:
    """An article in several variants' lists is one object; a differing copy keeps its own data."""
    async with served(astra_variants) as (server, manager):
        results = await manager.get_articles_concurrent(
            [(MID, v, c) for c in ("CAT001", "CAT003") for v in ASTRA]
        )
        assert server.stats.paths[f"/_batch/manufacturers/{MID}/articles"] == 1
    values = [r.value or () for r in results]
    cat1, cat3 = values[:3], values[3:]
    assert all(values)
    # CAT003 (bonnet) is one panel for the whole model: the same objects in every variant.
    assert [a.id for a in cat3[0]] == [a.id for a in cat3[2]]
    assert all(a is b for a, b in zip(cat3[0], cat3[2], strict=True))
    # The second variant's CAT001 differs in one price: its lists are its own, and right.
    assert cat1[1][0].price.amount == Decimal("1.23")
    assert cat1[0][0].id == cat1[1][0].id
    assert cat1[0][0].price.amount != Decimal("1.23")


async def test_one_bad_list_in_a_batch_fails_alone(astra_bucket: Path) -> None:
    """An off-contract list that someone waits for fails; its batch companions do not."""
    async with served(astra_bucket) as (_, manager):
        results = await manager.get_articles_concurrent(
            [(MID, ASTRA[0], c) for c in ("CAT001", "CAT002", "CAT003")]
        )
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, CatalogFormatError)
    assert "CAT002" in str(results[1].error)


async def test_fan_out_reports_each_failure_with_its_item(
    catalog_server: CatalogServer,
) -> None:
    """A missing category and a hostile id fail alone; the rest succeed, in input order."""
    async with BucketManager(HttpBucket(catalog_server.url)) as manager:
        results = await manager.get_articles_concurrent(
            [(MID, ASTRA[0], "CAT001"), (MID, ASTRA[0], "CAT999"), (MID, "../..", "CAT001")]
        )
    assert [r.request.category_id for r in results] == ["CAT001", "CAT999", "CAT001"]
    assert results[0].ok
    assert results[0].value
    assert isinstance(results[1].error, NotFound)
    assert isinstance(results[2].error, InvalidIdentifier)


async def test_fan_out_deadline_reports_unfinished_items(sample_dir: Path) -> None:
    """One deadline for the whole fan-out: items not done by then fail with CatalogUnavailable."""
    async with (
        CatalogServer(sample_dir, ServerOptions(latency_ms=3000)) as server,
        BucketManager(HttpBucket(server.url)) as manager,
    ):
        results = await manager.get_categories_concurrent([(MID, v) for v in ASTRA], deadline=0.2)
        assert [r.request for r in results] == [(MID, v) for v in ASTRA]
        assert all(isinstance(r.error, CatalogUnavailable) for r in results)


async def test_plain_static_server_falls_back_to_single_requests(
    sample_dir: Path,
) -> None:
    """Without the batch header, the manager asks for each document on its own."""

    async with BucketManager(LocalBucket(sample_dir)) as manager:
        cids = await categories_of(manager)
        results = await manager.get_articles_concurrent([(MID, ASTRA[0], c) for c in cids])
        stats = manager.get_cache_stats()
    assert all(r.ok for r in results)
    assert stats["by_kind"]["articles"]["requests"] == len(cids)


async def test_nested_fan_out_cannot_deadlock(catalog_server: CatalogServer) -> None:
    """Warming several vehicles at once with a limit of 1 completes."""
    async with BucketManager(HttpBucket(catalog_server.url), max_concurrency=1) as manager:
        async with asyncio.timeout(30):
            warmed = await asyncio.gather(
                *(
                    manager.warm_cache_for_vehicle(MID, "ASTRA", category_ids=["CAT001", "CAT002"])
                    for _ in range(4)
                )
            )
    assert warmed[0]["variants"] >= 3
    assert warmed[0]["articles"] == 2 * warmed[0]["variants"]


async def test_warm_cache_then_report_lookups_are_hits(catalog_server: CatalogServer) -> None:
    """After warming a vehicle, its category lookups need no request."""
    async with BucketManager(HttpBucket(catalog_server.url)) as manager:
        await manager.warm_cache_for_vehicle(MID, "astra", year=2018)
        before = catalog_server.stats.total
        for vid in ASTRA:
            await manager.load_categories_for_variant(MID, vid)
    assert catalog_server.stats.total == before


async def test_get_manufacturer_id_by_name_alias_and_unknown(sample_dir: Path) -> None:
    """Names and aliases resolve; an unknown make names the closest ones."""
    async with BucketManager(sample_dir) as manager:
        assert await manager.get_manufacturer_id("vauxhall") == MID
        assert await manager.get_manufacturer_id("OPEL") == MID
        with pytest.raises(InputError, match="VAUXHALL"):
            await manager.get_manufacturer_id("Vauxhal")


async def test_cache_stats_shape(sample_dir: Path) -> None:
    """get_cache_stats reports hits, misses, evictions, hit rate, size and cap."""
    async with BucketManager(sample_dir, max_entries=50) as manager:
        await manager.get_manufacturers()
        await manager.get_manufacturers()
        stats = manager.get_cache_stats()
    assert stats["hits"] == 1
    assert stats["misses"] == 1
    assert stats["hit_rate_percent"] == 50.0
    assert stats["cache_size"] == 1
    assert stats["max_cache_size"] == 50
    assert stats["evictions"] == 0


class CountingSource:
    """A CatalogSource of generated documents: any category id has one article."""

    name = "counting"
    batch_supported: bool | None = False

    def __init__(self) -> None:
        self.requests = 0

    async def index(self) -> CatalogIndex:
        raise NotFound("index.json")

    async def manufacturers(self) -> tuple[Manufacturer, ...]:
        return ()

    async def models(self, mid: str) -> tuple[Model, ...]:
        return ()

    async def categories(self, mid: str, vid: str) -> tuple[Category, ...]:
        return ()

    async def articles(self, mid: str, vid: str, cid: str) -> tuple[Article, ...]:
        self.requests += 1
        return (
            Article(
                id=cid,
                article_no=cid,
                brand="X",
                name="x",
                quality="OE",
                price=Price(amount="1.00", currency="GBP"),
            ),
        )

    async def read_batch(self, paths: Sequence[str]) -> Mapping[str, BatchItem]:
        raise AssertionError("the manager never batches when batch_supported is False")

    async def aclose(self) -> None:
        return None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


async def test_cache_never_exceeds_its_cap_and_expired_entries_go() -> None:
    """100,000 distinct keys never push the cache past its cap; expired entries are dropped."""
    clock = FakeClock()
    source = CountingSource()
    async with BucketManager(source, max_entries=1000, ttl=60, clock=clock) as manager:
        for i in range(100_000):
            await manager.get_articles_for_category("1", "1", f"C{i}")
            if i % 10_000 == 0:
                assert manager.get_cache_stats()["cache_size"] <= 1000
        stats = manager.get_cache_stats()
        assert stats["cache_size"] == 1000
        assert stats["evictions"] == 99_000
        clock.now += 61
        await manager.get_articles_for_category("1", "1", "C99999")
        stats = manager.get_cache_stats()
    assert stats["by_kind"]["articles"]["expirations"] >= 1
    assert source.requests == 100_001


async def test_ttl_per_kind(sample_dir: Path) -> None:
    """Articles can expire sooner than the other documents."""
    clock = FakeClock()
    async with BucketManager(sample_dir, ttls={"articles": 5}, clock=clock) as manager:
        await manager.get_models_for_manufacturer(MID)
        await manager.get_articles_for_category(MID, ASTRA[0], "CAT001")
        clock.now += 10
        await manager.get_models_for_manufacturer(MID)
        await manager.get_articles_for_category(MID, ASTRA[0], "CAT001")
        by_kind = manager.get_cache_stats()["by_kind"]
    assert by_kind["models"]["hits"] == 1
    assert by_kind["articles"]["misses"] == 2


async def test_bad_configuration_and_closed_manager(sample_dir: Path) -> None:
    """Nonsense settings are refused; a closed manager refuses work."""
    with pytest.raises(InputError):
        BucketManager(sample_dir, max_concurrency=0)
    with pytest.raises(InputError):
        BucketManager(sample_dir, ttls={"prices": 1})
    for batch_size in (0, 101):
        with pytest.raises(InputError, match="batch_size"):
            BucketManager(sample_dir, batch_size=batch_size)
    manager = BucketManager(sample_dir)
    await manager.aclose()
    with pytest.raises(UsageError):
        await manager.get_manufacturers()


class BrokenSource(CountingSource):
    """A source with a bug: it raises something that is not a catalog error."""

    async def articles(self, mid: str, vid: str, cid: str) -> tuple[Article, ...]:
        await asyncio.sleep(0.01)
        raise RuntimeError("bug in a third-party source")


async def test_unexpected_errors_reach_every_waiter() -> None:
    """A source's bug reaches each waiter as itself, not as a cancellation, and is not cached."""
    async with BucketManager(BrokenSource()) as manager:
        results = await asyncio.gather(
            *(manager.get_articles_for_category("1", "1", "C1") for _ in range(3)),
            return_exceptions=True,
        )
        assert all(isinstance(r, RuntimeError) for r in results)
        assert manager.get_cache_stats()["cache_size"] == 0


@pytest.fixture
def astra_bucket(sample_dir: Path, tmp_path: Path) -> Path:
    """One Astra variant of the sample, with CAT002's articles broken (off-contract)."""
    out = copy_astra(sample_dir, tmp_path / "bucket", ASTRA[:1])
    variant = f"manufacturers/{MID}/variants/{ASTRA[0]}"
    (out / variant / "categories/CAT002/articles.json").write_text('[{"id": "A1"}]')
    return out


async def test_warmed_documents_are_validated_on_first_read(astra_bucket: Path) -> None:
    """A prefetched, never-awaited document is checked when read; a bad one is not kept."""
    async with served(astra_bucket) as (server, manager):
        started = await manager.prefetch_articles(
            [(MID, ASTRA[0], "CAT001"), (MID, ASTRA[0], "CAT002")]
        )
        assert started == 2
        assert await manager.get_articles_for_category(MID, ASTRA[0], "CAT001")
        requests = server.stats.total
        with pytest.raises(CatalogFormatError, match="CAT002"):
            await manager.get_articles_for_category(MID, ASTRA[0], "CAT002")
        assert server.stats.total == requests  # the batch had already brought it
        with pytest.raises(CatalogFormatError):
            await manager.get_articles_for_category(MID, ASTRA[0], "CAT002")
        assert server.stats.total == requests + 1  # the bad document was not cached


async def test_prefetch_without_a_batch_endpoint_does_nothing(sample_dir: Path) -> None:
    """Warming without batches would cost a request per key, so it is skipped."""
    async with BucketManager(LocalBucket(sample_dir)) as manager:
        assert await manager.prefetch_articles([(MID, ASTRA[0], "CAT001")]) == 0
        assert manager.get_cache_stats()["requests"] == 0


async def test_article_requests_as_dicts_are_read_by_their_keys() -> None:
    """The dict shape (with or without product_group_id) is the same request as the dataclass."""
    async with BucketManager() as manager:
        plain = await manager.get_articles_concurrent([(MID, ASTRA[0], "CAT001")])
        assert plain[0].ok
        assert plain[0].value
        group = plain[0].value[0].product_group_id
        got = await manager.get_articles_concurrent(
            [
                {"manufacturer_id": MID, "variant_id": ASTRA[0], "category_id": "CAT001"},
                {
                    "manufacturer_id": MID,
                    "variant_id": ASTRA[0],
                    "category_id": "CAT001",
                    "product_group_id": group,
                },
            ]
        )
    assert got[0].ok
    assert got[0].value == plain[0].value
    assert got[1].ok
    assert got[1].value
    assert all(a.product_group_id == group for a in got[1].value)
    assert got[0].request.category_id == "CAT001"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"manufacturer_id": MID, "variant_id": ASTRA[0]}, id="missing-key"),
        pytest.param(
            {"manufacturer_id": MID, "variant_id": ASTRA[0], "category_id": "C", "x": 1},
            id="unknown-key",
        ),
        pytest.param("117/127445/CAT001", id="string"),
        pytest.param((MID, ASTRA[0]), id="short-tuple"),
    ],
)
async def test_article_requests_of_another_shape_are_refused(bad: object) -> None:
    """Anything but an ArticleRequest, a tuple or its dict is an InputError naming the shape."""
    async with BucketManager() as manager:
        with pytest.raises(InputError, match="manufacturer_id"):
            await manager.get_articles_concurrent([bad])  # type: ignore[list-item]
