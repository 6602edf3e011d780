"""The command line as a user runs it (a subprocess): version, errors as data, equal bytes,
the options docs/cli.md promises, and the environment the example app reads too."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests

import partsagent
from partsagent.catalog import sample_catalog_path

ASTRA = ["--vehicle", "Vauxhall Astra 2018"]


def cli(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> Any:
    """Run ``python -m partsagent ARGS`` and return the finished process (text output)."""
    return subprocess.run(
        [sys.executable, "-m", "partsagent", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_version_names_the_package_version() -> None:
    """`partsagent --version` and partsagent.__version__ both give pyproject's version."""
    proc = cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().split() == ["partsagent", partsagent.__version__]
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", partsagent.__version__)


def test_json_error_is_one_object_with_candidates() -> None:
    """With --json an unsettled vehicle is one JSON object on stderr, candidates included."""
    proc = cli("report", "--vehicle", "Ford 2019", "--damage", "Hood:minor", "--json")
    assert proc.returncode == 2
    assert proc.stdout == b""
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    error = orjson.loads(lines[0])["error"]
    assert error["type"] == "UnresolvedVehicle"
    assert "Ford 2019" in error["message"]
    names = [c["name"] for c in error["candidates"]]
    assert {"FORD FOCUS", "FORD FIESTA"} <= set(names)
    assert {"score", "manufacturer_id", "model_id"} <= set(error["candidates"][0])


def test_json_error_for_plain_input_errors_too() -> None:
    """Any project error is the same object shape under --json, without candidates."""
    proc = cli("report", *ASTRA, "--damage", "Hood:awful", "--json")
    assert proc.returncode == 2
    error = orjson.loads(proc.stderr)["error"]
    assert error["type"] == "InputError"
    assert "awful" in error["message"]
    assert "candidates" not in error


def test_batch_error_lines_carry_the_candidates() -> None:
    """A batch line whose vehicle is unsettled has the candidates in its error line."""
    line = {"vehicle": {"make": "Ford", "year": 2019}, "damaged_parts": "hood"}
    proc = cli("report", "--batch", "-", stdin=orjson.dumps(line) + b"\n")
    assert proc.returncode == 1
    out = orjson.loads(proc.stdout)
    assert out["line"] == 1
    assert out["error"]["type"] == "UnresolvedVehicle"
    assert "FORD FOCUS" in [c["name"] for c in out["error"]["candidates"]]


def test_no_performance_gives_equal_bytes() -> None:
    """--no-performance: two runs print the same bytes (JSON, table and batch alike)."""
    args = ["report", *ASTRA, "--damage", "Front Bumper Cover:severe", "--damage", "Hood"]
    first, second = (
        cli(*args, "--json", "--no-performance"),
        cli(*args, "--json", "--no-performance"),
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert "performance" not in orjson.loads(first.stdout)
    assert "performance" in orjson.loads(cli(*args, "--json").stdout)
    table = cli(*args, "--no-performance")
    assert table.stdout == cli(*args, "--no-performance").stdout
    assert b"performance:" not in table.stdout
    line = orjson.dumps({"vehicle": {"make": "Ford", "model": "Focus"}, "damaged_parts": "hood"})
    batch = [cli("report", "--batch", "-", "--no-performance", stdin=line + b"\n") for _ in "ab"]
    assert batch[0].stdout == batch[1].stdout
    assert b"performance" not in batch[0].stdout
    assert batch[0].stderr == b""  # no summary table either


def test_quiet_drops_the_performance_line_only() -> None:
    """--quiet leaves the table as it was but for its performance line; JSON keeps timings."""
    args = ["report", *ASTRA, "--damage", "Hood:minor"]
    loud, quiet = cli(*args).stdout.decode(), cli(*args, "--quiet").stdout.decode()
    assert "performance:" in loud
    assert "performance:" not in quiet
    assert loud.split("\nperformance:")[0].rstrip() == quiet.rstrip()
    assert "performance" in orjson.loads(cli(*args, "--quiet", "--json").stdout)


def test_limit_errors_name_the_flag() -> None:
    """Over a cap, the CLI names its own option (not the Python argument)."""
    proc = cli("report", *ASTRA, "--damage", "Hood", "--damage", "Wing", "--max-parts", "1")
    assert proc.returncode == 2
    assert "--max-parts" in proc.stderr.decode()
    assert "max_damaged_parts" not in proc.stderr.decode()
    proc = cli("report", *ASTRA, "--text", "bonnet dented " * 10, "--max-text-chars", "20")
    assert "--max-text-chars" in proc.stderr.decode()


def test_ls_variants_lists_the_builds_of_a_model() -> None:
    """`catalog ls variants MANUFACTURER_ID MODEL_ID`: the ids --variant takes."""
    models = orjson.loads(cli("catalog", "ls", "models", "117", "--json").stdout)
    astra = next(m for m in models if m["name"] == "ASTRA")
    proc = cli("catalog", "ls", "variants", "117", astra["id"], "--json")
    assert proc.returncode == 0, proc.stderr
    assert [v["id"] for v in orjson.loads(proc.stdout)] == [v["id"] for v in astra["variants"]]
    table = cli("catalog", "ls", "variants", "117", astra["id"]).stdout.decode()
    assert all(v["id"] in table for v in astra["variants"])
    missing = cli("catalog", "ls", "variants", "117", "99999")
    assert missing.returncode == 2
    assert "no model '99999'" in missing.stderr.decode()


def test_partsagent_catalog_is_read_from_the_environment(tmp_path: Path) -> None:
    """PARTSAGENT_CATALOG names the catalog of `report` and `catalog ls`, as for the app."""
    env = {"PARTSAGENT_CATALOG": str(tmp_path / "nowhere")}
    proc = cli("catalog", "ls", "manufacturers", env=env)
    assert proc.returncode == 2
    assert "nowhere" in proc.stderr.decode()
    proc = cli("report", *ASTRA, "--damage", "Hood", env=env)
    assert proc.returncode == 2
    assert "nowhere" in proc.stderr.decode()
    # --catalog still wins over the environment
    ok = cli(
        "catalog",
        "ls",
        "manufacturers",
        "--catalog",
        str(sample_catalog_path()),
        env=env,
    )
    assert ok.returncode == 0, ok.stderr


@pytest.mark.redis
def test_partsagent_redis_url_is_read_from_the_environment(redis_url: str) -> None:
    """PARTSAGENT_REDIS_URL makes the CLI share its catalog look-ups through Redis."""
    import redis

    env = {"PARTSAGENT_REDIS_URL": redis_url, "PARTSAGENT_REDIS_NAMESPACE": "cli-test"}
    proc = cli("report", *ASTRA, "--damage", "Hood", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.keys("cli-test:*"), "the CLI wrote nothing to the shared cache"
    finally:
        client.close()
    again = orjson.loads(cli("report", *ASTRA, "--damage", "Hood", "--json", env=env).stdout)
    assert again["performance"]["shared_cache_hits"] > 0


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_serve_on_a_busy_port_says_so(busy_port: int) -> None:
    """A port in use is exit 2 and one line naming it, not a bind error."""
    proc = cli("catalog", "serve", "--port", str(busy_port))
    assert proc.returncode == 2
    assert f"port {busy_port} is already in use" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


@pytest.fixture
def served() -> Iterator[str]:
    """`catalog serve --port 0` with faults from flags; yields its URL."""
    flags = ["--latency-ms", "30", "--retry-after", "7", "--reset-rate", "0.01"]
    flags += ["--truncate-rate", "0.02", "--invalid-json-rate", "0.03", "--stall-rate", "0.04"]
    flags += ["--drip-rate", "0.05", "--seed", "3"]
    with subprocess.Popen(
        [sys.executable, "-u", "-m", "partsagent", "catalog", "serve", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as proc:
        assert proc.stdout is not None
        url = None
        for _ in range(20):
            found = re.search(rb"url=(http://\S+/)", proc.stdout.readline())
            if found:
                url = found.group(1).decode()
                break
        try:
            assert url is not None, "the server printed no URL"
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_every_fault_is_a_serve_flag_and_options_change_only_what_they_name(served: str) -> None:
    """The flags reach the server; POST /_options changes the named option and keeps the rest."""
    after = requests.post(served + "_options", json={"error_rate": 0.5}, timeout=10).json()
    assert after["error_rate"] == 0.5
    assert after["latency_ms"] == 30  # set on the command line, not reset to 0
    assert after["retry_after"] == 7
    expected = {"reset_rate": 0.01, "truncate_rate": 0.02, "invalid_json_rate": 0.03}
    expected |= {"stall_rate": 0.04, "drip_rate": 0.05, "seed": 3}
    assert {k: after[k] for k in expected} == expected
    bad = requests.post(served + "_options", json={"no_such_option": 1}, timeout=10)
    assert bad.status_code == 400
    unchanged = requests.post(served + "_options", json={}, timeout=10).json()
    assert unchanged == after
