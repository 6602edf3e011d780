"""A batch of reports through one agent: results in input order, errors as values, bounded.

One feeder task reads the input (sync or async, possibly endless) and starts a
task per item; their tasks wait in a queue of ``window`` entries, in input
order, and the caller takes them from its head. At most ``concurrency``
reports run at once; at most ``window`` items are started and not yet taken,
so a slow report, or a slow caller, pauses the reading instead of filling
memory. Reading runs beside the caller, so a finished result is handed over
at once even when the next input item is slow to arrive (a pipe).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._exceptions import InputError, PartsAgentError
from ._pricing.report import PartsReport

__all__ = ["REORDER_WINDOW", "BatchItem", "BatchResult", "run_batch"]

REORDER_WINDOW = 4
"""Finished results that may wait for a slower one before them, per ``concurrency`` slot."""

BatchItem = Mapping[str, Any] | PartsAgentError
"""One batch item: ``{"vehicle": ..., "damaged_parts": ...}`` (``planner``, ``market``
optional), or the error that stands for an input that could not be read as one."""

_FIELDS = ("vehicle", "damaged_parts")
_OPTIONAL = ("planner", "market")


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of input item ``index`` (from 0): its ``report``, or its ``error``."""

    index: int
    report: PartsReport | None = None
    error: PartsAgentError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


Process = Callable[..., Awaitable[PartsReport]]


def _arguments(index: int, item: object) -> dict[str, Any]:
    """The keyword arguments of one item's report; InputError when it is not a report."""
    if not isinstance(item, Mapping):
        raise InputError(
            f'batch item {index} is not a mapping like {{"vehicle": ..., "damaged_parts": ...}} '
            f"but a {type(item).__name__}"
        )
    missing = [f for f in _FIELDS if f not in item]
    if missing:
        raise InputError(f"batch item {index} has no {' and no '.join(repr(f) for f in missing)}")
    return {k: item[k] for k in (*_FIELDS, *_OPTIONAL) if item.get(k) is not None}


async def _one(process: Process, index: int, item: object, limit: asyncio.Semaphore) -> BatchResult:
    try:
        kwargs = _arguments(index, item)
        async with limit:
            report = await process(kwargs.pop("vehicle"), kwargs.pop("damaged_parts"), **kwargs)
    except PartsAgentError as exc:
        return BatchResult(index, error=exc)
    except Exception as exc:  # a bug: still one result for this item, and the batch goes on
        error = PartsAgentError(f"internal error: {type(exc).__name__}: {exc}")
        error.__cause__ = exc
        return BatchResult(index, error=error)
    return BatchResult(index, report=report)


async def _items(reports: Iterable[object] | AsyncIterable[object]) -> AsyncIterator[object]:
    if isinstance(reports, AsyncIterable):
        async for item in reports:
            yield item
    else:
        for item in reports:
            yield item


_END = object()


def run_batch(
    process: Process,
    reports: Iterable[object] | AsyncIterable[object],
    *,
    concurrency: int,
) -> AsyncIterator[BatchResult]:
    """Every item's BatchResult, in input order; an error of the input itself is raised last.

    ``process`` is ``PartsAgent.process_damage_report``. An item that is a
    PartsAgentError (a reader that could not parse that input) is that item's
    error, so that every input keeps its place. Bad arguments raise here, at once.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InputError(f"concurrency={concurrency!r} must be a whole number, 1 or more")
    if not isinstance(reports, Iterable | AsyncIterable) or isinstance(reports, str | bytes):
        raise InputError("reports must be an iterable (or async iterable) of report mappings")
    return _results(process, reports, concurrency)


async def _results(
    process: Process, reports: Iterable[object] | AsyncIterable[object], concurrency: int
) -> AsyncIterator[BatchResult]:
    limit = asyncio.Semaphore(concurrency)
    queue: asyncio.Queue[asyncio.Future[BatchResult] | object] = asyncio.Queue(
        concurrency * (1 + REORDER_WINDOW)
    )
    loop = asyncio.get_running_loop()

    async def feed() -> None:
        index = 0
        try:
            async for item in _items(reports):
                future: asyncio.Future[BatchResult]
                if isinstance(item, PartsAgentError):
                    future = loop.create_future()
                    future.set_result(BatchResult(index, error=item))
                else:
                    future = asyncio.ensure_future(_one(process, index, item, limit))
                try:
                    await queue.put(future)
                except BaseException:
                    future.cancel()
                    raise
                index += 1
        except Exception as exc:  # the input failed: raised to the caller after the results
            await queue.put(exc)
            return
        await queue.put(_END)

    feeder = asyncio.ensure_future(feed())
    head: object = None
    try:
        while True:
            head = await queue.get()
            if head is _END:
                return
            if isinstance(head, Exception):
                raise head
            assert isinstance(head, asyncio.Future)
            yield await head
    finally:
        feeder.cancel()
        pending: list[asyncio.Future[Any]] = [feeder]
        if isinstance(head, asyncio.Future) and not head.done():
            head.cancel()
            pending.append(head)
        while not queue.empty():
            left = queue.get_nowait()
            if isinstance(left, asyncio.Future):
                left.cancel()
                pending.append(left)
        await asyncio.gather(*pending, return_exceptions=True)
