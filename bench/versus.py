"""partsagent against the design it replaces, on the same distinct reports in one run.

Three phases, each from cold caches against the same catalog server (20 +- 5 ms):

1. the replaced design (``baseline.py``): reports one after another, as it was used;
2. partsagent with 50 reports in flight (``asyncio.gather`` behind a semaphore), as an
   asyncio application would send them;
3. partsagent one report after another, for honesty: the speed-up without concurrency.

Measured: wall time, catalog requests (the server's ``/_stats`` total, reset between
phases; a batch request counts once), p50/p95 per-report latency, and whether both
designs priced every report the same (same parts total). The replaced design bought
every damaged part; partsagent's estimate repairs some, so here it runs with a policy
that replaces every part (``c.replace_everything()``): the same parts are searched and
bought by both, and the comparison stays like for like. Where the vehicle's variants
split into builds, the totals may differ by design: the replaced design ranked
articles one line at a time and could mix builds, partsagent prices one build; the
script counts how many of the differing reports are such splits.
Target: partsagent (50 in flight) at least 5x faster with no more catalog requests.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import _common as c
from baseline import ReplacedPartsAgent
from partsagent import PartsAgent

IN_FLIGHT = 50


def run_baseline(url: str, reports: list[c.Report]) -> tuple[float, list[float], list[Decimal]]:
    latencies: list[float] = []
    totals: list[Decimal] = []
    with ReplacedPartsAgent(url) as agent:
        t0 = time.perf_counter()
        for r in reports:
            t1 = time.perf_counter()
            out = agent.process_damage_report(r.vehicle, r.damage)
            latencies.append((time.perf_counter() - t1) * 1000)
            totals.append(out["total"])
        wall = time.perf_counter() - t0
    return wall, latencies, totals


SPLIT: set[int] = set()
"""Reports whose vehicle partsagent priced as one build of several (by index)."""


async def run_partsagent(
    url: str, reports: list[c.Report], in_flight: int
) -> tuple[float, list[float], list[Decimal]]:
    totals: list[Decimal] = [Decimal(0)] * len(reports)
    async with PartsAgent(url, estimate=c.replace_everything()) as agent:

        async def one(i: int) -> None:
            r = reports[i]
            report = await agent.process_damage_report(r.vehicle, r.damage)
            totals[i] = report.totals.parts.amount + report.totals.consumables.amount
            build = report.vehicle.build
            if build is not None and len(build.variants) < len(report.vehicle.variants):
                SPLIT.add(i)

        t0 = time.perf_counter()
        latencies = await c.run_bounded(range(len(reports)), one, in_flight)
        wall = time.perf_counter() - t0
    return wall, latencies, totals


def phase_row(name: str, wall: float, lat: list[float], requests: int) -> list[object]:
    s = c.latency_summary(lat)
    return [
        name,
        round(wall, 2),
        requests,
        round(len(lat) / wall, 1),
        s["p50_ms"],
        s["p95_ms"],
    ]


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    c.quiet_logs()
    directory = c.bench_catalog()
    n = 60 if args.quick else 200
    reports = c.make_reports(directory, n)
    phases: dict[str, dict[str, Any]] = {}
    with c.catalog_server(directory) as server:
        url = server.url
        c.reset_stats(url)
        wall, lat, base_totals = run_baseline(url, reports)
        phases["replaced design (sequential, 4 threads)"] = {
            "wall_s": wall,
            "lat": lat,
            "requests": c.server_stats(url)["total"],
        }
        c.reset_stats(url)
        wall, lat, pa_totals = asyncio.run(run_partsagent(url, reports, IN_FLIGHT))
        phases[f"partsagent ({IN_FLIGHT} in flight)"] = {
            "wall_s": wall,
            "lat": lat,
            "requests": c.server_stats(url)["total"],
        }
        c.reset_stats(url)
        wall, lat, seq_totals = asyncio.run(run_partsagent(url, reports, 1))
        phases["partsagent (sequential)"] = {
            "wall_s": wall,
            "lat": lat,
            "requests": c.server_stats(url)["total"],
        }
    names = list(phases)
    base, conc, seq = (phases[k] for k in names)
    c.print_table(
        f"{n} distinct reports over 200 vehicles, catalog latency "
        f"{c.LATENCY_MS:g} +- {c.JITTER_MS:g} ms",
        ["design", "wall s", "catalog requests", "reports/s", "p50 ms", "p95 ms"],
        [phase_row(k, p["wall_s"], p["lat"], p["requests"]) for k, p in phases.items()],
    )
    same = sum(a == b for a, b in zip(base_totals, pa_totals, strict=True))
    differ = [i for i, (a, b) in enumerate(zip(base_totals, pa_totals, strict=True)) if a != b]
    split = sum(i in SPLIT for i in differ)
    speedup = base["wall_s"] / conc["wall_s"]
    speedup_seq = base["wall_s"] / seq["wall_s"]
    print(
        f"\npartsagent is {speedup:.1f}x faster ({IN_FLIGHT} in flight), {speedup_seq:.1f}x "
        f"faster sequential, with {conc['requests']} vs {base['requests']} catalog requests "
        f"({base['requests'] / max(conc['requests'], 1):.1f}x fewer); "
        f"{same}/{n} reports priced to the same parts total by both designs; of the "
        f"{len(differ)} others, {split} are vehicles whose variants split into builds "
        "(the replaced design could mix them, partsagent prices one)"
    )
    targets = [
        c.target("versus: speed-up, 50 in flight", speedup, ">= 5x", speedup >= 5.0, "x"),
        c.target(
            "versus: catalog requests (partsagent / replaced)",
            round(conc["requests"] / base["requests"], 3),
            "<= 1",
            conc["requests"] <= base["requests"],
        ),
    ]
    c.print_targets(targets)
    c.write_result(
        "versus",
        {**c.common_params(directory), "reports": n, "in_flight": IN_FLIGHT},
        {
            "phases": {
                k: {
                    "wall_s": round(p["wall_s"], 3),
                    "catalog_requests": p["requests"],
                    "reports_per_s": round(n / p["wall_s"], 2),
                    "latency": c.latency_summary(p["lat"]),
                }
                for k, p in phases.items()
            },
            "speedup_concurrent": round(speedup, 2),
            "speedup_sequential": round(speedup_seq, 2),
            "same_totals": same,
            "differing_where_variants_split": split,
            "same_totals_sequential": sum(
                a == b for a, b in zip(base_totals, seq_totals, strict=True)
            ),
        },
        targets,
    )


if __name__ == "__main__":
    main()
