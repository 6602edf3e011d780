"""A shared Redis is bounded: values by size, calls by time, and a stalled one is left alone."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest
import redis.asyncio

from _redis_server import start_redis_server, stop_redis_server
from partsagent import PartsAgent
from partsagent._catalog.redis import ModelSerializer, redis_cache
from partsagent._catalog.suspend import COOL_DOWN, SLOW_CALLS, Suspension
from partsagent.catalog import BucketManager
from partsagent.testing import sample_reports

MID, VID, CID = "117", "127445", "CAT001"
KEY = f"articles/{MID}/{VID}/{CID}"
ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}


@pytest.fixture(scope="module")
def redis_server() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A private redis-server (process and URL) that a test may stop and continue."""
    proc, url = start_redis_server()
    try:
        yield proc, url
    finally:
        proc.send_signal(signal.SIGCONT)
        stop_redis_server(proc)


@pytest.fixture
def redis_url(redis_server: tuple[subprocess.Popen[bytes], str]) -> str:
    return redis_server[1]


@contextlib.contextmanager
def stalled(redis_server: tuple[subprocess.Popen[bytes], str]) -> Iterator[None]:
    """The server stopped (SIGSTOP): connections stay open, nothing is answered."""
    proc = redis_server[0]
    proc.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGCONT)


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    """A plain client on the test's redis-server, to plant and inspect values."""
    conn = redis.asyncio.Redis.from_url(redis_url)
    try:
        yield conn
    finally:
        await conn.aclose()


async def catalog_articles() -> tuple[object, ...]:
    async with BucketManager() as manager:
        return await manager.get_articles_for_category(MID, VID, CID)


async def test_a_value_over_the_cap_is_a_miss(redis_url: str, client: redis.asyncio.Redis) -> None:
    """A valid list larger than the cap is never used: the catalog's list is read instead."""
    want = await catalog_articles()
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    huge = ModelSerializer().dumps(want * 20, kind="articles")  # a valid, too long list
    await client.set(f"{namespace}:{KEY}", huge)
    cache = redis_cache(redis_url, namespace=namespace, max_value_bytes=len(huge) - 1)
    async with BucketManager(cache=cache) as manager:
        got = await manager.get_articles_for_category(MID, VID, CID)
        await manager.drain()
        stats = manager.get_cache_stats()
    assert got == want
    assert stats["by_kind"]["articles"]["shared_hits"] == 0


async def test_the_default_cap_is_8_mib(redis_url: str, client: redis.asyncio.Redis) -> None:
    """With no cap given, a 9 MiB value is a miss; the catalog's list is used."""
    want = await catalog_articles()
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    one = ModelSerializer().dumps(want, kind="articles")
    copies = 9 * 1024 * 1024 // len(one) + 1
    await client.set(f"{namespace}:{KEY}", ModelSerializer().dumps(want * copies, kind="articles"))
    async with BucketManager(cache=redis_cache(redis_url, namespace=namespace)) as manager:
        got = await manager.get_articles_for_category(MID, VID, CID)
    assert got == want


async def test_values_over_the_cap_are_not_written(
    redis_url: str, client: redis.asyncio.Redis
) -> None:
    """What a reader would refuse is not stored: only values within the cap reach Redis."""
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    cache = redis_cache(redis_url, namespace=namespace, max_value_bytes=2048)
    async with BucketManager(cache=cache) as manager:
        await manager.get_categories_concurrent([(MID, VID)])
        cats = await manager.load_categories_for_variant(MID, VID)
        await manager.get_articles_concurrent([(MID, VID, c.id) for c in cats[:20]])
        await manager.drain()
    sizes = [await client.strlen(k) async for k in client.scan_iter(f"{namespace}:*")]
    assert sizes
    assert max(sizes) <= 2048


async def test_a_stalled_redis_costs_reports_nothing_but_misses(
    redis_server: tuple[subprocess.Popen[bytes], str],
) -> None:
    """Redis stopped: cold reports are right and do not wait for it, nor does closing."""
    reports = [r for r in sample_reports() if r[0]["make"] != "Vauxhall"][::6]
    async with PartsAgent() as plain:
        want = [await plain.process_damage_report(v, d) for v, d in reports]
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    manager = BucketManager(cache=redis_cache(redis_server[1], namespace=namespace))
    agent = PartsAgent(manager)
    async with manager, agent:
        await agent.process_damage_report(ASTRA, "bonnet dented")  # the connections are up
        with stalled(redis_server):
            with anyio.fail_after(5):  # 2-3 s a report when every call waits for Redis
                got = [await agent.process_damage_report(v, d) for v, d in reports]
            with anyio.fail_after(1):  # 3 s when the queued writes wait for Redis
                await agent.aclose()
                await manager.aclose()
    assert [r.lines for r in got] == [r.lines for r in want]
    assert [r.totals for r in got] == [r.totals for r in want]


async def test_a_redis_that_comes_back_is_used_again(
    redis_server: tuple[subprocess.Popen[bytes], str], redis_url: str
) -> None:
    """After a stall, the shared cache is probed again and its values are read."""
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    async with BucketManager(cache=redis_cache(redis_url, namespace=namespace)) as writer:
        await writer.get_articles_for_category(MID, VID, CID)
        await writer.drain()
    cache = redis_cache(redis_url, namespace=namespace, timeout=0.05)
    async with BucketManager(cache=cache) as reader:
        with stalled(redis_server):
            await reader.get_articles_for_category(MID, VID, "CAT002")  # times out: a miss
        await asyncio.sleep(COOL_DOWN + 0.2)  # the cool-down is over
        await reader.get_articles_for_category(MID, VID, CID)
        assert reader.get_cache_stats()["by_kind"]["articles"]["shared_hits"] == 1


async def _stored(redis_url: str) -> str:
    """A namespace whose Redis holds the list at KEY (written by another manager)."""
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    async with BucketManager(cache=redis_cache(redis_url, namespace=namespace)) as writer:
        await writer.get_articles_for_category(MID, VID, CID)
        await writer.drain()
    return namespace


def busy_after(turns: int, *, seconds: float) -> None:
    """Block the event loop for ``seconds`` (other tasks' CPU work) ``turns`` turns from now."""
    loop = asyncio.get_running_loop()

    def turn(left: int) -> None:
        if left:
            loop.call_soon(turn, left - 1)
        else:
            time.sleep(seconds)

    loop.call_soon(turn, turns)


async def test_an_answer_that_came_while_the_process_was_busy_is_read(redis_url: str) -> None:
    """The loop blocked past the deadline (CPU, not Redis): the answer is a shared hit.

    A worker on a loaded host took its own lateness for a slow Redis: its request went
    out after the deadline, or its answer was there unread; each such call was a miss,
    fetched from the catalog, and suspended the cache (4 workers made 192 catalog
    requests where one made 56).
    """
    namespace = await _stored(redis_url)
    for turns in range(1, 5):  # the read has started; its request is out, or not yet
        cache = redis_cache(redis_url, namespace=namespace, timeout=0.05)
        async with BucketManager(cache=cache) as reader:
            await reader.get_manufacturers()  # connected: the next call goes out at once
            before = reader.get_cache_stats()["requests"]
            busy_after(turns, seconds=0.3)  # six times the timeout
            await reader.get_articles_for_category(MID, VID, CID)
            stats = reader.get_cache_stats()
        assert stats["by_kind"]["articles"]["shared_hits"] == 1, turns
        assert stats["requests"] == before, turns  # not fetched from the catalog


async def test_one_slow_call_is_a_miss_and_the_next_call_is_answered(
    redis_server: tuple[subprocess.Popen[bytes], str], redis_url: str
) -> None:
    """One timed-out call does not leave the cache alone for a cool-down: the next is read."""
    cache = redis_cache(redis_url, namespace=await _stored(redis_url), timeout=0.05)
    async with BucketManager(cache=cache) as reader:
        with stalled(redis_server):
            await reader.get_manufacturers()  # times out: a miss, fetched
        await reader.get_articles_for_category(MID, VID, CID)  # at once, no cool-down
        assert reader.get_cache_stats()["by_kind"]["articles"]["shared_hits"] == 1


def test_timeouts_in_a_row_suspend_and_an_error_at_once() -> None:
    """SLOW_CALLS timed-out calls in a row suspend the cache; one answered call between resets
    the count; an error (refused, reset) suspends at once."""
    now = [0.0]
    suspension = Suspension(clock=lambda: now[0])
    for _ in range(SLOW_CALLS - 1):
        suspension.failed(suspension.begin() or False, "TimeoutError", slow=True)
    suspension.succeeded(suspension.begin() or False)
    for _ in range(SLOW_CALLS - 1):
        suspension.failed(suspension.begin() or False, "TimeoutError", slow=True)
    assert suspension.begin() is False
    assert suspension.suspended == 0
    suspension.failed(False, "TimeoutError", slow=True)
    assert suspension.begin() is None
    assert suspension.suspended == 1
    now[0] += COOL_DOWN
    probe = suspension.begin()
    assert probe is True
    suspension.succeeded(probe)
    suspension.failed(suspension.begin() or False, "ConnectionError")
    assert suspension.begin() is None
    assert suspension.suspended == 2
