"""A shared Redis holding garbage, or another catalog's entries: never an error, never wrong.

Every test runs against a real redis-server (the module's ``redis_url``) and
writes raw bytes under the library's own keys, as a buggy or hostile writer,
an older version or another deployment would.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis.asyncio
from structlog.testing import capture_logs

from partsagent import PartsAgent
from partsagent._catalog.packs import pack_bucket
from partsagent._catalog.redis import ModelSerializer, redis_cache
from partsagent._catalog.shared import MAX_PENDING, SharedCache
from partsagent.catalog import BucketManager, HttpBucket
from partsagent.testing import CatalogServer

pytestmark = pytest.mark.redis

MID, VID, CID = "117", "127445", "CAT001"
KEYS = {
    "manufacturers": "manufacturers/",
    "models": f"models/{MID}",
    "categories": f"categories/{MID}/{VID}",
    "articles": f"articles/{MID}/{VID}/{CID}",
}
ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
DAMAGE = [{"component": "Front Bumper Cover", "severity": "severe"}]


async def _documents() -> dict[str, Any]:
    async with BucketManager() as local:
        return {
            "manufacturers": await local.get_manufacturers(),
            "models": await local.get_models_for_manufacturer(MID),
            "categories": await local.load_categories_for_variant(MID, VID),
            "articles": await local.get_articles_for_category(MID, VID, CID),
        }


async def _lookup(manager: BucketManager, kind: str) -> Any:
    if kind == "manufacturers":
        return await manager.get_manufacturers()
    if kind == "models":
        return await manager.get_models_for_manufacturer(MID)
    if kind == "categories":
        return await manager.load_categories_for_variant(MID, VID)
    return await manager.get_articles_for_category(MID, VID, CID)


def _other_kind(kind: str, docs: dict[str, Any]) -> bytes:
    other = "categories" if kind == "articles" else "articles"
    return ModelSerializer().dumps(docs[other])


GARBAGE = [
    pytest.param(b"json\n[1]", id="json-list-of-int"),
    pytest.param(b'json\n"x"', id="json-string"),
    pytest.param(b"json\n{}", id="json-empty-object"),
    pytest.param(b"json\n[]", id="json-empty-list"),
    pytest.param(b"empty\n", id="empty-tag-no-payload"),
    pytest.param(b"empty\n[]", id="empty-list-of-no-kind"),
    pytest.param(b'json\n{"__partsagent_not_found__": "elsewhere.json"}', id="other-404"),
    pytest.param(b"articles\n{not json", id="bad-json"),
    pytest.param(b"\x00\xff\xfe", id="binary"),
    pytest.param(b"no tag", id="no-tag"),
    pytest.param(None, id="another-kind"),
]


@pytest.fixture
def namespace() -> str:
    return f"garbage-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    """A plain redis client, to write and read bytes under the library's keys."""
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.mark.parametrize("kind", list(KEYS))
@pytest.mark.parametrize("garbage", GARBAGE)
async def test_garbage_is_a_miss_fetched_again_and_overwritten(
    redis_url: str,
    raw: redis.asyncio.Redis,
    namespace: str,
    catalog_server: CatalogServer,
    kind: str,
    garbage: bytes | None,
) -> None:
    """A value that is not a valid document of its key's kind is logged, fetched and replaced."""
    docs = await _documents()
    value = garbage if garbage is not None else _other_kind(kind, docs)
    key = f"{namespace}:{KEYS[kind]}"
    await raw.set(key, value)
    cache = redis_cache(redis_url, namespace=namespace)
    async with BucketManager(HttpBucket(catalog_server.url), cache=cache) as manager:
        with capture_logs() as logs:
            for _ in range(2):  # a miss fetched again, then a clean hit
                assert await _lookup(manager, kind) == docs[kind]
        stats = manager.get_cache_stats()["by_kind"][kind]
    bad = [e for e in logs if e["event"] == "partsagent.cache.bad_value"]
    assert len(bad) == 1, logs
    assert bad[0]["key"] == KEYS[kind]
    assert (stats["misses"], stats["hits"], stats["requests"]) == (1, 1, 1)
    stored = await raw.get(key)
    assert isinstance(stored, bytes)
    assert stored.startswith(kind.encode() + b"\n")
    assert ModelSerializer().loads(stored) == docs[kind]


async def test_reports_through_a_redis_full_of_garbage_are_right(
    redis_url: str, raw: redis.asyncio.Redis, namespace: str, catalog_server: CatalogServer
) -> None:
    """Garbage under every key a report reads: the report still equals the local one."""
    async with PartsAgent() as local:
        want = await local.process_damage_report(ASTRA, DAMAGE)
    # A first agent fills Redis; then every value is replaced by garbage of some kind.
    async with (
        BucketManager(
            catalog_server.url, cache=redis_cache(redis_url, namespace=namespace)
        ) as catalog,
        PartsAgent(catalog) as agent,
    ):
        await agent.process_damage_report(ASTRA, DAMAGE)
        await agent.catalog.drain()
    keys: list[bytes] = [k async for k in raw.scan_iter(match=f"{namespace}:*")]
    assert len(keys) > 5
    junk = [b"json\n[1]", b'json\n"x"', b"json\n{}", b"empty\n", b"empty\n[]"]
    for i, k in enumerate(sorted(keys)):
        await raw.set(k, junk[i % len(junk)])
    async with (
        BucketManager(
            catalog_server.url, cache=redis_cache(redis_url, namespace=namespace)
        ) as catalog,
        PartsAgent(catalog) as agent,
    ):
        with capture_logs() as logs:
            got = await agent.process_damage_report(ASTRA, DAMAGE)
    assert (got.vehicle, got.lines, got.totals, got.warnings) == (
        want.vehicle,
        want.lines,
        want.totals,
        want.warnings,
    )
    assert any(e["event"] == "partsagent.cache.bad_value" for e in logs)


@pytest.fixture
def other_bucket(tmp_path: Path, sample_dir: Path) -> Path:
    """Another catalog with the same ids: other prices, one more article, so another index."""
    bucket = tmp_path / "other"
    shutil.copytree(sample_dir, bucket)
    path = bucket / "manufacturers/117/variants/127445/categories/CAT001/articles.json"
    items = orjson.loads(path.read_bytes())
    for a in items:
        a["price"]["amount"] = "1.00"
    path.write_bytes(orjson.dumps(items))
    index = orjson.loads((bucket / "index.json").read_bytes())
    index["name"] = "another catalog"
    (bucket / "index.json").write_bytes(orjson.dumps(index))
    pack_bucket(bucket)  # documents changed: packed again, as the contract asks
    return bucket


async def test_two_catalogs_never_share_under_the_default_namespace(
    redis_url: str, raw: redis.asyncio.Redis, sample_dir: Path, other_bucket: Path
) -> None:
    """Two catalogs, one Redis, default namespaces: each reads its own prices."""
    async with CatalogServer(sample_dir) as a_server, CatalogServer(other_bucket) as b_server:
        async with (
            BucketManager(a_server.url, cache=redis_cache(redis_url)) as catalog,
            PartsAgent(catalog) as a,
        ):
            want_a = await a.process_damage_report(ASTRA, DAMAGE)
            await a.catalog.drain()  # the vehicle's warming too
        async with (
            BucketManager(b_server.url, cache=redis_cache(redis_url)) as catalog,
            PartsAgent(catalog) as b,
        ):
            got_b = await b.process_damage_report(ASTRA, DAMAGE)
            assert got_b.performance["catalog_requests"] > 1
        async with (
            BucketManager(other_bucket, cache=redis_cache(redis_url)) as catalog,
            PartsAgent(catalog) as b_dir,
        ):
            got_b_dir = await b_dir.process_damage_report(ASTRA, DAMAGE)
        # The same catalog again (a second process, say) shares the first one's entries:
        # only index.json is asked for, to know which catalog this is.
        async with (
            BucketManager(a_server.url, cache=redis_cache(redis_url)) as catalog,
            PartsAgent(catalog) as again,
        ):
            got_a = await again.process_damage_report(ASTRA, DAMAGE)
            assert got_a.performance["catalog_requests"] == 1
    prices_a = [line.price.amount for line in want_a.lines]
    assert [line.price.amount for line in got_a.lines] == prices_a
    assert [line.price.amount for line in got_b.lines] != prices_a
    assert [line.price.amount for line in got_b_dir.lines] == [
        line.price.amount for line in got_b.lines
    ]
    namespaces = {bytes(k).split(b":", 1)[0] async for k in raw.scan_iter(match="partsagent-*")}
    assert len(namespaces) >= 3  # two servers and a directory: three catalogs by identity


async def test_a_named_namespace_is_shared_on_purpose(
    redis_url: str, sample_dir: Path, other_bucket: Path
) -> None:
    """The same namespace, named by the user, is shared even by different catalogs."""
    namespace = f"shared-{uuid.uuid4().hex[:8]}"
    async with CatalogServer(sample_dir) as a_server, CatalogServer(other_bucket) as b_server:
        async with (
            BucketManager(
                a_server.url, cache=redis_cache(redis_url, namespace=namespace)
            ) as catalog,
            PartsAgent(catalog) as a,
        ):
            want = await a.process_damage_report(ASTRA, DAMAGE)
        async with (
            BucketManager(
                b_server.url, cache=redis_cache(redis_url, namespace=namespace)
            ) as catalog,
            PartsAgent(catalog) as b,
        ):
            got = await b.process_damage_report(ASTRA, DAMAGE)
    assert got.lines == want.lines
    assert got.performance["catalog_requests"] == 0


async def test_a_shared_cache_that_falls_behind_loses_writes_not_memory(
    redis_url: str, namespace: str, raw: redis.asyncio.Redis
) -> None:
    """Writes queue up to MAX_PENDING; more are dropped with one warning, the rest still land."""

    async def no_name() -> str:
        raise AssertionError("a named namespace needs no catalog")

    # 10,000 keys in one MSET can outlast the 1 s default on a loaded machine;
    # this test is about the queue's bound, not about Redis's speed.
    shared = SharedCache(redis_cache(redis_url, namespace=namespace, timeout=30.0), no_name)
    try:
        with capture_logs() as logs:
            for i in range(MAX_PENDING + 50):  # all in one tick: the writer has not run yet
                shared.set_later(f"articles/1/2/C{i}", (), 60.0)
            await shared.flush()
    finally:
        await shared.aclose()
    dropped = [e for e in logs if e["event"] == "partsagent.cache.write_dropped"]
    assert len(dropped) == 1
    assert len(await raw.keys(f"{namespace}:articles/*")) == MAX_PENDING
