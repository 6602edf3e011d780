"""``partsagent report --batch``: JSONL in, one JSON line out per input line, streamed.

Lines are read as they come and every input line gets exactly one output line,
in input order: the report, or ``{"line": N, "error": {"type", "message"}}``
(with ``candidates`` for an unsettled vehicle). The reports run through
``PartsAgent.process_batch``, which bounds the reports in flight and the
finished ones waiting for a slower one before them; a line that is not a
report goes in as its InputError, so it keeps its place. Each line is handed
to the writer thread as soon as it and every line before it are done, and at
most ``_MAX_UNWRITTEN`` bytes wait to be written, so memory does not grow with
the batch and a run killed midway leaves every finished line, in order. The
exit status is 0 when every line is a report, 1 when some are errors, 2 when
the run cannot start (raised as an InputError before any line is read).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import orjson

from .._agent import PartsAgent
from .._batch import BatchResult
from .._exceptions import InputError, PartsAgentError
from .errors import error_object
from .limits import check_limits
from .output import report_bytes
from .progress import Progress, count_lines
from .stream import Line, StreamWriter, read_lines

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "EXIT_ALL_OK",
    "EXIT_INCOMPLETE",
    "EXIT_SOME_FAILED",
    "open_batch",
    "run_batch",
]

DEFAULT_MAX_LINE_BYTES = 1024 * 1024
EXIT_ALL_OK = 0
EXIT_SOME_FAILED = 1
EXIT_INCOMPLETE = 3
"""Every report was written, but one could not read part of the catalog (``complete`` false)."""
_MAX_UNWRITTEN = 1024 * 1024
_FIELDS = ("vehicle", "damaged_parts")


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


def _parse(line: Line, args: argparse.Namespace) -> dict[str, Any] | InputError:
    """The report of one input line, or the InputError that is its error line."""
    n = line.number
    if line.data is None:
        return InputError(
            f"line {n} has {line.size} bytes, over the limit of {args.max_line_bytes} "
            "(--max-line-bytes)"
        )
    if not line.data.strip():
        return InputError(f"line {n} is blank; write one report per line")
    try:
        item = orjson.loads(line.data)
    except orjson.JSONDecodeError as exc:
        return InputError(f"line {n} is not JSON: {exc}")
    if not isinstance(item, dict):
        return InputError(
            f'line {n} is a JSON {type(item).__name__}, not an object like {{"vehicle": ..., '
            '"damaged_parts": ...}'
        )
    missing = [f for f in _FIELDS if f not in item]
    if missing:
        return InputError(f"line {n} has no {' and no '.join(repr(f) for f in missing)}")
    try:
        check_limits(item["damaged_parts"], args)
    except InputError as exc:
        return InputError(f"line {n}: {exc}")
    return {f: item[f] for f in _FIELDS}


def _line(first: int, result: BatchResult, args: argparse.Namespace) -> bytes:
    if result.report is not None:
        return report_bytes(result.report, args)
    assert result.error is not None
    return orjson.dumps({"line": first + result.index, **error_object(result.error)})


class _Output:
    """Lines handed to the writer thread without waiting; at most ``_MAX_UNWRITTEN`` bytes wait."""

    def __init__(self, writer: StreamWriter) -> None:
        self.writer = writer
        self.unwritten: deque[tuple[asyncio.Future[None], int]] = deque()
        self.size = 0

    async def put(self, data: bytes) -> None:
        done = self.writer.send(data)
        # Once one write failed the later ones fail alike and are never awaited: retrieve them.
        done.add_done_callback(_retrieve)
        self.unwritten.append((done, len(data)))
        self.size += len(data)
        while self.unwritten and (self.size > _MAX_UNWRITTEN or self.unwritten[0][0].done()):
            await self._pop()

    async def _pop(self) -> None:
        done, size = self.unwritten.popleft()
        self.size -= size
        await done  # raises the write's error (a closed pipe, a full disk)

    async def drain(self) -> None:
        while self.unwritten:
            await self._pop()


class _ReadFailed(Exception):
    """The input could not be read to its end: raised through the batch, after every result."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def _retrieve(done: asyncio.Future[None]) -> None:
    if not done.cancelled():
        done.exception()


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
    incomplete = 0
    progress = Progress(err)
    counting = (
        asyncio.get_running_loop().run_in_executor(None, count_lines, source)
        if progress.show
        else None
    )
    writer = StreamWriter(out)
    output = _Output(writer)
    first = args.skip + 1
    last = args.skip
    read_error: OSError | None = None

    async def requests() -> AsyncIterator[dict[str, Any] | PartsAgentError]:
        nonlocal last
        try:
            async for line in read_lines(source, max_bytes=args.max_line_bytes, skip=args.skip):
                last = line.number
                yield _parse(line, args)
        except OSError as exc:
            raise _ReadFailed(exc) from exc

    try:
        async with agent, asyncio.TaskGroup() as tasks:
            if counting is not None:
                tasks.create_task(_set_total(progress, counting, args.skip))
            try:
                async for result in agent.process_batch(requests(), concurrency=args.concurrency):
                    await output.put(_line(first, result, args) + b"\n")
                    progress.add(result.ok)
                    incomplete += result.report is not None and not result.report.complete
                    progress.draw()
            except _ReadFailed as exc:
                read_error = exc.error
            await output.drain()
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
    return EXIT_INCOMPLETE if incomplete else EXIT_ALL_OK
