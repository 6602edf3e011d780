"""BoundedMemoryCache: LRU cap, TTL on a fake clock, per-kind counters, the aiocache API."""

from __future__ import annotations

import pytest

from partsagent._catalog.cache import MISSING, KindCounters
from partsagent._catalog.memory_backend import BoundedMemoryCache
from partsagent._exceptions import InputError, UsageError


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A fake monotonic clock starting at 1000 s."""
    return FakeClock()


@pytest.fixture
def cache(clock: FakeClock) -> BoundedMemoryCache:
    """A cache of three entries on the fake clock."""
    return BoundedMemoryCache(max_entries=3, clock=clock)


async def test_least_recently_used_is_evicted_and_get_refreshes(cache: BoundedMemoryCache) -> None:
    """At the cap the least recently used entry goes; a get makes an entry recent again."""
    await cache.set("models/a", 1)
    await cache.set("models/b", 2)
    await cache.set("models/c", 3)
    assert await cache.get("models/a") == 1  # a is now the most recent
    await cache.set("models/d", 4)
    assert await cache.exists("models/b") is False
    assert cache.get_nowait("models/a") == 1
    assert cache.get_nowait("models/c") == 3
    assert cache.get_nowait("models/d") == 4
    assert len(cache) == 3


def test_get_nowait_refreshes_recency(cache: BoundedMemoryCache) -> None:
    """The synchronous peek counts as a use, like get."""
    cache.set_nowait("models/a", 1)
    cache.set_nowait("models/b", 2)
    cache.set_nowait("models/c", 3)
    assert cache.get_nowait("models/a") == 1
    cache.set_nowait("models/d", 4)
    assert cache.get_nowait("models/b") is MISSING
    assert cache.get_nowait("models/a") == 1


def test_size_never_exceeds_cap_over_many_keys() -> None:
    """100,000 distinct keys never grow the cache past its cap; the rest are evictions."""
    cap = 1000
    cache = BoundedMemoryCache(max_entries=cap)
    for i in range(100_000):
        cache.set_nowait(f"articles/{i}", i)
        assert len(cache) <= cap
    assert len(cache) == cap
    stats = cache.stats_by_kind()["articles"]
    assert stats.evictions == 100_000 - cap
    assert stats.expirations == 0
    assert stats.size == cap


async def test_async_set_respects_cap() -> None:
    """The aiocache API goes through the same cap as the fast path."""
    cache = BoundedMemoryCache(max_entries=10)
    await cache.multi_set([(f"categories/{i}", i) for i in range(25)])
    assert len(cache) == 10
    assert await cache.multi_get(["categories/24", "categories/0"]) == [24, None]


async def test_expired_entries_are_gone_on_read_and_counted(
    cache: BoundedMemoryCache, clock: FakeClock
) -> None:
    """An entry past its TTL reads as absent, is removed, and counts as an expiration."""
    await cache.set("articles/x", "fresh", ttl=10)
    clock.advance(9.9)
    assert await cache.get("articles/x") == "fresh"
    clock.advance(0.1)
    assert await cache.get("articles/x", default="gone") == "gone"
    assert len(cache) == 0
    assert cache.stats_by_kind()["articles"] == KindCounters(evictions=0, expirations=1, size=0)
    cache.set_nowait("articles/y", "v", ttl=1)
    clock.advance(1)
    assert cache.get_nowait("articles/y") is MISSING
    assert cache.stats_by_kind()["articles"].expirations == 2


async def test_expired_lru_victim_counts_as_expiration(
    cache: BoundedMemoryCache, clock: FakeClock
) -> None:
    """Making room by dropping an already expired entry is an expiration, not an eviction."""
    await cache.set("notfound/a", 1, ttl=5)
    await cache.set("notfound/b", 2)
    await cache.set("notfound/c", 3)
    clock.advance(5)
    await cache.set("notfound/d", 4)
    assert cache.stats_by_kind()["notfound"] == KindCounters(evictions=0, expirations=1, size=3)


async def test_ttl_none_never_expires(cache: BoundedMemoryCache, clock: FakeClock) -> None:
    """Without a TTL (None or 0) an entry stays however far the clock moves."""
    await cache.set("manufacturers/all", "list", ttl=None)
    await cache.set("manufacturers/zero", "list0", ttl=0)
    clock.advance(10**9)
    assert await cache.get("manufacturers/all") == "list"
    assert cache.get_nowait("manufacturers/zero") == "list0"


async def test_counters_are_kept_per_kind(clock: FakeClock) -> None:
    """Evictions, expirations and sizes are reported per key prefix."""
    cache = BoundedMemoryCache(max_entries=4, clock=clock)
    await cache.set("models/1", 1, ttl=1)
    await cache.set("categories/1", 1)
    await cache.set("articles/1", 1)
    await cache.set("articles/2", 2)
    clock.advance(1)
    assert await cache.get("models/1") is None
    await cache.set("report/r1", "r")
    await cache.set("articles/3", 3)  # evicts categories/1, the least recently used
    await cache.set("plain", 0)  # no kind prefix
    stats = cache.stats_by_kind()
    assert stats["models"] == KindCounters(evictions=0, expirations=1, size=0)
    assert stats["categories"] == KindCounters(evictions=1, expirations=0, size=0)
    assert stats["articles"] == KindCounters(evictions=1, expirations=0, size=2)
    assert stats["report"].size == 1
    assert stats["other"].size == 1
    assert sum(s.size for s in stats.values()) == len(cache) == 4


async def test_values_are_the_identical_object(cache: BoundedMemoryCache) -> None:
    """get returns the very object that was set: no copy, no serialization."""
    value = ({"a": [1, 2]},)
    await cache.set("articles/v", value)
    assert await cache.get("articles/v") is value
    assert cache.get_nowait("articles/v") is value
    assert (await cache.multi_get(["articles/v"]))[0] is value


async def test_aiocache_api(cache: BoundedMemoryCache, clock: FakeClock) -> None:
    """add, delete, exists, increment, expire and clear behave like aiocache's backends."""
    assert await cache.add("report/a", "x") is True
    with pytest.raises(ValueError, match="already exists"):
        await cache.add("report/a", "y")
    assert await cache.get("report/a") == "x"
    assert await cache.exists("report/a") is True
    assert await cache.delete("report/a") == 1
    assert await cache.delete("report/a") == 0
    assert await cache.exists("report/a") is False

    assert await cache.increment("report/n") == 1
    assert await cache.increment("report/n", 5) == 6
    await cache.set("report/s", "text")
    with pytest.raises(TypeError):
        await cache.increment("report/s")

    assert await cache.expire("report/n", 2) is True
    assert await cache.expire("report/missing", 2) is False
    clock.advance(2)
    assert await cache.exists("report/n") is False
    await cache.set("report/t", 1, ttl=1)
    assert await cache.expire("report/t", 0) is True  # 0 removes the expiry
    clock.advance(5)
    assert await cache.get("report/t") == 1

    await cache.multi_set([("models/1", 1), ("models/2", 2)])
    assert await cache.clear() is True
    assert len(cache) == 0
    assert await cache.multi_get(["models/1", "models/2"]) == [None, None]


async def test_add_replaces_expired_entry(cache: BoundedMemoryCache, clock: FakeClock) -> None:
    """add succeeds when the existing entry has already expired."""
    await cache.set("report/a", 1, ttl=1)
    clock.advance(1)
    assert await cache.add("report/a", 2) is True
    assert await cache.get("report/a") == 2


async def test_namespace_prefixes_keys_but_not_kinds(clock: FakeClock) -> None:
    """A namespace separates caches yet counters still see the document kind."""
    cache = BoundedMemoryCache(max_entries=5, clock=clock, namespace="ns:")
    await cache.set("models/1", 1)
    assert cache.get_nowait("models/1") == 1
    assert await cache.get("models/1", namespace="other:") is None
    assert cache.stats_by_kind()["models"].size == 1


async def test_raw_is_refused(cache: BoundedMemoryCache) -> None:
    """There is no underlying client to send raw commands to."""
    with pytest.raises(UsageError):
        await cache.raw("keys")


def test_max_entries_must_be_positive() -> None:
    """A cache that could hold nothing is a configuration mistake."""
    with pytest.raises(InputError):
        BoundedMemoryCache(max_entries=0)
