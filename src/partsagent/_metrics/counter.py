"""Counters and gauges: process-wide figures that are not durations.

``count()`` (collector.py) adds to the current report's performance block only,
and costs nothing else; ``counter()`` does that too and publishes a
Measurement, for the few figures an operator graphs (catalog requests and
retries, reports by outcome). ``gauge()`` publishes a new level (the
breaker's state). Label values must come from a small fixed set, never from
user text.
"""

from __future__ import annotations

from . import bus
from .collector import current_collector
from .measurement import Measurement
from .names import short_name

__all__ = ["counter", "gauge"]


def _labels(labels: dict[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if v is not None))


def counter(name: str, n: int = 1, **labels: str | None) -> None:
    """Add ``n`` to counter ``name``: in the current collector, and on the bus."""
    collector = current_collector()
    if collector is not None:
        collector.count(name, n)
    if bus.active():
        bus.publish(Measurement("counter", short_name(name), float(n), labels=_labels(labels)))


def gauge(name: str, value: float, **labels: str | None) -> None:
    """Publish the new level of gauge ``name``."""
    if bus.active():
        bus.publish(Measurement("gauge", short_name(name), float(value), labels=_labels(labels)))
