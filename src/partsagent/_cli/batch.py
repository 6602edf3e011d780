"""``partsagent report --batch``: JSONL in, one JSON line out per input line, streamed.

Lines are read as they come and every input line gets exactly one output line,
in input order: the report, or ``{"line": N, "error": {"type", "message"}}``.
At most ``--concurrency`` reports run at once, and at most
``REORDER_WINDOW`` times as many more wait, done, for a slower line before
them; past that, reading pauses. Each line is written (and flushed) as soon
as it and every line before it are done, so memory does not grow with the
batch and a run killed midway leaves every finished line, in order. The exit
status is 0 when every line is a report, 1 when some are errors, 2 when the
run cannot start (raised as an InputError before any line is read).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import orjson

from .._agent import PartsAgent
from .._exceptions import InputError, PartsAgentError
from .progress import Progress, count_lines
from .stream import Line, StreamWriter, read_lines

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "EXIT_ALL_OK",
    "EXIT_INCOMPLETE",
    "EXIT_SOME_FAILED",
    "REORDER_WINDOW",
    "open_batch",
    "run_batch",
]

DEFAULT_MAX_LINE_BYTES = 1024 * 1024
REORDER_WINDOW = 4
"""Finished lines that may wait for a slower one before them, per --concurrency slot."""
EXIT_ALL_OK = 0
EXIT_SOME_FAILED = 1
EXIT_INCOMPLETE = 3
"""Every report was written, but one could not read part of the catalog (``complete`` false)."""
_FLUSH_BYTES = 64 * 1024
_FIELDS = ("vehicle", "damaged_parts")


@dataclass(slots=True)
class _Result:
    line: int
    data: bytes
    ok: bool
    complete: bool = True


def open_batch(path: str) -> BinaryIO:
    """The binary stream of ``path`` ("-" is standard input); InputError if it cannot be read."""
    if path == "-":
        stdin = sys.stdin
        if stdin is None:
            raise InputError("standard input is closed; pipe the reports in or give a file")
        return stdin.buffer
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise InputError(f"cannot read batch file {path!r}: {exc.strerror or exc}") from None


def _error_line(line: int, type_: str, message: str) -> _Result:
    data = orjson.dumps({"line": line, "error": {"type": type_, "message": message}})
    return _Result(line, data, ok=False)


def _parse(line: Line, max_bytes: int) -> dict[str, Any] | _Result:
    """The report of one input line, or its error line."""
    n = line.number
    if line.data is None:
        return _error_line(
            n,
            "InputError",
            f"line {n} has {line.size} bytes, over the limit of {max_bytes} (--max-line-bytes)",
        )
    if not line.data.strip():
        return _error_line(n, "InputError", f"line {n} is blank; write one report per line")
    try:
        item = orjson.loads(line.data)
    except orjson.JSONDecodeError as exc:
        return _error_line(n, "InputError", f"line {n} is not JSON: {exc}")
    if not isinstance(item, dict):
        return _error_line(
            n,
            "InputError",
            f'line {n} is a JSON {type(item).__name__}, not an object like {{"vehicle": ..., '
            '"damaged_parts": ...}',
        )
    missing = [f for f in _FIELDS if f not in item]
    if missing:
        return _error_line(
            n, "InputError", f"line {n} has no {' and no '.join(repr(f) for f in missing)}"
        )
    return item


async def _report(agent: PartsAgent, line: int, item: dict[str, Any]) -> _Result:
    try:
        report = await agent.process_damage_report(item["vehicle"], item["damaged_parts"])
    except PartsAgentError as exc:
        return _error_line(line, type(exc).__name__, str(exc))
    except Exception as exc:  # a bug: still one line for this input, and the batch goes on
        return _error_line(line, type(exc).__name__, f"internal error: {exc}")
    data = orjson.dumps(report.model_dump(mode="json"))
    return _Result(line, data, ok=True, complete=report.complete)


class _Ordered:
    """Results in input order: each line's future, admitted while there is room."""

    def __init__(self, room: int) -> None:
        self.futures: deque[asyncio.Future[_Result | None]] = deque()
        self.room = asyncio.Semaphore(room)
        self.arrived = asyncio.Event()
        self.incomplete = 0
        """Reports written that could not read part of the catalog."""

    async def admit(self) -> asyncio.Future[_Result | None]:
        await self.room.acquire()
        future: asyncio.Future[_Result | None] = asyncio.get_running_loop().create_future()
        self.futures.append(future)
        self.arrived.set()
        return future

    async def next(self) -> asyncio.Future[_Result | None]:
        while not self.futures:
            self.arrived.clear()
            await self.arrived.wait()
        return self.futures[0]


async def _write(ordered: _Ordered, out: StreamWriter, progress: Progress) -> None:
    """Write each result once it and all before it are done; flush before every wait."""
    pending: list[bytes] = []
    size = 0

    async def flush() -> None:
        nonlocal size
        if pending:
            await out.write(b"".join(pending))
            for _ in pending:
                ordered.room.release()
            pending.clear()
            size = 0
            progress.draw()

    while True:
        future = ordered.futures[0] if ordered.futures else None
        if future is None or not future.done():
            await flush()
            future = await ordered.next()
            await future
        ordered.futures.popleft()
        result = future.result()
        if result is None:  # the end of the input
            await flush()
            return
        pending.append(result.data + b"\n")
        size += len(result.data) + 1
        progress.add(result.ok)
        ordered.incomplete += not result.complete
        if size >= _FLUSH_BYTES:
            await flush()


async def _set_total(progress: Progress, counting: asyncio.Future[int | None], skip: int) -> None:
    total = await counting
    if total is not None:
        progress.total = max(total - skip, 0)


async def run_batch(
    args: argparse.Namespace, agent: PartsAgent, source: BinaryIO, out: BinaryIO, err: TextIO
) -> int:
    """Stream ``source``'s reports to ``out``; the agent is closed at the end.

    Returns EXIT_ALL_OK, EXIT_SOME_FAILED (error lines; before all else) or
    EXIT_INCOMPLETE (reports with ``complete`` false). A read error midway ends
    the input there: the lines before it are still finished and written.
    """
    concurrency: int = args.concurrency
    max_bytes: int = args.max_line_bytes
    ordered = _Ordered(concurrency * (1 + REORDER_WINDOW))
    running = asyncio.Semaphore(concurrency)
    progress = Progress(err)
    counting = (
        asyncio.get_running_loop().run_in_executor(None, count_lines, source)
        if progress.show
        else None
    )
    writer = StreamWriter(out)
    last = args.skip
    read_error: OSError | None = None

    async def run(line: int, item: dict[str, Any], future: asyncio.Future[_Result | None]) -> None:
        async with running:
            future.set_result(await _report(agent, line, item))

    try:
        async with agent, asyncio.TaskGroup() as tasks:
            tasks.create_task(_write(ordered, writer, progress))
            if counting is not None:
                tasks.create_task(_set_total(progress, counting, args.skip))
            try:
                async for line in read_lines(source, max_bytes=max_bytes, skip=args.skip):
                    last = line.number
                    future = await ordered.admit()
                    parsed = _parse(line, max_bytes)
                    if isinstance(parsed, _Result):
                        future.set_result(parsed)
                    else:
                        tasks.create_task(run(line.number, parsed, future))
            except OSError as exc:
                read_error = exc
            (await ordered.admit()).set_result(None)
    finally:
        writer.close()
        progress.end()
    if read_error is not None:
        err.write(
            f"partsagent: error: could not read the batch after line {last}: "
            f"{read_error.strerror or read_error}\n"
        )
        return EXIT_SOME_FAILED
    if progress.failed:
        return EXIT_SOME_FAILED
    return EXIT_INCOMPLETE if ordered.incomplete else EXIT_ALL_OK
