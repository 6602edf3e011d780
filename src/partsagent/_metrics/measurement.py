"""A metric event read once into a Measurement: what every consumer of the events agrees on.

Three shapes of event share ``metric=True``: a timer (``duration_ms``,
``outcome``, labels), a counter (``increment`` and its labels) and a gauge
(``gauge`` and its labels). The aggregator and the OpenTelemetry recorder both
read events through ``read_event``, so they cannot disagree on what an event
means. ``DURATION_BUCKETS`` are the histogram bounds both exporters publish.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from .names import short_name

__all__ = ["DURATION_BUCKETS", "OUTCOMES", "Measurement", "read_event"]

DURATION_BUCKETS: Final = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)
"""Histogram upper bounds in seconds, 1 ms to 30 s: a cache hit to a report at its deadline."""

OUTCOMES: Final = frozenset({"ok", "error", "cancelled"})
"""A timer's outcomes; anything else an event claims is read as ``error``."""

Kind = Literal["timer", "counter", "gauge"]


@dataclass(frozen=True, slots=True)
class Measurement:
    """One metric event, normalised: ``name`` is short (``catalog.articles``).

    ``value`` is the duration in milliseconds (timer), the increment (counter)
    or the new value (gauge). ``labels`` are the counter's or gauge's labels as
    strings, sorted; a timer's labels stay in the event (only ``cache`` is read).
    """

    kind: Kind
    name: str
    value: float
    outcome: str = "ok"
    cache: str | None = None
    labels: tuple[tuple[str, str], ...] = ()


_NOT_LABELS: Final = frozenset(
    {"event", "metric", "increment", "gauge", "timestamp", "level", "log_level", "logger"}
)


def _labels(event: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted((k, str(v)) for k, v in event.items() if k not in _NOT_LABELS and v is not None)
    )


def read_event(event: Mapping[str, Any]) -> Measurement | None:
    """The Measurement of a metric event, or None for any other event."""
    if event.get("metric") is not True:
        return None
    name = event.get("event")
    if not isinstance(name, str):
        return None
    duration = event.get("duration_ms")
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        outcome = event.get("outcome", "ok")
        cache = event.get("cache")
        return Measurement(
            "timer",
            short_name(name),
            float(duration),
            outcome=outcome if outcome in OUTCOMES else "error",
            cache=cache if isinstance(cache, str) else None,
        )
    increment = event.get("increment")
    if isinstance(increment, int | float) and not isinstance(increment, bool):
        return Measurement("counter", short_name(name), float(increment), labels=_labels(event))
    gauge = event.get("gauge")
    if isinstance(gauge, int | float) and not isinstance(gauge, bool):
        return Measurement("gauge", short_name(name), float(gauge), labels=_labels(event))
    return None
