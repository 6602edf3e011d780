"""OpenTelemetry metrics for partsagent (the ``otel`` extra: opentelemetry-api).

``instrument(meter_provider=None)`` records every measurement of the metrics
bus through the given MeterProvider, or the global one::

    partsagent.operation.duration      histogram, unit s, attributes operation, outcome
    partsagent.cache.lookups           observable counter, attribute result (hit, miss, coalesced)
    partsagent.catalog.requests        counter, attribute kind
    partsagent.catalog.retries         counter
    partsagent.reports                 counter, attribute outcome
    partsagent.report_cache.lookups    counter, attribute result
    partsagent.circuit_breaker.state   observable gauge: 0 closed, 1 half-open, 2 open

It subscribes to the same bus as the ``SummaryAggregator`` (cache hits
included), so both count the same look-ups and durations; ``uninstrument()``
stops it. Attribute values come from fixed sets in the library's code, never
from user text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from ._exceptions import missing_extra

try:
    from opentelemetry.metrics import (
        CallbackOptions,
        MeterProvider,
        Observation,
        get_meter_provider,
    )
except ImportError as exc:
    missing_extra(exc, extra="otel", modules=("opentelemetry",), feature="partsagent.otel")

from ._metrics import bus
from ._metrics.measurement import DURATION_BUCKETS, Measurement
from ._metrics.series import BREAKER, BREAKER_MEASUREMENT, CACHE_LOOKUPS, COUNTERS, DURATION

__all__ = ["instrument", "uninstrument"]

_KEY = "partsagent.otel"
_CACHE_RESULTS = ("hit", "miss", "coalesced")
_lock = threading.Lock()


class _Recorder:
    """A subscriber of the bus that records measurements on OpenTelemetry instruments."""

    def __init__(self, provider: MeterProvider) -> None:
        meter = provider.get_meter("partsagent")
        self.duration = meter.create_histogram(
            DURATION.otel,
            unit=DURATION.unit,
            description=DURATION.help,
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        # Look-ups, hits above all, are the hot path: tallied here, read at collection,
        # instead of a synchronous counter's add (~6 us in the SDK) per look-up.
        self.lookups = dict.fromkeys(_CACHE_RESULTS, 0)
        self.lookups_lock = threading.Lock()
        meter.create_observable_counter(
            CACHE_LOOKUPS.otel,
            callbacks=[self._lookups],
            unit=CACHE_LOOKUPS.unit,
            description=CACHE_LOOKUPS.help,
        )
        self.counters = [
            (s, meter.create_counter(s.otel, unit=s.unit, description=s.help)) for s in COUNTERS
        ]
        self.breakers: dict[tuple[tuple[str, str], ...], float] = {}
        self.active = True
        meter.create_observable_gauge(
            BREAKER.otel, callbacks=[self._breaker], unit=BREAKER.unit, description=BREAKER.help
        )

    def _lookups(self, options: CallbackOptions) -> Iterable[Observation]:
        if not self.active:
            return []
        with self.lookups_lock:
            return [Observation(n, {"result": r}) for r, n in self.lookups.items()]

    def _breaker(self, options: CallbackOptions) -> Iterable[Observation]:
        if not self.active:
            return []
        return [Observation(max(self.breakers.values(), default=0.0))]

    def __call__(self, m: Measurement) -> None:
        if m.kind == "timer":
            self.duration.record(
                m.value / 1000.0, attributes={"operation": m.name, "outcome": m.outcome}
            )
            if m.cache is not None and m.cache in self.lookups:
                with self.lookups_lock:
                    self.lookups[m.cache] += 1
        elif m.kind == "counter":
            labels = dict(m.labels)
            for series, instrument in self.counters:
                if series.measurement != m.name:
                    continue
                if series.label is None or series.exported_label is None:
                    instrument.add(m.value)
                elif series.label in labels:
                    attributes = {series.exported_label: labels[series.label]}
                    instrument.add(m.value, attributes=attributes)
        elif m.name == BREAKER_MEASUREMENT:
            self.breakers[m.labels] = m.value


_recorder: _Recorder | None = None


def instrument(meter_provider: MeterProvider | None = None) -> None:
    """Record partsagent's metrics through ``meter_provider`` (default: the global one).

    Calling it again replaces the previous provider. Measurements are made from
    now (see docs/instrumentation.md); they stay out of your log output.
    """
    global _recorder
    with _lock:
        if _recorder is not None:
            _recorder.active = False
        _recorder = _Recorder(meter_provider or get_meter_provider())
        bus.subscribe(_KEY, _recorder)


def uninstrument() -> None:
    """Stop recording; the instruments created report nothing new (no-op if not instrumented)."""
    global _recorder
    with _lock:
        if _recorder is not None:
            _recorder.active = False
            _recorder = None
        bus.unsubscribe(_KEY)
