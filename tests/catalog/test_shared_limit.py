"""One limit across processes: 4 batch processes sharing a Redis keep 5 requests in flight."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest
import redis.asyncio
from structlog.testing import capture_logs

from partsagent._catalog.limits import limit_key, redis_slots
from partsagent.catalog import BucketManager, HttpBucket
from partsagent.testing import ServerOptions, ServerProcess, sample_reports, start_server_process

PROCESSES = 4


@pytest.fixture
def slow_server() -> Iterator[ServerProcess]:
    """The sample catalog in a child process, 40 ms a request: requests overlap."""
    with start_server_process(options=ServerOptions(latency_ms=40.0)) as srv:
        yield srv


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    """A client of the module's redis-server, emptied before each test."""
    client = redis.asyncio.Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


async def _stats(server: ServerProcess, reset: bool = False) -> dict[str, int]:
    async with aiohttp.ClientSession() as session:
        if reset:
            async with session.post(server.url + "_stats/reset") as resp:
                resp.raise_for_status()
        async with session.get(server.url + "_stats") as resp:
            data: dict[str, int] = await resp.json()
            return data


def _batches(tmp_path: Path) -> list[Path]:
    """The 60 sample reports split into 4 batch files of distinct vehicles."""
    reports = sample_reports()
    files = []
    for p in range(PROCESSES):
        path = tmp_path / f"batch{p}.jsonl"
        lines = [orjson.dumps({"vehicle": v, "damaged_parts": d}) for v, d in reports[p::PROCESSES]]
        path.write_bytes(b"\n".join(lines) + b"\n")
        files.append(path)
    return files


async def _run_batches(files: list[Path], *options: str) -> list[list[dict[str, object]]]:
    """``partsagent report --batch`` once per file, all at once; every output line parsed."""
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "partsagent",
            "report",
            "--batch",
            str(f),
            "--jobs",
            "1",
            *options,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={k: v for k, v in os.environ.items() if k != "PARTSAGENT_REDIS_URL"},
        )
        for f in files
    ]
    async with asyncio.timeout(120):
        outs = await asyncio.gather(*(p.communicate() for p in procs))
    for proc, (_, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
    return [[orjson.loads(line) for line in out.splitlines()] for out, _ in outs]


async def test_four_processes_put_at_most_five_requests_in_flight(
    tmp_path: Path, slow_server: ServerProcess, redis_url: str, redis_client: redis.asyncio.Redis
) -> None:
    """Without Redis 4 processes exceed 5 in flight; with one Redis never, and reports are whole."""
    files = _batches(tmp_path)
    alone = await _run_batches(files, "--catalog", slow_server.url)
    assert (await _stats(slow_server))["max_in_flight"] > 5  # the limit per process is not enough

    await _stats(slow_server, reset=True)
    shared = await _run_batches(files, "--catalog", slow_server.url, "--redis", redis_url)
    stats = await _stats(slow_server)
    assert stats["total"] > 0
    assert stats["max_in_flight"] <= 5
    for with_redis, without in zip(shared, alone, strict=True):
        assert [line.get("error") for line in with_redis] == [None] * len(without)
        for a, b in zip(with_redis, without, strict=True):
            a.pop("performance")
            b.pop("performance")
            assert a == b
    # Every slot was given back.
    assert await redis_client.zcard(limit_key(slow_server.url)) == 0


HOLDER = textwrap.dedent(
    """
    import asyncio, contextlib, sys
    from partsagent._catalog.limits import redis_slots

    async def main(url, key):
        slots = redis_slots(url, key, limit=5, lease=1.0)
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(5):
                await stack.enter_async_context(slots.slot())
            print("held", flush=True)
            await asyncio.sleep(3600)

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def test_a_killed_workers_slots_come_back_within_the_lease(
    redis_url: str, redis_client: redis.asyncio.Redis
) -> None:
    """A process holding every slot, killed with SIGKILL, frees them once its leases expire."""
    key = f"test-limit-{uuid.uuid4().hex[:8]}"
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, redis_url, key, stdout=asyncio.subprocess.PIPE
    )
    assert holder.stdout is not None
    try:
        async with asyncio.timeout(30):
            assert await holder.stdout.readline() == b"held\n"
        slots = redis_slots(redis_url, key, limit=5, lease=1.0)
        # While the holder renews its leases, no slot is free, even after a lease's time.
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1.5), slots.slot():
                pass
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
        async with asyncio.timeout(3.0), contextlib.AsyncExitStack() as stack:
            for _ in range(5):
                await stack.enter_async_context(slots.slot())
            assert await redis_client.zcard(key) == 5
            assert slots.shared_slots == 5
        await slots.aclose()
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()


async def test_a_cancelled_wait_leaves_no_slot_behind(
    redis_url: str, redis_client: redis.asyncio.Redis
) -> None:
    """Cancelling callers while they hold or wait for slots gives every slot back."""
    slots = redis_slots(redis_url, "test-cancel", limit=2)
    entered = asyncio.Event()

    async def hold() -> None:
        async with slots.slot():
            entered.set()
            await asyncio.sleep(3600)

    tasks = [asyncio.create_task(hold()) for _ in range(4)]
    await entered.wait()
    await asyncio.sleep(0.1)  # the other two poll for a slot
    assert await redis_client.zcard("test-cancel") == 2
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await slots.aclose()
    assert await redis_client.zcard("test-cancel") == 0


async def test_a_redis_that_is_down_falls_back_to_the_process_limit(
    catalog_server: object,
) -> None:
    """Look-ups still succeed, at most 5 in flight, and the fallback is logged (not printed)."""
    from partsagent.testing import CatalogServer

    assert isinstance(catalog_server, CatalogServer)
    with contextlib.closing(__import__("socket").socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"  # bound, never listening
        with capture_logs() as logs:
            async with BucketManager(HttpBucket(catalog_server.url), redis=dead) as manager:
                results = await manager.get_categories_concurrent(
                    [("117", v) for v in ("127445", "127446", "127447")]
                )
    assert all(r.ok for r in results)
    assert catalog_server.stats.max_in_flight <= 5
    events = [e for e in logs if e["event"] == "partsagent.limit.shared_unavailable"]
    assert len(events) == 1
    assert events[0]["log_level"] == "warning"
    assert events[0]["fallback"] == "per-process limit"
