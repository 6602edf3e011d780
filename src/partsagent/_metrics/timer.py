"""timer: time an ``async with`` block, a ``with`` block or a coroutine function.

A timer publishes ONE Measurement per timed block to the metrics bus (its
duration, ``outcome``: ``ok`` | ``error`` | ``cancelled``, ``error_type`` and
the labels) while anything subscribes; its timing always reaches an active
``collect_performance()``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from .._exceptions import UsageError
from . import bus
from .collector import PerformanceCollector, current_collector
from .measurement import Measurement
from .names import PREFIX, short_name

__all__ = ["Timer", "timer"]

P = ParamSpec("P")
R = TypeVar("R")


class Timer:
    """One timed operation; create it with ``timer()``.

    ``labels`` may be changed inside the block (``t.labels["cache"] = "hit"``);
    ``duration_ms`` holds the result after exit. Exceptions propagate unchanged.
    """

    __slots__ = ("_collector", "_emit", "_start", "duration_ms", "event", "labels", "name")

    def __init__(self, name: str, labels: dict[str, object]) -> None:
        self.event = name if name.startswith(PREFIX) else PREFIX + name
        self.name = short_name(self.event)
        self.labels = labels
        self.duration_ms: float | None = None
        self._start: float | None = None
        self._emit = False
        self._collector: PerformanceCollector | None = None

    def __repr__(self) -> str:
        return f"Timer({self.event!r}, labels={self.labels!r})"

    def _begin(self) -> None:
        self._emit = bus.active()
        self._collector = current_collector()
        # Metrics off and nobody collecting: do not even read the clock.
        self._start = time.perf_counter() if self._emit or self._collector is not None else None

    def _end(self, exc_type: type[BaseException] | None) -> None:
        if self._start is None:
            return
        duration = (time.perf_counter() - self._start) * 1000.0
        self.duration_ms = duration
        if exc_type is None:
            outcome = "ok"
        elif issubclass(exc_type, asyncio.CancelledError):
            outcome = "cancelled"
        else:
            outcome = "error"
        if self._collector is not None:
            self._collector.record(self.name, duration, outcome)
        if self._emit:
            cache = self.labels.get("cache")
            bus.publish(
                Measurement(
                    "timer",
                    self.name,
                    duration,
                    outcome,
                    cache if isinstance(cache, str) else None,
                    tuple(self.labels.items()),
                    exc_type.__name__ if exc_type is not None else None,
                )
            )

    def __enter__(self) -> Timer:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end(exc_type)

    async def __aenter__(self) -> Timer:
        self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end(exc_type)

    def __call__(self, fn: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        """Decorate a coroutine function: each call is timed by a fresh timer."""
        if not inspect.iscoroutinefunction(fn):
            raise UsageError(f"timer() decorates coroutine functions only, not {fn!r}")
        name, labels = self.event, self.labels

        @functools.wraps(fn)
        async def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            async with Timer(name, dict(labels)):
                return await fn(*args, **kwargs)

        return timed


def timer(name: str, **labels: object) -> Timer:
    """Time a block (``async with`` / ``with``) or decorate a coroutine function.

    Measured as ``partsagent.<name>`` (the prefix is added unless present).
    """
    return Timer(name, labels)
