"""Reports over several processes: every core, each worker keeping one agent for the whole run.

A report costs milliseconds of CPU, and one process uses one core. Here a
pool of worker processes (``spawn``: no state inherited by accident) each
builds one agent when it starts and keeps it, so its caches serve every
report it is given; the work goes out in chunks of input items and comes
back in input order. At most ``window`` chunks are out at once, so memory is
bounded whatever the length of the input. Workers share what a Redis shares
(``PartsAgent(redis=...)``: the catalog cache, the limit, the flights).
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.util import Finalize
from typing import Any, TypeVar

from ._agent import PartsAgent
from ._exceptions import InputError, PartsAgentError
from ._pricing.report import PartsReport

__all__ = [
    "CHUNK_ITEMS",
    "BatchResult",
    "default_jobs",
    "map_chunks",
    "process_batch_in_processes",
]

T = TypeVar("T")
R = TypeVar("R")

CHUNK_ITEMS = 32
"""Items handed to a worker at once: enough to keep it busy, few enough to stream."""

Setup = Callable[[], PartsAgent]
"""Builds a worker's agent, in the worker (a module-level function or a partial: picklable)."""
Work = Callable[[PartsAgent, list[T]], Awaitable[list[R]]]
"""Runs one chunk on the worker's agent (picklable, as Setup)."""


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Worker:
    """The agent and event loop of one worker process, closed when the process exits."""

    def __init__(self, setup: Setup) -> None:
        self.loop = asyncio.new_event_loop()
        self.agent = self.loop.run_until_complete(self._start(setup))
        Finalize(None, self.close, exitpriority=10)

    @staticmethod
    async def _start(setup: Setup) -> PartsAgent:
        return await setup().__aenter__()

    def close(self) -> None:
        """Close the agent (a shared cache gets its queued writes) and the loop."""
        try:
            self.loop.run_until_complete(self.agent.aclose())
        finally:
            self.loop.close()


_worker: _Worker | None = None


def _init(setup: Setup) -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _worker
    _worker = _Worker(setup)


def _run(work: Work[T, R], items: list[T]) -> list[R]:
    assert _worker is not None, "the pool's initializer builds the worker"
    return _worker.loop.run_until_complete(work(_worker.agent, items))


async def map_chunks(
    chunks: AsyncIterable[list[T]],
    work: Work[T, R],
    setup: Setup,
    *,
    jobs: int,
    window: int | None = None,
) -> AsyncIterator[list[R]]:
    """Each chunk's results, in input order, computed by ``jobs`` worker processes.

    At most ``window`` chunks (default ``2 * jobs``) are out at once: a slow
    chunk makes the reading wait, never the memory grow. A worker that dies
    raises PartsAgentError; the results before it have been yielded.
    """
    if jobs < 1:
        raise InputError("jobs must be at least 1")
    room = window or 2 * jobs
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init,
        initargs=(setup,),
    )
    pending: deque[asyncio.Future[list[R]]] = deque()

    async def first() -> list[R]:
        try:
            return await pending.popleft()
        except BrokenProcessPool as exc:
            raise PartsAgentError(
                "a worker process ended without answering (killed, or out of memory)"
            ) from exc

    try:
        async for chunk in chunks:
            pending.append(loop.run_in_executor(pool, _run, work, chunk))
            while len(pending) >= room or (pending and pending[0].done()):
                yield await first()
        while pending:
            yield await first()
    finally:
        for future in pending:
            future.cancel()
        # Workers finish their chunk, close their agents and exit.
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One input's outcome: its 0-based ``index``, and its ``report`` or its ``error``."""

    index: int
    report: PartsReport | None = None
    error: PartsAgentError | None = None


def _new_agent(options: Mapping[str, Any]) -> PartsAgent:
    return PartsAgent(**options)


async def _reports(
    concurrency: int, agent: PartsAgent, items: list[tuple[int, Mapping[str, Any]]]
) -> list[BatchResult]:
    limit = asyncio.Semaphore(concurrency)

    async def one(index: int, item: Mapping[str, Any]) -> BatchResult:
        async with limit:
            try:
                report = await agent.process_damage_report(item["vehicle"], item["damaged_parts"])
            except PartsAgentError as exc:
                return BatchResult(index, error=exc)
            except (KeyError, TypeError):
                return BatchResult(
                    index,
                    error=InputError(
                        f"item {index} is not a mapping with 'vehicle' and 'damaged_parts'"
                    ),
                )
            return BatchResult(index, report=report)

    return list(await asyncio.gather(*(one(i, item) for i, item in items)))


async def _chunked(
    items: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]], size: int
) -> AsyncIterator[list[tuple[int, Mapping[str, Any]]]]:
    chunk: list[tuple[int, Mapping[str, Any]]] = []
    index = 0

    async def each() -> AsyncIterator[Mapping[str, Any]]:
        if isinstance(items, AsyncIterable):
            async for item in items:
                yield item
        else:
            for item in items:
                yield item

    async for item in each():
        chunk.append((index, item))
        index += 1
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def process_batch_in_processes(
    reports: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
    *,
    jobs: int | None = None,
    concurrency: int = 16,
    chunk_size: int = CHUNK_ITEMS,
    **agent_options: Any,
) -> AsyncIterator[BatchResult]:
    """Price ``reports`` (``{"vehicle": ..., "damaged_parts": ...}`` each) on every core.

    ``jobs`` worker processes (default: the number of cores), each with one
    ``PartsAgent(**agent_options)`` kept for the whole run (so options must be
    picklable: a catalog path or URL, ``redis=`` a URL...) and ``concurrency``
    reports in flight; results come in input order, one per input, its
    ``report`` or its ``error``. Reports travel between processes pickled.
    """
    if concurrency < 1 or chunk_size < 1:
        raise InputError("concurrency and chunk_size must be at least 1")
    setup = functools.partial(_new_agent, agent_options)
    work = functools.partial(_reports, concurrency)
    async for results in map_chunks(
        _chunked(reports, chunk_size), work, setup, jobs=jobs or default_jobs()
    ):
        for result in results:
            yield result
