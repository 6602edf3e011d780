"""The metrics bus: every measurement of the library, handed to every subscriber, in process.

``timer``, ``counter``, ``gauge`` and ``record_hit`` publish a ``Measurement``
here and nowhere else; the summary aggregator, the Prometheus and
OpenTelemetry exporters, ``capture_metrics``, the structlog sink and an
application's own sinks subscribe. Every subscriber gets every measurement, in
the order published, so no two of them can disagree on a count.

Cheap when nobody listens: producers ask ``active()`` first and build nothing
when it is False. A subscriber that raises is reported once through the
library's logger and keeps its place; the measured code never sees the error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .log import get_logger
from .measurement import Measurement

__all__ = ["Subscriber", "active", "publish", "set_off", "subscribe", "unsubscribe"]

Subscriber = Callable[[Measurement], object]
"""Any callable taking a Measurement; what it returns is ignored."""

_log = get_logger()
_lock = threading.Lock()
_subscribers: dict[object, Subscriber] = {}
_active: tuple[Subscriber, ...] = ()  # copied once per change, read once per measurement
_off = False
_failed: set[int] = set()


def _refresh() -> None:
    global _active
    _active = () if _off else tuple(_subscribers.values())


def subscribe(key: object, subscriber: Subscriber) -> None:
    """Hand every measurement to ``subscriber`` from now on; one subscriber per ``key``."""
    with _lock:
        _subscribers[key] = subscriber
        _refresh()


def unsubscribe(key: object) -> None:
    """Stop the subscriber added under ``key`` (no-op if there is none)."""
    with _lock:
        subscriber = _subscribers.pop(key, None)
        if subscriber is not None:
            _failed.discard(id(subscriber))
        _refresh()


def set_off(off: bool) -> None:
    """Publish nothing at all, to any subscriber, while ``off`` (``set_metrics_enabled(False)``)."""
    global _off
    with _lock:
        _off = off
        _refresh()


def active() -> bool:
    """True if a measurement published now reaches a subscriber."""
    return bool(_active)


def publish(measurement: Measurement) -> None:
    """Hand ``measurement`` to every subscriber; one that raises is reported, never propagated."""
    for subscriber in _active:
        try:
            subscriber(measurement)
        except Exception as exc:  # a broken sink must not fail a report
            _report(subscriber, exc)


def _report(subscriber: Subscriber, exc: Exception) -> None:
    if id(subscriber) in _failed:
        return
    _failed.add(id(subscriber))
    _log.warning(
        "partsagent.metrics.subscriber_failed",
        subscriber=repr(subscriber),
        error_type=type(exc).__name__,
        error=str(exc),
    )
