"""report_ttl=0 caches no report; clear_caches() drops every cache after a price change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis

from _estimate import ROADSTER, small_bucket
from partsagent import InputError, PartsAgent
from partsagent._catalog.packs import pack_bucket
from partsagent.catalog import BucketManager, LocalBucket, redis_cache

WING = [("W1", "Wing", "Body")]
DAMAGE = [{"component": "wing", "severity": "severe"}]
ARTICLES = "manufacturers/900/variants/V1/categories/W1/articles.json"


def reprice(bucket: Path, amount: str) -> None:
    """Change the wing's price in the bucket, as a catalog update would."""
    path = bucket / ARTICLES
    articles = json.loads(path.read_text())
    articles[0]["price"]["amount"] = amount
    path.write_text(json.dumps(articles))


async def test_report_ttl_zero_caches_no_report(tmp_path: Path) -> None:
    """report_ttl=0 is no report cache: a repeat is computed again, never a hit."""
    async with PartsAgent(small_bucket(tmp_path, WING), report_ttl=0) as agent:
        first = await agent.process_damage_report(ROADSTER, DAMAGE)
        again = await agent.process_damage_report(ROADSTER, DAMAGE)
        assert agent.reports.stats()["size"] == 0
    assert (first.performance["report_cache"], again.performance["report_cache"]) == (
        "miss",
        "miss",
    )


def test_a_negative_report_ttl_is_refused() -> None:
    """A negative report_ttl is an InputError, not a cache that never expires."""
    with pytest.raises(InputError, match="ttl"):
        PartsAgent(report_ttl=-1)


async def test_clear_caches_prices_from_the_changed_catalog(tmp_path: Path) -> None:
    """After a price change, the cached report keeps the old price until clear_caches()."""
    bucket = small_bucket(tmp_path, WING)
    async with PartsAgent(bucket) as agent:
        before = await agent.process_damage_report(ROADSTER, DAMAGE)
        reprice(bucket, "150.00")
        cached = await agent.process_damage_report(ROADSTER, [{"component": "Wing"}, *DAMAGE])
        await agent.clear_caches()
        after = await agent.process_damage_report(ROADSTER, DAMAGE)
    assert before.lines[0].price.amount == cached.lines[0].price.amount == 100
    assert after.lines[0].price.amount == 150
    assert after.performance["report_cache"] == "miss"
    assert after.performance["catalog_requests"] > 0


async def test_clear_caches_clears_the_shared_namespace_only(
    tmp_path: Path, redis_url: str
) -> None:
    """The shared Redis loses this catalog's entries; other keys in the database stay."""
    bucket = small_bucket(tmp_path, WING)
    client = redis.Redis.from_url(redis_url)
    client.set("someone-else:key", b"kept")
    manager = BucketManager(LocalBucket(bucket), cache=redis_cache(redis_url))
    async with PartsAgent(manager) as agent:
        await agent.process_damage_report(ROADSTER, DAMAGE)
        await manager.drain()
        ours = list(client.scan_iter("partsagent-*"))
        reprice(bucket, "150.00")
        await agent.clear_caches()
        left = list(client.scan_iter("partsagent-*"))
        after = await agent.process_damage_report(ROADSTER, DAMAGE)
    await manager.aclose()
    assert ours
    assert left == []
    assert client.get("someone-else:key") == b"kept"
    assert after.lines[0].price.amount == 150
    client.close()


async def test_clear_caches_reads_a_repacked_bucket_afresh(tmp_path: Path) -> None:
    """A packed bucket re-priced and re-packed: after clear_caches() the new packs are read."""
    bucket = small_bucket(tmp_path, WING)
    pack_bucket(bucket)
    async with PartsAgent(bucket) as agent:
        before = await agent.process_damage_report(ROADSTER, DAMAGE)
        reprice(bucket, "150.00")
        pack_bucket(bucket)
        await agent.clear_caches()
        after = await agent.process_damage_report(ROADSTER, DAMAGE)
    assert before.lines[0].price.amount == 100
    assert after.lines[0].price.amount == 150
    assert not any("could not read" in w for w in after.warnings)
