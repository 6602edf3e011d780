"""A missing extra names itself: the project's error with the pip line, in a fresh interpreter.

Each child blocks the extra's top module (``sys.modules[name] = None`` makes its
import fail as if it were not installed) before partsagent is imported.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHECK = """
import sys
sys.modules[{module!r}] = None
import partsagent
try:
{use}
except partsagent.MissingExtra as exc:
    assert isinstance(exc, ImportError) and isinstance(exc, partsagent.PartsAgentError)
    print(exc)
else:
    raise SystemExit("no MissingExtra")
"""


@pytest.mark.parametrize(
    ("module", "use", "extra"),
    [
        pytest.param(
            "redis",
            "import partsagent.catalog\npartsagent.catalog.redis_cache('redis://127.0.0.1:1/0')",
            "redis",
            id="redis_cache",
        ),
        pytest.param("prometheus_client", "import partsagent.prometheus", "prometheus", id="prom"),
        pytest.param("opentelemetry", "import partsagent.otel", "otel", id="otel"),
    ],
)
def test_missing_extra_names_the_install_line(module: str, use: str, extra: str) -> None:
    """Without the extra, the feature raises MissingExtra naming `pip install "partsagent[x]"`."""
    code = CHECK.format(module=module, use=textwrap.indent(use, "    "))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert f'pip install "partsagent[{extra}]"' in proc.stdout
    assert "ModuleNotFoundError" not in proc.stderr


def test_the_example_app_dependencies_are_an_extra() -> None:
    """pyproject's `examples` extra holds what examples/fastapi_app.py imports."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    names = {dep.split(">")[0].split("[")[0] for dep in extras["examples"]}
    assert {"fastapi", "uvicorn", "prometheus-client"} <= names


def test_the_example_app_runs_with_the_examples_extra_alone() -> None:
    """Without redis (not in the `examples` extra) the app starts under uvicorn and answers."""
    code = """
import asyncio, socket, sys
sys.modules["redis"] = None
sys.path.insert(0, "examples")
import aiohttp, uvicorn
import fastapi_app

async def main():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fastapi_app.create_app(), log_level="warning"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.05)
    body = {"vehicle": {"make": "Ford", "model": "Focus", "year": 2020}, "damage": "bonnet dented"}
    async with aiohttp.ClientSession() as client:
        async with client.post(f"http://127.0.0.1:{port}/reports", json=body) as resp:
            print(resp.status)
    server.should_exit = True
    await serving

asyncio.run(main())
"""
    from pathlib import Path

    root = Path(__file__).parents[1]
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=root,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["200"]
