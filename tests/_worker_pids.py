"""The worker processes of a pool, found in /proc (Linux): forked by the pool's fork server."""

from __future__ import annotations

from pathlib import Path


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def worker_pids(pid: int) -> list[int]:
    """The workers of process ``pid``: the children of its fork server (not its tracker)."""
    servers = [
        c for c in _children(pid) if b"forkserver" in Path(f"/proc/{c}/cmdline").read_bytes()
    ]
    return [w for server in servers for w in _children(server)]
