"""Shared fixtures: the sample bucket, servers on it, a generated bucket, a network guard."""

from __future__ import annotations

import ipaddress
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from _redis_server import start_redis_server, stop_redis_server
from partsagent import PartsAgent
from partsagent.catalog import sample_catalog_path
from partsagent.testing import CatalogServer

_LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "127.0.0.1", "::1"})


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that connects to, or resolves, anything but loopback.

    The attempt raises at once and is also recorded, so a test whose code
    swallows the error still fails at teardown.
    """
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def refuse(what: str) -> OSError:
        attempts.append(what)
        return ConnectionRefusedError(f"tests may only reach loopback, not {what}")

    def check_address(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise refuse(repr(address))

    def connect(self: socket.socket, address: Any) -> None:
        check_address(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check_address(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, str(refuse(repr(host))))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield
    if attempts:
        pytest.fail(f"test tried to reach the network: {', '.join(attempts)}")


@pytest.fixture
def sample_dir() -> Path:
    """The embedded sample bucket (read-only: copy it before changing anything)."""
    path = sample_catalog_path()
    assert (path / "index.json").is_file(), f"the embedded sample is missing at {path}"
    return path


@pytest.fixture
async def sample_agent() -> AsyncIterator[PartsAgent]:
    """A PartsAgent on the embedded sample catalog."""
    async with PartsAgent() as agent:
        yield agent


@pytest.fixture
async def catalog_server(sample_dir: Path) -> AsyncIterator[CatalogServer]:
    """A CatalogServer on the sample, on 127.0.0.1 and a free port; stats start at zero."""
    async with CatalogServer(sample_dir) as server:
        yield server


@pytest.fixture(scope="session")
def _generated_bucket(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from partsagent.testing import generate_bucket

    out = tmp_path_factory.mktemp("generated") / "bucket"
    generate_bucket(out, scale=1, seed=0)
    return out


@pytest.fixture
def exported_bucket(_generated_bucket: Path, tmp_path: Path) -> Path:
    """A private copy of a small generated bucket (scale=1, seed=0) that a test may change."""
    out = tmp_path / "bucket"
    shutil.copytree(_generated_bucket, out)
    return out


@pytest.fixture
def plain_bucket(exported_bucket: Path) -> Path:
    """The exported bucket in the standard layout only: no packs, no index entry naming them."""
    shutil.rmtree(exported_bucket / "packs")
    index = orjson.loads((exported_bucket / "index.json").read_bytes())
    del index["pack"]
    (exported_bucket / "index.json").write_bytes(orjson.dumps(index))
    return exported_bucket


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A private redis-server for the test module, stopped at its end (fails in CI if missing)."""
    proc, url = start_redis_server()
    try:
        yield url
    finally:
        stop_redis_server(proc)


@pytest.fixture
def static_server() -> Iterator[Callable[[Path], str]]:
    """Start ``python -m http.server`` on a directory and a free loopback port; returns its URL.

    The child binds port 0 and prints the port it got, so there is no race for a port.
    """
    procs: list[subprocess.Popen[bytes]] = []

    def start(directory: Path) -> str:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-u",
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                "--directory",
                str(directory),
                "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        found = re.search(r"port (\d+)", line)
        assert found is not None, f"http.server did not start: {line!r}"
        return f"http://127.0.0.1:{found.group(1)}/"

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()
