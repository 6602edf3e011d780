"""The manager's statistics: counters per document kind, and the snapshot users read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .breaker import CircuitBreaker
from .cache import BoundedStore

__all__ = ["KINDS", "Counters", "KindStats", "cache_stats"]

KINDS = ("manufacturers", "models", "categories", "articles")


@dataclass(slots=True)
class KindStats:
    hits: int = 0
    misses: int = 0
    coalesced: int = 0
    requests: int = 0
    errors: int = 0
    negative_hits: int = 0
    shared_hits: int = 0
    """Documents a shared cache (Redis) gave instead of the catalog; each also a miss."""


@dataclass(slots=True)
class Counters:
    in_flight: int = 0
    max_in_flight: int = 0
    requests: int = 0
    retries: int = 0
    by_kind: dict[str, KindStats] = field(
        default_factory=lambda: {kind: KindStats() for kind in KINDS}
    )


def _rate(served: int, lookups: int) -> float:
    return round(100.0 * served / lookups, 2) if lookups else 0.0


def cache_stats(
    c: Counters, memory: BoundedStore | None, breaker: CircuitBreaker
) -> dict[str, Any]:
    """Hits, misses, evictions, sizes and request counts, overall and per document kind."""
    backend = memory.stats_by_kind() if memory is not None else {}
    by_kind: dict[str, dict[str, Any]] = {}
    for kind, s in c.by_kind.items():
        b = backend.get(kind)
        by_kind[kind] = {
            "hits": s.hits,
            "misses": s.misses,
            "coalesced": s.coalesced,
            "negative_hits": s.negative_hits,
            "shared_hits": s.shared_hits,
            "requests": s.requests,
            "errors": s.errors,
            "evictions": b.evictions if b else 0,
            "expirations": b.expirations if b else 0,
            "size": b.size if b else 0,
            "hit_rate_percent": _rate(s.hits + s.coalesced, s.hits + s.misses + s.coalesced),
        }
    hits = sum(k["hits"] for k in by_kind.values())
    coalesced = sum(k["coalesced"] for k in by_kind.values())
    misses = sum(k["misses"] for k in by_kind.values())
    shared_hits = sum(k["shared_hits"] for k in by_kind.values())
    return {
        "hits": hits,
        "misses": misses,
        "coalesced": coalesced,
        "shared_hits": shared_hits,
        "evictions": sum(b.evictions for b in backend.values()),
        "expirations": sum(b.expirations for b in backend.values()),
        "hit_rate_percent": _rate(hits + coalesced, hits + misses + coalesced),
        "cache_size": len(memory) if memory is not None else None,
        "max_cache_size": memory.max_entries if memory is not None else None,
        "requests": c.requests,
        "retries": c.retries,
        "in_flight": c.in_flight,
        "max_in_flight": c.max_in_flight,
        "breaker": breaker.snapshot().state,
        "by_kind": by_kind,
    }
