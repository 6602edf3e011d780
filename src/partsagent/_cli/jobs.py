"""``partsagent report --batch FILE --jobs N``: the batch over N worker processes.

The parent reads the lines and writes the answers; the workers (``_processes``)
parse and price them, each with one agent kept for the run. Lines go out as
they come, in chunks of what has been read and not yet handed out (up to
``CHUNK_ITEMS`` per worker): a file goes 32 lines a worker at a time, a line
typed at a terminal at once. A chunk's lines are shared out by vehicle (the
parent reads each line's make and model), so that a model's documents are
parsed by one worker, not by each. Output, errors, ``--skip`` and the exit status are those of one
process; each worker logs its own warnings, and the summary has a table per worker.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
from collections.abc import AsyncIterator, Hashable
from typing import BinaryIO, TextIO

import orjson

from .._agent import PartsAgent
from .._exceptions import PartsAgentError
from .._metrics import SummaryAggregator
from .._processes import CHUNK_ITEMS, WorkerPool, default_jobs, vehicle_key
from .batch import EXIT_ALL_OK, EXIT_SOME_FAILED
from .batch import _line as output_line
from .batch import _parse as parse_line
from .batch import _set_total as set_total
from .builders import build_agent, configure_logging
from .progress import Progress, count_lines
from .stream import Line, StreamWriter, read_lines

__all__ = ["SMALL_BATCH", "default_jobs_for", "run_jobs"]

SMALL_BATCH = 200
"""A file with fewer lines runs in this process: a worker's start (about a second of
imports and an agent) costs more than such a batch saves."""


def default_jobs_for(source: BinaryIO) -> int:
    """--jobs left out: the number of cores, or 1 for a file of fewer than SMALL_BATCH lines."""
    lines = count_lines(source)  # None for a pipe or a terminal: its length is unknown
    return 1 if lines is not None and lines < SMALL_BATCH else default_jobs()


_aggregator: SummaryAggregator | None = None
"""A worker's summary of its metric events."""


def _setup(args: argparse.Namespace) -> PartsAgent:
    """A worker's agent, built from the command line, logging as the command does."""
    global _aggregator
    _aggregator = configure_logging(sys.stderr, for_good=True)
    return build_agent(args)


def _summary() -> str:
    return _aggregator.render_table() if _aggregator is not None else ""


Result = tuple[int, bytes, bool]
"""(input line number, output line, whether it is a report)."""


async def _work(args: argparse.Namespace, agent: PartsAgent, lines: list[Line]) -> list[Result]:
    """Lines of a chunk (a worker's share: not always consecutive), as one process answers them."""
    requests = [parse_line(line, args) for line in lines]
    answers = []
    async for result in agent.process_batch(requests, concurrency=args.concurrency):
        number = lines[result.index].number
        # output_line numbers an error line first + index: first is this line's number less it.
        answers.append((number, output_line(number - result.index, result, args), result.ok))
    return answers


def _vehicle(line: Line) -> Hashable | None:
    """The line's make and model, read in the parent to choose its worker (None: any)."""
    if line.data is None:
        return None
    try:
        return vehicle_key(orjson.loads(line.data))
    except orjson.JSONDecodeError:
        return None  # its worker writes its error line


async def _chunks(
    source: BinaryIO, args: argparse.Namespace, errors: list[OSError], size: int
) -> AsyncIterator[list[Line]]:
    """Chunks of the lines read so far: whatever is there, up to ``size``, never waiting."""
    ready: asyncio.Queue[Line | None] = asyncio.Queue(size)

    async def read() -> None:
        try:
            async for line in read_lines(source, max_bytes=args.max_line_bytes, skip=args.skip):
                await ready.put(line)
        except OSError as exc:
            errors.append(exc)
        # Not in a finally: cancelled (the run is over), nobody waits for the end, and
        # the queue may be full.
        await ready.put(None)

    reader = asyncio.get_running_loop().create_task(read())
    try:
        while (line := await ready.get()) is not None:
            chunk = [line]
            while len(chunk) < size and not ready.empty():
                more = ready.get_nowait()
                if more is None:
                    yield chunk
                    return
                chunk.append(more)
            yield chunk
    finally:
        reader.cancel()


async def run_jobs(
    args: argparse.Namespace, source: BinaryIO, out: BinaryIO, err: TextIO, *, jobs: int
) -> int:
    """Stream ``source``'s reports to ``out`` through ``jobs`` worker processes."""
    progress = Progress(err)
    loop = asyncio.get_running_loop()
    counting = (
        loop.create_task(
            set_total(progress, loop.run_in_executor(None, count_lines, source), args.skip)
        )
        if progress.show
        else None
    )
    writer = StreamWriter(out)
    errors: list[OSError] = []
    last = args.skip
    summaries: list[str] = []
    try:
        async with WorkerPool(functools.partial(_setup, args), jobs=jobs) as pool:
            async for results in pool.map(
                _chunks(source, args, errors, CHUNK_ITEMS * jobs),
                functools.partial(_work, args),
                key=_vehicle,
            ):
                await writer.write(b"".join(data + b"\n" for _, data, _ in results))
                for line, _, ok in results:
                    progress.add(ok)
                    last = line
                progress.draw()
            summaries = await pool.finish(_summary)
    except PartsAgentError as exc:
        raise PartsAgentError(
            f"{exc}; the answers up to line {last} are written: run again with --skip {last}"
        ) from exc
    finally:
        if counting is not None:
            counting.cancel()
        writer.close()
        progress.end()
    if not (args.quiet or args.no_performance):
        for n, (table, cpu) in enumerate(zip(summaries, pool.cpu, strict=True), 1):
            err.write(
                f"worker {n} of {jobs}: {cpu.items} reports; CPU {cpu.start_s:.2f} s to start "
                f"(imports, agent), {cpu.work_s:.2f} s on reports\n{table}\n"
            )
    if errors:
        err.write(
            f"partsagent: error: could not read the batch after line {last}: "
            f"{errors[0].strerror or errors[0]}\n"
        )
        return EXIT_SOME_FAILED
    return EXIT_SOME_FAILED if progress.failed else EXIT_ALL_OK
