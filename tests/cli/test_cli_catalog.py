"""``partsagent catalog generate|ls|serve`` and the table renderer, run in-process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from partsagent._catalog import documents as doc
from partsagent._cli.main import main
from partsagent._table import render_table
from partsagent.testing import CatalogServer


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ls_manufacturers_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    """The table names VAUXHALL with its OPEL alias; --json parses back to the same makes."""
    code, out, _ = _run(capsys, "catalog", "ls", "manufacturers")
    assert code == 0
    assert any(line.split()[:3] == ["117", "VAUXHALL", "OPEL"] for line in out.splitlines())
    code, out, _ = _run(capsys, "catalog", "ls", "manufacturers", "--json")
    assert code == 0
    makers = doc.MANUFACTURERS.validate_json(out)
    assert {m.id: m.name for m in makers}["117"] == "VAUXHALL"


def test_ls_models_shows_astra_and_its_variants(capsys: pytest.CaptureFixture[str]) -> None:
    """The models table lists ASTRA 2009-2021 (two generations) and the rows 127445-127447."""
    code, out, err = _run(capsys, "catalog", "ls", "models", "117")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    astra = next(line for line in lines if "ASTRA" in line)
    assert "2009-2021" in astra
    for vid in ("127445", "127446", "127447"):
        assert any(line.startswith(vid) for line in lines)


def test_ls_models_json_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the pydantic models' JSON, which validates as the contract's models list."""
    code, out, _ = _run(capsys, "catalog", "ls", "models", "117", "--json")
    assert code == 0
    models = doc.MODELS.validate_json(out)
    assert models[0].name == "ASTRA"
    assert models[0].variants[0].id == "127445"


def test_ls_categories_and_articles(capsys: pytest.CaptureFixture[str]) -> None:
    """Categories of the Astra include CAT001-CAT003; its bumper articles have decimal prices."""
    code, out, _ = _run(capsys, "catalog", "ls", "categories", "117", "127445", "--json")
    assert code == 0
    assert {"CAT001", "CAT002", "CAT003"} <= {c.id for c in doc.CATEGORIES.validate_json(out)}
    code, out, _ = _run(capsys, "catalog", "ls", "articles", "117", "127445", "CAT001", "--json")
    assert code == 0
    raw = orjson.loads(out)
    assert all(isinstance(a["price"]["amount"], str) for a in raw)
    articles = doc.ARTICLES.validate_json(out)
    code, out, _ = _run(capsys, "catalog", "ls", "articles", "117", "127445", "CAT001")
    assert code == 0
    assert f"{articles[0].price.amount}" in out
    assert "VAUXHALL" in out


async def test_ls_reads_a_catalog_url(
    capsys: pytest.CaptureFixture[str], catalog_server: CatalogServer
) -> None:
    """--catalog URL reads over HTTP; the CLI runs in a thread beside the server's loop."""
    code = await asyncio.to_thread(
        main, ["catalog", "ls", "models", "117", "--catalog", catalog_server.url]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    assert "ASTRA" in out


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["catalog", "ls", "models", "../.."], id="dotdot"),
        pytest.param(["catalog", "ls", "articles", "117", "127445", "..%2F"], id="percent"),
        pytest.param(["catalog", "ls", "categories", "117", "a/b"], id="slash"),
        pytest.param(["catalog", "ls", "models", "999"], id="unknown-make"),
        pytest.param(["catalog", "ls", "articles", "117", "127445", "CAT999"], id="unknown-cat"),
        pytest.param(
            ["catalog", "ls", "models", "117", "--catalog", "/nonexistent/b"], id="no-dir"
        ),
        pytest.param(["catalog", "ls", "model", "117"], id="bad-subcommand"),
        pytest.param(["catalog", "ls", "models"], id="missing-arg"),
        pytest.param(["catalog", "generate", "--out", "x", "--scale", "0"], id="scale-0"),
        pytest.param(["catalog", "serve", "--port", "70000"], id="bad-port"),
        pytest.param(["catalog", "serve", "--error-rate", "2"], id="bad-rate"),
        pytest.param(["catalog", "serve", "--dir", "/nonexistent/b"], id="serve-no-dir"),
        pytest.param([], id="no-command"),
    ],
)
def test_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """Hostile or unknown ids and usage errors: status 2, one stderr line, no traceback."""
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("partsagent: error: ")
    assert "Traceback" not in err


def test_generate_then_ls_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """generate prints the counts it wrote; ls --catalog DIR then reads that bucket."""
    bucket = tmp_path / "b"
    code, out, _ = _run(capsys, "catalog", "generate", "--out", str(bucket), "--seed", "7")
    assert code == 0
    index = orjson.loads((bucket / "index.json").read_bytes())
    assert f"{index['counts']['articles']}" in out
    assert "seed 7" in index["name"]
    argv = ["catalog", "ls", "articles", "117", "127445", "CAT001", "--json", "--catalog"]
    code, out, _ = _run(capsys, *argv, str(bucket))
    assert code == 0
    path = bucket / doc.articles_path("117", "127445", "CAT001")
    assert orjson.loads(out) == orjson.loads(path.read_bytes())


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """--help prints usage and returns 0 instead of raising SystemExit."""
    code, out, _ = _run(capsys, "catalog", "--help")
    assert code == 0
    assert "generate" in out


def test_python_dash_m_works() -> None:
    """`python -m partsagent catalog ls models 117` prints the Astra."""
    done = subprocess.run(
        [sys.executable, "-m", "partsagent", "catalog", "ls", "models", "117"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ASTRA" in done.stdout
    assert "127445" in done.stdout


def test_table_aligns_numbers_right_and_text_left() -> None:
    """Numeric columns are right-aligned, None prints empty, no line has trailing spaces."""
    text = render_table(
        ["name", "qty", "price"],
        [("bonnet", 1, Decimal("250.00")), ("clips", 10, None), ("x",)],
    )
    lines = text.splitlines()
    assert lines[0] == "name    qty   price"
    assert lines[1] == "------  ---  ------"
    assert lines[2] == "bonnet    1  250.00"
    assert lines[3] == "clips    10"
    assert lines[4] == "x"


def test_table_rejects_bad_align() -> None:
    """An align string of the wrong length or letters is a ValueError."""
    with pytest.raises(ValueError, match="align"):
        render_table(["a", "b"], [], align="l")
    with pytest.raises(ValueError, match="align"):
        render_table(["a"], [], align="c")
