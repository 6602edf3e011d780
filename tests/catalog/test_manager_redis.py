"""Two BucketManagers in separate processes share catalog entries through a real Redis."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import uuid
from collections.abc import Iterator

import aiohttp
import orjson
import pytest
import redis.asyncio

from partsagent import PartsAgent
from partsagent._catalog.redis import redis_cache
from partsagent.catalog import BucketManager, HttpBucket
from partsagent.testing import ServerProcess, start_server_process

MID, VID = "117", "127445"

WRITER = textwrap.dedent(
    """
    import asyncio, sys, orjson
    from partsagent.catalog import BucketManager, HttpBucket
    from partsagent._catalog.redis import redis_cache

    async def main(server, redis_url, namespace):
        cache = redis_cache(redis_url, namespace=namespace)
        async with BucketManager(HttpBucket(server), cache=cache) as m:
            arts = await m.get_articles_concurrent(
                [("117", "127445", c) for c in ("CAT001", "CAT002", "CAT003")]
            )
            models = await m.get_models_for_manufacturer("117")
        print(orjson.dumps({"articles": [[a.id for a in r.value] for r in arts],
                            "models": [x.name for x in models]}).decode())

    asyncio.run(main(*sys.argv[1:]))
    """
)


@pytest.fixture
def server() -> Iterator[ServerProcess]:
    with start_server_process() as srv:
        yield srv


async def _requests(server: ServerProcess) -> int:
    async with aiohttp.ClientSession() as session, session.get(server.url + "_stats") as resp:
        total: int = (await resp.json())["total"]
        return total


async def test_second_process_reads_what_the_first_fetched(
    redis_url: str, server: ServerProcess
) -> None:
    """Process A fetches through the catalog; process B (this one) gets it all from Redis."""
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WRITER,
        server.url,
        redis_url,
        namespace,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    written = orjson.loads(out.decode().strip().splitlines()[-1])
    before = await _requests(server)
    async with BucketManager(
        HttpBucket(server.url), cache=redis_cache(redis_url, namespace=namespace)
    ) as manager:
        arts = await manager.get_articles_concurrent(
            [(MID, VID, c) for c in ("CAT001", "CAT002", "CAT003")]
        )
        models = await manager.get_models_for_manufacturer(MID)
        stats = manager.get_cache_stats()
    assert await _requests(server) == before  # nothing asked of the catalog
    assert [[a.id for a in r.value or ()] for r in arts] == written["articles"]
    assert [m.name for m in models] == written["models"]
    assert stats["misses"] == 4  # not in this process yet ...
    assert stats["shared_hits"] == 4  # ... and every one of them from Redis


async def test_agent_reports_equal_with_a_redis_cache(
    redis_url: str, server: ServerProcess
) -> None:
    """A PartsAgent over Redis gives the same report as one over the embedded catalog."""
    vehicle = {"make": "Vauxhall", "model": "Astra", "year": 2018}
    damage = [{"component": "front bumper", "severity": "severe"}]
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    async with PartsAgent() as local:
        want = await local.process_damage_report(vehicle, damage)
    for _ in range(2):  # the second agent reads what the first stored
        async with (
            BucketManager(server.url, cache=redis_cache(redis_url, namespace=namespace)) as catalog,
            PartsAgent(catalog) as agent,
        ):
            got = await agent.process_damage_report(vehicle, damage)
        assert got.lines == want.lines
    assert got.performance["catalog_requests"] == 0


async def _redis_gets(redis_url: str) -> int:
    """GET and MGET calls the Redis server has answered so far."""
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    return sum(int(stats.get(f"cmdstat_{c}", {}).get("calls", 0)) for c in ("get", "mget"))


async def test_a_process_asks_redis_once_for_what_it_has_read(
    redis_url: str, server: ServerProcess
) -> None:
    """The in-process tier answers repeats: Redis is asked once per document, the catalog never."""
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    keys = [(MID, VID, c) for c in ("CAT001", "CAT002", "CAT003")]
    async with BucketManager(
        HttpBucket(server.url), cache=redis_cache(redis_url, namespace=namespace)
    ) as writer:
        await writer.get_articles_concurrent(keys)
    before = await _requests(server)
    async with BucketManager(
        HttpBucket(server.url), cache=redis_cache(redis_url, namespace=namespace)
    ) as reader:
        first = await reader.get_articles_concurrent(keys)
        gets = await _redis_gets(redis_url)
        for _ in range(3):
            again = await reader.get_articles_concurrent(keys)
            assert [r.value for r in again] == [r.value for r in first]
        assert await _redis_gets(redis_url) == gets
        stats = reader.get_cache_stats()
    assert await _requests(server) == before
    assert (stats["misses"], stats["shared_hits"], stats["hits"]) == (3, 3, 9)
    assert stats["cache_size"] == 3


async def test_a_lookup_does_not_wait_for_redis_to_store_what_it_fetched(
    redis_url: str, server: ServerProcess
) -> None:
    """With Redis refusing writes for now, a lookup still returns; the write goes out after."""
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    admin = redis.asyncio.Redis.from_url(redis_url)
    await admin.client_pause(30000, all=False)  # writes only
    try:
        async with BucketManager(
            HttpBucket(server.url), cache=redis_cache(redis_url, namespace=namespace, timeout=10.0)
        ) as manager:
            async with asyncio.timeout(5):
                articles = await manager.get_articles_for_category(MID, VID, "CAT001")
            assert await admin.keys(f"{namespace}:*") == []  # not written yet: writes paused
            await admin.client_unpause()
            await manager.drain()
            assert await admin.keys(f"{namespace}:*") == [
                f"{namespace}:articles/{MID}/{VID}/CAT001".encode()
            ]
    finally:
        await admin.client_unpause()
        await admin.aclose()
    async with BucketManager(
        HttpBucket(server.url), cache=redis_cache(redis_url, namespace=namespace)
    ) as reader:
        assert await reader.get_articles_for_category(MID, VID, "CAT001") == articles
        assert reader.get_cache_stats()["requests"] == 0
