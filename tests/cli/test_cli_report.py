"""`partsagent report`: the table, --json, --batch and bad input, in-process and as a process."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from partsagent import EstimateData, PartsReport
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
    assert {line.reason for line in report.lines} == {"damaged", "secondary"}
    assert {op.operation for op in report.operations} >= {"replace", "refinish", "blend", "sublet"}
    assert report.totals.total.amount == report.totals.net.amount + report.totals.tax.amount


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


@pytest.mark.parametrize("market", ["UK", "uk", "GB"])
def test_market_uk_is_gb(capsys: pytest.CaptureFixture[str], market: str) -> None:
    """--market UK reads sides as GB and says so in the JSON, with the market's part names."""
    args = ["report", "--vehicle", "Ford Focus 2019", "--damage", "passenger hood", "--json"]
    assert main([*args, "--market", market]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["market"] == "GB"
    category = report["damaged"][0]["category"]
    assert (category["name"], category["market_name"]) == ("Bonnet", "Bonnet")
    assert main([*args, "--market", "US"]) == 0
    category = orjson.loads(capsys.readouterr().out)["damaged"][0]["category"]
    assert (category["name"], category["market_name"]) == ("Bonnet", "Hood")


def test_a_sentence_in_damage_is_read_as_free_text(capsys: pytest.CaptureFixture[str]) -> None:
    """One --damage naming two parts gives both, with a note that it was read as free text."""
    sentence = "rear bumper cracked and the right tail light smashed"
    args = ["report", "--vehicle", "Ford Focus 2019", "--damage", sentence, "--json"]
    assert main(args) == 0
    report = PartsReport.model_validate_json(capsys.readouterr().out)
    assert [(d.category.id, d.position.side, d.severity) for d in report.damaged] == [
        ("CAT004", None, "moderate"),
        ("CAT013", "right", "severe"),
    ]
    assert any(w.startswith(f"read {sentence!r} as free text") for w in report.warnings)


def test_table_shows_what_was_not_priced_and_a_total_loss(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The table names the phrases it did not price, why, and a total-loss banner on top."""
    text = "Written off. Hit a kerb, N/S/F alloy scuffed, bonnet buckled"
    assert main(["report", "--vehicle", "Vauxhall Astra 2018", "--text", text]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].startswith("!! POSSIBLE TOTAL LOSS")
    block = out.split("not priced, please confirm:")[1]
    assert "Hit a kerb" not in block  # the story is not a part to confirm
    assert "N/S/F alloy scuffed" in block
    assert "no such category" in block


def test_table_shows_operations_and_the_totals_block(capsys: pytest.CaptureFixture[str]) -> None:
    """Parts, then operations (operation, part, position, hours, amount), then the totals."""
    assert main(SEED) == 0
    out = capsys.readouterr().out
    parts, operations, totals = out.index("article no"), out.index("operation"), out.index("totals")
    assert parts < operations < totals
    for row in ("parts", "consumables", "labour", "paint materials", "sublet", "net", "VAT 20%"):
        assert f"\n{row} " in out[totals:]
    assert re.search(r"\nrefinish +Bonnet +front +2\.8 ", out)
    assert re.search(r"\nsublet +Headlamp ", out)


def test_us_table_says_sales_tax(capsys: pytest.CaptureFixture[str]) -> None:
    """--market US: dollars and sales tax."""
    assert main([*SEED, "--market", "US"]) == 0
    out = capsys.readouterr().out
    assert "sales tax 7.25%" in out
    assert "USD" in out


def test_variant_option_prices_that_build(capsys: pytest.CaptureFixture[str]) -> None:
    """--variant 127448 prices the Astra estate only."""
    args = ["report", "--vehicle", "Vauxhall Astra 2019", "--damage", "tailgate:severe"]
    assert main([*args, "--variant", "127448", "--json"]) == 0
    report = PartsReport.model_validate_json(capsys.readouterr().out)
    assert report.vehicle.build is not None
    assert report.vehicle.build.variants == ("127448",)


def test_rates_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--rates FILE: its GB market replaces the packaged one (a higher VAT here)."""
    rates = orjson.loads(orjson.dumps(EstimateData.load().rates.model_dump(mode="json")))
    rates["markets"] = {"GB": {**rates["markets"]["GB"], "tax": {
        "name": "VAT", "rate": "0.25", "applies_to": ["parts", "labour"]}}}  # fmt: skip
    path = tmp_path / "rates.json"
    path.write_bytes(orjson.dumps(rates))
    assert main([*SEED, "--rates", str(path), "--json"]) == 0
    report = PartsReport.model_validate_json(capsys.readouterr().out)
    t = report.totals
    assert t.tax_rate == Decimal("0.25")
    assert t.tax.amount == ((t.parts.amount + t.labour.amount) * Decimal("0.25")).quantize(
        Decimal("0.01")
    )


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
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2018", "--damage", "bonnet", "--variant", "../x"],
            id="variant-id",
        ),
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2017", "--damage", "bonnet", "--variant", "127448"],
            id="variant-not-built",
        ),
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2018", "--damage", "bonnet", "--rates", "/nonexistent"],
            id="rates-file",
        ),
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2018", "--damage", "bonnet", "--policy", __file__],
            id="policy-not-json",
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


def test_console_script_batch_summary_counts_cache_hits(tmp_path: Path) -> None:
    """In its own process the batch's summary counts the catalog's hits, which are not events."""
    batch = tmp_path / "in.jsonl"
    same_car = {"make": "Vauxhall", "model": "Astra", "year": 2018}
    batch.write_bytes(
        b"\n".join(
            orjson.dumps({"vehicle": same_car, "damaged_parts": [{"component": part}]})
            for part in ("bonnet", "left wing", "front bumper")
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "partsagent", "report", "--batch", str(batch), "--concurrency", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 3
    found = re.search(r"cache: (\d+) hits, (\d+) misses", proc.stderr)
    assert found is not None, proc.stderr
    hits, misses = int(found.group(1)), int(found.group(2))
    assert hits > misses > 0  # later reports on the same car read the cache
