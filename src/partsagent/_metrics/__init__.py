"""Instrumentation: one in-process bus of measurements, what publishes to it, what reads it.

* ``measurement`` is what the bus carries: one frozen Measurement per timed
  block, counter increment, gauge level or cache hit;
* ``bus`` hands each measurement to every subscriber, and costs nothing when
  there is none;
* ``timer``, ``counter`` and ``hits`` publish (a hit without a new object);
* ``collector`` gathers one report's timings and counters, bus or no bus;
* ``aggregator`` reduces measurements to percentiles and exportable figures, bounded;
* ``sinks`` is what an application plugs in: the switch, its logs, an
  aggregator, its own sink, ``capture_metrics``;
* ``series`` names what the Prometheus and OpenTelemetry exporters publish;
* ``log`` and ``retries`` route the library's warnings to the application's logging.
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
from .hits import record_hit
from .measurement import DURATION_BUCKETS, Measurement, read_event
from .sinks import (
    capture_metrics,
    install_aggregator,
    metrics_enabled,
    set_metrics_enabled,
    subscribe_metrics,
    uninstall_aggregator,
)
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
    "capture_metrics",
    "collect_performance",
    "count",
    "counter",
    "gauge",
    "install_aggregator",
    "metrics_enabled",
    "read_event",
    "record_hit",
    "set_metrics_enabled",
    "subscribe_metrics",
    "timer",
    "uninstall_aggregator",
]
