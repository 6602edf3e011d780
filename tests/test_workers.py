"""The FastAPI example under `uvicorn --workers 2`, one real redis-server as their catalog cache."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import anyio
from prometheus_client.parser import text_string_to_metric_families

from partsagent.testing import CatalogServer

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BODY = {
    "vehicle": {"make": "Vauxhall", "model": "Astra", "year": 2018},
    "damage": [{"component": "Front Bumper Cover", "severity": "severe"}],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def workers(env: dict[str, str], count: int = 2) -> AsyncIterator[str]:
    """The example under uvicorn with ``count`` worker processes; yields its base URL."""
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(EXAMPLES),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(count),
        "--no-access-log",
        "fastapi_app:app",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as client:
            with anyio.fail_after(60):
                while True:  # polling a process we started; it offers nothing to wait on
                    assert proc.returncode is None, "uvicorn exited early"
                    try:
                        async with client.get(f"{url}/healthz") as resp:
                            if resp.status == 200:
                                break
                    except aiohttp.ClientConnectionError:
                        pass
                    await asyncio.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        with anyio.fail_after(30):
            stderr = await proc.communicate()
        assert proc.returncode is not None
        assert b"Traceback" not in stderr[1], stderr[1].decode()[-2000:]


async def post(url: str) -> tuple[int, dict[str, Any]]:
    """One report on a fresh connection; returns the pid of the worker that answered, and it."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as client,
        client.post(f"{url}/reports", json=BODY) as resp,
    ):
        assert resp.status == 200
        body: dict[str, Any] = await resp.json()
        return int(resp.headers["X-Worker"]), body


async def test_second_worker_answers_from_the_shared_cache(
    catalog_server: CatalogServer, redis_url: str, tmp_path: Path
) -> None:
    """Worker B prices a report worker A computed with 0 catalog requests; /metrics merges both."""
    env = {
        "PARTSAGENT_CATALOG": catalog_server.url,
        "PARTSAGENT_REDIS_URL": redis_url,
        "PARTSAGENT_REDIS_NAMESPACE": f"test-{uuid.uuid4().hex}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    async with workers(env) as url:
        first_pid, first = await post(url)
        again_pid, again = await post(url)
        # The kernel may hand every connection to the same worker: stop that one, so the
        # next answer comes from another (the other worker, or the one uvicorn starts anew).
        os.kill(first_pid, signal.SIGTERM)
        for _ in range(600):  # up to 30 s: polling a process we signalled; nothing to wait on
            if not _alive(first_pid):
                break
            await asyncio.sleep(0.05)
        assert not _alive(first_pid), "the stopped worker did not exit"
        other_pid, other = await post(url)
        async with aiohttp.ClientSession() as client, client.get(f"{url}/metrics") as resp:
            text = await resp.text()
    assert first["performance"]["report_cache"] == "miss"
    assert first["performance"]["catalog_requests"] > 0
    assert other_pid != first_pid
    # The first answer of another worker: its own report cache was empty, the documents not.
    second_pid, second = (again_pid, again) if again_pid != first_pid else (other_pid, other)
    assert second["performance"]["report_cache"] == "miss"
    assert second["performance"]["catalog_requests"] == 0  # every document came from Redis
    # Not in that worker's memory yet: Redis answered what it lacked.
    assert second["performance"]["cache_misses"] > 0
    assert second["performance"]["shared_cache_hits"] > 0
    assert second["lines"] == first["lines"]
    if again_pid == first_pid:
        assert again["performance"]["report_cache"] == "hit"
    elif other_pid == second_pid:
        assert other["performance"]["report_cache"] == "hit"
    merged = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    # Every answer of every worker, the stopped one's too, whichever worker served the scrape.
    assert merged[("partsagent_reports_total", (("outcome", "ok"),))] == 3
    assert merged[("partsagent_report_cache_lookups_total", (("result", "miss"),))] >= 2


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
