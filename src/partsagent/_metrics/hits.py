"""Cache hits: the hottest path of the library, measured without a new object per hit.

A hit returns in microseconds. It goes to the current ``collect_performance()``
and, while anything subscribes, to the bus as the one shared Measurement of a
hit of that operation (a 0 ms timer with ``cache="hit"``): every subscriber
counts it, like a miss, and nothing is built for it.
"""

from __future__ import annotations

from . import bus
from .collector import current_collector
from .measurement import cache_hit

__all__ = ["record_hit"]


def record_hit(name: str) -> None:
    """One cache hit of operation ``name`` (short name) and of the counter ``cache.hits``."""
    collector = current_collector()
    if collector is not None:
        collector.hit(name)
    if bus.active():
        bus.publish(cache_hit(name))
