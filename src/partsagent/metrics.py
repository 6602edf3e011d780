"""Metrics: time and count your own operations, aggregate them, capture them in tests.

``timer`` and ``counter``/``gauge`` measure; ``SummaryAggregator`` (turned on
with ``install_aggregator``) keeps percentiles for a summary or an exporter;
``collect_performance`` gathers one block's figures; ``capture_metrics`` lists
what was measured, for tests. No metric event is emitted until a consumer
is installed or ``set_metrics_enabled(True)`` is called.
"""

from __future__ import annotations

from ._metrics import (
    PerformanceCollector,
    SummaryAggregator,
    Timer,
    capture_metrics,
    collect_performance,
    counter,
    gauge,
    install_aggregator,
    metrics_enabled,
    set_metrics_enabled,
    timer,
    uninstall_aggregator,
)

__all__ = [
    "PerformanceCollector",
    "SummaryAggregator",
    "Timer",
    "capture_metrics",
    "collect_performance",
    "counter",
    "gauge",
    "install_aggregator",
    "metrics_enabled",
    "set_metrics_enabled",
    "timer",
    "uninstall_aggregator",
]
