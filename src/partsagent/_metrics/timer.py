"""Metrics through structlog: timers, per-report figures, a bounded summary, a test helper.

* ``timer(name, **labels)`` times an ``async with`` block (or ``with``, or a
  coroutine function as a decorator) and emits ONE structlog event
  ``partsagent.<name>`` with ``metric=True``, ``duration_ms``, ``outcome``
  (``ok`` | ``error`` | ``cancelled``), ``error_type`` and the labels, flat.
* Events are emitted once the app has configured structlog (or installed an
  aggregator, or is inside ``capture_metrics()``); ``set_metrics_enabled``
  forces it on or off. Timings always reach an active ``collect_performance()``.
* ``collect_performance()`` gathers the timings and ``count()`` counters of
  the current task (and of tasks it starts) for one report.
* ``SummaryAggregator`` is a structlog processor that reduces any number of
  metric events to per-operation percentiles in bounded memory.
* ``capture_metrics()`` captures metric events in tests, like
  ``structlog.testing.capture_logs``.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import inspect
import itertools
import math
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Final, ParamSpec, TypeVar

import structlog
from structlog.exceptions import DropEvent
from structlog.typing import EventDict, Processor, WrappedLogger

from .._exceptions import InputError, UsageError
from .._table import render_table

__all__ = [
    "PerformanceCollector",
    "SummaryAggregator",
    "Timer",
    "capture_metrics",
    "collect_performance",
    "count",
    "install_aggregator",
    "metrics_enabled",
    "set_metrics_enabled",
    "timer",
    "uninstall_aggregator",
]

P = ParamSpec("P")
R = TypeVar("R")

_PREFIX: Final = "partsagent."
_log = structlog.get_logger("partsagent")
_enabled: bool | None = None


def set_metrics_enabled(enabled: bool | None) -> None:
    """Turn metric events on or off, process-wide; collectors keep recording either way.

    ``None`` (the default) emits once the application has configured structlog
    or installed an aggregator or ``capture_metrics()``: an app that did none of
    these would otherwise see a line on stdout for every catalog lookup.
    """
    global _enabled
    _enabled = None if enabled is None else bool(enabled)


def metrics_enabled() -> bool:
    """True if timers emit structlog events now."""
    if _enabled is not None:
        return _enabled
    return bool(_installed) or _capturing > 0 or structlog.is_configured()


def _short(name: str) -> str:
    return name[len(_PREFIX) :] if name.startswith(_PREFIX) else name


# -- per-report collector -----------------------------------------------------


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


# -- timer --------------------------------------------------------------------


class Timer:
    """One timed operation; create it with ``timer()``.

    ``labels`` may be changed inside the block (``t.labels["cache"] = "hit"``);
    ``duration_ms`` holds the result after exit. Exceptions propagate unchanged.
    """

    __slots__ = ("_collector", "_emit", "_start", "duration_ms", "event", "labels", "name")

    def __init__(self, name: str, labels: dict[str, object]) -> None:
        self.event = name if name.startswith(_PREFIX) else _PREFIX + name
        self.name = _short(self.event)
        self.labels = labels
        self.duration_ms: float | None = None
        self._start: float | None = None
        self._emit = False
        self._collector: PerformanceCollector | None = None

    def __repr__(self) -> str:
        return f"Timer({self.event!r}, labels={self.labels!r})"

    def _begin(self) -> None:
        self._emit = metrics_enabled()
        self._collector = _collector.get()
        # Metrics off and nobody collecting: do not even read the clock.
        self._start = time.perf_counter() if self._emit or self._collector is not None else None

    def _end(self, exc_type: type[BaseException] | None) -> None:
        if self._start is None:
            return
        duration = (time.perf_counter() - self._start) * 1000.0
        self.duration_ms = duration
        if exc_type is None:
            outcome = "ok"
        elif issubclass(exc_type, asyncio.CancelledError):
            outcome = "cancelled"
        else:
            outcome = "error"
        if self._collector is not None:
            self._collector.record(self.name, duration, outcome)
        if self._emit:
            fields = {k: v for k, v in self.labels.items() if k != "event"}
            fields["metric"] = True
            fields["duration_ms"] = round(duration, 3)
            fields["outcome"] = outcome
            fields["error_type"] = exc_type.__name__ if exc_type is not None else None
            _log.info(self.event, **fields)

    def __enter__(self) -> Timer:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end(exc_type)

    async def __aenter__(self) -> Timer:
        self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end(exc_type)

    def __call__(self, fn: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        """Decorate a coroutine function: each call is timed by a fresh timer."""
        if not inspect.iscoroutinefunction(fn):
            raise UsageError(f"timer() decorates coroutine functions only, not {fn!r}")
        name, labels = self.event, self.labels

        @functools.wraps(fn)
        async def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            async with Timer(name, dict(labels)):
                return await fn(*args, **kwargs)

        return timed


def timer(name: str, **labels: object) -> Timer:
    """Time a block (``async with`` / ``with``) or decorate a coroutine function.

    Emits one event ``partsagent.<name>`` (the prefix is added unless present).
    """
    return Timer(name, labels)


# -- summary aggregator ---------------------------------------------------------

_GAMMA: Final = 1.02
_LOG_GAMMA: Final = math.log(_GAMMA)
_MIN_MS: Final = 0.001
_MAX_MS: Final = 1e7
# Bucket i holds (GAMMA**(i-1), GAMMA**i]; durations are clamped to [_MIN_MS, _MAX_MS].
_MIN_INDEX: Final = math.ceil(math.log(_MIN_MS) / _LOG_GAMMA)
_MAX_INDEX: Final = math.ceil(math.log(_MAX_MS) / _LOG_GAMMA)
RELATIVE_ERROR: Final = (_GAMMA - 1) / (_GAMMA + 1)
"""Bound on |estimate - true| / true of every percentile the aggregator reports (~0.99%)."""
MAX_BUCKETS_PER_OPERATION: Final = _MAX_INDEX - _MIN_INDEX + 2

_RESERVED: Final = frozenset(
    {"event", "metric", "duration_ms", "outcome", "error_type", "timestamp", "level"}
    | {"log_level", "logger", "logger_name"}
)


class _Histogram:
    """Log-linear histogram (as in DDSketch): sparse buckets, ~1% relative error."""

    __slots__ = ("buckets", "max", "min", "zeros")

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.zeros = 0
        self.min = math.inf
        self.max = 0.0

    def add(self, value: float) -> None:
        if value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        if value <= 0.0:
            self.zeros += 1
            return
        index = math.ceil(math.log(min(max(value, _MIN_MS), _MAX_MS)) / _LOG_GAMMA)
        self.buckets[index] = self.buckets.get(index, 0) + 1

    def quantile(self, q: float, n: int) -> float:
        """Nearest-rank quantile ``q`` of ``n`` values, within RELATIVE_ERROR of the true one."""
        if n == 0:
            return 0.0
        rank = max(1, math.ceil(q * n))
        if rank <= self.zeros:
            return 0.0
        seen = self.zeros
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                estimate = 2.0 * _GAMMA**index / (_GAMMA + 1.0)
                return min(max(estimate, self.min), self.max)
        return self.max


class _OpSummary:
    __slots__ = ("calls", "cancelled", "coalesced", "errors", "hist", "hits", "misses", "total_ms")

    def __init__(self) -> None:
        self.calls = 0
        self.errors = 0
        self.cancelled = 0
        self.total_ms = 0.0
        self.hits = 0
        self.misses = 0
        self.coalesced = 0
        self.hist = _Histogram()


def _jsonable(value: object) -> object:
    return value if isinstance(value, str | int | float | bool | None) else str(value)


class SummaryAggregator:
    """A structlog processor reducing metric events to a summary in bounded memory.

    Per operation: calls, errors, rates, mean, p50/p95/p99 (log-linear
    histogram: every percentile is within ``RELATIVE_ERROR`` ~0.99% of the true
    nearest-rank value, with at most ``MAX_BUCKETS_PER_OPERATION`` buckets),
    max, and cache hits/misses/coalesced from the ``cache`` label; plus the
    ``slow_keep`` slowest operations at or above ``slow_ms``. At most
    ``max_operations`` distinct names are kept; later ones are summed as
    ``(other)``. With ``drop=True`` metric events stop here (``DropEvent``);
    other events pass through untouched.
    """

    def __init__(
        self,
        *,
        slow_ms: float = 1000.0,
        slow_keep: int = 20,
        drop: bool = False,
        max_operations: int = 500,
    ) -> None:
        if slow_keep < 0 or max_operations < 1:
            raise InputError("slow_keep must be >= 0 and max_operations >= 1")
        self.slow_ms = slow_ms
        self.slow_keep = slow_keep
        self.drop = drop
        self.max_operations = max_operations
        self._lock = threading.Lock()
        self._ops: dict[str, _OpSummary] = {}
        self._slow: list[tuple[float, int, dict[str, object]]] = []
        self._seq = itertools.count()
        self._events = 0

    def __repr__(self) -> str:
        return f"SummaryAggregator(slow_ms={self.slow_ms}, drop={self.drop})"

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        if event_dict.get("metric") is not True:
            return event_dict
        duration = event_dict.get("duration_ms")
        event = event_dict.get("event")
        if isinstance(duration, int | float) and isinstance(event, str):
            self.observe(
                event,
                float(duration),
                outcome=str(event_dict.get("outcome", "ok")),
                cache=event_dict.get("cache"),
                fields=event_dict,
            )
        if self.drop:
            raise DropEvent
        return event_dict

    def observe(
        self,
        name: str,
        duration_ms: float,
        *,
        outcome: str = "ok",
        cache: object = None,
        fields: MutableMapping[str, Any] | None = None,
    ) -> None:
        """Add one measurement directly (what the processor does for each metric event)."""
        name = _short(name)
        duration_ms = float(duration_ms)
        with self._lock:
            self._events += 1
            op = self._ops.get(name)
            if op is None:
                if len(self._ops) >= self.max_operations:
                    name = "(other)"
                op = self._ops.get(name)
                if op is None:
                    op = self._ops[name] = _OpSummary()
            op.calls += 1
            if outcome == "error":
                op.errors += 1
            elif outcome == "cancelled":
                op.cancelled += 1
            op.total_ms += duration_ms
            op.hist.add(duration_ms)
            if cache == "hit":
                op.hits += 1
            elif cache == "miss":
                op.misses += 1
            elif cache == "coalesced":
                op.coalesced += 1
            if self.slow_keep and duration_ms >= self.slow_ms:
                self._keep_slow(name, duration_ms, outcome, fields or {})

    def _keep_slow(
        self, name: str, duration_ms: float, outcome: str, fields: MutableMapping[str, Any]
    ) -> None:
        if len(self._slow) >= self.slow_keep and duration_ms <= self._slow[0][0]:
            return
        record: dict[str, object] = {
            "operation": name,
            "duration_ms": round(duration_ms, 3),
            "outcome": outcome,
            "error_type": _jsonable(fields.get("error_type")),
        }
        record.update({k: _jsonable(v) for k, v in fields.items() if k not in _RESERVED})
        item = (duration_ms, next(self._seq), record)
        if len(self._slow) < self.slow_keep:
            heapq.heappush(self._slow, item)
        else:
            heapq.heapreplace(self._slow, item)

    @property
    def bucket_count(self) -> int:
        """Histogram buckets held over all operations: the memory the summary needs."""
        with self._lock:
            return sum(len(op.hist.buckets) + 1 for op in self._ops.values())

    def reset(self) -> None:
        """Forget everything seen so far."""
        with self._lock:
            self._ops.clear()
            self._slow.clear()
            self._events = 0

    def summary(self) -> dict[str, Any]:
        """A plain, JSON-serialisable dict of everything aggregated so far."""
        with self._lock:
            operations: dict[str, dict[str, Any]] = {}
            for name in sorted(self._ops):
                op = self._ops[name]
                n = op.calls
                operations[name] = {
                    "calls": n,
                    "errors": op.errors,
                    "cancelled": op.cancelled,
                    "error_rate": round(op.errors / n, 4) if n else 0.0,
                    "success_rate": round((n - op.errors - op.cancelled) / n, 4) if n else 0.0,
                    "mean_ms": round(op.total_ms / n, 3) if n else 0.0,
                    "p50_ms": round(op.hist.quantile(0.50, n), 3),
                    "p95_ms": round(op.hist.quantile(0.95, n), 3),
                    "p99_ms": round(op.hist.quantile(0.99, n), 3),
                    "max_ms": round(op.hist.max, 3),
                    "cache_hits": op.hits,
                    "cache_misses": op.misses,
                    "cache_coalesced": op.coalesced,
                }
            hits = sum(op.hits for op in self._ops.values())
            misses = sum(op.misses for op in self._ops.values())
            coalesced = sum(op.coalesced for op in self._ops.values())
            lookups = hits + misses + coalesced
            return {
                "events": self._events,
                "operations": operations,
                "cache": {
                    "hits": hits,
                    "misses": misses,
                    "coalesced": coalesced,
                    "hit_rate_percent": round(100.0 * (hits + coalesced) / lookups, 2)
                    if lookups
                    else 0.0,
                },
                "slow_ms": self.slow_ms,
                "slow": [dict(r) for _, _, r in sorted(self._slow, key=lambda i: (-i[0], i[1]))],
                "relative_error": round(RELATIVE_ERROR, 4),
            }

    def render_table(self) -> str:
        """The per-operation summary as a fixed-width text table, slowest operations below."""
        summary = self.summary()
        headers = [
            "operation",
            "calls",
            "errors",
            "mean ms",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "hits",
            "misses",
        ]
        rows = [
            [
                name,
                s["calls"],
                s["errors"],
                s["mean_ms"],
                s["p50_ms"],
                s["p95_ms"],
                s["p99_ms"],
                s["max_ms"],
                s["cache_hits"],
                s["cache_misses"],
            ]
            for name, s in summary["operations"].items()
        ]
        text = render_table(headers, rows, align="l" + "r" * (len(headers) - 1))
        cache = summary["cache"]
        text += (
            f"\ncache: {cache['hits']} hits, {cache['misses']} misses, "
            f"{cache['coalesced']} coalesced ({cache['hit_rate_percent']:.2f}% served from cache)"
        )
        if summary["slow"]:
            text += f"\nslowest operations (>= {self.slow_ms:g} ms):\n" + render_table(
                ["operation", "ms", "outcome"],
                [[r["operation"], r["duration_ms"], r["outcome"]] for r in summary["slow"]],
                align="lrl",
            )
        return text


# -- structlog configuration helpers ------------------------------------------------


def _put_first(processor: Processor) -> Callable[[], None]:
    """Run ``processor`` before the configured ones; return a function undoing it.

    The configured list is changed in place when it is a list, so loggers that
    cached it (``cache_logger_on_first_use``) see the change too.
    """
    processors = structlog.get_config()["processors"]
    if isinstance(processors, list):
        processors.insert(0, processor)

        def undo() -> None:
            for i, p in enumerate(processors):
                if p is processor:
                    del processors[i]
                    return

        return undo
    original = processors
    structlog.configure(processors=[processor, *processors])
    return lambda: structlog.configure(processors=original)


_installed: dict[int, Callable[[], None]] = {}
_capturing = 0


def install_aggregator(aggregator: SummaryAggregator) -> None:
    """Put ``aggregator`` in front of the configured structlog processors (idempotent).

    Call after ``structlog.configure``; with ``drop=True`` metric events stop
    at the aggregator and never reach the renderer.
    """
    if id(aggregator) not in _installed:
        _installed[id(aggregator)] = _put_first(aggregator)


def uninstall_aggregator(aggregator: SummaryAggregator) -> None:
    """Remove an aggregator installed with ``install_aggregator`` (no-op otherwise)."""
    undo = _installed.pop(id(aggregator), None)
    if undo is not None:
        undo()


@contextmanager
def capture_metrics() -> Iterator[list[EventDict]]:
    """Capture the metric events emitted inside the block, for tests.

    Like ``structlog.testing.capture_logs`` but only for events with
    ``metric=True``: they are appended to the yielded list and dropped; other
    events go through the configured processors as usual. The previous
    processor configuration is restored on exit. Emission must be enabled
    (``metrics_enabled()``) and info level not filtered out.
    """
    captured: list[EventDict] = []

    def capture(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        if event_dict.get("metric") is True:
            event_dict.setdefault("log_level", method_name)
            captured.append(event_dict)
            raise DropEvent
        return event_dict

    global _capturing
    undo = _put_first(capture)
    _capturing += 1
    try:
        yield captured
    finally:
        _capturing -= 1
        undo()
