"""The Prometheus collector and the OpenTelemetry instrumentation, against their real libraries."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from partsagent import InputError, PartsAgent, PartsReport, otel
from partsagent._catalog.stats import KINDS
from partsagent._metrics import DURATION_BUCKETS, metrics_enabled
from partsagent.catalog import BucketManager, CircuitBreaker
from partsagent.metrics import (
    SummaryAggregator,
    capture_metrics,
    install_aggregator,
    uninstall_aggregator,
)
from partsagent.prometheus import PartsAgentCollector
from partsagent.testing import CatalogServer, ServerOptions

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def aggregator() -> Iterator[SummaryAggregator]:
    """A dropping SummaryAggregator installed for one test."""
    agg = SummaryAggregator(drop=True)
    install_aggregator(agg)
    try:
        yield agg
    finally:
        uninstall_aggregator(agg)


@pytest.fixture
def reader() -> Iterator[InMemoryMetricReader]:
    """partsagent instrumented on an SDK MeterProvider with an in-memory reader."""
    memory = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[memory])
    otel.instrument(provider)
    try:
        yield memory
    finally:
        otel.uninstrument()
        provider.shutdown()


def scrape(collector: PartsAgentCollector) -> Samples:
    """The collector's exposition, rendered and parsed back by prometheus-client."""
    registry = CollectorRegistry()
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def otel_points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    """Data points by instrument name from one collection."""
    data = reader.get_metrics_data()
    assert data is not None
    return {
        metric.name: list(metric.data.data_points)
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
    }


async def run_reports(catalog: Any = None, **options: Any) -> list[BaseException | None]:
    """Two equal reports and one bad one; returns what each raised (None if it succeeded)."""
    outcomes: list[BaseException | None] = []
    async with PartsAgent(catalog, **options) as agent:
        for vehicle in (ASTRA, ASTRA, {"make": "Ford", "year": 2019}):
            try:
                await agent.process_damage_report(vehicle, "front bumper smashed")
                outcomes.append(None)
            except Exception as exc:
                outcomes.append(exc)
    return outcomes


async def test_prometheus_collector_publishes_the_issue_series(
    aggregator: SummaryAggregator,
) -> None:
    """Histogram per operation and outcome, cache results, requests by kind, reports, breaker."""
    await run_reports()
    got = scrape(PartsAgentCollector(aggregator, multiprocess=False))
    summary = aggregator.summary()
    plan = summary["operations"]["agent.plan"]
    count = got[
        (
            "partsagent_operation_duration_seconds_count",
            (("operation", "agent.plan"), ("outcome", "ok")),
        )
    ]
    errors = got[
        (
            "partsagent_operation_duration_seconds_count",
            (("operation", "agent.plan"), ("outcome", "error")),
        )
    ]
    assert count + errors == plan["calls"]
    buckets = [
        v
        for (name, labels), v in got.items()
        if name == "partsagent_operation_duration_seconds_bucket"
        and dict(labels)["operation"] == "agent.plan"
        and dict(labels)["outcome"] == "ok"
    ]
    assert len(buckets) == len(DURATION_BUCKETS) + 1
    assert buckets == sorted(buckets)  # cumulative
    assert (
        got[("partsagent_cache_lookups_total", (("result", "miss"),))] == summary["cache"]["misses"]
    )
    assert got[("partsagent_cache_lookups_total", (("result", "hit"),))] == summary["cache"]["hits"]
    kinds = {
        dict(labels)["kind"]
        for (name, labels), _ in got.items()
        if name == "partsagent_catalog_requests_total"
    }
    # The sample is packed: its article lists come in the categories' request (the pack).
    assert {"manufacturers", "models", "categories"} <= kinds <= set(KINDS)
    assert got[("partsagent_catalog_retries_total", ())] == 0
    assert got[("partsagent_reports_total", (("outcome", "ok"),))] == 2
    assert got[("partsagent_reports_total", (("outcome", "input_error"),))] == 1
    assert got[("partsagent_reports_total", (("outcome", "unavailable"),))] == 0
    assert got[("partsagent_report_cache_lookups_total", (("result", "miss"),))] == 1
    assert got[("partsagent_report_cache_lookups_total", (("result", "hit"),))] == 1
    assert got[("partsagent_circuit_breaker_state", ())] == 0


async def test_label_values_are_bounded_never_user_text(aggregator: SummaryAggregator) -> None:
    """What the user wrote (vehicle, damage) never becomes a label value."""
    async with PartsAgent() as agent:
        for text in ("bonnet dented by a shopping trolley", "left wing scraped in car park 7"):
            await agent.process_damage_report(ASTRA, text)
    got = scrape(PartsAgentCollector(aggregator, multiprocess=False))
    values = {v for _, labels in got for _, v in labels}
    operations = {v for _, labels in got for k, v in labels if k == "operation"}
    assert all(op.split(".")[0] in {"agent", "tool", "catalog"} for op in operations)
    assert not any("trolley" in v or "park" in v or "Vauxhall" in v for v in values)


async def test_retries_and_the_breaker_reach_both_exporters(
    aggregator: SummaryAggregator, reader: InMemoryMetricReader, catalog_server: CatalogServer
) -> None:
    """A failing catalog counts retries and opens the breaker: gauge 2 in Prometheus and OTel."""
    catalog_server.options = ServerOptions(error_rate=1.0, seed=3)
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=60)
    manager = BucketManager(catalog_server.url, attempts=2, backoff_initial=0.001, breaker=breaker)
    async with manager:
        outcomes = await run_reports(manager)
    assert all(type(o).__name__ in {"CatalogUnavailable", "CircuitOpen"} for o in outcomes)
    got = scrape(PartsAgentCollector(aggregator, multiprocess=False))
    assert got[("partsagent_catalog_retries_total", ())] >= 1
    assert got[("partsagent_circuit_breaker_state", ())] == 2
    assert got[("partsagent_reports_total", (("outcome", "unavailable"),))] == 3
    points = otel_points(reader)
    assert points["partsagent.circuit_breaker.state"][0].value == 2
    assert (
        sum(p.value for p in points["partsagent.catalog.retries"])
        == got[("partsagent_catalog_retries_total", ())]
    )


async def test_otel_records_durations_and_counters(reader: InMemoryMetricReader) -> None:
    """partsagent.operation.duration in seconds with operation/outcome, and the same counters."""
    await run_reports()
    points = otel_points(reader)
    durations: list[HistogramDataPoint] = points["partsagent.operation.duration"]
    by_op = {
        (dict(p.attributes or {})["operation"], dict(p.attributes or {})["outcome"]): p
        for p in durations
    }
    report = by_op[("agent.report", "ok")]
    assert report.count == 2
    assert list(report.explicit_bounds) == list(DURATION_BUCKETS)
    assert 0 < report.sum < 30
    assert ("agent.report", "error") in by_op
    reports = {p.attributes["outcome"]: p.value for p in points["partsagent.reports"]}
    assert reports == {"ok": 2, "input_error": 1}
    lookups = {p.attributes["result"]: p.value for p in points["partsagent.report_cache.lookups"]}
    assert lookups == {"miss": 1, "hit": 1}
    kinds = {p.attributes["kind"] for p in points["partsagent.catalog.requests"]}
    # The sample is packed: its article lists come in the categories' request (the pack).
    assert {"manufacturers", "models", "categories"} <= kinds <= set(KINDS)
    cache = {p.attributes["result"]: p.value for p in points["partsagent.cache.lookups"]}
    # The sample is packed: one miss per document kind brings the rest, and all else hits.
    assert cache["hit"] > cache["miss"] > 0
    articles = sum(
        p.count for (op, _), p in by_op.items() if op == "catalog.articles"
    )  # every article look-up of the sample is a hit, observed as a 0 ms call
    assert articles > 0
    metric_units = {
        m.name: m.unit
        for rm in reader.get_metrics_data().resource_metrics  # type: ignore[union-attr]
        for sm in rm.scope_metrics
        for m in sm.metrics
    }
    assert metric_units["partsagent.operation.duration"] == "s"


async def test_uninstrument_undoes_it(reader: InMemoryMetricReader) -> None:
    """After uninstrument() nothing more is recorded, and metric events are off again."""
    await run_reports()
    before = otel_points(reader)["partsagent.reports"]
    otel.uninstrument()
    assert metrics_enabled() is False
    await run_reports()
    after = otel_points(reader)["partsagent.reports"]
    assert {p.attributes["outcome"]: p.value for p in after} == {
        p.attributes["outcome"]: p.value for p in before
    }


async def test_exporters_see_events_whatever_the_install_order(
    reader: InMemoryMetricReader,
) -> None:
    """A dropping aggregator installed after the OTel recorder does not hide events from it."""
    agg = SummaryAggregator(drop=True)
    install_aggregator(agg)
    try:
        await run_reports()
    finally:
        uninstall_aggregator(agg)
    reports = {p.attributes["outcome"]: p.value for p in otel_points(reader)["partsagent.reports"]}
    assert reports["ok"] == 2
    assert agg.summary()["counters"]["reports"]["outcome=ok,report_cache=miss"] == 1


DAMAGES = (
    "front bumper smashed",
    "bonnet dented",
    "left wing scraped",
    "rear bumper cracked",
    "front bumper smashed",
)


async def concurrent_reports(url: str) -> list[PartsReport]:
    """Five reports at once on the HTTP catalog (one repeated), then an empty one.

    Together they start loads, join loads in flight and hit the cache, and the
    repeat is answered by the report cache.
    """
    async with PartsAgent(url) as agent:
        reports = list(
            await asyncio.gather(*(agent.process_damage_report(ASTRA, d) for d in DAMAGES))
        )
        with pytest.raises(InputError):  # refused before any look-up: its report is not needed
            await agent.process_damage_report(ASTRA, "")
    return reports


def prometheus_counts(got: Samples) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """(look-ups by result, duration observations by (operation, outcome)) of a scrape."""
    cache = {
        dict(labels)["result"]: v
        for (name, labels), v in got.items()
        if name == "partsagent_cache_lookups_total"
    }
    durations = {
        (dict(labels)["operation"], dict(labels)["outcome"]): v
        for (name, labels), v in got.items()
        if name == "partsagent_operation_duration_seconds_count"
    }
    return cache, durations


def aggregator_counts(agg: SummaryAggregator) -> tuple[dict[str, float], dict[str, float]]:
    """(look-ups by result, calls by operation) of the summary."""
    summary = agg.summary()
    cache = {r: summary["cache"][k] for r, k in (("hit", "hits"), ("miss", "misses"))}
    cache["coalesced"] = summary["cache"]["coalesced"]
    return cache, {op: s["calls"] for op, s in summary["operations"].items()}


def by_operation(durations: dict[tuple[str, str], float]) -> dict[str, float]:
    calls: dict[str, float] = {}
    for (operation, _), n in durations.items():
        calls[operation] = calls.get(operation, 0) + n
    return calls


async def test_every_subscriber_counts_the_same_lookups_and_durations(
    aggregator: SummaryAggregator, reader: InMemoryMetricReader, catalog_server: CatalogServer
) -> None:
    """Aggregator, Prometheus, OpenTelemetry, capture_metrics and the reports agree exactly.

    Hits, misses and coalesced look-ups, and duration observations per operation
    and outcome, on the same reports: every exporter reads one bus.
    """
    catalog_server.options = ServerOptions(latency_ms=30)
    with capture_metrics() as events:
        reports = await concurrent_reports(catalog_server.url)
    agg_cache, agg_calls = aggregator_counts(aggregator)
    prom_cache, prom_durations = prometheus_counts(
        scrape(PartsAgentCollector(aggregator, multiprocess=False))
    )
    points = otel_points(reader)
    otel_cache = {p.attributes["result"]: p.value for p in points["partsagent.cache.lookups"]}
    otel_durations = {
        (p.attributes["operation"], p.attributes["outcome"]): p.count
        for p in points["partsagent.operation.duration"]
    }
    captured_cache = {
        r: sum(1 for e in events if e.get("cache") == r) for r in ("hit", "miss", "coalesced")
    }
    captured_calls: dict[str, float] = {}
    for e in events:
        if "duration_ms" in e:
            op = e["event"].removeprefix("partsagent.")
            captured_calls[op] = captured_calls.get(op, 0) + 1
    per_report = {
        "hit": sum(r.performance["cache_hits"] for r in reports),
        "miss": sum(r.performance["cache_misses"] for r in reports),
        "coalesced": sum(r.performance["cache_coalesced"] for r in reports),
    }

    assert min(agg_cache.values()) > 0, agg_cache  # the reports made all three kinds
    assert prom_cache == agg_cache
    assert otel_cache == agg_cache
    assert captured_cache == agg_cache
    assert per_report == agg_cache
    assert otel_durations == prom_durations
    assert by_operation(prom_durations) == agg_calls == captured_calls
    assert ("agent.report", "error") in prom_durations
    assert agg_calls["catalog.articles"] > 0


_MULTIPROCESS = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[2])
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from partsagent import SummaryAggregator, install_aggregator
from partsagent.prometheus import PartsAgentCollector
from test_exporters import concurrent_reports

aggregator = SummaryAggregator()
install_aggregator(aggregator)
collector = PartsAgentCollector(aggregator)
assert collector.multiprocess
asyncio.run(concurrent_reports(sys.argv[1]))
registry = CollectorRegistry()
MultiProcessCollector(registry)
samples = [
    [s.name, s.labels, s.value]
    for family in text_string_to_metric_families(generate_latest(registry).decode())
    for s in family.samples
]
print(json.dumps({"summary": aggregator.summary(), "samples": samples}))
"""


async def test_multiprocess_mode_counts_what_the_aggregator_counts(
    catalog_server: CatalogServer, tmp_path: Path
) -> None:
    """With PROMETHEUS_MULTIPROC_DIR the collector records from the bus: the same counts."""
    catalog_server.options = ServerOptions(latency_ms=30)
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    run = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-c",
            textwrap.dedent(_MULTIPROCESS),
            catalog_server.url,
            str(Path(__file__).parent),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    got: Samples = {
        (name, tuple(sorted(labels.items()))): value for name, labels, value in out["samples"]
    }
    cache, durations = prometheus_counts(got)
    summary = out["summary"]
    assert cache == {
        "hit": summary["cache"]["hits"],
        "miss": summary["cache"]["misses"],
        "coalesced": summary["cache"]["coalesced"],
    }
    assert by_operation(durations) == {op: s["calls"] for op, s in summary["operations"].items()}
    assert summary["cache"]["hits"] > 0
