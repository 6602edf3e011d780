"""Sustained load: 1,000 and 10,000 reports over 200 vehicles, 50 in flight; memory; hit rate.

Each size runs in its own child process (``load.py --child N URL``) so that peak RSS
(``VmHWM``) is that run's own. Both children share one catalog server (20 +- 5 ms),
whose ``/_stats`` is reset before each. Reported per size: throughput, p50/p95/p99
per-report latency, catalog requests per report, peak RSS, and the caches' fill
against their caps (catalog documents: ``max_entries=2000``, reports: ``max_reports=250``,
small enough that the smaller run fills them; see MAX_DOCUMENTS).

Then 10 similar queries (one vehicle, front-end damage in varying words, UK and US,
one paraphrase) on a fresh agent, and on the replaced design for comparison. Hit
rate = share of the catalog documents the 10 reports read that came from memory
(a report answered from the report cache read all its documents from memory).
The documents each report reads are counted on a fresh agent.

Targets: peak RSS at 10k no more than 15% above 1k, caches at their cap; hit rate
after 10 similar queries >= 90%. ``--quick`` runs 300 and 3,000 reports.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import _common as c
from baseline import ReplacedPartsAgent
from partsagent import PartsAgent
from partsagent.catalog import BucketManager

IN_FLIGHT = 50
VEHICLES = 200
# Caps the smaller run fills, so that both sizes run at their cap and RSS growth between
# them shows what is not bounded. With the defaults (10,000 documents, 1,000 reports) 1k
# reports over 200 vehicles fill neither cap, and RSS still climbs towards them.
MAX_DOCUMENTS = 2_000
MAX_REPORTS = 250
ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}


def _d(*parts: tuple[str, str]) -> list[dict[str, str]]:
    return [{"component": p, "severity": s} for p, s in parts]


SIMILAR: list[tuple[dict[str, Any], list[dict[str, str]]]] = [
    (ASTRA, _d(("Front Bumper Cover", "severe"), ("Headlight Assembly", "moderate"))),
    (
        {"make": "opel", "model": "astra", "year": 2018},
        _d(("headlamp", "moderate"), ("front bumper", "severe")),
    ),
    (ASTRA, _d(("front bumper", "severe"), ("headlamp", "moderate"), ("hood", "minor"))),
    (ASTRA, _d(("front bumper", "severe"), ("left headlamp", "moderate"), ("grille", "minor"))),
    (ASTRA, _d(("bumper cover", "severe"), ("headlight", "moderate"), ("bonnet", "moderate"))),
    (ASTRA, _d(("hood", "minor"), ("grille", "minor"), ("front bumper", "moderate"))),
    (ASTRA, _d(("front bumper", "severe"), ("headlamp", "severe"), ("bonnet", "minor"))),
    (ASTRA, _d(("front bumper cover", "severe"), ("right headlight", "moderate"))),
    (ASTRA, _d(("Front Bumper", "severe"), ("Headlamp", "moderate"), ("Bonnet", "minor"))),
    (ASTRA, _d(("grille", "minor"), ("front bumper", "moderate"), ("headlamp", "moderate"))),
]


# -- the child: one load run ------------------------------------------------------------


async def child_run(url: str, n: int) -> dict[str, Any]:
    directory = c.bench_catalog()
    reports = c.make_reports(directory, n, n_vehicles=VEHICLES)
    rss_before = c.rss_mb()
    manager = BucketManager(url, max_entries=MAX_DOCUMENTS)
    async with manager, PartsAgent(manager, max_reports=MAX_REPORTS) as agent:

        async def one(r: c.Report) -> None:
            await agent.process_damage_report(r.vehicle, r.damage)

        t0 = time.perf_counter()
        lat = await c.run_bounded(reports, one, IN_FLIGHT)
        wall = time.perf_counter() - t0
        catalog = agent.catalog.get_cache_stats()
        reports_cache = agent.reports.stats()
    return {
        "reports": n,
        "wall_s": round(wall, 3),
        "reports_per_s": round(n / wall, 2),
        "latency": c.latency_summary(lat),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(c.peak_rss_mb(), 1),
        "catalog_cache": {
            k: catalog[k]
            for k in ("cache_size", "max_cache_size", "evictions", "hit_rate_percent", "requests")
        },
        "report_cache": reports_cache,
    }


def run_child(url: str, n: int) -> dict[str, Any]:
    c.reset_stats(url)
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(n), url],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["catalog_requests"] = c.server_stats(url)["total"]
    result["catalog_requests_per_report"] = round(result["catalog_requests"] / n, 3)
    return result


# -- 10 similar queries ------------------------------------------------------------------------


async def documents_read(url: str, vehicle: dict[str, Any], damage: list[dict[str, str]]) -> int:
    """Catalog documents one report reads, counted on a fresh agent."""
    async with PartsAgent(url) as agent:
        r = await agent.process_damage_report(vehicle, damage)
    p = r.performance
    return int(p["cache_hits"] + p["cache_misses"] + p["cache_coalesced"])


async def similar_partsagent(url: str) -> dict[str, Any]:
    needed = [await documents_read(url, v, d) for v, d in SIMILAR]
    async with PartsAgent(url) as agent:
        for v, d in SIMILAR:
            await agent.process_damage_report(v, d)
            # Queries come one after another, not within the 20 ms that the previous
            # report's vehicle warming (background requests) is still in flight.
            await agent.catalog.drain()
        catalog = agent.catalog.get_cache_stats()
        reports = agent.reports.stats()
    fetched = catalog["misses"]
    return {
        "documents_read": sum(needed),
        "documents_fetched": fetched,
        "hit_rate_percent": round(100.0 * (1 - fetched / sum(needed)), 2),
        "catalog_manager_hit_rate_percent": catalog["hit_rate_percent"],
        "report_cache": reports,
    }


def similar_replaced(url: str) -> dict[str, Any]:
    with ReplacedPartsAgent(url) as agent:
        for v, d in SIMILAR:
            agent.process_damage_report(v, d)
        return agent.cache_stats()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        c.quiet_logs()
        print(json.dumps(asyncio.run(child_run(sys.argv[3], int(sys.argv[2])))))
        return
    args = c.parse_args(__doc__.splitlines()[0])
    c.quiet_logs()
    directory = c.bench_catalog()
    sizes = (300, 3000) if args.quick else (1000, 10_000)
    with c.catalog_server(directory) as server:
        runs = [run_child(server.url, n) for n in sizes]
        similar = asyncio.run(similar_partsagent(server.url))
        similar_base = similar_replaced(server.url)
    c.print_table(
        f"reports over {VEHICLES} vehicles, {IN_FLIGHT} in flight, latency "
        f"{c.LATENCY_MS:g} +- {c.JITTER_MS:g} ms",
        [
            "reports",
            "wall s",
            "reports/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "requests/report",
            "peak RSS MB",
            "doc cache",
            "report cache",
        ],
        [
            [
                r["reports"],
                r["wall_s"],
                r["reports_per_s"],
                r["latency"]["p50_ms"],
                r["latency"]["p95_ms"],
                r["latency"]["p99_ms"],
                r["catalog_requests_per_report"],
                r["peak_rss_mb"],
                f"{r['catalog_cache']['cache_size']}/{r['catalog_cache']['max_cache_size']}",
                f"{r['report_cache']['size']}/{r['report_cache']['max_size']}",
            ]
            for r in runs
        ],
    )
    c.print_table(
        "10 similar queries (Vauxhall Astra 2018, front-end damage in varying words)",
        ["design", "documents from memory %", "detail"],
        [
            [
                "partsagent",
                similar["hit_rate_percent"],
                f"{similar['documents_fetched']} of {similar['documents_read']} documents "
                f"fetched; report cache {similar['report_cache']['hits']} hits",
            ],
            [
                "replaced design",
                similar_base["hit_rate_percent"],
                f"LRU {similar_base['hits']} hits, {similar_base['misses']} misses",
            ],
        ],
    )
    small, big = runs
    growth = 100.0 * (big["peak_rss_mb"] / small["peak_rss_mb"] - 1)
    at_cap = all(
        r["catalog_cache"]["cache_size"] == r["catalog_cache"]["max_cache_size"]
        and r["report_cache"]["size"] == r["report_cache"]["max_size"]
        for r in runs
    )
    targets = [
        c.target(
            f"load: peak RSS {big['reports']} vs {small['reports']} reports",
            growth,
            "<= +15%",
            growth <= 15.0,
            "%",
        ),
        c.target(
            "load: caches at their cap (both sizes; shown: the larger)",
            f"{big['catalog_cache']['cache_size']}/{big['catalog_cache']['max_cache_size']} docs, "
            f"{big['report_cache']['size']}/{big['report_cache']['max_size']} reports",
            "at cap",
            at_cap,
        ),
        c.target(
            "load: hit rate after 10 similar queries",
            similar["hit_rate_percent"],
            ">= 90%",
            similar["hit_rate_percent"] >= 90.0,
            "%",
        ),
    ]
    c.print_targets(targets)
    c.write_result(
        "load",
        {
            **c.common_params(directory),
            "sizes": sizes,
            "vehicles": VEHICLES,
            "in_flight": IN_FLIGHT,
            "max_documents": MAX_DOCUMENTS,
            "max_reports": MAX_REPORTS,
            "similar_queries": [{"vehicle": v, "damage": d} for v, d in SIMILAR],
        },
        {
            "runs": runs,
            "peak_rss_growth_percent": round(growth, 2),
            "similar": similar,
            "similar_replaced": similar_base,
        },
        targets,
    )


if __name__ == "__main__":
    main()
