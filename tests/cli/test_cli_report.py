"""`partsagent report`: the table, --json, --batch and bad input, in-process and as a process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from partsagent import PartsReport
from partsagent._cli.main import main
from partsagent.testing import start_server_process

SEED = [
    "report",
    "--vehicle",
    "Vauxhall Astra 2018",
    "--damage",
    "Front Bumper Cover:severe",
    "--damage",
    "Headlight Assembly:moderate",
    "--damage",
    "Hood:minor",
]


def test_seed_report_prints_a_table_with_totals(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's first command prints the parts, the totals and a performance line."""
    assert main(SEED) == 0
    out, err = capsys.readouterr()
    assert "VAUXHALL ASTRA 2018" in out
    assert "Front Bumper Reinforcement" in out
    assert "total" in out
    assert "GBP" in out
    assert "performance:" in out
    assert "Traceback" not in err


def test_json_output_is_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints PartsReport.model_dump(mode='json') and nothing else on stdout."""
    assert main([*SEED, "--json"]) == 0
    report = PartsReport.model_validate_json(capsys.readouterr().out)
    assert report.vehicle.model.name == "ASTRA"
    assert {line.reason for line in report.lines} == {"damaged", "secondary", "consumable"}


def test_json_is_identical_over_http(capsys: pytest.CaptureFixture[str]) -> None:
    """The seed scenario is the same from the embedded catalog and from the server."""
    assert main([*SEED, "--json"]) == 0
    local = orjson.loads(capsys.readouterr().out)
    # main() runs its own event loop, so the server runs in a process of its own.
    with start_server_process() as server:
        assert main([*SEED, "--json", "--catalog", server.url]) == 0
    remote = orjson.loads(capsys.readouterr().out)
    for report in (local, remote):
        del report["performance"]
    assert local == remote


def test_market_and_vin_options(capsys: pytest.CaptureFixture[str]) -> None:
    """--market US puts the passenger mirror on the right; --vin resolves by VIN."""
    args = ["report", "--vehicle", "Ford Focus 2019", "--damage", "passenger door mirror"]
    assert main([*args, "--market", "US", "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["lines"][0]["position"]["side"] == "right"
    vin = ["report", "--vin", "1FADP3F29JL000001", "--damage", "bonnet:minor", "--json"]
    assert main(vin) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["vehicle"]["model"]["name"] == "FOCUS"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--vehicle", "Trabant 601 1980", "--damage", "bonnet"], id="unknown-make"),
        pytest.param(["--vehicle", "Vauxhall Astra 2018", "--damage", ":severe"], id="empty"),
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2018", "--damage", "bonnet:awful"], id="severity"
        ),
        pytest.param(["--vehicle", "2018", "--damage", "bonnet"], id="no-make-no-model"),
        pytest.param(["--damage", "bonnet"], id="no-vehicle"),
        pytest.param(["--vehicle", "Vauxhall Astra 2018"], id="no-damage"),
        pytest.param(["--vin", "I0O", "--damage", "bonnet"], id="bad-vin"),
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2018", "--damage", "x", "--planner", "gpt"], id="planner"
        ),
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2018", "--damage", "bonnet", "--catalog", "/nonexistent"],
            id="catalog-dir",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """Bad input: exit status 2 and one readable line on stderr, never a traceback."""
    assert main(["report", *args]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("partsagent: error:")
    assert "Traceback" not in err


def test_batch_writes_one_line_per_input_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--batch: one JSON line per input line, in order; bad reports become error objects."""
    batch = tmp_path / "in.jsonl"
    lines = [
        {
            "vehicle": {"make": "Vauxhall", "model": "Astra", "year": 2018},
            "damaged_parts": [{"component": "bonnet", "severity": "minor"}],
        },
        {
            "vehicle": {"make": "Trabant", "model": "601", "year": 1980},
            "damaged_parts": [{"component": "bonnet"}],
        },
        {
            "vehicle": {"make": "Ford", "model": "Fiesta", "year": 2019},
            "damaged_parts": "rear bumper smashed",
        },
    ]
    batch.write_bytes(b"\n".join(orjson.dumps(x) for x in lines) + b"\n\n")
    assert main(["report", "--batch", str(batch), "--concurrency", "2"]) == 0
    out, err = capsys.readouterr()
    results = [orjson.loads(x) for x in out.splitlines()]
    assert len(results) == 3
    assert results[0]["vehicle"]["model"]["name"] == "ASTRA"
    assert results[1]["error"]["type"] == "InputError"
    assert (
        "Trabant" in results[1]["error"]["message"]
        or "TRABANT" in results[1]["error"]["message"].upper()
    )
    assert results[2]["vehicle"]["model"]["name"] == "FIESTA"
    assert "operation" in err  # the metrics summary table


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json}\n", id="not-json"),
        pytest.param(b"[1, 2]\n", id="not-an-object"),
        pytest.param(b'{"vehicle": {}}\n', id="missing-field"),
        pytest.param(b"\n\n", id="empty"),
    ],
)
def test_malformed_batch_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    """A malformed JSONL file exits 2 with one line naming the problem."""
    batch = tmp_path / "bad.jsonl"
    batch.write_bytes(content)
    assert main(["report", "--batch", str(batch)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_console_script_runs_the_seed_scenario() -> None:
    """`python -m partsagent report ...` works as a process and keeps stdout clean."""
    proc = subprocess.run(
        [sys.executable, "-m", "partsagent", *SEED, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert PartsReport.model_validate_json(proc.stdout).lines
