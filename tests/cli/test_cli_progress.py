"""Progress of `--batch` on a terminal: rate, elapsed, ETA and failures, throttled, TTY only."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import orjson

from partsagent._cli.progress import Progress, count_lines

GOOD = {
    "vehicle": {"make": "Vauxhall", "model": "Astra", "year": 2018},
    "damaged_parts": [{"component": "bonnet", "severity": "minor"}],
}


class Terminal(io.StringIO):
    """A text stream that says it is a terminal and counts its writes."""

    writes = 0

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.writes += 1
        return super().write(s)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_line_shows_rate_elapsed_eta_and_failures() -> None:
    """After 30 of 120 lines in 10 s: 3.0/s, 0:10 elapsed, 0:30 to go, the failures."""
    clock = Clock()
    progress = Progress(Terminal(), clock=clock)
    progress.total = 120
    for i in range(30):
        progress.add(ok=i % 10 != 0)
    clock.now += 10
    assert progress.line() == "30/120 reports  3.0/s  elapsed 0:10  ETA 0:30  3 failed"


def test_without_a_total_there_is_no_eta() -> None:
    """Standard input has no known length: the line shows no ETA."""
    clock = Clock()
    progress = Progress(Terminal(), clock=clock)
    progress.add(ok=True)
    clock.now += 2
    assert "ETA" not in progress.line()
    assert progress.line().startswith("1 reports  0.5/s")


def test_redraws_are_throttled() -> None:
    """Draws closer together than the interval write nothing; a forced one always writes."""
    clock = Clock()
    term = Terminal()
    progress = Progress(term, redraws_per_s=4, clock=clock)
    progress.draw()
    for _ in range(10):
        clock.now += 0.01
        progress.draw()
    drawn = term.writes
    clock.now += 0.3
    progress.draw()
    progress.draw(force=True)
    assert term.writes == drawn + 2


def test_nothing_is_drawn_when_stderr_is_not_a_terminal() -> None:
    """A log file or a pipe gets no progress line."""
    stream = io.StringIO()
    progress = Progress(stream)
    progress.add(ok=True)
    progress.draw(force=True)
    progress.end()
    assert stream.getvalue() == ""


def test_count_lines_of_a_file_leaves_the_reader_where_it_was(tmp_path: Path) -> None:
    """Counting reads with pread: the batch's own reading position does not move."""
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"a\nb\nc")
    with path.open("rb") as fh:
        assert fh.read(2) == b"a\n"
        assert count_lines(fh) == 3
        assert fh.read() == b"b\nc"


def test_count_lines_of_a_pipe_is_unknown() -> None:
    """A pipe cannot be counted without consuming it."""
    read, write = os.pipe()
    try:
        with os.fdopen(read, "rb") as fh:
            assert count_lines(fh) is None
    finally:
        os.close(write)


def test_a_batch_on_a_terminal_ends_with_the_full_progress_line(tmp_path: Path) -> None:
    """The CLI, with stderr on a pseudo-terminal, ends its progress with count, ETA and failures."""
    batch = tmp_path / "in.jsonl"
    batch.write_bytes(orjson.dumps(GOOD) + b"\nnot json\n" + orjson.dumps(GOOD) + b"\n")
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "partsagent", "report", "--batch", str(batch)],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=60,
            check=False,
        )
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == 3
    # The terminal turns "\n" into "\r\n"; the progress line is redrawn after "\r".
    last = shown.decode().split("\r\n")[0].split("\r")[-1]
    assert last.startswith("3/3 reports")
    assert "ETA 0:00" in last
    assert last.rstrip().endswith("1 failed")
