"""`partsagent report` refuses bad input with exit 2 and one line, and survives closed streams."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

from partsagent._cli.main import main

HOOD = ["--damage", "Hood:minor"]


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("partsagent: error:"), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--vehicle", "Vauxhall Astra 1900", *HOOD], "1900", id="year-1900"),
        pytest.param(["--vehicle", "Vauxhall Astra 9999", *HOOD], "9999", id="year-9999"),
        pytest.param(["--vehicle", "Vauxhall Astra -1", *HOOD], "-1", id="year-minus-1"),
        pytest.param(["--vehicle", "Vauxhall Astra 99999", *HOOD], "99999", id="year-99999"),
        pytest.param(["--vehicle", "Vauxhall Astra abc", *HOOD], "'abc'", id="year-abc"),
        pytest.param(["--vehicle", "Vauxhall " + "A" * 65 + " 2018", *HOOD], "64", id="long-model"),
        pytest.param(["--vehicle", "Vauxhall Astra 2018", "--damage", "x" * 201], "200", id="long"),
        pytest.param(["--vin", "W" * 33, *HOOD], "32", id="long-vin"),
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2018", "--text", "front bumper " * 1000],
            "limit of 10000",
            id="long-text",
        ),
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2018", *(["--damage", "Hood"] * 51)],
            "limit of 50",
            id="many",
        ),
        pytest.param(
            [
                "--vehicle",
                "Vauxhall Astra 2018",
                "--text",
                "bonnet dented",
                "--max-text-chars",
                "5",
            ],
            "limit of 5",
            id="text-cap-option",
        ),
        pytest.param(
            ["--vehicle", "Vauxhall Astra 2018", *HOOD, *HOOD, "--max-parts", "1"],
            "limit of 1",
            id="parts-cap-option",
        ),
    ],
)
def test_bad_input_exits_2_with_one_readable_line(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    """Input the models refuse is exit 2 and one line naming the problem, never a traceback."""
    assert main(["report", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert words in _one_error_line(err)


@pytest.mark.parametrize(
    ("vehicle", "model", "year"),
    [
        pytest.param("Vauxhall Astra 2018", "ASTRA", 2018, id="year"),
        pytest.param("Vauxhall Astra", "ASTRA", None, id="no-year"),
        pytest.param("Tesla Model 3", "MODEL 3", None, id="digit-model"),
        pytest.param("Tesla Model 3 2020", "MODEL 3", 2020, id="digit-model-and-year"),
        pytest.param("BMW 3 Series 2021", "3 SERIES", 2021, id="digit-first"),
        pytest.param("Volks Wagen Golf 2019", "GOLF", 2019, id="alias-of-two-words"),
    ],
)
def test_vehicle_words_are_read_right(
    capsys: pytest.CaptureFixture[str], vehicle: str, model: str, year: int | None
) -> None:
    """A trailing number is the year unless it belongs to the model's name."""
    assert main(["report", "--vehicle", vehicle, *HOOD, "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["vehicle"]["model"]["name"] == model
    assert report["vehicle"]["year"] == year
    assert report["vehicle"]["resolved_by"] in ("exact", "alias")


def _shell(command: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """``partsagent`` run by a shell, so that ``<&-`` and ``>&-`` close its descriptors."""
    return subprocess.run(
        ["sh", "-c", f'exec "$0" -m partsagent {command}', sys.executable],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_closed_stdin_is_one_error_line() -> None:
    """`--batch - <&-`: exit 2 and one line saying standard input is closed."""
    proc = _shell("report --batch - <&-")
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "standard input" in _one_error_line(err)
    assert proc.stdout == b""


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("report --vehicle 'Vauxhall Astra 2018' --damage Hood >&-", id="report"),
        pytest.param("report --batch - >&-", id="batch"),
    ],
)
def test_closed_stdout_is_one_error_line(command: str) -> None:
    """`>&-`: no traceback, one line on stderr saying so, and a non-zero exit."""
    line = orjson.dumps(
        {"vehicle": {"make": "Vauxhall", "model": "Astra"}, "damaged_parts": "bonnet"}
    )
    proc = _shell(command, stdin=line + b"\n")
    err = proc.stderr.decode()
    assert proc.returncode in (1, 2, 141), err
    assert "standard output" in _one_error_line(err)


def test_reader_leaving_early_ends_quietly() -> None:
    """`| head -c 1`: the command stops quietly with 141, as Unix tools do."""
    item = {
        "vehicle": {"make": "Vauxhall", "model": "Astra", "year": 2018},
        "damaged_parts": "hood",
    }
    batch = (orjson.dumps(item) + b"\n") * 200
    with subprocess.Popen(
        [sys.executable, "-m", "partsagent", "report", "--batch", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdin.write(batch)
        proc.stdin.close()
        assert proc.stdout.read(1)
        proc.stdout.close()  # the reader leaves
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 141, err
    assert "Traceback" not in err
