"""SummaryAggregator: measurements from the bus reduced to percentiles, in bounded memory."""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from .._exceptions import InputError
from .._table import render_table
from .measurement import DURATION_BUCKETS, OUTCOMES, Measurement, read_event
from .names import short_name

if TYPE_CHECKING:
    from structlog.typing import EventDict, WrappedLogger

__all__ = [
    "MAX_BUCKETS_PER_OPERATION",
    "MAX_LABEL_SETS",
    "RELATIVE_ERROR",
    "Exported",
    "ExportedHistogram",
    "SummaryAggregator",
]

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
MAX_LABEL_SETS: Final = 100
"""Distinct label sets kept per counter or gauge; later ones are summed under ``(other)``."""
_BOUNDS_MS: Final = tuple(b * 1000.0 for b in DURATION_BUCKETS)


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

    def at_least(self, threshold: float) -> int:
        """Values at or above ``threshold``, within RELATIVE_ERROR of it."""
        if threshold <= 0.0:
            return self.zeros + sum(self.buckets.values())
        return sum(
            count
            for index, count in self.buckets.items()
            if 2.0 * _GAMMA**index / (_GAMMA + 1.0) >= threshold
        )


class _Buckets:
    """Counts in the fixed ``DURATION_BUCKETS`` (the last slot is +Inf), for the exporters."""

    __slots__ = ("counts", "total_ms")

    def __init__(self) -> None:
        self.counts = [0] * (len(_BOUNDS_MS) + 1)
        self.total_ms = 0.0

    def add(self, value_ms: float) -> None:
        self.counts[bisect.bisect_left(_BOUNDS_MS, value_ms)] += 1
        self.total_ms += value_ms


@dataclass(frozen=True, slots=True)
class ExportedHistogram:
    """Cumulative counts per upper bound in seconds (``DURATION_BUCKETS``, then +Inf)."""

    cumulative: tuple[int, ...]
    sum_seconds: float

    @property
    def count(self) -> int:
        return self.cumulative[-1]


@dataclass(frozen=True, slots=True)
class Exported:
    """What exporters publish, read in one lock: durations, cache results, counters, gauges.

    ``durations`` maps (operation, outcome) to its histogram; ``cache`` maps
    ``hit``/``miss``/``coalesced`` to look-ups; ``counters`` and ``gauges`` map
    a name to ``{labels: value}`` with labels as sorted (key, value) pairs.
    """

    durations: Mapping[tuple[str, str], ExportedHistogram]
    cache: Mapping[str, int]
    counters: Mapping[str, Mapping[tuple[tuple[str, str], ...], float]]
    gauges: Mapping[str, Mapping[tuple[tuple[str, str], ...], float]]


class _OpSummary:
    __slots__ = (
        "by_outcome",
        "calls",
        "cancelled",
        "coalesced",
        "errors",
        "hist",
        "hits",
        "misses",
        "total_ms",
    )

    def __init__(self) -> None:
        self.calls = 0
        self.errors = 0
        self.cancelled = 0
        self.total_ms = 0.0
        self.hits = 0
        self.misses = 0
        self.coalesced = 0
        self.hist = _Histogram()
        self.by_outcome: dict[str, _Buckets] = {}


def _flat(series: Mapping[tuple[tuple[str, str], ...], float]) -> dict[str, float]:
    """``{"kind=articles": 3.0}``: label sets as JSON keys."""
    return {",".join(f"{k}={v}" for k, v in labels): n for labels, n in series.items()}


def _reports(series: Mapping[tuple[tuple[str, str], ...], float]) -> dict[str, Any]:
    """The ``reports`` counter summed: answered and failed, and how the report cache answered."""
    out: dict[str, Any] = {"total": 0, "ok": 0, "failed": 0}
    cache = dict.fromkeys(("hit", "coalesced", "miss"), 0)
    for labels, n in series.items():
        found = dict(labels)
        out["total"] += int(n)
        out["ok" if found.get("outcome") == "ok" else "failed"] += int(n)
        if found.get("report_cache") in cache:
            cache[found["report_cache"]] += int(n)
    out["report_cache"] = cache
    return out


def _jsonable(value: object) -> object:
    return value if isinstance(value, str | int | float | bool | None) else str(value)


class SummaryAggregator:
    """Measurements reduced to a summary in bounded memory; ``install_aggregator`` feeds it.

    Per operation: calls, errors, rates, mean, p50/p95/p99 (log-linear
    histogram: every percentile is within ``RELATIVE_ERROR`` ~0.99% of the true
    nearest-rank value, with at most ``MAX_BUCKETS_PER_OPERATION`` buckets),
    max, and cache hits/misses/coalesced from the ``cache`` label; plus the
    ``slow_keep`` slowest operations at or above ``slow_ms``. At most
    ``max_operations`` distinct names are kept; later ones are summed as
    ``(other)``. Counter events are summed and gauge events kept per label
    set; ``export()`` gives the exporters fixed-bucket histograms per
    operation and outcome. It is also a structlog processor, for metric events
    read back from logs; there ``drop=True`` stops them (``DropEvent``), and
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
        self._counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
        self._gauges: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}

    def __repr__(self) -> str:
        return f"SummaryAggregator(slow_ms={self.slow_ms}, drop={self.drop})"

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        """As a structlog processor: reduce a metric event (a log line), pass the others on."""
        measurement = read_event(event_dict)
        if measurement is None:
            return event_dict
        self.add(measurement)
        if self.drop:
            from structlog.exceptions import DropEvent  # structlog is calling: it is loaded

            raise DropEvent
        return event_dict

    def add(self, measurement: Measurement) -> None:
        """Reduce one measurement: a timer observed, a counter summed, a gauge's last value kept."""
        if measurement.kind == "timer":
            if measurement.cache == "hit" and measurement.value == 0.0 and self._hit(measurement):
                return
            self._observe(
                measurement.name,
                measurement.value,
                measurement.outcome,
                measurement.cache,
                measurement.error_type,
                measurement.labels,
            )
            return
        table = self._counters if measurement.kind == "counter" else self._gauges
        with self._lock:
            self._events += 1
            series = table.setdefault(measurement.name, {})
            labels = tuple((k, str(v)) for k, v in measurement.labels)
            if labels not in series and len(series) >= MAX_LABEL_SETS:
                labels = (("(other)", "(other)"),)
            if measurement.kind == "counter":
                series[labels] = series.get(labels, 0.0) + measurement.value
            else:
                series.pop(labels, None)  # most recent last: the freshest values survive a cap
                series[labels] = measurement.value

    def observe(
        self,
        name: str,
        duration_ms: float,
        *,
        outcome: str = "ok",
        cache: object = None,
    ) -> None:
        """Add one timed call directly, without the bus (``name`` with or without the prefix)."""
        self._observe(
            short_name(name),
            float(duration_ms),
            outcome if outcome in OUTCOMES else "error",
            cache if isinstance(cache, str) else None,
            None,
            (),
        )

    def _hit(self, measurement: Measurement) -> bool:
        """A cache hit (0 ms, ``ok``) of an operation seen before, counted in place: what
        ``_observe`` would do for it, without its calls. False: ``_observe`` must do it."""
        if measurement.outcome != "ok" or self.slow_ms <= 0.0:
            return False
        with self._lock:
            op = self._ops.get(measurement.name)
            buckets = op.by_outcome.get("ok") if op is not None else None
            if op is None or buckets is None:
                return False
            self._events += 1
            op.calls += 1
            op.hits += 1
            op.hist.zeros += 1
            if op.hist.min > 0.0:
                op.hist.min = 0.0
            buckets.counts[0] += 1  # 0 ms is in the first bucket; the total is unchanged
            return True

    def _observe(
        self,
        name: str,
        duration_ms: float,
        outcome: str,
        cache: str | None,
        error_type: str | None,
        labels: Iterable[tuple[str, Any]],
    ) -> None:
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
            buckets = op.by_outcome.get(outcome)
            if buckets is None:
                buckets = op.by_outcome[outcome] = _Buckets()
            buckets.add(duration_ms)
            if cache == "hit":
                op.hits += 1
            elif cache == "miss":
                op.misses += 1
            elif cache == "coalesced":
                op.coalesced += 1
            if self.slow_keep and duration_ms >= self.slow_ms:
                self._keep_slow(name, duration_ms, outcome, error_type, labels)

    def _keep_slow(
        self,
        name: str,
        duration_ms: float,
        outcome: str,
        error_type: str | None,
        labels: Iterable[tuple[str, Any]],
    ) -> None:
        if len(self._slow) >= self.slow_keep and duration_ms <= self._slow[0][0]:
            return
        record: dict[str, object] = {
            "operation": name,
            "duration_ms": round(duration_ms, 3),
            "outcome": outcome,
            "error_type": error_type,
        }
        record.update((k, _jsonable(v)) for k, v in labels if k not in record)
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
            self._counters.clear()
            self._gauges.clear()
            self._events = 0

    def export(self) -> Exported:
        """A consistent snapshot for exporters: histograms in ``DURATION_BUCKETS``, counters."""
        with self._lock:
            durations: dict[tuple[str, str], ExportedHistogram] = {}
            cache = {"hit": 0, "miss": 0, "coalesced": 0}
            for name, op in self._ops.items():
                for outcome, b in op.by_outcome.items():
                    durations[(name, outcome)] = ExportedHistogram(
                        tuple(itertools.accumulate(b.counts)), b.total_ms / 1000.0
                    )
                cache["hit"] += op.hits
                cache["miss"] += op.misses
                cache["coalesced"] += op.coalesced
            return Exported(
                durations=durations,
                cache=cache,
                counters={k: dict(v) for k, v in self._counters.items()},
                gauges={k: dict(v) for k, v in self._gauges.items()},
            )

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
                "reports": _reports(self._counters.get("reports", {})),
                "counters": {name: _flat(s) for name, s in sorted(self._counters.items())},
                "gauges": {name: _flat(s) for name, s in sorted(self._gauges.items())},
                "slow_ms": self.slow_ms,
                "slow": [dict(r) for _, _, r in sorted(self._slow, key=lambda i: (-i[0], i[1]))],
                "relative_error": round(RELATIVE_ERROR, 4),
            }

    def get_slow_operations(self, threshold_ms: float) -> list[dict[str, Any]]:
        """The operations with calls of ``threshold_ms`` or more, the most such calls first.

        Asked at query time, for any threshold: each operation's histogram
        counts its calls at or above it (within RELATIVE_ERROR), so no
        threshold has to be chosen before the calls are made. ``slow`` in
        ``summary()`` keeps the details of the slowest calls over ``slow_ms``.
        """
        with self._lock:
            slow = []
            for name, op in self._ops.items():
                calls = op.hist.at_least(threshold_ms)
                if calls:
                    slow.append(
                        {
                            "operation": name,
                            "slow_calls": calls,
                            "calls": op.calls,
                            "share": round(calls / op.calls, 4),
                            "p95_ms": round(op.hist.quantile(0.95, op.calls), 3),
                            "max_ms": round(op.hist.max, 3),
                        }
                    )
        return sorted(slow, key=lambda s: (-s["slow_calls"], -s["max_ms"], s["operation"]))

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
        reports = summary["reports"]
        if reports["total"]:
            rc = reports["report_cache"]
            text += (
                f"\nreports: {reports['total']} ({reports['ok']} ok, {reports['failed']} failed); "
                f"report cache: {rc['hit']} hits, {rc['coalesced']} coalesced, "
                f"{rc['miss']} computed"
            )
        if summary["slow"]:
            text += f"\nslowest operations (>= {self.slow_ms:g} ms):\n" + render_table(
                ["operation", "ms", "outcome"],
                [[r["operation"], r["duration_ms"], r["outcome"]] for r in summary["slow"]],
                align="lrl",
            )
        return text
