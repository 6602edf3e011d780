"""A shared cache that failed or stalled is left alone for a while: misses cost nothing.

The catalog's breaker (``breaker``) judges a catalog that must be asked; a
shared cache need not be: every answer it gives can also come from the
catalog. So one error (refused, reset) suspends it at once for ``COOL_DOWN``
seconds, during which every read is a miss and every write is dropped without
a round trip; ``SLOW_CALLS`` timed-out calls in a row do the same. One slow
call is only a miss: a process on a busy host sees an answer late now and
then, and suspending on it cost the workers of a host their sharing (each
suspension a second of misses and dropped writes, which the other processes
then miss too). Then one call probes it; each failed probe doubles the
pause, up to ``MAX_COOL_DOWN``; any call that succeeds ends the pause. A
Redis that stalls thus costs a few timed-out calls, not every report its
timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .._metrics.log import get_logger

__all__ = ["COOL_DOWN", "MAX_COOL_DOWN", "SLOW_CALLS", "Suspension"]

_log = get_logger()

COOL_DOWN = 1.0
"""Seconds a shared cache is left alone after its first failure."""
MAX_COOL_DOWN = 30.0
"""The longest pause, after probes that failed again."""
SLOW_CALLS = 3
"""Timed-out calls in a row (no success between) that suspend the cache."""


class Suspension:
    """Whether a shared cache may be called now (``begin``); each call reports how it went."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until: float | None = None
        self._pause = COOL_DOWN
        self._probe = False
        self._slow = 0
        self.suspended = 0
        """How often the cache was suspended."""
        self.skipped = 0
        """Calls not made because the cache was suspended."""

    def begin(self) -> bool | None:
        """None when the call must not go out; else whether it is the probe of a pause."""
        if self._until is None:
            return False
        if not self._probe and self._clock() >= self._until:
            self._probe = True
            return True
        self.skipped += 1
        return None

    def succeeded(self, probe: bool) -> None:
        """A call went out and was answered (``probe``: as the probe, or despite a pause)."""
        self._slow = 0
        if probe or self._until is None:
            if self._until is not None:
                _log.info("partsagent.cache.resumed")
            self._until = None
            self._probe = False
            self._pause = COOL_DOWN

    def failed(self, probe: bool, error_type: str, *, slow: bool = False) -> None:
        """A call failed (``slow``: timed out); a probe's failure doubles the pause."""
        if probe:
            self._pause = min(self._pause * 2, MAX_COOL_DOWN)
            self._probe = False
        elif self._until is not None:
            return  # a call that was out before the suspension: nothing new
        elif slow:
            self._slow += 1
            if self._slow < SLOW_CALLS:
                return  # a miss; the next call may well be answered
        self._slow = 0
        self._until = self._clock() + self._pause
        self.suspended += 1
        _log.warning("partsagent.cache.suspended", seconds=self._pause, error_type=error_type)

    def abandoned(self, probe: bool) -> None:
        """A call was cancelled before it could tell; the next call may probe."""
        if probe:
            self._probe = False
