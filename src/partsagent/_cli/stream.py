"""A batch's lines read as they come, and its output written as it is ready, off the loop.

Blocking reads and writes (a terminal, a pipe whose other end is slow) run in
daemon threads, so that they never stall the event loop (and with it every
report in flight and its timeouts) and never hold the process at exit. The
threads use the raw file descriptor (``os.read``/``os.write``) when there is
one: a daemon thread blocked inside ``sys.stdin.buffer`` would hold its lock,
and the interpreter aborts when it cannot take that lock at shutdown (Ctrl-C
while waiting for input).

A daemon thread reads the stream chunk by chunk (``read1``: whatever is there,
as soon as it is there) and hands each chunk to the event loop; at most two
chunks wait, so a slow batch stops the reading instead of filling memory. The
thread is a daemon so that a blocked read of a terminal or pipe never holds
the process at exit. Lines are cut on ``\\n`` only (JSON strings may hold
U+2028); a line longer than the cap is counted, not kept: only its first
``max_bytes`` are ever held.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["CHUNK", "Line", "StreamWriter", "read_lines"]

CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Line:
    """Input line ``number`` (1-based): its bytes, or only its ``size`` when over the cap."""

    number: int
    data: bytes | None
    size: int


def _fd(stream: BinaryIO) -> int | None:
    """The stream's file descriptor, or None (an in-memory stream)."""
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _ChunkReader:
    """Chunks of a blocking binary stream, read in a daemon thread, at most two ahead."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._fd = _fd(stream)
        self._loop = asyncio.get_running_loop()
        self._ready: asyncio.Queue[bytes | BaseException] = asyncio.Queue()
        self._room = threading.Semaphore(2)
        threading.Thread(target=self._run, name="partsagent-batch-reader", daemon=True).start()

    def _run(self) -> None:
        while True:
            self._room.acquire()
            item: bytes | BaseException
            try:
                if self._fd is not None:
                    item = os.read(self._fd, CHUNK)
                else:
                    item = self._stream.read1(CHUNK)  # type: ignore[attr-defined]
            except BaseException as exc:  # handed to the loop, raised there
                item = exc
            try:
                self._loop.call_soon_threadsafe(self._ready.put_nowait, item)
            except RuntimeError:  # the loop is closed: nobody wants more
                return
            if not isinstance(item, bytes) or not item:
                return

    async def read(self) -> bytes:
        """The next chunk; b"" at the end of the stream."""
        item = await self._ready.get()
        self._room.release()
        if isinstance(item, BaseException):
            raise item
        return item


class StreamWriter:
    """Writes and flushes bytes to a blocking stream in a daemon thread, one write at a time."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._fd = _fd(stream)
        self._loop = asyncio.get_running_loop()
        self._jobs: queue.SimpleQueue[tuple[bytes, asyncio.Future[None]] | None] = (
            queue.SimpleQueue()
        )
        threading.Thread(target=self._run, name="partsagent-batch-writer", daemon=True).start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            data, done = job
            error: BaseException | None = None
            try:
                if self._fd is not None:
                    _write_all(self._fd, data)
                else:
                    self._stream.write(data)
                    self._stream.flush()
            except BaseException as exc:  # handed to the loop, raised there
                error = exc
            try:
                self._loop.call_soon_threadsafe(_settle, done, error)
            except RuntimeError:  # the loop is closed
                return

    def send(self, data: bytes) -> asyncio.Future[None]:
        """Queue ``data`` for writing; the future is done once it is out (or holds the error)."""
        done: asyncio.Future[None] = self._loop.create_future()
        self._jobs.put((data, done))
        return done

    async def write(self, data: bytes) -> None:
        """Write and flush ``data``; returns once it is out (or raises the write's error)."""
        await self.send(data)

    def close(self) -> None:
        """Let the thread end once the writes before this one are done."""
        self._jobs.put(None)


def _settle(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.done():  # the writer was cancelled while the thread wrote
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


async def read_lines(stream: BinaryIO, *, max_bytes: int, skip: int = 0) -> AsyncIterator[Line]:
    """Every line of ``stream`` after the first ``skip``, as it arrives.

    A trailing ``\\r`` is dropped (CRLF files); a final line without ``\\n`` is
    a line; a ``\\n`` at the very end does not start another one.
    """
    reader = _ChunkReader(stream)
    buf = bytearray()
    size = 0  # bytes of the current line so far, kept or not
    number = 1
    while True:
        chunk = await reader.read()
        if not chunk:
            break
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            size += len(piece)
            if size <= max_bytes + 1:  # +1: a CR before the LF is not part of the line
                buf += piece
            if end < 0:
                break
            if number > skip:
                yield _line(number, buf, size, max_bytes)
            number += 1
            buf.clear()
            size = 0
            start = end + 1
    if size and number > skip:
        yield _line(number, buf, size, max_bytes)


def _line(number: int, buf: bytearray, size: int, max_bytes: int) -> Line:
    if buf.endswith(b"\r"):
        del buf[-1]
        size -= 1
    if size > max_bytes:
        return Line(number, None, size)
    return Line(number, bytes(buf), size)
