"""Instrumentation: timers and counters, per-report figures, the summary aggregator.

* ``timer`` emits one structlog metric event per timed operation;
* ``hits`` counts cache hits in process, without an event each;
* ``collector`` gathers one report's timings and counters;
* ``aggregator`` reduces metric events to percentiles in bounded memory;
* ``emit`` decides whether events are emitted and installs processors.
"""

from __future__ import annotations

from .aggregator import MAX_BUCKETS_PER_OPERATION, RELATIVE_ERROR, SummaryAggregator
from .collector import PerformanceCollector, collect_performance, count
from .emit import (
    capture_metrics,
    install_aggregator,
    metrics_enabled,
    set_metrics_enabled,
    uninstall_aggregator,
)
from .hits import record_hit
from .timer import Timer, timer

__all__ = [
    "MAX_BUCKETS_PER_OPERATION",
    "RELATIVE_ERROR",
    "PerformanceCollector",
    "SummaryAggregator",
    "Timer",
    "capture_metrics",
    "collect_performance",
    "count",
    "install_aggregator",
    "metrics_enabled",
    "record_hit",
    "set_metrics_enabled",
    "timer",
    "uninstall_aggregator",
]
