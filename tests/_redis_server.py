"""Start a throwaway redis-server on 127.0.0.1 for tests (reusable by any test module)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

__all__ = ["start_redis_server", "stop_redis_server"]

_START_DEADLINE = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis_server() -> tuple[subprocess.Popen[bytes], str]:
    """Start redis-server without persistence on a free port; return (process, url).

    Skips the calling test when the binary is missing, but fails it when the
    ``CI`` environment variable is set: CI must never silently skip Redis.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed, and CI must not skip the Redis tests")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + _START_DEADLINE
    while not _answers_ping(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            code = proc.poll()
            stop_redis_server(proc)
            raise RuntimeError(f"redis-server did not answer PING on port {port} (exit {code})")
        time.sleep(0.02)  # polling a process we just started; nothing to wait on instead
    return proc, f"redis://127.0.0.1:{port}/0"


def stop_redis_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server (kill it if it does not stop within 5 s)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
