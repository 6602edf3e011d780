"""`partsagent report --batch` in bounded memory: peak RSS of 1,000 vs 100,000 reports.

Each batch runs the real command line in a child process
(``python -m partsagent report --batch FILE``, the embedded sample catalog, 16 in
flight); its output is read as it comes and counted. Measured per size: peak RSS
of the child (``ru_maxrss`` from ``wait4``), time from start to the first output
line, wall time, lines per second, and that every input line got one output line.

The input is drawn from 500 distinct reports (``_common.make_reports`` on the
sample): the first 500 lines are all of them in a shuffled order, later lines
cycle through them in other shuffled orders. Both runs thus fill the report and
document caches with the same entries after their first 500 lines, so the peak
compares the batch pipeline itself, which is what must not grow with the batch
(the caches' own bounds are measured by ``load.py``). Before the streaming batch
(issue 10) the peak was 182 MB at 1,000 reports, 370 MB at 10,000 and 570 MB at
20,000: every line was parsed, tasked and held until the end.

Targets: peak RSS at 100,000 within 15% of 1,000; the first line out within 1 s
of start. ``--quick`` runs 1,000 and 20,000.
"""

from __future__ import annotations

import os
import random
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

import _common as c
from partsagent.catalog import sample_catalog_path

DISTINCT = 500
CONCURRENCY = 16
SIZES = (1_000, 100_000)
QUICK_SIZES = (1_000, 20_000)
SEED = 10


def write_batch(path: Path, n: int, reports: list[c.Report]) -> None:
    """``n`` lines cycling through ``reports``, each cycle in its own shuffled order."""
    rng = random.Random(SEED)
    lines = [
        orjson.dumps({"vehicle": r.vehicle, "damaged_parts": r.damage}) + b"\n" for r in reports
    ]
    written = 0
    with path.open("wb") as fh:
        while written < n:
            order = list(range(len(lines)))
            rng.shuffle(order)
            for i in order[: n - written]:
                fh.write(lines[i])
            written += min(len(order), n - written)


def run_batch(path: Path) -> dict[str, Any]:
    """The command line on ``path``: first-line time, wall time, lines, peak RSS of the child."""
    argv = [sys.executable, "-m", "partsagent", "report", "--batch", str(path)]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*argv, "--concurrency", str(CONCURRENCY)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    first: float | None = None
    lines = 0
    errors = 0
    fd = proc.stdout.fileno()
    tail = b""
    while True:
        select.select([fd], [], [])
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        if first is None:
            first = time.perf_counter() - started
        data = tail + chunk
        parts = data.split(b"\n")
        tail = parts.pop()
        lines += len(parts)
        errors += sum(p.startswith(b'{"line"') for p in parts)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    return {
        "exit": proc.returncode,
        "lines": lines,
        "error_lines": errors,
        "first_line_s": round(first or 0.0, 3),
        "wall_s": round(wall, 1),
        "lines_per_s": round(lines / wall, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024.0, 1),
    }


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    sizes = QUICK_SIZES if args.quick else SIZES
    sample = sample_catalog_path()
    reports = c.make_reports(sample, DISTINCT)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"batch-{n}.jsonl"
            write_batch(path, n, reports)
            print(f"running {n:,} reports ...", flush=True)
            results[str(n)] = {"input_mb": round(path.stat().st_size / 1e6, 1), **run_batch(path)}
    rows = [
        [
            f"{n:,}",
            r["input_mb"],
            r["lines"],
            r["error_lines"],
            r["exit"],
            r["first_line_s"],
            r["wall_s"],
            r["lines_per_s"],
            r["peak_rss_mb"],
        ]
        for n, r in ((int(k), v) for k, v in results.items())
    ]
    c.print_table(
        f"partsagent report --batch, {CONCURRENCY} in flight, {DISTINCT} distinct reports",
        ["reports", "input MB", "lines out", "error lines", "exit", "first line s", "wall s",
         "lines/s", "peak RSS MB"],
        rows,
    )  # fmt: skip
    small, big = (results[str(n)] for n in sizes)
    growth = big["peak_rss_mb"] / small["peak_rss_mb"] - 1.0
    first = max(r["first_line_s"] for r in results.values())
    targets = [
        c.target(
            f"peak RSS {sizes[1]:,} vs {sizes[0]:,} reports",
            round(100 * growth, 1),
            "<= +15%",
            growth <= 0.15,
            "%",
        ),
        c.target("first line out", first, "<= 1 s", first <= 1.0, " s"),
        c.target(
            "one output line per input line",
            all(r["lines"] == int(n) for n, r in results.items()),
            "True",
            all(r["lines"] == int(n) for n, r in results.items()),
        ),
    ]
    c.print_targets(targets)
    c.write_result(
        "batch_memory",
        {"sizes": sizes, "distinct_reports": DISTINCT, "concurrency": CONCURRENCY, "seed": SEED},
        results,
        targets,
    )


if __name__ == "__main__":
    main()
