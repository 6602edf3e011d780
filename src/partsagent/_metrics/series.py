"""The exported series: which measurement becomes which Prometheus and OpenTelemetry metric.

One table for both exporters, so their names, labels and help texts cannot
drift apart. Every label value comes from a small fixed set in the library's
own code (a document kind, an outcome, a cache result), never from user text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "BREAKER",
    "BREAKER_MEASUREMENT",
    "CACHE_LOOKUPS",
    "COUNTERS",
    "DURATION",
    "CounterSeries",
    "Series",
]


@dataclass(frozen=True, slots=True)
class Series:
    """An exported metric: its Prometheus name (without ``_total``), OpenTelemetry name, unit."""

    prometheus: str
    otel: str
    unit: str
    help: str


@dataclass(frozen=True, slots=True)
class CounterSeries(Series):
    """A counter fed by counter events named ``measurement``.

    ``label`` is the event's label kept, exported as ``exported_label``; events
    without it are not counted in this series (a report that failed has no
    report-cache result).
    """

    measurement: str = ""
    label: str | None = None
    exported_label: str | None = None
    known: tuple[str, ...] = ()
    """Label values exported from the start, at 0, so a rate() has a series before the first."""


DURATION: Final = Series(
    "partsagent_operation_duration_seconds",
    "partsagent.operation.duration",
    "s",
    "Duration of partsagent operations (tool calls, catalog look-ups, reports) by outcome.",
)
CACHE_LOOKUPS: Final = Series(
    "partsagent_cache_lookups",
    "partsagent.cache.lookups",
    "{lookup}",
    "Catalog look-ups by result: hit (cache), miss (a load started), coalesced (joined one).",
)
BREAKER: Final = Series(
    "partsagent_circuit_breaker_state",
    "partsagent.circuit_breaker.state",
    "1",
    "The catalog circuit breaker: 0 closed, 1 half-open, 2 open (the worst in this process).",
)
COUNTERS: Final = (
    CounterSeries(
        "partsagent_catalog_requests",
        "partsagent.catalog.requests",
        "{request}",
        "Requests sent to the catalog by document kind, retries included; a batch counts once.",
        measurement="catalog.requests",
        label="kind",
        exported_label="kind",
    ),
    CounterSeries(
        "partsagent_catalog_retries",
        "partsagent.catalog.retries",
        "{retry}",
        "Catalog requests retried after a retryable failure (5xx, timeout, connection error).",
        measurement="catalog.retries",
    ),
    CounterSeries(
        "partsagent_reports",
        "partsagent.reports",
        "{report}",
        "Damage reports by outcome: ok, input_error, catalog_error, unavailable, "
        "planner_error, error, cancelled.",
        measurement="reports",
        label="outcome",
        exported_label="outcome",
        known=(
            "ok",
            "input_error",
            "catalog_error",
            "unavailable",
            "planner_error",
            "error",
            "cancelled",
        ),
    ),
    CounterSeries(
        "partsagent_report_cache_lookups",
        "partsagent.report_cache.lookups",
        "{lookup}",
        "Answered reports by report-cache result: hit, miss (computed), coalesced.",
        measurement="reports",
        label="report_cache",
        exported_label="result",
        known=("hit", "miss", "coalesced"),
    ),
    CounterSeries(
        "partsagent_catalog_pack_problems",
        "partsagent.catalog.pack_problems",
        "{pack}",
        "Packs not used: refused (another model's, an index out of range), unusable (missing, "
        "another version), stale (older than their documents), failed (read from documents).",
        measurement="catalog.pack_problems",
        label="problem",
        exported_label="problem",
        known=("refused", "unusable", "stale", "failed"),
    ),
)
BREAKER_MEASUREMENT: Final = "breaker.state"
