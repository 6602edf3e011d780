"""The library prints nothing unless the application set up logging (checked in a subprocess)."""

from __future__ import annotations

import socket
import sys
import textwrap
from collections.abc import AsyncIterator

import anyio
import pytest
import structlog

from partsagent._cli.main import main
from partsagent.testing import CatalogServer, ServerOptions

DOWN_SCRIPT = """
import asyncio
import sys

{setup}

from partsagent import PartsAgent, PartsAgentError
from partsagent.catalog import BucketManager, redis_cache


async def main() -> None:
    catalog = BucketManager(
        sys.argv[1],
        cache=redis_cache(sys.argv[2], namespace="quiet", timeout=0.2),
        attempts=3,
        backoff_initial=0.01,
        backoff_max=0.02,
        deadline=5.0,
    )
    async with catalog, PartsAgent(catalog) as agent:
        for _ in range(4):
            try:
                await agent.process_damage_report(
                    {{"make": "Vauxhall", "model": "Astra", "year": 2018}}, "bonnet dented"
                )
            except PartsAgentError:
                pass


asyncio.run(main())
"""
"""Reports against a catalog and a Redis that are down: retries, a breaker, cache failures."""

NO_LOGGING = ""
STDLIB = """
import logging
logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
"""
STRUCTLOG = """
import structlog
structlog.configure(
    processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()],
    logger_factory=structlog.PrintLoggerFactory(sys.stderr),
)
"""
WARNINGS = ("stamina.retry_scheduled", "partsagent.breaker.opened", "partsagent.cache.read_failed")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["503", "closed-port"])
async def down_catalog(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A catalog that is down: the project's server answering 503 to all, or nothing listening."""
    if request.param == "closed-port":
        yield f"http://127.0.0.1:{_closed_port()}/"
        return
    async with CatalogServer(options=ServerOptions(error_rate=1.0, seed=1)) as server:
        yield server.url


async def _run(setup: str, catalog: str) -> tuple[str, str]:
    script = DOWN_SCRIPT.format(setup=textwrap.dedent(setup))
    redis = f"redis://127.0.0.1:{_closed_port()}/0"
    with anyio.fail_after(60):
        done = await anyio.run_process([sys.executable, "-c", script, catalog, redis], check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode(), done.stderr.decode()


async def test_silent_without_logging(down_catalog: str) -> None:
    """No logging set up: nothing at all on stdout or stderr, whatever fails."""
    out, err = await _run(NO_LOGGING, down_catalog)
    assert (out, err) == ("", "")


@pytest.mark.parametrize(
    "setup", [pytest.param(STDLIB, id="logging"), pytest.param(STRUCTLOG, id="structlog")]
)
async def test_warnings_reach_configured_logging(down_catalog: str, setup: str) -> None:
    """Logging set up (stdlib or structlog): retries, breaker and Redis warnings are seen."""
    out, err = await _run(setup, down_catalog)
    assert out == ""
    for event in WARNINGS:
        assert event in err


def test_cli_in_a_host_process_leaves_logging_unconfigured(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """main() inside a program that configured no logging leaves structlog unconfigured."""
    structlog.reset_defaults()
    argv = ["report", "--vehicle", "Vauxhall Astra 2018", "--text", "bonnet dented"]
    assert main(argv) == 0
    assert "ASTRA" in capsys.readouterr().out
    assert not structlog.is_configured()


async def test_cli_shows_warnings_on_stderr_only(down_catalog: str) -> None:
    """The command line shows the warnings, on stderr; stdout stays for the report."""
    argv = ["-m", "partsagent", "report", "--catalog", down_catalog]
    argv += ["--vehicle", "Vauxhall Astra 2018", "--text", "bonnet dented"]
    with anyio.fail_after(120):
        done = await anyio.run_process([sys.executable, *argv], check=False)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode != 0
    assert out == ""
    assert "partsagent: warning: catalog requests failed and are being retried" in err
    assert "partsagent: error:" in err
