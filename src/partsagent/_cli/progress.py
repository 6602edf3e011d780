"""Progress of a long batch on a terminal: done, failed, rate, elapsed time and ETA.

One line on stderr, redrawn at most ``redraws_per_s`` times a second, and only
when stderr is a terminal: a log file or a pipe gets nothing. The ETA needs
the number of lines, which is counted in a worker thread for a regular file
(never for standard input), so the first report does not wait for the count.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from typing import BinaryIO, TextIO

__all__ = ["Progress", "count_lines"]

_CHUNK = 1024 * 1024


def count_lines(stream: BinaryIO) -> int | None:
    """Lines of the regular file behind ``stream`` (a last line without ``\\n`` counts), or None."""
    try:
        fd = stream.fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None  # a pipe or a terminal: the count would consume what it counts
        lines = 0
        last = b"\n"
        offset = 0
        # pread: the reader shares this descriptor's offset, and pread leaves it alone.
        while chunk := os.pread(fd, _CHUNK, offset):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
            offset += len(chunk)
        return lines + (last != b"\n")
    except (OSError, ValueError):
        return None


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts written and failed lines; draws them on a terminal, throttled."""

    def __init__(
        self,
        err: TextIO,
        *,
        redraws_per_s: float = 4.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.err = err
        self.show = err.isatty()
        self.written = 0
        self.failed = 0
        self.total: int | None = None
        """Lines this run will write, when known (a regular file, less --skip)."""
        self._clock = clock
        self._started = clock()
        self._interval = 1.0 / redraws_per_s
        self._drawn_at: float | None = None
        self._width = 0

    def add(self, ok: bool) -> None:
        self.written += 1
        self.failed += not ok

    def line(self) -> str:
        """What the terminal shows now."""
        elapsed = self._clock() - self._started
        rate = self.written / elapsed if elapsed > 0 else 0.0
        done = f"{self.written:,}" + (f"/{self.total:,}" if self.total is not None else "")
        parts = [f"{done} reports", f"{rate:,.1f}/s", f"elapsed {_clock(elapsed)}"]
        if self.total is not None and rate > 0:
            parts.append(f"ETA {_clock(max(self.total - self.written, 0) / rate)}")
        parts.append(f"{self.failed:,} failed")
        return "  ".join(parts)

    def draw(self, *, force: bool = False) -> None:
        """Redraw, unless the last redraw is more recent than the interval."""
        if not self.show:
            return
        now = self._clock()
        if not force and self._drawn_at is not None and now - self._drawn_at < self._interval:
            return
        self._drawn_at = now
        text = self.line()
        # Pad over a longer previous line: "\r" moves back, it does not erase.
        self.err.write("\r" + text.ljust(self._width))
        self.err.flush()
        self._width = len(text)

    def end(self) -> None:
        if self.show and self.written:
            self.draw(force=True)
            self.err.write("\n")
            self.err.flush()
