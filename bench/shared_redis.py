"""4 worker processes sharing one Redis cache vs 4 with private in-memory caches.

A real ``redis-server`` (``/usr/bin/redis-server``, no persistence) on a free port;
4 worker processes (multiprocessing, spawn), each with its own PartsAgent against
the same catalog server (20 +- 5 ms), each running a quarter of the same report list
with 20 reports in flight. Phase 1: every worker's BucketManager uses
``partsagent._redis.redis_cache(url, namespace=...)``, one namespace for all four;
phase 2: each keeps its default private memory cache. Measured: catalog requests
(the server's ``/_stats``), throughput, p50/p95 per-report latency. The workers start
together on an event, after their imports.

Library warnings (cache reads and writes that failed and fell back to the catalog) are
counted, not printed. If redis-server is missing, the script says so and exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import time
import uuid
from collections import Counter
from typing import Any

import structlog
from structlog.exceptions import DropEvent

import _common as c

WORKERS = 4
IN_FLIGHT = 20


async def _work(
    catalog_url: str,
    redis_url: str | None,
    namespace: str,
    reports: list[c.Report],
) -> dict[str, Any]:
    from partsagent import PartsAgent
    from partsagent.catalog import BucketManager, redis_cache

    options: dict[str, Any] = {}
    if redis_url is not None:
        options["cache"] = redis_cache(redis_url, namespace=namespace)
    async with BucketManager(catalog_url, **options) as manager, PartsAgent(manager) as agent:

        async def one(r: c.Report) -> None:
            await agent.process_damage_report(r.vehicle, r.damage)

        t0 = time.perf_counter()
        lat = await c.run_bounded(reports, one, IN_FLIGHT)
        wall = time.perf_counter() - t0
        stats = agent.catalog.get_cache_stats()
    return {"wall_s": wall, "latencies": lat, "hit_rate_percent": stats["hit_rate_percent"]}


def worker(
    catalog_url: str,
    redis_url: str | None,
    namespace: str,
    reports: list[c.Report],
    ready: Any,
    go: Any,
    out: Any,
) -> None:
    warnings: Counter[str] = Counter()

    def count_and_drop(logger: Any, method: str, event_dict: Any) -> Any:
        warnings[str(event_dict.get("event"))] += 1
        raise DropEvent

    structlog.configure(
        processors=[count_and_drop],
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
    )

    ready.release()
    go.wait()
    result = asyncio.run(_work(catalog_url, redis_url, namespace, reports))
    result["warnings"] = dict(warnings)
    out.put(result)


def phase(
    catalog_url: str,
    redis_url: str | None,
    reports: list[c.Report],
    namespace: str = "",
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    ready = ctx.Semaphore(0)
    go = ctx.Event()
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=worker,
            args=(
                catalog_url,
                redis_url,
                namespace,
                reports[i::WORKERS],
                ready,
                go,
                out,
            ),
        )
        for i in range(WORKERS)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    c.reset_stats(catalog_url)
    t0 = time.perf_counter()
    go.set()
    results = [out.get() for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    lat = [x for r in results for x in r["latencies"]]
    warnings: Counter[str] = Counter()
    for r in results:
        warnings.update(r["warnings"])
    return {
        "library_warnings": dict(warnings),
        "wall_s": round(wall, 3),
        "reports_per_s": round(len(reports) / wall, 2),
        "catalog_requests": c.server_stats(catalog_url)["total"],
        "latency": c.latency_summary(lat),
        "worker_hit_rate_percent": [r["hit_rate_percent"] for r in results],
    }


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    c.quiet_logs()
    if c.REDIS_SERVER is None:
        print("shared_redis.py: skipped, redis-server is not installed")
        return
    directory = c.bench_catalog()
    n = 120 if args.quick else 1000
    reports = c.make_reports(directory, n)
    redis_proc, redis_url = c.start_redis()
    try:
        with c.catalog_server(directory) as server:
            namespace = f"bench-{uuid.uuid4().hex[:8]}"
            shared = phase(server.url, redis_url, reports, namespace)
            # New worker processes on the now-warm shared cache: a restarted or scaled-out fleet.
            warm = phase(server.url, redis_url, reports, namespace)
            private = phase(server.url, None, reports)
    finally:
        redis_proc.terminate()
        redis_proc.wait(5)
    rows = [
        [
            name,
            p["wall_s"],
            p["reports_per_s"],
            p["catalog_requests"],
            p["latency"]["p50_ms"],
            p["latency"]["p95_ms"],
            sum(p["library_warnings"].values()),
        ]
        for name, p in (
            ("shared Redis cache, cold", shared),
            ("shared Redis cache, warm (new workers)", warm),
            ("private memory caches, cold", private),
        )
    ]
    c.print_table(
        f"{n} reports over 200 vehicles, {WORKERS} worker processes x {IN_FLIGHT} in flight",
        ["cache", "wall s", "reports/s", "catalog requests", "p50 ms", "p95 ms", "warnings"],
        rows,
    )
    saved = 100.0 * (1 - shared["catalog_requests"] / private["catalog_requests"])
    print(
        f"\ncold, the shared cache makes {shared['catalog_requests']} catalog requests against "
        f"{private['catalog_requests']} for private caches ({saved:+.1f}% saved); library "
        f"warnings (cache read/write failures) with Redis: {shared['library_warnings']}"
    )
    c.write_result(
        "redis",
        {
            **c.common_params(directory),
            "reports": n,
            "workers": WORKERS,
            "in_flight_per_worker": IN_FLIGHT,
        },
        {
            "shared_redis_cold": shared,
            "shared_redis_warm": warm,
            "private_memory": private,
            "requests_saved_percent": saved,
        },
    )


if __name__ == "__main__":
    main()
