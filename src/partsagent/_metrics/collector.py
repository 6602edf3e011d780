"""Per-report figures: the timings and counters of one unit of work, through a context variable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["PerformanceCollector", "collect_performance", "count", "current_collector"]


class _OpTally:
    __slots__ = ("calls", "errors", "max_ms", "total_ms")

    def __init__(self) -> None:
        self.calls = 0
        self.errors = 0
        self.total_ms = 0.0
        self.max_ms = 0.0


class PerformanceCollector:
    """Timings per operation and counters of one unit of work (typically one report)."""

    __slots__ = ("_counters", "_ops")

    def __init__(self) -> None:
        self._ops: dict[str, _OpTally] = {}
        self._counters: dict[str, int] = {}

    def record(self, name: str, duration_ms: float, outcome: str = "ok") -> None:
        """Add one timed call of ``name`` (the short name, without ``partsagent.``)."""
        tally = self._ops.get(name)
        if tally is None:
            tally = self._ops[name] = _OpTally()
        tally.calls += 1
        if outcome == "error":
            tally.errors += 1
        tally.total_ms += duration_ms
        if duration_ms > tally.max_ms:
            tally.max_ms = duration_ms

    def hit(self, name: str) -> None:
        """A cache hit of ``name``: a 0 ms call and one more ``cache.hits``, in one call."""
        tally = self._ops.get(name)
        if tally is None:
            tally = self._ops[name] = _OpTally()
        tally.calls += 1
        counters = self._counters
        counters["cache.hits"] = counters.get("cache.hits", 0) + 1

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to counter ``name``."""
        self._counters[name] = self._counters.get(name, 0) + n

    def snapshot(self) -> dict[str, Any]:
        """``{"operations": {name: {calls, errors, total_ms, max_ms}}, "counters": {...}}``."""
        return {
            "operations": {
                name: {
                    "calls": t.calls,
                    "errors": t.errors,
                    "total_ms": round(t.total_ms, 3),
                    "max_ms": round(t.max_ms, 3),
                }
                for name, t in self._ops.items()
            },
            "counters": dict(self._counters),
        }


_collector: ContextVar[PerformanceCollector | None] = ContextVar(
    "partsagent_performance_collector", default=None
)


@contextmanager
def collect_performance() -> Iterator[PerformanceCollector]:
    """Collect every timer and ``count()`` of this context into a fresh collector.

    Context-variable based: asyncio tasks started inside the block copy the
    context, so their timings land in the same collector (intended: a report's
    fan-out belongs to the report). A nested block collects on its own.
    """
    collector = PerformanceCollector()
    token = _collector.set(collector)
    try:
        yield collector
    finally:
        _collector.reset(token)


def count(name: str, n: int = 1) -> None:
    """Increment counter ``name`` of the current collector, if there is one (else no-op)."""
    collector = _collector.get()
    if collector is not None:
        collector.count(name, n)


def current_collector() -> PerformanceCollector | None:
    """The collector of the current context, or None outside ``collect_performance()``."""
    return _collector.get()
