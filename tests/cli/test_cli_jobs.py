"""`report --batch --jobs N`: worker processes, the output of one process, resumable."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from _worker_pids import worker_pids
from partsagent import InputError, PartsReport
from partsagent._processes import default_jobs, process_batch_in_processes
from partsagent.testing import sample_reports

BAD = [b"not json", b'{"vehicle": {"make": "Ford"}}', b"[1, 2]"]


def _lines(n: int) -> list[bytes]:
    """``n`` report lines over the 60 sample reports, with a bad line every 7th."""
    reports = sample_reports()
    lines = []
    for i in range(n):
        if i % 7 == 3:
            lines.append(BAD[i % len(BAD)])
        else:
            vehicle, damage = reports[i % len(reports)]
            lines.append(orjson.dumps({"vehicle": vehicle, "damaged_parts": damage}))
    return lines


def _batch(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(_lines(n)) + b"\n")
    return path


def _run(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "partsagent", "report", *args],
        capture_output=True,
        timeout=300,
        check=False,
    )
    out = [orjson.loads(line) for line in proc.stdout.splitlines()]
    for line in out:
        line.pop("performance", None)  # timings and cache outcomes are a process's own
    return proc.returncode, out, proc.stderr.decode()


def test_two_workers_write_the_lines_of_one_process(tmp_path: Path) -> None:
    """--jobs 2 gives --jobs 1's lines (errors included), in order, from the --skip line on."""
    batch = _batch(tmp_path, 80)
    one = _run("--batch", str(batch), "--jobs", "1", "--skip", "5")
    two = _run("--batch", str(batch), "--jobs", "2", "--skip", "5")
    assert one[0] == two[0] == 1  # some lines are errors
    assert two[1] == one[1]
    assert len(two[1]) == 75
    assert [line["line"] for line in two[1] if "error" in line][:2] == [11, 18]
    assert "worker 1 of 2:" in two[2]
    assert "worker 2 of 2:" in two[2]
    # Each worker's summary counts its reports and CPU: together, every line from --skip on.
    counted = [int(n) for n in re.findall(r"worker \d of 2: (\d+) reports; CPU [\d.]+ s", two[2])]
    assert len(counted) == 2
    assert sum(counted) == 75


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_a_killed_worker_ends_the_run_with_lines_to_resume_from(tmp_path: Path) -> None:
    """SIGKILL of a worker: one error line naming the --skip that resumes; earlier lines kept."""
    batch = _batch(tmp_path, 3000)
    with subprocess.Popen(
        [sys.executable, "-m", "partsagent", "report", "--batch", str(batch), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the workers are up and answering
        assert first
        workers = worker_pids(proc.pid)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        rest, err = proc.communicate(timeout=120)
    lines = [first, *rest.splitlines()]
    assert proc.returncode == 2
    message = err.decode().strip().splitlines()[-1]
    assert message.startswith("partsagent: error: a worker process ended")
    skip = int(message.rsplit("--skip ", 1)[1])
    assert skip == len(lines) < 3000  # line N of the output answers input line N


async def test_library_users_get_results_in_input_order_from_processes() -> None:
    """process_batch_in_processes: one result per input, in order, reports or typed errors."""
    reports: list[Any] = [
        line.decode() if line == b"not json" else orjson.loads(line) for line in _lines(20)
    ]
    results = [r async for r in process_batch_in_processes(reports, jobs=2, chunk_size=4)]
    assert [r.index for r in results] == list(range(20))
    for i, result in enumerate(results):
        if i % 7 == 3:
            assert isinstance(result.error, InputError)
            assert result.report is None
        else:
            assert isinstance(result.report, PartsReport)
            assert result.error is None


@pytest.mark.parametrize(
    ("lines", "workers"), [pytest.param(5, False, id="small"), pytest.param(200, True, id="large")]
)
def test_without_jobs_a_small_file_runs_in_this_process(
    tmp_path: Path, lines: int, workers: bool
) -> None:
    """--jobs left out: a file under 200 lines in one process, a longer one on every core."""
    status, out, err = _run("--batch", str(_batch(tmp_path, lines)))
    assert status == 1  # a bad line every 7th
    assert len(out) == lines
    assert ("worker 1 of" in err) == (workers and default_jobs() > 1)
