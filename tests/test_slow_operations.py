"""get_slow_operations(threshold) is answered at query time; reports carry the cache stats."""

from __future__ import annotations

import pytest

from partsagent import PartsAgent
from partsagent.metrics import SummaryAggregator


def test_slow_operations_for_any_threshold_asked_afterwards() -> None:
    """Thresholds chosen after the calls: each gives the calls at or above it, most first."""
    agg = SummaryAggregator(slow_ms=10_000)  # nothing is "slow" at record time
    for ms in (5, 50, 150, 400):
        agg.observe("catalog.fetch", ms)
    for ms in (120, 130):
        agg.observe("agent.plan", ms)
    agg.observe("tool.map", 1)
    at_100 = agg.get_slow_operations(100)
    # as many slow calls each: the one with the slowest call first
    assert [(s["operation"], s["slow_calls"]) for s in at_100] == [
        ("catalog.fetch", 2),
        ("agent.plan", 2),
    ]
    fetch = next(s for s in at_100 if s["operation"] == "catalog.fetch")
    assert fetch["calls"] == 4
    assert fetch["share"] == 0.5
    assert fetch["max_ms"] == pytest.approx(400, rel=0.01)
    assert [s["operation"] for s in agg.get_slow_operations(300)] == ["catalog.fetch"]
    assert agg.get_slow_operations(1000) == []
    assert {s["operation"] for s in agg.get_slow_operations(0)} == {
        "catalog.fetch", "agent.plan", "tool.map",
    }  # fmt: skip
    assert agg.summary()["slow"] == []


async def test_the_performance_block_carries_the_managers_cache_stats() -> None:
    """Each report's performance block has the manager's cache_stats as the report left them."""
    async with PartsAgent() as agent:
        first = await agent.process_damage_report(
            {"make": "Ford", "model": "Focus", "year": 2020}, "bonnet dented"
        )
        second = await agent.process_damage_report(
            {"make": "Ford", "model": "Focus", "year": 2020}, "rear bumper cracked"
        )
    a, b = first.performance["cache_stats"], second.performance["cache_stats"]
    assert a["misses"] > 0
    # The second report reused the vehicle's lists, or what was worked out of them.
    assert b["hits"] + b["derived"]["hits"] > a["hits"] + a["derived"]["hits"]
    assert b["misses"] >= a["misses"]
    assert set(b) >= {"hit_rate_percent", "requests", "by_kind"}
