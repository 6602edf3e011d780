"""A circuit breaker so a dead catalog fails fast instead of holding every report."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import structlog

from .._exceptions import CatalogUnavailable
from .._metrics import gauge

__all__ = ["BreakerState", "CircuitBreaker", "CircuitOpen"]

_log = structlog.get_logger("partsagent")

BreakerState = Literal["closed", "open", "half_open"]

#: The breaker's state as the ``breaker.state`` gauge: the higher, the worse.
STATE_VALUES: dict[BreakerState, int] = {"closed": 0, "half_open": 1, "open": 2}
_ids = itertools.count(1)


class CircuitOpen(CatalogUnavailable):
    """The catalog failed repeatedly; calls fail fast until the breaker's cool-down ends."""

    def _message(self) -> str:
        return (
            f"catalog circuit open while reading {self.path}: {self.detail}; "
            "the catalog failed repeatedly, it is retried automatically after the cool-down"
        )


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    state: BreakerState
    consecutive_failures: int
    opened: int
    rejected: int


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive retryable failures.

    While open, every call is refused at once with CircuitOpen; after
    ``reset_timeout`` seconds one probe is let through (half-open), and its
    success closes the breaker again. State changes are logged.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_timeout <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_timeout > 0")
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False
        self._opened = 0
        self._rejected = 0
        self._id = str(next(_ids))

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_timeout:
            return "half_open"
        return "open"

    def before_call(self, path: str) -> None:
        """Raise CircuitOpen unless a request may go out now."""
        state = self.state
        if state == "closed":
            return
        if state == "half_open" and not self._probe_in_flight:
            self._probe_in_flight = True
            self._publish("half_open")
            return
        self._rejected += 1
        raise CircuitOpen(path, f"{self._failures} consecutive failures")

    def record_success(self) -> None:
        if self._opened_at is not None:
            _log.info("partsagent.breaker.closed")
            self._publish("closed")
        self._failures = 0
        self._opened_at = None
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._probe_in_flight or (
            self._opened_at is None and self._failures >= self.failure_threshold
        ):
            self._opened_at = self._clock()
            self._opened += 1
            _log.warning("partsagent.breaker.opened", consecutive_failures=self._failures)
            self._publish("open")
        self._probe_in_flight = False

    def record_abandoned(self) -> None:
        """A probe was cancelled before it could tell; let the next call probe."""
        self._probe_in_flight = False

    def _publish(self, state: BreakerState) -> None:
        # The id tells this process's breakers apart; exporters show the worst one.
        gauge("breaker.state", STATE_VALUES[state], breaker=self._id)

    def snapshot(self) -> BreakerSnapshot:
        return BreakerSnapshot(self.state, self._failures, self._opened, self._rejected)
