"""SyncPartsAgent: PartsAgent for code that is not async (Flask, Django, Celery, scripts).

One event loop runs in a background thread (anyio's blocking portal) for the
life of the object and owns one PartsAgent, so its caches, its in-flight
look-ups and its connections live across calls; an ``asyncio.run`` per call
would lose them all. Every method hands its call to that loop and blocks the
calling thread until the answer is there, so any number of threads may call at
once: their reports run concurrently in the one loop and share its caches.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from anyio.from_thread import BlockingPortal, start_blocking_portal

from ._agent import PartsAgent
from ._batch import BatchItem, BatchResult
from ._catalog.manager import BucketManager
from ._catalog.source import CatalogSource
from ._exceptions import UsageError
from ._models import DamagedPart, Vehicle
from ._planning.base import Planner
from ._pricing.estimate import RatesLike
from ._pricing.report import PartsReport

__all__ = ["SyncPartsAgent"]


class SyncPartsAgent:
    """The same arguments and methods as PartsAgent, without ``await``; share one per process.

    Use it as a context manager, or call ``close()``: closing closes the agent
    (its catalog sessions, its background work) and stops the loop's thread.
    The async agent is ``agent``, e.g. for ``agent.catalog.get_cache_stats()``.
    """

    def __init__(
        self,
        catalog: str | Path | CatalogSource | BucketManager | None = None,
        *,
        planner: Literal["rules", "llm"] | Planner = "rules",
        market: str = "GB",
        **options: Any,
    ) -> None:
        self._lock = threading.Lock()
        self._stack = ExitStack()
        portal_cm: AbstractContextManager[BlockingPortal] = start_blocking_portal()
        self._portal = self._stack.enter_context(portal_cm)
        try:
            # Built in the loop's thread: the agent's locks and sessions belong to that loop.
            self.agent: PartsAgent = self._portal.call(
                self._open, catalog, planner, market, options
            )
        except BaseException:
            self._stack.close()
            raise
        self._closed = False

    @staticmethod
    async def _open(
        catalog: str | Path | CatalogSource | BucketManager | None,
        planner: Literal["rules", "llm"] | Planner,
        market: str,
        options: dict[str, Any],
    ) -> PartsAgent:
        agent = PartsAgent(catalog, planner=planner, market=market, **options)
        return await agent.__aenter__()

    def __repr__(self) -> str:
        return f"SyncPartsAgent({self.agent!r})"

    def _live(self) -> BlockingPortal:
        if self._closed:
            raise UsageError("this SyncPartsAgent is closed; create a new one")
        return self._portal

    def process_damage_report(
        self,
        vehicle: Vehicle | Mapping[str, Any],
        damaged_parts: Sequence[DamagedPart | Mapping[str, Any]] | str,
        *,
        planner: str | None = None,
        market: str | None = None,
        rates: RatesLike | None = None,
    ) -> PartsReport:
        """PartsAgent.process_damage_report, blocking this thread until the report is there."""

        async def call() -> PartsReport:
            return await self.agent.process_damage_report(
                vehicle, damaged_parts, planner=planner, market=market, rates=rates
            )

        return self._live().call(call)

    def process_batch(
        self, reports: Iterable[BatchItem], *, concurrency: int = 16
    ) -> Iterator[BatchResult]:
        """PartsAgent.process_batch as a plain iterator: results in input order, as they are ready.

        ``reports`` is read in the agent's thread. Leaving the loop early
        cancels the reports still in flight.
        """
        portal = self._live()
        results = portal.call(lambda: self.agent.process_batch(reports, concurrency=concurrency))
        return self._iterate(portal, results)

    def _iterate(self, portal: BlockingPortal, results: Any) -> Iterator[BatchResult]:
        try:
            while True:
                try:
                    result: BatchResult = portal.call(results.__anext__)
                except StopAsyncIteration:
                    return
                yield result
        finally:
            if not self._closed:  # closing the agent already stopped the loop and its tasks
                portal.call(results.aclose)

    def close(self) -> None:
        """Close the agent, then stop the loop's thread; a second call does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._portal.call(self.agent.aclose)
        finally:
            self._stack.close()

    def __enter__(self) -> Self:
        self._live()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
