"""Cache hits: counted in process, never one structlog event each.

A hit returns in microseconds; an event for it (a dict, a logger call, the
processors) cost several times the hit itself. Hits go to the current
``collect_performance()`` and to every live ``SummaryAggregator`` instead;
misses, requests and errors stay events (``timer``).
"""

from __future__ import annotations

from .aggregator import add_hit
from .collector import current_collector
from .emit import metrics_enabled

__all__ = ["record_hit"]


def record_hit(name: str) -> None:
    """One cache hit of operation ``name`` (short name) and of the counter ``cache.hits``."""
    collector = current_collector()
    if collector is not None:
        collector.record(name, 0.0)
        collector.count("cache.hits")
    if metrics_enabled():
        add_hit(name)
