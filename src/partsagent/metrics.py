"""Metrics: time and count your own operations, aggregate them, capture them in tests.

Everything measured goes on one in-process bus as a ``Measurement``: ``timer``
and ``counter``/``gauge`` publish; ``SummaryAggregator`` (subscribed with
``install_aggregator``) keeps percentiles for a summary or an exporter;
``capture_metrics`` lists what was measured, for tests; ``subscribe_metrics``
hands every measurement to a sink of your own; ``collect_performance`` gathers
one block's figures. Nothing is measured until something subscribes, and
nothing is logged unless ``set_metrics_enabled(True)`` is called.
"""

from __future__ import annotations

from ._metrics import (
    Measurement,
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
    subscribe_metrics,
    timer,
    uninstall_aggregator,
)

__all__ = [
    "Measurement",
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
    "subscribe_metrics",
    "timer",
    "uninstall_aggregator",
]
