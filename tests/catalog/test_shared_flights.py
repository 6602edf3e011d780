"""Single-flight across processes: managers sharing a Redis that miss one document fetch it once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio

from partsagent._catalog.shared import catalog_namespace
from partsagent.catalog import BucketManager, HttpBucket
from partsagent.testing import ServerOptions, ServerProcess, start_server_process


@pytest.fixture
def slow_server(plain_bucket: Path) -> Iterator[ServerProcess]:
    """A generated catalog (no packs: batch endpoints) in a child process, 100 ms a request."""
    with start_server_process(plain_bucket, ServerOptions(latency_ms=100.0)) as srv:
        yield srv


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    """A client of the module's redis-server, emptied before each test."""
    client = redis.asyncio.Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


async def _requests(server: ServerProcess, reset: bool = False) -> int:
    async with aiohttp.ClientSession() as session:
        if reset:
            async with session.post(server.url + "_stats/reset") as resp:
                resp.raise_for_status()
        async with session.get(server.url + "_stats") as resp:
            total: int = (await resp.json())["total"]
            return total


async def _warm(manager: BucketManager) -> None:
    """What every process reads once (the index, the layout, the makes): not what is measured."""
    await manager.get_manufacturers()
    source = manager.source
    assert isinstance(source, HttpBucket)
    await source.pack_version()  # whether the catalog has packs: read once per process
    await manager.drain()


async def _cold_lookups(manager: BucketManager) -> list[object]:
    """A make's models, then category lists and article lists (batches) of four variants."""
    mid = (await manager.get_manufacturers())[0].id
    models = await manager.get_models_for_manufacturer(mid)
    variants = [v.id for m in models for v in m.variants][:4]
    cats = await manager.get_categories_concurrent([(mid, v) for v in variants])
    categories = [c.id for c in cats[0].value or ()][:3]
    arts = await manager.get_articles_concurrent(
        [(mid, v, c) for v in variants for c in categories]
    )
    return [models, [r.value for r in cats], [r.value for r in arts]]


async def test_managers_missing_the_same_documents_fetch_them_once(
    slow_server: ServerProcess, redis_url: str, redis_client: redis.asyncio.Redis
) -> None:
    """Four cold managers on one Redis cost the catalog the requests of one, and agree."""
    async with BucketManager(HttpBucket(slow_server.url)) as alone:
        await _warm(alone)
        mid = (await alone.get_manufacturers())[0].id
        await _requests(slow_server, reset=True)
        expected = await _cold_lookups(alone)
    one = await _requests(slow_server)
    assert one > 0

    managers = [BucketManager(HttpBucket(slow_server.url), redis=redis_url) for _ in range(4)]
    try:
        for m in managers:
            await _warm(m)
        await _requests(slow_server, reset=True)
        results = await asyncio.gather(*(_cold_lookups(m) for m in managers))
        four = await _requests(slow_server)
    finally:
        for m in managers:
            await m.aclose()
    assert results == [expected] * 4
    assert four == one
    # No lease is left behind for the single documents, released once their values landed.
    async with HttpBucket(slow_server.url) as source:
        namespace = await catalog_namespace(source)
    assert not await redis_client.exists(f"{namespace}:models/{mid}:lease")


async def test_a_peer_that_never_delivers_costs_a_bounded_wait(
    slow_server: ServerProcess, redis_url: str, redis_client: redis.asyncio.Redis
) -> None:
    """A lease held by a process that died makes the others wait until it expires, then fetch."""
    async with HttpBucket(slow_server.url) as source:
        namespace = await catalog_namespace(source)
    async with BucketManager(HttpBucket(slow_server.url), redis=redis_url) as manager:
        await _warm(manager)
        mid = (await manager.get_manufacturers())[0].id
        await redis_client.set(f"{namespace}:models/{mid}:lease", "someone-dead", px=300)
        await _requests(slow_server, reset=True)
        async with asyncio.timeout(5):
            models = await manager.get_models_for_manufacturer(mid)
    assert models
    assert await _requests(slow_server) == 1
