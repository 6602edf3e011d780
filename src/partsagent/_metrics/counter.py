"""Counter and gauge events: process-wide figures that are not durations.

``count()`` (collector.py) adds to the current report's performance block only,
and costs nothing else; ``counter()`` does that too and also emits one metric
event, for the few figures an operator graphs (catalog requests and retries,
reports by outcome). ``gauge()`` emits a new value (the breaker's state).
Label values must come from a small fixed set, never from user text.
"""

from __future__ import annotations

from .collector import current_collector
from .emit import metrics_enabled
from .log import get_logger
from .names import PREFIX

__all__ = ["counter", "gauge"]

_log = get_logger()


def counter(name: str, n: int = 1, **labels: str | None) -> None:
    """Add ``n`` to counter ``name``: in the current collector, and as a metric event."""
    collector = current_collector()
    if collector is not None:
        collector.count(name, n)
    if metrics_enabled():
        _log.info(PREFIX + name, metric=True, increment=n, **labels)


def gauge(name: str, value: float, **labels: str | None) -> None:
    """Emit the new value of gauge ``name`` as a metric event."""
    if metrics_enabled():
        _log.info(PREFIX + name, metric=True, gauge=value, **labels)
