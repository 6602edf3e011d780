"""A report that could not read part of the catalog says so: a field, its first warning, the CLI."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from partsagent import PartsAgent, PartsReport
from partsagent._cli.main import main

MID = "117"
BONNET = "CAT003"
VEHICLE = {"make": "Vauxhall", "model": "Astra", "year": 2018}
ARGS = ["report", "--vehicle", "Vauxhall Astra 2018", "--damage", "Bonnet:severe"]


def break_the_bonnet(bucket: Path) -> Path:
    """Every Astra bonnet list is garbled: it can be read by nobody."""
    for path in bucket.glob(f"manufacturers/{MID}/variants/*/categories/{BONNET}/articles.json"):
        path.write_bytes(b"[{garbled")
    return bucket


async def test_an_incomplete_report_says_so(plain_bucket: Path) -> None:
    """complete is False, the bonnet is listed unpriced with why, and the first warning says so."""
    async with PartsAgent(break_the_bonnet(plain_bucket)) as agent:
        report = await agent.process_damage_report(VEHICLE, "bonnet smashed")
    assert report.complete is False
    assert [u.part for u in report.unpriced] == ["Bonnet"]
    assert "could not read" in report.unpriced[0].reason
    assert report.coded_warnings[0].code == "incomplete_report"
    assert "Bonnet" in report.warnings[0]
    assert [op.operation for op in report.operations if op.category.name == "Bonnet"]


async def test_a_whole_report_is_complete(sample_agent: PartsAgent) -> None:
    """Every list read: complete, nothing unpriced, no such warning."""
    report = await sample_agent.process_damage_report(VEHICLE, "bonnet smashed")
    assert report.complete is True
    assert report.unpriced == ()
    assert not report.has_warning("incomplete_report")


def test_the_table_and_the_exit_status_of_an_incomplete_report(
    plain_bucket: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The table never says "no parts to buy" for a part it could not price; exit status 3."""
    assert main([*ARGS, "--catalog", str(break_the_bonnet(plain_bucket))]) == 3
    out = capsys.readouterr().out
    assert "no parts to buy" not in out
    assert "INCOMPLETE" in out
    assert "Bonnet" in out.split("operation")[0]  # named above the operations


def test_json_of_an_incomplete_report(
    plain_bucket: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json carries complete: false and the unpriced parts; the exit status is 3 too."""
    assert main([*ARGS, "--json", "--catalog", str(break_the_bonnet(plain_bucket))]) == 3
    data = orjson.loads(capsys.readouterr().out)
    assert data["complete"] is False
    assert data["unpriced"][0]["part"] == "Bonnet"
    assert PartsReport.model_validate(data).complete is False


def test_a_batch_with_an_incomplete_report_exits_3(
    plain_bucket: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch whose lines are all reports, one incomplete: exit 3, not 0."""
    batch = tmp_path / "batch.jsonl"
    line = {"vehicle": VEHICLE, "damaged_parts": "bonnet smashed"}
    batch.write_bytes(orjson.dumps(line) + b"\n")
    bucket = str(break_the_bonnet(plain_bucket))
    assert main(["report", "--batch", str(batch), "--catalog", bucket]) == 3
    assert orjson.loads(capsys.readouterr().out.splitlines()[0])["complete"] is False
