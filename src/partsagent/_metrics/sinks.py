"""What an application plugs into the metrics bus: the switch, its logs, an aggregator, a test.

The rule: **a library never starts printing on its own.** Measurements are
made only while something the application set up subscribes to the bus (an
aggregator from ``install_aggregator``, an exporter from ``partsagent.otel``
or ``partsagent.prometheus``, a ``capture_metrics()`` block, its own sink from
``subscribe_metrics``). They reach the application's logs only after
``set_metrics_enabled(True)``, which subscribes the log sink: one info event
per measurement through the library's logger (structlog if the application
configured it, else the standard ``partsagent`` logger). The library never
touches the application's structlog processors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import bus
from .aggregator import SummaryAggregator
from .log import get_logger
from .measurement import Measurement

__all__ = [
    "capture_metrics",
    "install_aggregator",
    "metrics_enabled",
    "set_metrics_enabled",
    "subscribe_metrics",
    "uninstall_aggregator",
]

_log = get_logger()
_LOGS = "partsagent.logs"


def _to_logs(measurement: Measurement) -> None:
    """The log sink: one info event ``partsagent.<name>`` with the flat fields of ``as_event``."""
    fields = measurement.as_event()
    _log.info(fields.pop("event"), **fields)


def set_metrics_enabled(enabled: bool | None) -> None:
    """Put measurements in your logs too (True), make none at all (False), or the default (None).

    ``True``: every measurement is also logged, as one info event, through
    structlog if you configured it, else the standard ``partsagent`` logger.
    ``False``: nothing is measured for any subscriber (benchmarks). ``None``:
    measured only while something subscribes, and kept out of your logs.
    Per-report performance blocks are collected either way.
    """
    if enabled:
        bus.subscribe(_LOGS, _to_logs)
    else:
        bus.unsubscribe(_LOGS)
    bus.set_off(enabled is False)


def metrics_enabled() -> bool:
    """True if timers, counters and cache hits reach a subscriber now."""
    return bus.active()


def subscribe_metrics(sink: Callable[[Measurement], object]) -> Callable[[], None]:
    """Hand every Measurement to ``sink`` from now on; returns the function that stops it.

    ``sink`` runs inline, in the code being measured: keep it quick (append,
    add to a counter, put on a queue). If it raises, the error is logged once
    as ``partsagent.metrics.subscriber_failed`` and the measured code goes on.
    """
    key = ("sink", object())
    bus.subscribe(key, sink)
    return lambda: bus.unsubscribe(key)


def install_aggregator(aggregator: SummaryAggregator) -> None:
    """Feed every measurement, cache hits included, to ``aggregator`` (idempotent)."""
    bus.subscribe(("aggregator", id(aggregator)), aggregator.add)


def uninstall_aggregator(aggregator: SummaryAggregator) -> None:
    """Stop feeding ``aggregator`` (no-op if it was not installed)."""
    bus.unsubscribe(("aggregator", id(aggregator)))


@contextmanager
def capture_metrics() -> Iterator[list[dict[str, Any]]]:
    """Capture the measurements made inside the block as metric events, for tests.

    Each is the flat dict of instrumentation.md (``Measurement.as_event``) plus
    ``log_level="info"``; cache hits are there too (``cache="hit"``, 0 ms).
    They are not logged (unless ``set_metrics_enabled(True)``), and nothing
    is captured while ``set_metrics_enabled(False)``.
    """
    captured: list[dict[str, Any]] = []

    def capture(measurement: Measurement) -> None:
        event = measurement.as_event()
        event["log_level"] = "info"
        captured.append(event)

    key = ("capture", id(captured))
    bus.subscribe(key, capture)
    try:
        yield captured
    finally:
        bus.unsubscribe(key)
