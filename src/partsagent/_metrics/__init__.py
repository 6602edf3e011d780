"""Instrumentation: timers and counters, per-report figures, the summary aggregator.

* ``timer`` emits one structlog metric event per timed operation;
* ``counter`` emits counter and gauge events (catalog requests, reports, the breaker);
* ``hits`` counts cache hits in process, without an event each;
* ``collector`` gathers one report's timings and counters;
* ``measurement`` reads a metric event once, the same way for every consumer;
* ``aggregator`` reduces metric events to percentiles and exportable figures, bounded;
* ``emit`` decides whether events are emitted and hands them to consumers.
"""

from __future__ import annotations

from .aggregator import (
    MAX_BUCKETS_PER_OPERATION,
    MAX_LABEL_SETS,
    RELATIVE_ERROR,
    Exported,
    ExportedHistogram,
    SummaryAggregator,
)
from .collector import PerformanceCollector, collect_performance, count
from .counter import counter, gauge
from .emit import (
    add_consumer,
    capture_metrics,
    install_aggregator,
    metrics_enabled,
    remove_consumer,
    set_metrics_enabled,
    uninstall_aggregator,
)
from .hits import record_hit
from .measurement import DURATION_BUCKETS, Measurement, read_event
from .timer import Timer, timer

__all__ = [
    "DURATION_BUCKETS",
    "MAX_BUCKETS_PER_OPERATION",
    "MAX_LABEL_SETS",
    "RELATIVE_ERROR",
    "Exported",
    "ExportedHistogram",
    "Measurement",
    "PerformanceCollector",
    "SummaryAggregator",
    "Timer",
    "add_consumer",
    "capture_metrics",
    "collect_performance",
    "count",
    "counter",
    "gauge",
    "install_aggregator",
    "metrics_enabled",
    "read_event",
    "record_hit",
    "remove_consumer",
    "set_metrics_enabled",
    "timer",
    "uninstall_aggregator",
]
