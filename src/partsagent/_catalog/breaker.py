"""A circuit breaker so a dead catalog fails fast instead of holding every report.

It judges the catalog by the share of failures among its last calls, not by a
run of failures in a row: a noisy catalog that fails a third of its requests
at random has runs of five failures now and then, and is still worth asking
(four attempts get through 99% of the time); a dead one fails every call.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .._exceptions import CircuitOpen  # re-exported: its home was here
from .._metrics import gauge
from .._metrics.log import get_logger

__all__ = ["BreakerSnapshot", "BreakerState", "CircuitBreaker", "CircuitOpen"]

_log = get_logger()

BreakerState = Literal["closed", "open", "half_open"]

DEFAULT_WINDOW = 20

#: The breaker's state as the ``breaker.state`` gauge: the higher, the worse.
STATE_VALUES: dict[BreakerState, int] = {"closed": 0, "half_open": 1, "open": 2}
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    state: BreakerState
    consecutive_failures: int
    opened: int
    rejected: int
    failures_in_window: int = 0
    calls_in_window: int = 0


class CircuitBreaker:
    """Opens when most recent calls failed: at least ``failure_threshold`` of the last
    ``window`` calls, and at least ``failure_ratio`` of them.

    * ``failure_threshold=10``: failures needed before it can open; a catalog that
      fails every call opens it after this many.
    * ``failure_ratio=0.8``: the share of the window's calls that must have failed.
    * ``window=None``: calls remembered, ``max(20, failure_threshold)`` by default.
    * ``reset_timeout=5.0``: seconds it stays open. Then one probe is let through
      (half-open): its success closes the breaker and clears the window, its
      failure opens it again.

    Only transient failures count (5xx, timeouts, resets, bodies cut short); a 404
    or a malformed document is a success: the catalog answered. State changes are
    logged (``partsagent.breaker.opened`` / ``closed``).
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 10,
        failure_ratio: float = 0.8,
        window: int | None = None,
        reset_timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        size = window if window is not None else max(DEFAULT_WINDOW, failure_threshold)
        if failure_threshold < 1 or reset_timeout <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_timeout > 0")
        if not 0.0 < failure_ratio <= 1.0:
            raise ValueError("failure_ratio must be in (0, 1]")
        if size < failure_threshold:
            raise ValueError("window must hold at least failure_threshold calls")
        self.failure_threshold = failure_threshold
        self.failure_ratio = failure_ratio
        self.window = size
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._outcomes: deque[bool] = deque(maxlen=size)  # True: a failure
        self._failures = 0  # in the window
        self._consecutive = 0
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
        raise CircuitOpen(
            path, f"{self._failures} of the last {len(self._outcomes)} requests failed"
        )

    def _remember(self, failed: bool) -> None:
        if len(self._outcomes) == self._outcomes.maxlen and self._outcomes[0]:
            self._failures -= 1
        self._outcomes.append(failed)
        self._failures += failed
        self._consecutive = self._consecutive + 1 if failed else 0

    def record_success(self) -> None:
        if self._opened_at is not None:
            _log.info("partsagent.breaker.closed")
            self._publish("closed")
            self._outcomes.clear()
            self._failures = 0
        self._remember(False)
        self._opened_at = None
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self._remember(True)
        tripped = self._failures >= self.failure_threshold and (
            self._failures >= self.failure_ratio * len(self._outcomes)
        )
        if self._probe_in_flight or (self._opened_at is None and tripped):
            self._opened_at = self._clock()
            self._opened += 1
            _log.warning(
                "partsagent.breaker.opened",
                consecutive_failures=self._consecutive,
                failures=self._failures,
                calls=len(self._outcomes),
            )
            self._publish("open")
        self._probe_in_flight = False

    def record_abandoned(self) -> None:
        """A probe was cancelled before it could tell; let the next call probe."""
        self._probe_in_flight = False

    def _publish(self, state: BreakerState) -> None:
        # The id tells this process's breakers apart; exporters show the worst one.
        gauge("breaker.state", STATE_VALUES[state], breaker=self._id)

    def snapshot(self) -> BreakerSnapshot:
        return BreakerSnapshot(
            self.state,
            self._consecutive,
            self._opened,
            self._rejected,
            self._failures,
            len(self._outcomes),
        )
