"""The command line as a subprocess: candidates one per line, partial VINs completed, warnings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def partsagent(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m partsagent ARGS`` in a child process; never raises on its exit status."""
    return subprocess.run(
        [sys.executable, "-m", "partsagent", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_candidates_one_per_line_best_first() -> None:
    """'Ford 2019' exits 2: one error line, then each candidate on its own line, best first."""
    run = partsagent("report", "--vehicle", "Ford 2019", "--damage", "bonnet")
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert lines[0].startswith("partsagent: error: 'Ford 2019' could be 2 catalog vehicles")
    assert "give the model" in lines[0]
    assert [line.split(" (")[0].strip() for line in lines[1:]] == ["FORD FIESTA", "FORD FOCUS"]
    assert all("manufacturer 36, model 415" in line for line in lines[1:])
    assert "Traceback" not in run.stderr


def test_model_alone_is_did_you_mean() -> None:
    """--vehicle Golf (no make) asks "did you mean" with the one catalog Golf."""
    run = partsagent("report", "--vehicle", "Golf", "--damage", "bonnet")
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    assert lines[0].endswith("did you mean this one (give its make)?")
    assert lines[1].strip().startswith("VOLKSWAGEN GOLF (2012-2020 in the catalog")


@pytest.mark.parametrize(
    "completion",
    [
        pytest.param(["--model", "Astra"], id="model"),
        pytest.param(["--vehicle", "Vauxhall Astra"], id="vehicle"),
    ],
)
def test_vin_with_model_or_vehicle_completes_a_partial_decode(completion: list[str]) -> None:
    """--vin with --model or --vehicle resolves a VIN that gives only make and year."""
    vin = "W0LBD6EA5HG000000"
    alone = partsagent("report", "--vin", vin, "--damage", "bonnet")
    assert alone.returncode == 2
    assert "give its model" in alone.stderr.splitlines()[0]
    assert "VAUXHALL ASTRA" in alone.stderr
    run = partsagent("report", "--vin", vin, *completion, "--damage", "bonnet", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["vehicle"]["resolved_by"] == "vin+input"
    assert report["vehicle"]["year"] == 2017
    assert report["vehicle"]["model"]["name"] == "ASTRA"


def test_no_year_and_bad_check_digit_show_in_the_table() -> None:
    """The table's warnings say when no year was given, or the VIN's check digit is wrong."""
    no_year = partsagent("report", "--vehicle", "Vauxhall Astra", "--damage", "bonnet")
    bad_digit = partsagent("report", "--vin", "1FADP3F29JL000001", "--damage", "bonnet")
    assert no_year.returncode == 0, no_year.stderr
    assert bad_digit.returncode == 0, bad_digit.stderr
    warnings = no_year.stdout.split("warnings:")[1]
    assert "no year given: priced across all 7 variants of ASTRA" in warnings
    assert (
        "check digit (9th character of 1FADP3F29JL000001)" in bad_digit.stdout.split("warnings:")[1]
    )


@pytest.mark.parametrize(
    ("vehicle", "closest"),
    [
        pytest.param("Vauxhall Mokka 2019", ["VAUXHALL CORSA", "VAUXHALL ASTRA"], id="vauxhall"),
        pytest.param("Ford Kuga 2019", ["FORD FIESTA", "FORD FOCUS"], id="ford"),
    ],
)
def test_an_unknown_model_is_one_line_naming_the_closest(vehicle: str, closest: list[str]) -> None:
    """A model the catalog lacks of a make it has: exit 2, one line naming the closest models."""
    run = partsagent("report", "--vehicle", vehicle, "--damage", "bonnet", "--json")
    assert run.returncode == 2
    error = json.loads(run.stderr)["error"]
    assert error["type"] == "UnresolvedVehicle"
    assert [c["name"] for c in error["candidates"]] == closest
    run = partsagent("report", "--vehicle", vehicle, "--damage", "bonnet")
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    assert len(lines) == 1
    assert "lists no model" in lines[0]
    assert all(name in lines[0] for name in closest)
