"""Reports over several processes: every core, each worker keeping one agent for the whole run.

A report costs milliseconds of CPU, and one process uses one core. Here
worker processes each build one agent when they start and keep it, so its
caches serve every report they are given. Workers are forked from a fork
server (``forkserver``; ``spawn`` where there is none) that has imported the
library once: no worker pays the imports, none inherits the caller's threads,
event loop or state (a fork of the caller would), and none pays the
interpreter's teardown when it ends. The work goes out in chunks of input
items and comes back in input order. At most ``window`` chunks are out at
once, so memory is bounded whatever the length of the input. Workers share
what a Redis shares (``PartsAgent(redis=...)``: the catalog cache, the limit,
the flights).

Where the time goes (measured, docs/scaling.md): a worker's start (its agent,
under 0.1 s of CPU; a spawned one also pays an interpreter and the imports,
about 0.6 s) and, above all,
what each worker learns per vehicle (the catalog documents it parses, the
reading index of each model) and would learn again if another worker got the
same vehicle. So workers start at once, while the parent reads the input, and
a chunk is split by a ``key`` (the vehicle) so that a vehicle's reports go to
the same worker, within a bound on imbalance. Each worker is a one-process
executor of its own: that is what lets a chunk name its worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import inspect
import math
import multiprocessing
import os
import pickle
import signal
import threading
import time
import zlib
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Mapping,
)
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.util import Finalize
from typing import Any, TypeVar, cast

from ._agent import PartsAgent
from ._batch import BatchItem, BatchResult
from ._catalog.manager import BucketManager
from ._exceptions import InputError, PartsAgentError
from ._lifecycle import AsyncResource

__all__ = [
    "CHUNK_ITEMS",
    "WorkerCpu",
    "WorkerPool",
    "default_jobs",
    "process_batch_in_processes",
    "vehicle_key",
]

T = TypeVar("T")
R = TypeVar("R")

CHUNK_ITEMS = 32
"""Items handed to a worker at once: enough to keep it busy, few enough to stream."""

Setup = Callable[[], PartsAgent]
"""Builds a worker's agent, in the worker (a module-level function or a partial: picklable)."""
Work = Callable[[PartsAgent, list[T]], Awaitable[list[R]]]
"""Runs one chunk on the worker's agent (picklable, as Setup)."""
Key = Callable[[T], Hashable | None]
"""What an item's worker is chosen by (the vehicle), in the parent; None: any worker."""

IMBALANCE = 1.25
"""Most items of a chunk one worker takes, as a multiple of its fair share: a batch of
one vehicle still uses every core."""


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerCpu:
    """CPU seconds of one worker process: its start (imports, agent) and its chunks."""

    start_s: float
    work_s: float
    chunks: int
    items: int


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Worker:
    """The agent and event loop of one worker process."""

    def __init__(self, setup: Setup) -> None:
        self.loop = asyncio.new_event_loop()
        self.agent = self.loop.run_until_complete(self._start(setup))
        # CPU of this process so far: the interpreter, the imports, the agent.
        self.start_s = time.process_time()
        self.work_s = 0.0
        self.chunks = 0
        self.items = 0
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


def _exit_with(parent: int) -> None:
    """End this worker when its parent is gone (killed with SIGKILL): no orphan waits forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="partsagent-parent-watch", daemon=True).start()


def _init(setup: Setup) -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with(os.getppid())
    global _worker
    _worker = _Worker(setup)


def _ready() -> None:
    """A task that starts the worker (the initializer runs first) and does nothing."""


def _run(work: Work[T, R], items: list[T]) -> list[R]:
    assert _worker is not None, "the pool's initializer builds the worker"
    started = time.process_time()
    try:
        return _worker.loop.run_until_complete(work(_worker.agent, items))
    finally:
        _worker.work_s += time.process_time() - started
        _worker.chunks += 1
        _worker.items += len(items)


def _finish(last: Callable[[], R]) -> tuple[R, WorkerCpu]:
    """Close this worker's agent, then ``last()``; with this worker's CPU counters."""
    assert _worker is not None, "the pool's initializer builds the worker"
    _worker.close()
    cpu = WorkerCpu(_worker.start_s, _worker.work_s, _worker.chunks, _worker.items)
    return last(), cpu


class WorkerPool(AsyncResource):
    """``jobs`` worker processes, each with the agent ``setup()`` builds in it.

    The workers start at once (their imports and agents overlap the caller's
    reading of the input). ``map()`` hands them chunks and yields each chunk's
    results in input order; ``finish()`` closes every worker's agent and
    collects one value from each; ``cpu`` then holds each worker's CPU counters.
    """

    def __init__(self, setup: Setup, *, jobs: int) -> None:
        if jobs < 1:
            raise InputError("jobs must be at least 1")
        self.jobs = jobs
        self.cpu: list[WorkerCpu] = []
        context = _context(setup)
        # One executor per worker: a chunk's part can then go to the worker that has its
        # vehicle's documents, and each worker runs exactly one finish().
        self._workers = [
            ProcessPoolExecutor(1, mp_context=context, initializer=_init, initargs=(setup,))
            for _ in range(jobs)
        ]
        for worker in self._workers:
            worker.submit(_ready).add_done_callback(_drop_concurrent)
        self._next = 0

    async def aclose(self) -> None:
        # Workers finish the chunk they run, close their agents and exit. Queued chunks
        # are not cancelled (see map()): they are dropped with the pool.
        for worker in self._workers:
            worker.shutdown(wait=True)

    def _split(self, chunk: list[T], key: Key[T] | None) -> list[tuple[int, list[int], list[T]]]:
        """``chunk`` as (worker, positions in the chunk, items) parts, by ``key``.

        Without a key (or one worker) the whole chunk goes to the next worker in
        turn. With one, an item goes to the worker its key hashes to unless that
        worker holds IMBALANCE times its share already; then to the least loaded.
        """
        if key is None or self.jobs == 1:
            worker = self._next
            self._next = (self._next + 1) % self.jobs
            return [(worker, list(range(len(chunk))), chunk)]
        cap = math.ceil(IMBALANCE * len(chunk) / self.jobs)
        positions: list[list[int]] = [[] for _ in range(self.jobs)]
        for i, item in enumerate(chunk):
            k = key(item)
            worker = _stable_hash(k) % self.jobs if k is not None else -1
            if worker < 0 or len(positions[worker]) >= cap:
                worker = min(range(self.jobs), key=lambda w: len(positions[w]))
            positions[worker].append(i)
        return [(w, p, [chunk[i] for i in p]) for w, p in enumerate(positions) if p]

    def _submit(
        self, chunk: list[T], work: Work[T, R], key: Key[T] | None
    ) -> asyncio.Future[list[R]]:
        """The chunk's results, in its order, from the workers its parts went to."""
        loop = asyncio.get_running_loop()
        parts = [
            (positions, loop.run_in_executor(self._workers[w], _run, work, items))
            for w, positions, items in self._split(chunk, key)
        ]

        async def merged() -> list[R]:
            results: list[Any] = [None] * len(chunk)
            try:
                for positions, part in parts:
                    answers: list[R] = await _result(part)
                    for i, result in zip(positions, answers, strict=True):
                        results[i] = result
            except BaseException:
                for _, part in parts:
                    part.add_done_callback(_drop)
                raise
            return cast(list[R], results)

        return loop.create_task(merged())

    async def map(
        self,
        chunks: AsyncIterable[list[T]],
        work: Work[T, R],
        *,
        window: int | None = None,
        key: Key[T] | None = None,
    ) -> AsyncIterator[list[R]]:
        """Each chunk's results, in input order.

        At most ``window`` chunks (default ``2 * jobs``) are out at once: a slow
        chunk makes the reading wait, never the memory grow. ``key`` (an item's
        vehicle, computed here in the parent) sends a vehicle's items to one
        worker, whose caches then hold it. A worker that dies raises
        PartsAgentError; the results before it have been yielded.
        """
        room = asyncio.Semaphore(window or 2 * self.jobs)
        loop = asyncio.get_running_loop()
        out: asyncio.Queue[asyncio.Future[list[R]] | None] = asyncio.Queue()

        async def feed() -> None:
            # Beside the caller: a result is handed over while the next chunk is awaited.
            try:
                async for chunk in chunks:
                    await room.acquire()
                    out.put_nowait(self._submit(chunk, work, key))
            finally:
                out.put_nowait(None)

        feeder = loop.create_task(feed(), name="partsagent-jobs-feed")
        try:
            while (future := await out.get()) is not None:
                try:
                    results = await future
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
        futures = [loop.run_in_executor(worker, _finish, last) for worker in self._workers]
        done = [await _result(f) for f in futures]
        self.cpu = [cpu for _, cpu in done]
        return [value for value, _ in done]


PRELOAD = ("partsagent._processes", "partsagent._agent", "partsagent._catalog.manager")
"""What the fork server imports once for every worker (measured, docs/scaling.md: the
imports were most of a spawned worker's start)."""


def _context(setup: Setup) -> multiprocessing.context.BaseContext:
    """``forkserver`` preloaded with the library and ``setup``'s module, else ``spawn``.

    The fork server is the process's own (multiprocessing keeps one): its preload is
    fixed when it first starts, so a later pool of another module imports that module
    in each worker, as with spawn.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    function = setup.func if isinstance(setup, functools.partial) else setup
    module = getattr(function, "__module__", None)
    extra = (module,) if isinstance(module, str) and module != "__main__" else ()
    context.set_forkserver_preload([*PRELOAD, *extra])
    return context


def _stable_hash(key: Hashable) -> int:
    """The same worker for the same key in every run (``hash()`` of a str is salted)."""
    return zlib.crc32(repr(key).encode())


def _drop_concurrent(future: Any) -> None:
    if not future.cancelled():
        future.exception()


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
        async for results in pool.map(_chunked(reports, chunk_size), work, key=_vehicle_of):
            for result in results:
                yield result
        await pool.finish(_nothing)


def _vehicle_of(item: tuple[int, object]) -> Hashable | None:
    """The make and model of a report given as a mapping (a model's documents go together)."""
    return vehicle_key(item[1])


def vehicle_key(report: object) -> Hashable | None:
    """A report's make and model, lower case, or None when it names none.

    The worker that priced a model holds its documents and reading index: the
    model's next reports cost it less than they would cost another worker.
    """
    if not isinstance(report, Mapping):
        return None
    vehicle = report.get("vehicle")
    if isinstance(vehicle, Mapping):
        make, model = vehicle.get("make"), vehicle.get("model")
        return (str(make).lower(), str(model).lower())
    if isinstance(vehicle, str):  # "Ford Focus 2019": the words say the model
        return vehicle.lower().rsplit(" ", 1)[0]
    return None


def _nothing() -> None:
    return None
