"""Bounded concurrency: a fan-out of look-ups sequential vs 5 at once, and reports in flight.

Part 1: ``n`` category-list look-ups for ``n`` distinct variants, on a fresh
BucketManager whose connection is already open:

* sequential: one ``await`` after another;
* bounded: ``get_categories_concurrent`` with batching off (``batch_size=1``), so every
  look-up is its own request: all started at once, at most 5 on the wire (the
  manager's ``max_concurrency``). This is what the targets measure;
* ideal: ``ceil(n / 5) x latency``, what 5 perfect lanes would take;
* batched: the same call with the default manager, which sends the cold lists of one
  manufacturer in one request (for reference: it is how the library really runs).

Part 2: the same distinct reports with 1, 5, 10, 25, 50 and 100 in flight, each
level from cold caches: throughput and per-report latency (the chart "latency vs
reports in flight" of plot.py).

Targets (part 1, n >= 15): bounded >= 4x faster than sequential and <= 1.3x the ideal.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from pathlib import Path
from typing import Any

import _common as c
from partsagent import PartsAgent
from partsagent.catalog import BucketManager

FAN_OUTS = (15, 20, 40)
IN_FLIGHT = (1, 5, 10, 25, 50, 100)


def variant_pairs(directory: Path, n: int) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for m in json.loads((directory / "manufacturers.json").read_text()):
        models = json.loads((directory / "manufacturers" / m["id"] / "models.json").read_text())
        pairs.extend((m["id"], v["id"]) for model in models for v in model["variants"])
    return pairs[:n]


async def fan_out(url: str, pairs: list[tuple[str, str]], mode: str) -> tuple[float, int]:
    """Milliseconds for the fan-out in ``mode``, and the catalog requests it made."""
    async with BucketManager(url, batch_size=100 if mode == "batched" else 1) as manager:
        await manager.get_manufacturers()
        # Open the connections the fan-out will use outside the timing, as a running
        # service has them open (the source is read directly: no cache in the way).
        await asyncio.gather(*(manager.source.manufacturers() for _ in range(c.CONCURRENCY)))
        t0 = time.perf_counter()
        if mode == "sequential":
            for mid, vid in pairs:
                await manager.load_categories_for_variant(mid, vid)
        else:
            results = await manager.get_categories_concurrent(pairs)
            assert all(r.ok for r in results)
        elapsed = (time.perf_counter() - t0) * 1000.0
        requests = manager.get_cache_stats()["requests"] - 1
    assert mode == "batched" or requests == len(pairs)
    return elapsed, requests


async def reports_in_flight(url: str, reports: list[c.Report], in_flight: int) -> dict[str, Any]:
    async with PartsAgent(url) as agent:

        async def one(r: c.Report) -> None:
            await agent.process_damage_report(r.vehicle, r.damage)

        t0 = time.perf_counter()
        lat = await c.run_bounded(reports, one, in_flight)
        wall = time.perf_counter() - t0
    return {
        "in_flight": in_flight,
        "wall_s": round(wall, 3),
        "reports_per_s": round(len(reports) / wall, 2),
        **c.latency_summary(lat),
    }


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    c.quiet_logs()
    directory = c.bench_catalog(pack=False)  # the standard layout: one request per look-up
    trials = 5 if args.quick else 15
    n_reports = 60 if args.quick else 200
    fan_rows: list[dict[str, Any]] = []
    flight_rows: list[dict[str, Any]] = []
    with c.catalog_server(directory) as server:
        for n in FAN_OUTS:
            pairs = variant_pairs(directory, n)
            seq = c.median(
                [asyncio.run(fan_out(server.url, pairs, "sequential"))[0] for _ in range(trials)]
            )
            bnd = c.median(
                [asyncio.run(fan_out(server.url, pairs, "bounded"))[0] for _ in range(trials)]
            )
            batched = [asyncio.run(fan_out(server.url, pairs, "batched")) for _ in range(trials)]
            ideal = math.ceil(n / c.CONCURRENCY) * c.LATENCY_MS
            fan_rows.append(
                {
                    "n": n,
                    "sequential_ms": round(seq, 2),
                    "bounded_ms": round(bnd, 2),
                    "ideal_ms": ideal,
                    "speedup": round(seq / bnd, 2),
                    "vs_ideal": round(bnd / ideal, 3),
                    "batched_ms": round(c.median([ms for ms, _ in batched]), 2),
                    "batched_requests": batched[0][1],
                }
            )
        reports = c.make_reports(directory, n_reports)
        for k in IN_FLIGHT:
            flight_rows.append(asyncio.run(reports_in_flight(server.url, reports, k)))
    c.print_table(
        f"fan-out of n look-ups (one request each), median of {trials}; "
        f"latency {c.LATENCY_MS:g} +- {c.JITTER_MS:g} ms",
        [
            "n",
            "sequential ms",
            f"bounded at {c.CONCURRENCY} ms",
            "ideal ms",
            "speed-up",
            "/ideal",
            "batched ms",
            "batched requests",
        ],
        [
            [
                r["n"],
                r["sequential_ms"],
                r["bounded_ms"],
                r["ideal_ms"],
                r["speedup"],
                r["vs_ideal"],
                r["batched_ms"],
                r["batched_requests"],
            ]
            for r in fan_rows
        ],
    )
    c.print_table(
        f"{n_reports} distinct reports, cold caches, by reports in flight",
        ["in flight", "wall s", "reports/s", "p50 ms", "p95 ms", "p99 ms"],
        [
            [r["in_flight"], r["wall_s"], r["reports_per_s"], r["p50_ms"], r["p95_ms"], r["p99_ms"]]
            for r in flight_rows
        ],
    )
    worst_speedup = min(r["speedup"] for r in fan_rows)
    worst_ideal = max(r["vs_ideal"] for r in fan_rows)
    targets = [
        c.target(
            "concurrency: bounded vs sequential (worst n)",
            worst_speedup,
            ">= 4x",
            worst_speedup >= 4,
            "x",
        ),
        c.target(
            "concurrency: bounded / ideal (worst n)", worst_ideal, "<= 1.3", worst_ideal <= 1.3, "x"
        ),
    ]
    c.print_targets(targets)
    c.write_result(
        "concurrency",
        {
            **c.common_params(directory),
            "fan_outs": FAN_OUTS,
            "trials": trials,
            "reports": n_reports,
            "in_flight_levels": IN_FLIGHT,
            "max_concurrency": c.CONCURRENCY,
        },
        {"fan_out": fan_rows, "in_flight": flight_rows},
        targets,
    )


if __name__ == "__main__":
    main()
