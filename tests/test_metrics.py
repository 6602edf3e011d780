"""Metrics: the bus and its subscribers, the switch, per-report collectors, the aggregator."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from structlog.exceptions import DropEvent
from structlog.typing import EventDict

from _recorder import Recorder, recording
from partsagent._exceptions import UsageError
from partsagent._metrics import (
    MAX_BUCKETS_PER_OPERATION,
    RELATIVE_ERROR,
    Measurement,
    SummaryAggregator,
    capture_metrics,
    collect_performance,
    count,
    counter,
    install_aggregator,
    metrics_enabled,
    read_event,
    record_hit,
    set_metrics_enabled,
    subscribe_metrics,
    timer,
    uninstall_aggregator,
)
from partsagent.catalog import BucketManager


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """structlog configured to end in a Recorder; the previous configuration restored after."""
    with recording() as rec:
        yield rec


@pytest.fixture
def unconfigured_structlog() -> Iterator[None]:
    """structlog as an application that never configured it; the previous state restored."""
    was = structlog.is_configured()
    old = structlog.get_config()
    structlog.reset_defaults()
    try:
        yield
    finally:
        if was:
            structlog.configure(**old)
        else:
            structlog.reset_defaults()


@pytest.fixture
def metrics_off() -> Iterator[None]:
    """Metric emission switched off for one test, then back to the default."""
    set_metrics_enabled(False)
    try:
        yield
    finally:
        set_metrics_enabled(None)


def metric_event(name: str, duration_ms: float, **fields: Any) -> EventDict:
    """A metric event as timer() emits it."""
    return {
        "event": name,
        "metric": True,
        "duration_ms": duration_ms,
        "outcome": "ok",
        "error_type": None,
        **fields,
    }


async def test_timer_context_manager_emits_one_event() -> None:
    """async with timer() emits one namespaced event with duration, outcome and flat labels."""
    with capture_metrics() as events:
        async with timer("catalog.articles", kind="articles") as t:
            t.labels["cache"] = "hit"
    assert len(events) == 1
    event = events[0]
    assert event["event"] == "partsagent.catalog.articles"
    assert event["metric"] is True
    assert event["outcome"] == "ok"
    assert event["error_type"] is None
    assert event["kind"] == "articles"
    assert event["cache"] == "hit"
    assert isinstance(event["duration_ms"], float)
    assert event["duration_ms"] >= 0.0
    assert round(event["duration_ms"], 3) == event["duration_ms"]
    assert t.duration_ms is not None


def test_timer_sync_and_prefix_not_doubled() -> None:
    """A name already under partsagent. keeps its prefix; plain with works too."""
    with capture_metrics() as events, timer("partsagent.cli.run"):
        pass
    assert [e["event"] for e in events] == ["partsagent.cli.run"]


async def test_timer_decorator_times_each_call_and_reraises() -> None:
    """The decorator emits one event per call, and errors propagate unchanged."""
    boom = ValueError("boom")

    @timer("tool.resolve_vehicle", tool="resolve")
    async def resolve(fail: bool) -> str:
        if fail:
            raise boom
        return "ok"

    with capture_metrics() as events:
        assert await resolve(False) == "ok"
        with pytest.raises(ValueError) as info:
            await resolve(True)
    assert info.value is boom
    assert [(e["event"], e["outcome"], e["error_type"], e["tool"]) for e in events] == [
        ("partsagent.tool.resolve_vehicle", "ok", None, "resolve"),
        ("partsagent.tool.resolve_vehicle", "error", "ValueError", "resolve"),
    ]


def test_timer_decorator_refuses_plain_functions() -> None:
    """Decorating a non-coroutine function is a usage error, not a silent no-op."""
    with pytest.raises(UsageError):
        timer("x")(lambda: None)  # type: ignore[arg-type, return-value]


async def test_timer_reports_cancellation() -> None:
    """A cancelled block is reported with outcome 'cancelled' and the error propagates."""
    entered = asyncio.Event()
    never = asyncio.Event()

    async def work() -> None:
        async with timer("catalog.models"):
            entered.set()
            await never.wait()

    with capture_metrics() as events:
        task = asyncio.create_task(work())
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [(e["outcome"], e["error_type"]) for e in events] == [("cancelled", "CancelledError")]


@pytest.mark.usefixtures("metrics_off")
async def test_disabled_metrics_emit_nothing_but_collector_records() -> None:
    """With metrics off no event is emitted, yet the per-report collector still records."""
    assert metrics_enabled() is False
    with capture_metrics() as events, collect_performance() as perf:
        async with timer("catalog.articles"):
            pass
        with pytest.raises(KeyError):
            async with timer("catalog.articles"):
                raise KeyError("x")
        count("catalog.requests")
    assert events == []
    ops = perf.snapshot()["operations"]
    assert ops["catalog.articles"]["calls"] == 2
    assert ops["catalog.articles"]["errors"] == 1
    assert perf.snapshot()["counters"] == {"catalog.requests": 1}


@pytest.mark.usefixtures("metrics_off")
async def test_disabled_without_collector_does_not_time() -> None:
    """Metrics off and no collector: the timer does not even read the clock."""
    async with timer("catalog.articles") as t:
        pass
    assert t.duration_ms is None


async def test_collector_snapshot_and_counters() -> None:
    """The collector sums calls, errors, total and max per operation, and counters."""
    with capture_metrics(), collect_performance() as perf:
        for _ in range(3):
            async with timer("catalog.categories"):
                pass
        count("cache.hits", 2)
        count("cache.hits")
        count("cache.misses")
    count("cache.hits")  # outside the block: no collector, no effect
    snap = perf.snapshot()
    op = snap["operations"]["catalog.categories"]
    assert op["calls"] == 3
    assert op["errors"] == 0
    assert op["max_ms"] <= op["total_ms"]
    assert snap["counters"] == {"cache.hits": 3, "cache.misses": 1}
    json.dumps(snap)


async def test_collector_is_inherited_by_child_tasks() -> None:
    """Tasks started inside collect_performance report into the same collector."""

    async def child(i: int) -> None:
        async with timer("catalog.articles", i=i):
            count("catalog.requests")

    with capture_metrics(), collect_performance() as perf:
        await asyncio.gather(*(asyncio.create_task(child(i)) for i in range(5)))
    snap = perf.snapshot()
    assert snap["operations"]["catalog.articles"]["calls"] == 5
    assert snap["counters"]["catalog.requests"] == 5


async def test_nested_collectors_are_separate() -> None:
    """An inner block collects on its own and the outer one resumes after it."""
    with capture_metrics(), collect_performance() as outer:
        count("a")
        with collect_performance() as inner:
            count("b")
        count("a")
    assert outer.snapshot()["counters"] == {"a": 2}
    assert inner.snapshot()["counters"] == {"b": 1}


def test_aggregator_percentiles_within_documented_error() -> None:
    """On 1..10000 ms the p50/p95/p99 are within RELATIVE_ERROR of the true nearest rank."""
    agg = SummaryAggregator()
    values = list(range(1, 10_001))
    random.Random(7).shuffle(values)
    for v in values:
        agg(None, "info", metric_event("partsagent.catalog.articles", float(v)))
    op = agg.summary()["operations"]["catalog.articles"]
    for key, true in (("p50_ms", 5000), ("p95_ms", 9500), ("p99_ms", 9900)):
        assert abs(op[key] - true) / true <= RELATIVE_ERROR + 1e-9, key
    assert op["mean_ms"] == pytest.approx(5000.5)
    assert op["max_ms"] == 10_000
    assert op["calls"] == 10_000
    assert RELATIVE_ERROR < 0.01


def test_aggregator_memory_is_bounded() -> None:
    """200,000 events spread over ten decades keep the histogram under its bucket bound."""
    agg = SummaryAggregator(slow_ms=math.inf)
    rng = random.Random(11)
    for _ in range(200_000):
        agg.observe("catalog.articles", 10 ** rng.uniform(-4, 8))
    assert agg.summary()["operations"]["catalog.articles"]["calls"] == 200_000
    assert agg.bucket_count <= MAX_BUCKETS_PER_OPERATION < 1300


def test_aggregator_keeps_only_the_slowest() -> None:
    """Only the N slowest operations at or above slow_ms are kept, slowest first."""
    agg = SummaryAggregator(slow_ms=100.0, slow_keep=5)
    for v in range(1000):
        agg(None, "info", metric_event("partsagent.catalog.models", float(v), mid=v))
    slow = agg.summary()["slow"]
    assert [s["duration_ms"] for s in slow] == [999.0, 998.0, 997.0, 996.0, 995.0]
    assert slow[0]["operation"] == "catalog.models"
    assert slow[0]["mid"] == 999


def test_aggregator_rates_cache_and_table() -> None:
    """Errors, rates and cache hits/misses are summed; the table names each operation."""
    agg = SummaryAggregator()
    for cache in ("hit", "hit", "hit", "miss"):
        agg(None, "info", metric_event("partsagent.catalog.articles", 1.0, cache=cache))
    agg(None, "info", metric_event("partsagent.tool.plan", 5.0, outcome="error"))
    agg(None, "info", metric_event("partsagent.tool.plan", 5.0))
    summary = agg.summary()
    plan = summary["operations"]["tool.plan"]
    assert (plan["calls"], plan["errors"], plan["error_rate"], plan["success_rate"]) == (
        2,
        1,
        0.5,
        0.5,
    )
    arts = summary["operations"]["catalog.articles"]
    assert (arts["cache_hits"], arts["cache_misses"]) == (3, 1)
    assert summary["cache"]["hit_rate_percent"] == 75.0
    assert summary["events"] == 6
    json.dumps(summary)
    table = agg.render_table()
    assert "catalog.articles" in table
    assert "tool.plan" in table
    assert "p95 ms" in table
    agg.reset()
    assert agg.summary()["operations"] == {}


def test_aggregator_passes_other_events_and_drops_metrics_when_asked() -> None:
    """Non-metric events pass unchanged; with drop=True metric events stop after counting."""
    agg = SummaryAggregator(drop=True)
    plain = {"event": "hello"}
    assert agg(None, "info", plain) is plain
    with pytest.raises(DropEvent):
        agg(None, "info", metric_event("partsagent.x", 1.0))
    assert agg.summary()["operations"]["x"]["calls"] == 1


async def test_install_aggregator_leaves_the_processors_alone(recorder: Recorder) -> None:
    """An installed aggregator reads the bus: the renderer sees only other events, unchanged."""
    agg = SummaryAggregator(drop=True)
    install_aggregator(agg)
    install_aggregator(agg)  # idempotent
    try:
        async with timer("catalog.articles"):
            pass
        structlog.get_logger("partsagent").info("partsagent.other")
    finally:
        uninstall_aggregator(agg)
    assert agg.summary()["operations"]["catalog.articles"]["calls"] == 1
    assert [e["event"] for e in recorder.events] == ["partsagent.other"]
    assert structlog.get_config()["processors"] == [recorder]


def test_capture_metrics_restores_configuration(recorder: Recorder) -> None:
    """capture_metrics captures only metric events and leaves the processors as they were."""
    processors = structlog.get_config()["processors"]
    before = list(processors)
    with capture_metrics() as events:
        with timer("catalog.models"):
            pass
        structlog.get_logger().info("not a metric")
    assert [e["event"] for e in events] == ["partsagent.catalog.models"]
    assert [e["event"] for e in recorder.events] == ["not a metric"]
    assert structlog.get_config()["processors"] is processors
    assert processors == before


async def test_cache_hits_reach_every_subscriber_as_one_shared_measurement() -> None:
    """Hits reach the aggregator, capture_metrics, a sink and the collector; no object per hit."""
    agg = SummaryAggregator()
    seen: list[Measurement] = []
    install_aggregator(agg)
    stop = subscribe_metrics(seen.append)
    try:
        async with BucketManager() as manager:
            with capture_metrics() as events, collect_performance() as perf:
                for _ in range(6):
                    await manager.get_manufacturers()
    finally:
        stop()
        uninstall_aggregator(agg)
    looked_up = [e.get("cache") for e in events if e["event"] == "partsagent.catalog.manufacturers"]
    assert looked_up == ["miss", "hit", "hit", "hit", "hit", "hit"]
    op = agg.summary()["operations"]["catalog.manufacturers"]
    assert (op["calls"], op["cache_hits"], op["cache_misses"]) == (6, 5, 1)
    assert op["p50_ms"] == 0.0
    snap = perf.snapshot()
    assert (snap["counters"]["cache.misses"], snap["counters"]["cache.hits"]) == (1, 5)
    assert snap["operations"]["catalog.manufacturers"]["calls"] == 6
    hits = [m for m in seen if m.cache == "hit"]
    assert len(hits) == 5
    assert len({id(m) for m in hits}) == 1  # the one shared instance: nothing built per hit


@pytest.mark.usefixtures("unconfigured_structlog")
def test_a_failing_subscriber_is_reported_once_and_never_breaks_the_measured_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A sink that raises: the timed code goes on, other subscribers still count, one warning."""

    def broken(m: Measurement) -> None:
        raise RuntimeError("sink down")

    stop = subscribe_metrics(broken)
    try:
        with (
            capture_metrics() as events,
            caplog.at_level(logging.WARNING, logger="partsagent"),
        ):
            for _ in range(3):
                with timer("catalog.models"):
                    pass
    finally:
        stop()
    assert len(events) == 3
    warned = [r for r in caplog.records if "subscriber_failed" in r.getMessage()]
    assert len(warned) == 1
    assert "RuntimeError" in warned[0].getMessage()


def test_subscribe_metrics_switches_measuring_on_and_its_undo_off() -> None:
    """A sink of its own gets timers and counters while subscribed, and nothing after."""
    seen: list[Measurement] = []
    assert metrics_enabled() is False
    stop = subscribe_metrics(seen.append)
    assert metrics_enabled() is True
    with timer("myapp.step", stage="load"):
        pass
    counter("reports", outcome="ok", report_cache=None)
    stop()
    assert metrics_enabled() is False
    with timer("myapp.step"):
        pass
    assert [(m.kind, m.name) for m in seen] == [("timer", "myapp.step"), ("counter", "reports")]
    assert seen[0].labels == (("stage", "load"),)
    assert seen[1].labels == (("outcome", "ok"),)
    assert seen[1].as_event()["increment"] == 1


def test_measurement_as_event_reads_back_the_same() -> None:
    """A logged metric event, read back with read_event, is the measurement that was logged."""
    with capture_metrics() as events:
        with pytest.raises(KeyError), timer("catalog.articles", cache="miss", kind="articles"):
            raise KeyError("x")
        counter("catalog.requests", kind="articles")
    timed, counted = (read_event(e) for e in events)
    assert timed == Measurement(
        "timer",
        "catalog.articles",
        events[0]["duration_ms"],
        "error",
        "miss",
        (("cache", "miss"), ("kind", "articles")),
        "KeyError",
    )
    assert timed is not None
    assert counted is not None
    assert (timed.kind, timed.name, timed.outcome, timed.cache, timed.error_type) == (
        "timer",
        "catalog.articles",
        "error",
        "miss",
        "KeyError",
    )
    assert dict(timed.labels) == {"cache": "miss", "kind": "articles"}
    assert (counted.kind, counted.name, counted.value, counted.labels) == (
        "counter",
        "catalog.requests",
        1.0,
        (("kind", "articles"),),
    )


def test_an_aggregator_in_the_processors_reads_the_logged_events(recorder: Recorder) -> None:
    """With metric events in the logs, an aggregator put in the processors counts them, hits too."""
    agg = SummaryAggregator(drop=True)
    structlog.configure(processors=[agg, recorder])
    set_metrics_enabled(True)
    try:
        with timer("catalog.articles", cache="miss"):
            pass
        record_hit("catalog.articles")
        structlog.get_logger().info("app.event")
    finally:
        set_metrics_enabled(None)
    op = agg.summary()["operations"]["catalog.articles"]
    assert (op["calls"], op["cache_hits"], op["cache_misses"]) == (2, 1, 1)
    assert [e["event"] for e in recorder.events] == ["app.event"]  # drop=True kept them out


def test_a_cache_hit_counts_as_a_0_ms_timer_would() -> None:
    """A hit is counted in place (issue 22): the summary, the exported histograms and a
    report's figures are what the same hit timed as a 0 ms ``cache="hit"`` timer gives."""
    fast, timed = SummaryAggregator(), SummaryAggregator()
    fast.add(Measurement("timer", "catalog.articles", 2.5, cache="miss"))
    install_aggregator(fast)
    try:
        with collect_performance() as perf:
            for _ in range(3):
                record_hit("catalog.articles")
            record_hit("catalog.categories")  # the first of its name: no summary yet
    finally:
        uninstall_aggregator(fast)
    timed.observe("catalog.articles", 2.5, cache="miss")
    for _ in range(3):
        timed.observe("catalog.articles", 0.0, cache="hit")
    timed.observe("catalog.categories", 0.0, cache="hit")
    assert fast.summary() == timed.summary()
    assert fast.export() == timed.export()
    snapshot = perf.snapshot()
    assert snapshot["counters"] == {"cache.hits": 4}
    ops = snapshot["operations"]
    assert ops["catalog.articles"] == {"calls": 3, "errors": 0, "total_ms": 0.0, "max_ms": 0.0}
    assert ops["catalog.categories"] == {"calls": 1, "errors": 0, "total_ms": 0.0, "max_ms": 0.0}
