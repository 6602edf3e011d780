"""Measurement: what the metrics bus carries, one frozen value per timed block, count or gauge.

Three kinds share one shape: a timer (``value`` in milliseconds, ``outcome``,
``error_type``, ``cache`` and the timer's labels), a counter (``value`` is the
increment) and a gauge (``value`` is the new level). A cache hit is a timer of
0 ms with ``cache="hit"``, one shared instance per operation (``cache_hit``),
so the hot path allocates nothing. ``as_event`` is the flat dict a log line or
``capture_metrics`` shows; ``read_event`` reads such a dict back.
``DURATION_BUCKETS`` are the histogram bounds both exporters publish.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from .names import PREFIX, short_name

__all__ = ["DURATION_BUCKETS", "OUTCOMES", "Measurement", "cache_hit", "read_event"]

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
Labels = tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measurement: ``name`` is short (``catalog.articles``), without ``partsagent.``.

    ``value`` is the duration in milliseconds (timer), the increment (counter)
    or the new level (gauge). ``labels`` are the labels as given (a timer's
    ``cache`` among them; ``cache`` repeats it), sorted for counters and gauges
    so that equal label sets are equal tuples. Label values come from small
    fixed sets in the code that measures, never from user text.
    """

    kind: Kind
    name: str
    value: float
    outcome: str = "ok"
    cache: str | None = None
    labels: Labels = ()
    error_type: str | None = None

    def as_event(self) -> dict[str, Any]:
        """The flat metric event of the docs: ``event``, ``metric=True``, its fields and labels."""
        event: dict[str, Any] = dict(self.labels)
        event["event"] = PREFIX + self.name
        event["metric"] = True
        if self.kind == "timer":
            event["duration_ms"] = round(self.value, 3)
            event["outcome"] = self.outcome
            event["error_type"] = self.error_type
        elif self.kind == "counter":
            event["increment"] = int(self.value) if self.value.is_integer() else self.value
        else:
            event["gauge"] = self.value
        return event


_hits: dict[str, Measurement] = {}


def cache_hit(name: str) -> Measurement:
    """The one Measurement of a cache hit of ``name``: a 0 ms timer with ``cache="hit"``."""
    hit = _hits.get(name)
    if hit is None:
        hit = _hits[name] = Measurement("timer", name, 0.0, cache="hit", labels=(("cache", "hit"),))
    return hit


_NOT_LABELS: Final = frozenset(
    {"event", "metric", "increment", "gauge", "timestamp", "level", "log_level", "logger"}
    | {"duration_ms", "outcome", "error_type", "logger_name"}
)


def _labels(event: Mapping[str, Any]) -> Labels:
    return tuple(
        sorted((k, str(v)) for k, v in event.items() if k not in _NOT_LABELS and v is not None)
    )


def read_event(event: Mapping[str, Any]) -> Measurement | None:
    """The Measurement of a metric event (a log line read back), or None for any other event."""
    if event.get("metric") is not True:
        return None
    name = event.get("event")
    if not isinstance(name, str):
        return None
    duration = event.get("duration_ms")
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        outcome = event.get("outcome", "ok")
        cache = event.get("cache")
        error_type = event.get("error_type")
        return Measurement(
            "timer",
            short_name(name),
            float(duration),
            outcome=outcome if outcome in OUTCOMES else "error",
            cache=cache if isinstance(cache, str) else None,
            labels=tuple((k, v) for k, v in event.items() if k not in _NOT_LABELS),
            error_type=error_type if isinstance(error_type, str) else None,
        )
    increment = event.get("increment")
    if isinstance(increment, int | float) and not isinstance(increment, bool):
        return Measurement("counter", short_name(name), float(increment), labels=_labels(event))
    gauge = event.get("gauge")
    if isinstance(gauge, int | float) and not isinstance(gauge, bool):
        return Measurement("gauge", short_name(name), float(gauge), labels=_labels(event))
    return None
