"""A catalog server in a child process: ``start_server_process`` (the child runs ``_child``).

A benchmark's server in its own process keeps its CPU out of the client's timings.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

from .._catalog.open import sample_catalog_path
from .._exceptions import UsageError
from ._faults import ServerOptions

__all__ = ["ServerProcess", "start_server_process"]


class ServerProcess:
    """A catalog server in a child process, so its CPU does not pollute client timings."""

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if the child does not leave within ``timeout``."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server_process(
    directory: Path | str | None = None,
    options: ServerOptions | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = 15.0,
) -> ServerProcess:
    """Start ``python -m partsagent.testing._child`` and return once ``/_stats`` answers.

    Use as a context manager or call ``stop()``. Stats and options of the child
    are reached over HTTP: ``GET /_stats``, ``POST /_stats/reset``, ``POST /_options``.
    """
    directory = Path(directory) if directory is not None else sample_catalog_path()
    opts = options or ServerOptions()
    with tempfile.TemporaryDirectory(prefix="partsagent-server-") as tmp:
        ready = Path(tmp) / "url"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "partsagent.testing._child",
                "--directory",
                str(directory),
                "--host",
                host,
                "--port",
                str(port),
                "--options",
                json.dumps(opts.to_dict()),
                "--ready-file",
                str(ready),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        try:
            url = _wait_ready(process, ready, deadline)
        except BaseException:
            process.kill()
            process.wait()
            raise
    return ServerProcess(process, url)


def _wait_ready(process: subprocess.Popen[bytes], ready: Path, deadline: float) -> str:
    while not ready.exists():
        if process.poll() is not None:
            raise UsageError(f"the catalog server process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise UsageError("the catalog server process did not start in time")
        time.sleep(0.02)
    url = ready.read_text()
    while True:
        try:
            with urllib.request.urlopen(url + "_stats", timeout=1.0) as resp:
                if resp.status == 200:
                    return url
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise UsageError(f"the catalog server at {url} does not answer /_stats")
        time.sleep(0.02)
