"""Requests to the catalog: one shared limit, retries with backoff inside a deadline, the breaker.

The slot of the limit is held only while a request runs, never while backing
off, so nested fan-out cannot deadlock. The limit is this process's semaphore
and, given a Redis, a slot of the limit every process shares (``limits``),
then room in an optional rate cap (``rate``). Only transient errors are retried
(CatalogUnavailable, and a body that is not even JSON, which a connection cut
short produces), honouring Retry-After; they are the failures the circuit
breaker counts, so that a dead catalog fails fast.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import stamina

from .._exceptions import CatalogError, CatalogFormatError, CatalogUnavailable
from .._metrics import counter
from .._metrics.retries import library_retries, route_retry_events
from .breaker import CircuitBreaker, CircuitOpen
from .limits import RedisSlots
from .rate import RateCap
from .stats import Counters

__all__ = ["GATING_KINDS", "Requests", "transient"]

GATING_KINDS = frozenset({"manufacturers", "models"})
"""Documents every report of a make needs: their failure fails the reports, not a line.
They are small and few, so they get twice the attempts (``Requests.attempts_for``)."""

T = TypeVar("T")


def transient(exc: BaseException) -> bool:
    """True for a failure that asking again may cure; the breaker counts these."""
    if isinstance(exc, CircuitOpen):
        return False
    return isinstance(exc, CatalogUnavailable) or (
        isinstance(exc, CatalogFormatError) and exc.unparseable
    )


class Requests:
    """Runs catalog requests under the limit, with retries, a deadline and the breaker."""

    def __init__(
        self,
        counters: Counters,
        breaker: CircuitBreaker,
        *,
        max_concurrency: int,
        attempts: int,
        attempt_timeout: float,
        deadline: float,
        backoff_initial: float,
        backoff_max: float,
        shared_limit: RedisSlots | None = None,
        rate: RateCap | None = None,
    ) -> None:
        self._c = counters
        self.breaker = breaker
        self.attempts = attempts
        self.attempt_timeout = attempt_timeout
        self.deadline = deadline
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._limit = asyncio.Semaphore(max_concurrency)
        self.shared_limit = shared_limit
        self.rate = rate

    def _slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        """A slot of the limit every process shares, when there is one."""
        if self.shared_limit is None:
            return contextlib.nullcontext()
        return self.shared_limit.slot()

    def attempts_for(self, kind: str) -> int:
        """Attempts at a document of ``kind``: twice ``attempts`` for the gating kinds."""
        return self.attempts * 2 if kind in GATING_KINDS else self.attempts

    async def run(self, kind: str, path: str, fetch: Callable[[], Awaitable[T]]) -> T:
        """``fetch()`` with retries inside the deadline; TimeoutError becomes CatalogUnavailable."""
        try:
            return await self._attempts(kind, path, fetch)
        except TimeoutError:
            raise CatalogUnavailable(
                path, f"no answer within the {self.deadline:g}s deadline, retries included"
            ) from None

    def _backoff(self, deadline_at: float) -> Callable[[BaseException], bool | float]:
        """Stamina's hook for one lookup: retry transient errors, as Retry-After asks.

        A Retry-After is honoured in full (http caps it at 60 s), not cut to
        backoff_max; one that reaches past the lookup's deadline ends the lookup
        now, since waiting could only end in the deadline's error.
        """

        def hook(exc: BaseException) -> bool | float:
            if not transient(exc):
                return False
            route_retry_events()  # stamina logs this retry next: through the library's logger
            if isinstance(exc, CatalogUnavailable) and exc.retry_after is not None:
                if exc.retry_after >= deadline_at - anyio.current_time():
                    return False
                return exc.retry_after
            return True

        return hook

    async def _attempts(self, kind: str, path: str, fetch: Callable[[], Awaitable[T]]) -> T:
        """One request with retries; the slot is held only while the request runs."""
        stats = self._c.by_kind.get(kind)  # None for index.json, read once to name a cache
        with anyio.fail_after(self.deadline), library_retries():
            async for attempt in stamina.retry_context(
                on=self._backoff(anyio.current_time() + self.deadline),
                attempts=self.attempts_for(kind),
                timeout=None,
                wait_initial=self.backoff_initial,
                wait_max=self.backoff_max,
                wait_jitter=self.backoff_initial,
            ):
                with attempt:
                    if attempt.num > 1:
                        self._c.retries += 1
                        counter("catalog.retries", kind=kind)
                    self.breaker.before_call(path)
                    async with self._limit, self._slot():
                        if self.rate is not None:
                            await self.rate.wait()
                        self._c.in_flight += 1
                        self._c.max_in_flight = max(self._c.max_in_flight, self._c.in_flight)
                        self._c.requests += 1
                        if stats is not None:
                            stats.requests += 1
                        counter("catalog.requests", kind=kind)
                        try:
                            with anyio.fail_after(self.attempt_timeout):
                                value = await fetch()
                        except TimeoutError:
                            self.breaker.record_failure()
                            raise CatalogUnavailable(
                                path, f"attempt timed out after {self.attempt_timeout:g}s"
                            ) from None
                        except asyncio.CancelledError:
                            self.breaker.record_abandoned()
                            raise
                        except CatalogError as exc:
                            if transient(exc):
                                self.breaker.record_failure()
                            else:
                                self.breaker.record_success()  # the catalog answered
                            raise
                        finally:
                            self._c.in_flight -= 1
                    self.breaker.record_success()
                    return value
        raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover
