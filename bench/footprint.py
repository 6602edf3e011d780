"""What partsagent costs a process: import time, and memory per cached report and document.

* **import**: ``python -X importtime -c "import partsagent"`` in fresh interpreters
  (the best of 7: the machine is shared), and which optional parts stayed unloaded
  (the LLM client, Redis, aiohttp, structlog);
* **memory per cached report**: RSS of a process that priced the same distinct
  reports with a report cache of ``N`` minus one with a report cache of 1,
  divided by ``N``;
* **memory per cached catalog document**: RSS with the catalog cache at its
  default cap minus RSS with a cap of 1 (report cache of 1 in both), divided by
  the documents held; for a packed bucket (lists arrive in packs, held as JSON
  bytes until read) and for the standard layout (each list read and validated).

Every measurement runs in a child process of its own (spawn) on the local bench
bucket, so no catalog latency is involved and RSS starts from the same state.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import re
import subprocess
import sys
from typing import Any

import _common as c
from partsagent import PartsAgent
from partsagent.catalog import BucketManager

LAZY = ("openai", "redis", "aiohttp", "aiocache", "structlog")
IMPORT_RUNS = 7


def import_seconds() -> tuple[float, list[str]]:
    """The best ``import partsagent`` of several fresh interpreters, and what it loaded.

    Bytecode is written and used, as on a user's machine (the first run writes it):
    an environment with PYTHONDONTWRITEBYTECODE would time the compiler instead.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    best = float("inf")
    for _ in range(IMPORT_RUNS + 1):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import partsagent"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stderr
        total = re.search(r"\|\s*(\d+)\s*\|\s*partsagent\s*$", out, re.M)
        assert total is not None, "no importtime line for partsagent"
        best = min(best, int(total.group(1)) / 1e6)
    probe = "import sys, partsagent; print(','.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    modules = set(loaded.split(","))
    return best, [name for name in LAZY if name in modules]


def _measure(directory: str, n: int, max_reports: int, max_entries: int, out: Any) -> None:
    """In a child: price ``n`` reports, then report RSS and the cache sizes."""
    c.quiet_logs()
    reports = c.make_reports(c.bench_catalog(), n)

    async def run() -> dict[str, Any]:
        manager = BucketManager(directory, max_entries=max_entries)
        async with PartsAgent(manager, max_reports=max_reports) as agent:
            for r in reports:
                await agent.process_damage_report(r.vehicle, r.damage)
            await manager.drain()
            gc.collect()
            return {
                "rss_mb": c.rss_mb(),
                "documents": manager.get_cache_stats()["cache_size"],
                "reports": agent.reports.stats()["size"],
            }

    out.put(asyncio.run(run()))


def measure(directory: str, n: int, *, max_reports: int, max_entries: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_measure, args=(directory, n, max_reports, max_entries, queue))
    proc.start()
    result: dict[str, Any] = queue.get(timeout=600)
    proc.join(60)
    return result


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    n = 300 if args.quick else 1000
    packed, plain = str(c.bench_catalog()), str(c.bench_catalog(pack=False))
    seconds, loaded = import_seconds()
    print(f"import partsagent: {seconds:.3f} s (best of {IMPORT_RUNS}); loaded: {loaded or 'none'}")
    runs = {
        "reports cached": measure(packed, n, max_reports=n, max_entries=10_000),
        "report cache of 1": measure(packed, n, max_reports=1, max_entries=10_000),
        "packed, catalog cache of 1": measure(packed, n, max_reports=1, max_entries=1),
        "standard layout": measure(plain, n, max_reports=1, max_entries=10_000),
        "standard layout, catalog cache of 1": measure(plain, n, max_reports=1, max_entries=1),
    }
    c.print_table(
        f"RSS after {n} distinct reports (local bench bucket)",
        ["run", "RSS MB", "reports cached", "documents cached"],
        [[k, round(r["rss_mb"], 1), r["reports"], r["documents"]] for k, r in runs.items()],
    )
    per_report = (
        (runs["reports cached"]["rss_mb"] - runs["report cache of 1"]["rss_mb"])
        * 1024
        / max(1, runs["reports cached"]["reports"] - 1)
    )
    per_packed = (
        (runs["report cache of 1"]["rss_mb"] - runs["packed, catalog cache of 1"]["rss_mb"])
        * 1024
        / runs["report cache of 1"]["documents"]
    )
    per_standard = (
        (runs["standard layout"]["rss_mb"] - runs["standard layout, catalog cache of 1"]["rss_mb"])
        * 1024
        / runs["standard layout"]["documents"]
    )
    c.print_table(
        "memory per cached entry",
        ["entry", "KB"],
        [
            ["report (report cache)", round(per_report, 2)],
            ["catalog document from packs (catalog cache)", round(per_packed, 2)],
            ["catalog document, standard layout (catalog cache)", round(per_standard, 2)],
        ],
    )
    targets = [
        c.target(
            "footprint: import partsagent", round(seconds, 3), "<= 0.25 s", seconds <= 0.25, " s"
        ),
        c.target(
            "footprint: optional parts loaded by import",
            len(loaded),
            "0 (LLM, Redis, HTTP, structlog lazy)",
            not loaded,
        ),
        c.target(
            "footprint: memory per cached report",
            round(per_report, 2),
            "<= 20 KB",
            per_report <= 20,
            " KB",
        ),
    ]
    c.print_targets(targets)
    c.write_result(
        "footprint",
        {
            "reports": n,
            "import_runs": IMPORT_RUNS,
            "catalog": c.common_params(c.bench_catalog())["catalog"],
        },
        {
            "import_s": round(seconds, 4),
            "lazy_loaded_by_import": loaded,
            "runs": runs,
            "kb_per_cached_report": round(per_report, 3),
            "kb_per_cached_document_packed": round(per_packed, 3),
            "kb_per_cached_document_standard": round(per_standard, 3),
        },
        targets,
    )


if __name__ == "__main__":
    main()
