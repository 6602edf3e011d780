"""Prometheus metrics for partsagent (the ``prometheus`` extra: prometheus-client).

``PartsAgentCollector(aggregator)`` publishes what a ``SummaryAggregator``
installed on the metrics bus reduced::

    partsagent_operation_duration_seconds{operation, outcome}   histogram, 1 ms to 30 s
    partsagent_cache_lookups_total{result}                     hit, miss, coalesced
    partsagent_catalog_requests_total{kind}                    manufacturers, models, ...
    partsagent_catalog_retries_total
    partsagent_reports_total{outcome}                          ok, input_error, ...
    partsagent_report_cache_lookups_total{result}              hit, miss, coalesced
    partsagent_circuit_breaker_state                           0 closed, 1 half-open, 2 open

In one process it is a custom collector: register it and each scrape reads the
aggregator. prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``
set before the workers start) ignores custom collectors, so there it subscribes
to the bus itself and records every measurement, cache hits included, into
prometheus-client's own metrics, which write the shared files that
``MultiProcessCollector`` merges at scrape time; its ``collect()`` then yields
nothing, so nothing is counted twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from ._exceptions import missing_extra

try:
    from prometheus_client import Counter, Gauge, Histogram
    from prometheus_client.metrics_core import (
        CounterMetricFamily,
        GaugeMetricFamily,
        HistogramMetricFamily,
        Metric,
    )
    from prometheus_client.registry import Collector
except ImportError as exc:
    missing_extra(
        exc, extra="prometheus", modules=("prometheus_client",), feature="partsagent.prometheus"
    )

from ._metrics import bus
from ._metrics.aggregator import SummaryAggregator
from ._metrics.measurement import DURATION_BUCKETS, Measurement
from ._metrics.series import (
    BREAKER,
    BREAKER_MEASUREMENT,
    CACHE_LOOKUPS,
    COUNTERS,
    DURATION,
    CounterSeries,
)

__all__ = ["PartsAgentCollector"]

# Bucket bounds as prometheus-client's own Histogram writes them ("0.001", "1.0", "+Inf").
_LE = (*(repr(float(b)) for b in DURATION_BUCKETS), "+Inf")
_CACHE_RESULTS = ("hit", "miss", "coalesced")
_KEY = "partsagent.prometheus"

Labels = tuple[tuple[str, str], ...]


def _label(labels: Iterable[tuple[str, object]], key: str) -> str | None:
    for k, v in labels:
        if k == key:
            return str(v)
    return None


def _counter_values(
    series: CounterSeries, counters: Mapping[str, Mapping[Labels, float]]
) -> dict[tuple[str, ...], float]:
    """Counter events of ``series.measurement`` summed by the one label the series keeps."""
    values: dict[tuple[str, ...], float] = {}
    for labels, n in counters.get(series.measurement, {}).items():
        if series.label is None:
            key: tuple[str, ...] = ()
        else:
            value = _label(labels, series.label)
            if value is None:
                continue
            key = (value,)
        values[key] = values.get(key, 0.0) + n
    return values


def _label_names(series: CounterSeries) -> list[str]:
    return [series.exported_label] if series.exported_label else []


def _worst(states: Mapping[Labels, float]) -> float:
    return max(states.values(), default=0.0)


class PartsAgentCollector(Collector):
    """partsagent's metrics from ``aggregator``; register it with ``registry.register(...)``.

    ``multiprocess``: None detects prometheus-client's multiprocess mode from
    ``PROMETHEUS_MULTIPROC_DIR``; then it records from the bus itself and the
    aggregator is not read. Create one collector per process, at start-up;
    ``close()`` stops a multiprocess collector from recording.
    """

    def __init__(self, aggregator: SummaryAggregator, *, multiprocess: bool | None = None) -> None:
        self.aggregator = aggregator
        if multiprocess is None:
            multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.multiprocess = multiprocess
        self._breakers: dict[Labels, float] = {}
        if multiprocess:
            # registry=None: the shared files are the registry; MultiProcessCollector reads them.
            self._duration = Histogram(
                DURATION.prometheus,
                DURATION.help,
                ["operation", "outcome"],
                buckets=DURATION_BUCKETS,
                registry=None,
            )
            self._cache = Counter(
                CACHE_LOOKUPS.prometheus, CACHE_LOOKUPS.help, ["result"], registry=None
            )
            self._counters = [
                (s, Counter(s.prometheus, s.help, _label_names(s), registry=None)) for s in COUNTERS
            ]
            self._breaker = Gauge(
                BREAKER.prometheus, BREAKER.help, registry=None, multiprocess_mode="livemax"
            )
            for series, metric in self._counters:
                for value in series.known:
                    metric.labels(value)  # exported at 0 from the start
            for result in _CACHE_RESULTS:
                self._cache.labels(result)
            bus.subscribe((_KEY, id(self)), self._record)

    def __repr__(self) -> str:
        return f"PartsAgentCollector({self.aggregator!r}, multiprocess={self.multiprocess})"

    def close(self) -> None:
        """Stop recording (multiprocess mode); a single-process collector needs no closing."""
        bus.unsubscribe((_KEY, id(self)))

    def describe(self) -> Iterable[Metric]:
        """The families without samples, so a registry can check names without a scrape."""
        return [] if self.multiprocess else self._families(empty=True)

    def collect(self) -> Iterable[Metric]:
        """One scrape: read the aggregator (nothing in multiprocess mode, the files hold it)."""
        return [] if self.multiprocess else self._families(empty=False)

    def _families(self, *, empty: bool) -> list[Metric]:
        duration = HistogramMetricFamily(
            DURATION.prometheus, DURATION.help, labels=["operation", "outcome"], unit="seconds"
        )
        cache = CounterMetricFamily(CACHE_LOOKUPS.prometheus, CACHE_LOOKUPS.help, labels=["result"])
        counters = [
            (s, CounterMetricFamily(s.prometheus, s.help, labels=_label_names(s))) for s in COUNTERS
        ]
        breaker = GaugeMetricFamily(BREAKER.prometheus, BREAKER.help)
        families: list[Metric] = [duration, cache, *(family for _, family in counters), breaker]
        if empty:
            return families
        exported = self.aggregator.export()
        for (operation, outcome), h in sorted(exported.durations.items()):
            duration.add_metric(
                [operation, outcome], list(zip(_LE, h.cumulative, strict=True)), h.sum_seconds
            )
        for result in _CACHE_RESULTS:
            cache.add_metric([result], exported.cache.get(result, 0))
        for series, family in counters:
            values = {(k,): 0.0 for k in series.known} | _counter_values(series, exported.counters)
            if series.label is None:
                family.add_metric([], values.get((), 0.0))
            for key, value in sorted(values.items()):
                if key:
                    family.add_metric(list(key), value)
        breaker.add_metric([], _worst(exported.gauges.get(BREAKER_MEASUREMENT, {})))
        return families

    def _record(self, m: Measurement) -> None:
        """Multiprocess mode: one observation into prometheus-client's file-backed metrics."""
        if m.kind == "timer":
            self._duration.labels(m.name, m.outcome).observe(m.value / 1000.0)
            if m.cache in _CACHE_RESULTS:
                self._cache.labels(m.cache).inc()
        elif m.kind == "counter":
            for series, metric in self._counters:
                if series.measurement != m.name:
                    continue
                if series.label is None:
                    metric.inc(m.value)
                else:
                    value = _label(m.labels, series.label)
                    if value is not None:
                        metric.labels(value).inc(m.value)
        elif m.name == BREAKER_MEASUREMENT:
            self._breakers[m.labels] = m.value
            self._breaker.set(_worst(self._breakers))
