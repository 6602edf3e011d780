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
import contextlib
import dataclasses
import functools
import inspect
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.util import Finalize
from typing import Any, Self, TypeVar, cast

from ._agent import PartsAgent
from ._batch import BatchItem, BatchResult
from ._catalog.manager import BucketManager
from ._exceptions import InputError, PartsAgentError

__all__ = [
    "CHUNK_ITEMS",
    "WorkerPool",
    "default_jobs",
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
    """The agent and event loop of one worker process."""

    def __init__(self, setup: Setup, barrier: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.agent = self.loop.run_until_complete(self._start(setup))
        self.barrier = barrier
        self.closed = False
        Finalize(None, self.close, exitpriority=10)  # a pool shut down without finish()

    @staticmethod
    async def _start(setup: Setup) -> PartsAgent:
        return await setup().__aenter__()

    def close(self) -> None:
        """Close the agent (a shared cache gets its queued writes) and the loop."""
        if self.closed:
            return
        self.closed = True
        try:
            self.loop.run_until_complete(self.agent.aclose())
            # The catalog is the worker's own: a shared cache gets its queued writes.
            self.loop.run_until_complete(self.agent.catalog.aclose())
        finally:
            self.loop.close()


_worker: _Worker | None = None
_FINISH_TIMEOUT = 60.0


def _exit_with(parent: int) -> None:
    """End this worker when its parent is gone (killed with SIGKILL): no orphan waits forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="partsagent-parent-watch", daemon=True).start()


def _init(setup: Setup, barrier: Any) -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with(os.getppid())
    global _worker
    _worker = _Worker(setup, barrier)


def _run(work: Work[T, R], items: list[T]) -> list[R]:
    assert _worker is not None, "the pool's initializer builds the worker"
    return _worker.loop.run_until_complete(work(_worker.agent, items))


def _finish(last: Callable[[], R]) -> R:
    """Close this worker's agent, then ``last()``; waits until every worker has one to run.

    The barrier keeps a worker that finished from taking a second finish task:
    each of the pool's processes runs exactly one.
    """
    assert _worker is not None, "the pool's initializer builds the worker"
    _worker.barrier.wait(_FINISH_TIMEOUT)
    _worker.close()
    return last()


class WorkerPool:
    """``jobs`` spawned worker processes, each with the agent ``setup()`` builds in it.

    ``map()`` hands them chunks and yields each chunk's results in input order;
    ``finish()`` closes every worker's agent and collects one value from each.
    """

    def __init__(self, setup: Setup, *, jobs: int) -> None:
        if jobs < 1:
            raise InputError("jobs must be at least 1")
        self.jobs = jobs
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            jobs,
            mp_context=context,
            initializer=_init,
            initargs=(setup, context.Barrier(jobs)),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # Workers finish the chunk they run, close their agents and exit. Queued chunks
        # are not cancelled (see map()): they are dropped with the pool.
        self._pool.shutdown(wait=True)

    async def map(
        self, chunks: AsyncIterable[list[T]], work: Work[T, R], *, window: int | None = None
    ) -> AsyncIterator[list[R]]:
        """Each chunk's results, in input order.

        At most ``window`` chunks (default ``2 * jobs``) are out at once: a slow
        chunk makes the reading wait, never the memory grow. A worker that dies
        raises PartsAgentError; the results before it have been yielded.
        """
        room = asyncio.Semaphore(window or 2 * self.jobs)
        loop = asyncio.get_running_loop()
        out: asyncio.Queue[asyncio.Future[list[R]] | None] = asyncio.Queue()

        async def feed() -> None:
            # Beside the caller: a result is handed over while the next chunk is awaited.
            try:
                async for chunk in chunks:
                    await room.acquire()
                    out.put_nowait(loop.run_in_executor(self._pool, _run, work, chunk))
            finally:
                out.put_nowait(None)

        feeder = loop.create_task(feed(), name="partsagent-jobs-feed")
        try:
            while (future := await out.get()) is not None:
                try:
                    results = await _result(future)
                finally:
                    room.release()
                yield results
            await _result(feeder)  # the input's own error, if any, after every result before it
        finally:
            feeder.cancel()
            # Never cancel the pool's futures: Python 3.11's pool, once broken, would then
            # fail to settle the others and hang its shutdown. Their outcomes are dropped.
            while not out.empty():
                if (left := out.get_nowait()) is not None:
                    left.add_done_callback(_drop)
            with contextlib.suppress(asyncio.CancelledError, BrokenProcessPool):
                await feeder

    async def finish(self, last: Callable[[], R]) -> list[R]:
        """Close every worker's agent, then ``last()`` in each worker: one value per worker."""
        loop = asyncio.get_running_loop()
        futures = [loop.run_in_executor(self._pool, _finish, last) for _ in range(self.jobs)]
        return [await _result(f) for f in futures]


def _drop(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


async def _result(future: asyncio.Future[R]) -> R:
    try:
        return await future
    except BrokenProcessPool as exc:
        raise PartsAgentError(
            "a worker process ended without answering (killed, or out of memory)"
        ) from exc


def _new_agent(options: Mapping[str, Any]) -> PartsAgent:
    """A worker's agent: the BucketManager's options build its catalog, the rest the agent."""
    wanted = dict(options)
    manager = inspect.signature(BucketManager).parameters
    catalog = {k: wanted.pop(k) for k in list(wanted) if k in manager and k != "source"}
    source = wanted.pop("catalog", None)
    return PartsAgent(BucketManager(source, **catalog), **wanted)


async def _reports(
    concurrency: int, agent: PartsAgent, items: list[tuple[int, object]]
) -> list[BatchResult]:
    """One chunk through the worker's ``process_batch``, indexed as in the whole input."""
    return [
        dataclasses.replace(result, index=items[result.index][0], error=_portable(result.error))
        async for result in agent.process_batch(
            [cast(BatchItem, item) for _, item in items], concurrency=concurrency
        )
    ]


def _portable(error: PartsAgentError | None) -> PartsAgentError | None:
    """``error`` if it survives pickling (its way to the parent), else its type and message.

    A value that cannot be unpickled would break the whole pool, not one result.
    """
    if error is None:
        return None
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        portable = PartsAgentError(f"{type(error).__name__}: {error}")
        return portable
    return error


async def _chunked(
    items: Iterable[object] | AsyncIterable[object], size: int
) -> AsyncIterator[list[tuple[int, object]]]:
    chunk: list[tuple[int, object]] = []
    index = 0

    async def each() -> AsyncIterator[object]:
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
    reports: Iterable[object] | AsyncIterable[object],
    *,
    jobs: int | None = None,
    concurrency: int = 16,
    chunk_size: int = CHUNK_ITEMS,
    **agent_options: Any,
) -> AsyncIterator[BatchResult]:
    """Price ``reports`` (``{"vehicle": ..., "damaged_parts": ...}`` each) on every core.

    ``jobs`` worker processes (default: the number of cores), each with one
    agent kept for the whole run (``agent_options``: ``catalog=`` and the
    BucketManager's options such as ``redis=`` build its catalog, the rest go to
    PartsAgent) (so options must be
    picklable: a catalog path or URL, ``redis=`` a URL...) and ``concurrency``
    reports in flight; results come in input order, one per input, its
    ``report`` or its ``error``. Reports travel between processes pickled.
    """
    if concurrency < 1 or chunk_size < 1:
        raise InputError("concurrency and chunk_size must be at least 1")
    setup = functools.partial(_new_agent, agent_options)
    work = functools.partial(_reports, concurrency)
    async with WorkerPool(setup, jobs=jobs or default_jobs()) as pool:
        async for results in pool.map(_chunked(reports, chunk_size), work):
            for result in results:
                yield result
        await pool.finish(_nothing)


def _nothing() -> None:
    return None
