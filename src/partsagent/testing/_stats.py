"""ServerStats: what the catalog server was asked, for tests and benchmarks to assert on."""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = ["ServerStats"]


class ServerStats:
    """What the server was asked; a batch request counts once."""

    __slots__ = ("faults", "in_flight", "max_in_flight", "paths", "statuses", "total")

    def __init__(self) -> None:
        self.total = 0
        self.paths: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0

    def reset(self) -> None:
        """Start counting afresh; requests still running stay in flight."""
        self.total = 0
        self.paths.clear()
        self.statuses.clear()
        self.faults.clear()
        self.max_in_flight = self.in_flight

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy: later requests do not change it."""
        return {
            "total": self.total,
            "paths": dict(self.paths),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "faults": dict(self.faults),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
        }

    def enter(self, path: str) -> None:
        self.total += 1
        # Hostile paths can be kilobytes long; the counter keeps a bounded key.
        self.paths[path[:200]] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
