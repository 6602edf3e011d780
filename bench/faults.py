"""Reports under ~32% catalog faults: 20 rounds of 60, on a static packed bucket and catalog serve.

Two catalogs, each holding the embedded sample (packed):

* **static**: ``python -m http.server`` over the packed bucket, behind
  ``partsagent.testing.FaultProxy`` (a static server cannot inject faults itself);
  the client reads index.json, the packs and, when a pack fails, the documents;
* **serve**: the project's catalog server (what ``partsagent catalog serve``
  runs) in a child process, injecting the faults itself; it also offers batches.

Each round is 60 distinct reports (10 vehicles x 6 damage descriptions) at once on
a fresh agent, through ``ServerOptions.flaky(0.32, seed=round)``: 15% 503s, 5%
connection resets, 5% truncated bodies, 5% invalid JSON with status 200 and 2%
no answer at all (which costs an attempt timeout). A report is

* *whole* when it is complete and its vehicle, lines, totals and warnings equal the
  same report on the embedded catalog without faults;
* *incomplete* when it came back with ``complete`` false (it says so: field, first
  warning, CLI exit 3);
* *failed* when it raised (``CatalogUnavailable``): it says so too;
* *silent* when it claims to be complete and is not whole: must never happen.

Then the faults stop (and a breaker they opened has cooled down) and the same 60
reports run again on the same agent: every one must be whole (*wrong after* counts
those that are not: a poisoned cache).

Manager settings: the defaults (4 attempts, the breaker) except ``attempt_timeout=1``
s and ``HttpBucket(timeout=1)``, so that a stalled request costs a second, not ten.
Targets: every round at least 58 of 60 whole, 0 silent, 0 wrong after the faults
stop. ``--quick`` runs 3 rounds per catalog.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import _common as c
from partsagent import PartsAgent, PartsAgentError, PartsReport
from partsagent.catalog import BucketManager, HttpBucket, sample_catalog_path
from partsagent.testing import FaultProxy, ServerOptions, sample_reports, start_server_process

CASES = sample_reports()
LEVEL = 0.32
ROUNDS = 20
QUICK_ROUNDS = 3
MANAGER: dict[str, Any] = {"attempt_timeout": 1.0}
WHOLE_PER_ROUND = 58


def same(got: PartsReport, want: PartsReport) -> bool:
    return got.complete and (got.vehicle, got.lines, got.totals, got.warnings) == (
        want.vehicle,
        want.lines,
        want.totals,
        want.warnings,
    )


async def references() -> list[PartsReport]:
    async with PartsAgent() as agent:
        return [await agent.process_damage_report(v, d) for v, d in CASES]


async def run_all(agent: PartsAgent) -> list[PartsReport | BaseException]:
    return await asyncio.gather(
        *(agent.process_damage_report(v, d) for v, d in CASES), return_exceptions=True
    )


async def one_round(
    url: str, refs: list[PartsReport], stop_faults: Callable[[], Awaitable[None]]
) -> dict[str, Any]:
    """The 60 reports at once on a fresh agent under faults, then again without."""
    manager = BucketManager(HttpBucket(url, timeout=1.0), **MANAGER)
    started = time.perf_counter()
    async with manager, PartsAgent(manager) as agent:
        results = await run_all(agent)
        wall = time.perf_counter() - started
        await manager.drain()
        stats = manager.get_cache_stats()
        opened = manager.breaker.snapshot().opened
        await stop_faults()
        # A breaker opened by the faults refuses requests for its cool-down: wait it out,
        # as a service would, before judging the reports made after the faults.
        if manager.breaker.state == "open":
            await asyncio.sleep(manager.breaker.reset_timeout)
        after = await run_all(agent)
    out = {"whole": 0, "incomplete": 0, "failed": 0, "silent": 0}
    for got, want in zip(results, refs, strict=True):
        if isinstance(got, PartsAgentError):
            out["failed"] += 1
        elif isinstance(got, BaseException):
            raise got
        elif same(got, want):
            out["whole"] += 1
        elif not got.complete:
            out["incomplete"] += 1
        else:
            out["silent"] += 1  # claims to be whole and is not: must never happen
    wrong_after = sum(
        not isinstance(got, PartsReport) or not same(got, want)
        for got, want in zip(after, refs, strict=True)
    )
    return {
        **out,
        "wrong_after": wrong_after,
        "requests": stats["requests"],
        "retries": stats["retries"],
        "breaker_opened": opened,
        "wall_s": round(wall, 2),
    }


async def static_round(static_url: str, refs: list[PartsReport], seed: int) -> dict[str, Any]:
    async with FaultProxy(static_url, ServerOptions.flaky(LEVEL, seed=seed)) as proxy:

        async def stop() -> None:
            proxy.options = ServerOptions()

        return await one_round(proxy.url, refs, stop)


async def serve_round(url: str, refs: list[PartsReport], seed: int) -> dict[str, Any]:
    c.set_options(url, ServerOptions.flaky(LEVEL, seed=seed))
    c.reset_stats(url)

    async def stop() -> None:
        await asyncio.to_thread(c.set_options, url, ServerOptions())

    return await one_round(url, refs, stop)


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    c.quiet_logs(logging.CRITICAL)  # the retries' warnings would flood the table
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    refs = asyncio.run(references())
    results: dict[str, list[dict[str, Any]]] = {"static": [], "serve": []}
    with c.static_server(sample_catalog_path(), latency_ms=0.0, jitter_ms=0.0) as static:
        for seed in range(1, rounds + 1):
            results["static"].append(asyncio.run(static_round(static.url, refs, seed)))
    with start_server_process() as server:
        for seed in range(1, rounds + 1):
            results["serve"].append(asyncio.run(serve_round(server.url, refs, seed)))
    columns = ["whole", "incomplete", "failed", "silent", "wrong_after", "requests",
               "retries", "breaker_opened", "wall_s"]  # fmt: skip
    rows = [
        [catalog, seed, *(r[k] for k in columns)]
        for catalog, runs in results.items()
        for seed, r in enumerate(runs, start=1)
    ]
    c.print_table(
        f"60 reports at once per round, {100 * LEVEL:.0f}% faults (flaky mix), then again without",
        ["catalog", "round", "whole", "incomplete", "failed", "silent", "wrong after",
         "requests", "retries", "breaker opened", "s"],
        rows,
    )  # fmt: skip
    every = [r for runs in results.values() for r in runs]
    worst = min(r["whole"] for r in every)
    silent = sum(r["silent"] for r in every)
    wrong_after = sum(r["wrong_after"] for r in every)
    targets = [
        c.target("whole reports, worst round", worst, f">= {WHOLE_PER_ROUND} of 60",
                 worst >= WHOLE_PER_ROUND),
        c.target("silently partial reports", silent, "0", silent == 0),
        c.target("wrong reports after the faults stop", wrong_after, "0", wrong_after == 0),
    ]  # fmt: skip
    c.print_targets(targets)
    c.write_result(
        "faults",
        {
            "level": LEVEL,
            "rounds": rounds,
            "mix": ServerOptions.flaky(LEVEL).to_dict(),
            "manager": MANAGER,
            "catalogs": {
                "static": "python -m http.server over the packed sample, behind FaultProxy",
                "serve": "the project's catalog server (catalog serve) in a child process",
            },
        },
        results,
        targets,
    )


if __name__ == "__main__":
    main()
