"""`partsagent report --batch`: one line out per line in, in order, streamed, resumable."""

from __future__ import annotations

import asyncio
import gc
import os
import select
import signal
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from partsagent._cli.batch import DEFAULT_MAX_LINE_BYTES as MAX_LINE
from partsagent._cli.main import main
from partsagent._cli.stream import Line, read_lines
from partsagent.testing import CatalogServer, ScriptedOpenAIServer, ServerOptions, Step

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
GOOD = {"vehicle": ASTRA, "damaged_parts": [{"component": "bonnet", "severity": "minor"}]}
VEHICLES = [
    ("Vauxhall", "Astra", 2018, "ASTRA"),
    ("Ford", "Focus", 2020, "FOCUS"),
    ("Ford", "Fiesta", 2019, "FIESTA"),
    ("VW", "Golf", 2016, "GOLF"),
    ("Toyota", "Corolla", 2020, "COROLLA"),
    ("Honda", "Civic", 2019, "CIVIC"),
]
DAMAGES = ["bonnet dented", "rear bumper cracked", "left headlight smashed", "front bumper"]


def item(i: int) -> dict[str, Any]:
    """The i-th of 24 distinct reports."""
    make, model, year, _ = VEHICLES[i % len(VEHICLES)]
    damage = DAMAGES[(i // len(VEHICLES)) % len(DAMAGES)]
    return {"vehicle": {"make": make, "model": model, "year": year}, "damaged_parts": damage}


def model_of(i: int) -> str:
    return VEHICLES[i % len(VEHICLES)][3]


def write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[Any], str]:
    status = main(["report", *args])
    out, err = capsys.readouterr()
    return status, [orjson.loads(line) for line in out.splitlines()], err


def test_every_line_gets_one_line_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Good and bad lines alike get exactly one output line each, in input order; exit 1."""
    lines = [
        orjson.dumps(GOOD),
        b'{"vehicle": {"make": "Vauxhall", "model": "Astra"}, "damaged_parts": "hood",}',
        b"[1, 2]",
        b'{"vehicle": {"make": "Vauxhall", "model": "Astra"}}',
        orjson.dumps({**GOOD, "vehicle": {**ASTRA, "year": 1900}}),
        b"   ",
        orjson.dumps({**GOOD, "vehicle": {"make": "Trabant", "model": "601"}}),
        b'{"vehicle": "' + b"x" * 30000 + b'"}',
        orjson.dumps({**GOOD, "damaged_parts": [{"component": "hood"}] * 51}),
        orjson.dumps({**GOOD, "damaged_parts": "scratch " * 1500}),
        b"\xff\xfe not utf-8",
        orjson.dumps(item(1)),
    ]
    batch = write(tmp_path / "in.jsonl", lines)
    status, out, err = run(capsys, "--batch", str(batch), "--max-line-bytes", "20000")
    assert status == 1, err
    assert len(out) == len(lines)
    assert out[0]["vehicle"]["model"]["name"] == "ASTRA"
    assert out[-1]["vehicle"]["model"]["name"] == "FOCUS"
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert sorted(errors) == list(range(2, 12))
    assert all(set(o) == {"line", "error"} for o in out if "error" in o)
    words = {
        2: "not JSON",
        3: "not an object",
        4: "'damaged_parts'",
        5: "1950",
        6: "blank",
        7: "TRABANT",
        8: "limit of 20000",
        9: "limit of 50",
        10: "limit of 10000",
        11: "not JSON",
    }
    for n, word in words.items():
        assert word.lower() in errors[n]["message"].lower(), errors[n]
        assert errors[n]["type"] == "InputError"


def test_exit_0_when_every_line_is_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 0: every line became a report; a CRLF file and a last line without LF read the same."""
    batch = tmp_path / "in.jsonl"
    batch.write_bytes(b"\r\n".join(orjson.dumps(item(i)) for i in range(3)))
    status, out, err = run(capsys, "--batch", str(batch), "--concurrency", "2")
    assert status == 0, err
    assert [o["vehicle"]["model"]["name"] for o in out] == [model_of(i) for i in range(3)]
    assert "operation" in err  # the metrics summary table


def test_a_component_field_holding_a_sentence_is_read_as_free_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch component naming two parts gives both, with the note that it was free text."""
    line = {
        "vehicle": {"make": "Ford", "model": "Focus", "year": 2020},
        "damaged_parts": [{"component": "F/B and grille", "severity": "severe"}],
    }
    status, out, err = run(
        capsys, "--batch", str(write(tmp_path / "in.jsonl", [orjson.dumps(line)]))
    )
    assert status == 0, err
    damaged = [ln["category"]["id"] for ln in out[0]["lines"] if ln["reason"] == "damaged"]
    assert damaged == ["CAT001", "CAT011"]
    assert any("as free text" in w for w in out[0]["warnings"])
    assert "free_text_read" in [w["code"] for w in out[0]["coded_warnings"]]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--batch", "/nonexistent/in.jsonl"], "cannot read", id="missing-file"),
        pytest.param(["--batch", "."], "cannot read", id="a-directory"),
        pytest.param(["--batch", "x", "--concurrency", "0"], "concurrency", id="concurrency"),
        pytest.param(["--batch", "x", "--skip", "-1"], "skip", id="skip"),
        pytest.param(["--batch", "x", "--max-line-bytes", "0"], "line-bytes", id="line-cap"),
    ],
)
def test_exit_2_when_the_run_cannot_start(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    """Exit 2 with one line, and no output, when the batch cannot even start."""
    status, out, err = run(capsys, *args)
    assert status == 2
    assert out == []
    assert len(err.strip().splitlines()) == 1
    assert words in err


def test_empty_input_is_an_empty_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No line in, no line out, exit 0."""
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    status, out, _ = run(capsys, "--batch", str(empty))
    assert (status, out) == (0, [])


def test_skip_resumes_with_the_right_line_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--skip N: the first N lines are not read as reports; the rest keep their numbers."""
    lines = [b"not json at all", orjson.dumps(item(0)), b"[]", orjson.dumps(item(2))]
    batch = write(tmp_path / "in.jsonl", lines)
    status, out, _ = run(capsys, "--batch", str(batch), "--skip", "1")
    assert status == 1
    assert len(out) == 3
    assert out[0]["vehicle"]["model"]["name"] == model_of(0)
    assert out[1]["line"] == 3
    assert out[2]["vehicle"]["model"]["name"] == model_of(2)
    status, out, _ = run(capsys, "--batch", str(batch), "--skip", "3")
    assert (status, [o["vehicle"]["model"]["name"] for o in out]) == (0, [model_of(2)])
    status, out, _ = run(capsys, "--batch", str(batch), "--skip", "99")
    assert (status, out) == (0, [])


def _peak_reading(batch: Path) -> tuple[list[Line], int]:
    """The lines of ``batch`` as --batch reads them, and the peak of allocations meanwhile."""

    async def read_all() -> list[Line]:
        with batch.open("rb") as fh:
            return [line async for line in read_lines(fh, max_bytes=MAX_LINE)]

    gc.collect()
    tracemalloc.start()
    try:
        lines = asyncio.run(read_all())
        return lines, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_oversized_line_is_never_held_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 32 MB line over the cap costs its error line, not 32 MB of memory."""
    big = tmp_path / "big.jsonl"
    with big.open("wb") as fh:
        fh.write(orjson.dumps(GOOD) + b"\n")
        fh.write(b'{"vehicle": "')
        for _ in range(512):
            fh.write(b"x" * 65536)
        fh.write(b'"}\n' + orjson.dumps(GOOD) + b"\n")
    lines, peak = _peak_reading(big)
    assert [(ln.number, ln.data is None) for ln in lines] == [(1, False), (2, True), (3, False)]
    assert lines[1].size > 32 * 1024 * 1024
    # At most the cap of the line and the chunks read ahead are ever held.
    assert peak < MAX_LINE + 2 * 1024 * 1024, peak
    assert main(["report", "--batch", str(big)]) == 1
    out = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o.get("line") for o in out] == [None, 2, None]
    assert "over the limit of 1048576" in out[1]["error"]["message"]


@pytest.fixture
def batch_process() -> Iterator[subprocess.Popen[bytes]]:
    """`partsagent report --batch -` reading a pipe this test writes to."""
    with subprocess.Popen(
        [sys.executable, "-m", "partsagent", "report", "--batch", "-", "--concurrency", "4"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        yield proc
        if proc.poll() is None:
            proc.kill()


def read_line(stream: Any, timeout: float = 60.0) -> bytes:
    """One output line, or fail if none comes within ``timeout`` (a hang, not a timing check)."""
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, "no output line"
    return bytes(stream.readline())


def test_lines_are_answered_as_they_come(batch_process: subprocess.Popen[bytes]) -> None:
    """Each line's answer comes out while the input is still open: nothing waits for the end."""
    proc = batch_process
    assert proc.stdin is not None
    assert proc.stdout is not None
    for i in range(3):
        proc.stdin.write(orjson.dumps(item(i)) + b"\n")
        proc.stdin.flush()
        answer = orjson.loads(read_line(proc.stdout))
        assert answer["vehicle"]["model"]["name"] == model_of(i)
    proc.stdin.write(b"oops\n")
    proc.stdin.close()
    assert orjson.loads(read_line(proc.stdout))["line"] == 4
    assert proc.wait(timeout=60) == 1


def test_a_killed_run_keeps_its_lines_and_resumes(tmp_path: Path) -> None:
    """SIGKILL midway leaves whole lines in order; --skip with their count finishes the rest."""
    total = 3000
    batch = write(tmp_path / "in.jsonl", [orjson.dumps(item(i)) for i in range(total)])
    out_path = tmp_path / "out.jsonl"
    argv = [sys.executable, "-m", "partsagent", "report", "--batch", str(batch)]
    with out_path.open("wb") as out, subprocess.Popen(argv, stdout=out) as proc:
        # Wait until a few hundred lines are out, then kill without warning.
        while out_path.stat().st_size < 200 * 1024 and proc.poll() is None:
            ready, _, _ = select.select([], [], [], 0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    kept = out_path.read_bytes().split(b"\n")
    complete = [orjson.loads(line) for line in kept[:-1]]  # the last piece may be cut
    assert 0 < len(complete) < total
    assert [o["vehicle"]["model"]["name"] for o in complete] == [
        model_of(i) for i in range(len(complete))
    ]
    resumed = subprocess.run(
        [*argv, "--skip", str(len(complete))], capture_output=True, timeout=600, check=False
    )
    assert resumed.returncode == 0
    rest = [orjson.loads(line) for line in resumed.stdout.splitlines()]
    names = [o["vehicle"]["model"]["name"] for o in complete + rest]
    assert names == [model_of(i) for i in range(total)]


async def test_a_broken_model_endpoint_is_that_lines_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --planner llm, a 200 with a cut-short body is one PlannerError line; others go on."""

    def responder(body: dict[str, Any]) -> Step:
        return Step.raw('{"id": "chatcmpl-1", "choices": [{"mess')

    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("PARTSAGENT_LLM_MODEL", "scripted")
    lines = [orjson.dumps(item(0)), b"[]", orjson.dumps(item(1))]
    batch = write(tmp_path / "in.jsonl", lines)
    async with ScriptedOpenAIServer(responder) as server:
        monkeypatch.setenv("PARTSAGENT_LLM_BASE_URL", server.base_url)
        status = await asyncio.to_thread(
            main, ["report", "--batch", str(batch), "--planner", "llm"]
        )
    out = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert [o["line"] for o in out] == [1, 2, 3]
    assert [o["error"]["type"] for o in out] == ["PlannerError", "InputError", "PlannerError"]
    assert "not JSON" in out[0]["error"]["message"]
    assert server.failures == []


async def test_warnings_are_one_line_per_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], catalog_server: CatalogServer
) -> None:
    """A failing catalog: one stderr line for the retries, one for the breaker, however many."""
    catalog_server.options = ServerOptions(error_rate=1.0)
    batch = write(tmp_path / "in.jsonl", [orjson.dumps(item(i)) for i in range(6)])
    args = ["report", "--batch", str(batch), "--catalog", catalog_server.url, "--concurrency", "1"]
    # One process: the breaker, and the warnings of what it saw, are a process's own.
    status = await asyncio.to_thread(main, [*args, "--jobs", "1"])
    out, err = capsys.readouterr()
    assert status == 1
    types = [orjson.loads(line)["error"]["type"] for line in out.splitlines()]
    assert (types[0], types[-1], len(types)) == ("CatalogUnavailable", "CircuitOpen", 6)
    warnings = [line for line in err.splitlines() if line.startswith("partsagent: warning:")]
    assert len(warnings) == 2, err
    assert "retr" in warnings[0]
    assert "HTTP 503" in warnings[0]
    assert "circuit breaker" in warnings[1]
    assert "Traceback" not in err


async def test_a_single_report_warns_once_before_its_error(
    capsys: pytest.CaptureFixture[str], catalog_server: CatalogServer
) -> None:
    """`partsagent report` against a failing catalog: one retry warning, then one error line."""
    catalog_server.options = ServerOptions(error_rate=1.0)
    args = ["report", "--vehicle", "Vauxhall Astra 2018", "--damage", "Hood"]
    status = await asyncio.to_thread(main, [*args, "--catalog", catalog_server.url])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith("partsagent: warning:")
    assert lines[1].startswith("partsagent: error:")


def test_ctrl_c_while_waiting_for_input_exits_130(batch_process: subprocess.Popen[bytes]) -> None:
    """SIGINT with the input still open: exit 130, finished lines kept, no abort at shutdown."""
    proc = batch_process
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdin.write(orjson.dumps(item(0)) + b"\n")
    proc.stdin.flush()
    assert orjson.loads(read_line(proc.stdout))["vehicle"]["model"]["name"] == model_of(0)
    proc.send_signal(signal.SIGINT)  # the reader is now blocked on the open pipe
    assert proc.wait(timeout=60) == 130
    assert b"Fatal Python error" not in proc.stderr.read()


def test_summary_counts_reports_answered_from_the_report_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line answered from an earlier line's report shows as a report-cache hit."""
    same = {**GOOD, "vehicle": {"make": "Opel", "model": "Astra", "year": 2018}}
    batch = write(tmp_path / "in.jsonl", [orjson.dumps(GOOD), orjson.dumps(same), b"[1]"])
    # One process: a report cache is a process's own.
    status, out, err = run(capsys, "--batch", str(batch), "--concurrency", "1", "--jobs", "1")
    assert status == 1
    assert len(out) == 3
    # The line that is not a report never reaches the agent: two reports, one of them a hit.
    assert "reports: 2 (2 ok, 0 failed); report cache: 1 hits, 0 coalesced, 1 computed" in err
