"""The seed's own verification, ``python bench/test_performance.py``: its four figures, measured.

The design this library replaced was verified by a script printing four lines;
this one measures the same four on the embedded sample catalog, served by the
project's catalog server in a child process with 20 +- 5 ms per request (a
remote catalog, as the seed had), through the public API only:

* cold vs cached: ten different reports on a fresh agent, then the same ten on
  a new agent sharing the first one's BucketManager: the catalog cache answers,
  the report cache does not (a repeat of a whole report would be a report-cache
  hit, a far larger gain that says nothing about the catalog cache);
* concurrent vs sequential: the ten reports one after the other (the cold run),
  then through ``process_batch`` on another fresh agent;
* memory under load: rounds of 200 varied reports through ``process_batch``;
  stable when the resident size after the last round is within 10% (or 5 MB)
  of the size after the second;
* cache hit rate: ten similar reports on one vehicle, in other words each time;
  the manager's ``cache_stats`` hit rate in the last report's performance block.

It checks the seed's criteria (cached >= 50% faster, concurrent faster than
sequential, memory stable, hit rate > 60%), exits 1 when one fails, prints the
four lines in the seed's words and writes bench/results/test_performance.json.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

import _common as c
from partsagent import PartsAgent
from partsagent.catalog import sample_catalog_path

VEHICLES: tuple[dict[str, Any], ...] = (
    {"make": "Vauxhall", "model": "Astra", "year": 2018},
    {"make": "Ford", "model": "Focus", "year": 2020},
    {"make": "Ford", "model": "Fiesta", "year": 2019},
    {"make": "VW", "model": "Golf", "year": 2016},
    {"make": "Toyota", "model": "Corolla", "year": 2020},
    {"make": "Honda", "model": "Civic", "year": 2019},
    {"make": "Nissan", "model": "Qashqai", "year": 2017},
    {"make": "Vauxhall", "model": "Corsa", "year": 2020},
)
DAMAGES = (
    "front bumper smashed, left headlamp cracked, bonnet dented",
    "rear bumper cracked and the right tail light broken",
    "N/S front wing creased, door mirror hanging off",
    "windscreen cracked, bonnet scratched",
    "O/S rear door dented, rear bumper scuffed",
)
SIMILAR = (
    "front bumper cracked",
    "front bumper smashed",
    "F/B split",
    "front bumper and grille",
    "bonnet dented",
    "hood dented and front bumper scuffed",
    "headlamp cracked",
    "left headlight smashed",
    "front bumper, bonnet and right headlamp",
    "grille broken, front bumper cracked",
)
TEN = [(VEHICLES[i % len(VEHICLES)], DAMAGES[i % len(DAMAGES)]) for i in range(10)]
ROUNDS, PER_ROUND = 5, 200


def seconds(s: float) -> str:
    """As the seed printed them ("8.2s"), with one more digit under a second."""
    return f"{s:.1f}s" if s >= 1 else f"{s:.2f}s"


def rss_mb() -> float:
    """The resident set size now (Linux /proc), in MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


async def cold_and_cached(url: str) -> tuple[float, float]:
    async with PartsAgent(url) as cold:
        started = time.perf_counter()
        for vehicle, damage in TEN:
            await cold.process_damage_report(vehicle, damage)
        cold_s = time.perf_counter() - started
        # A new agent on the same, warm BucketManager: a fresh report cache, a warm catalog one.
        async with PartsAgent(cold.catalog) as cached:
            started = time.perf_counter()
            for vehicle, damage in TEN:
                report = await cached.process_damage_report(vehicle, damage)
                assert report.performance["report_cache"] == "miss"
            cached_s = time.perf_counter() - started
    return cold_s, cached_s


async def concurrent(url: str) -> float:
    async with PartsAgent(url) as agent:
        started = time.perf_counter()
        items = [{"vehicle": v, "damaged_parts": d} for v, d in TEN]
        async for result in agent.process_batch(items, concurrency=16):
            assert result.ok, result.error
        return time.perf_counter() - started


async def memory(url: str) -> list[float]:
    sizes = []
    async with PartsAgent(url, max_reports=100) as agent:
        for r in range(ROUNDS):
            items = (
                {
                    "vehicle": VEHICLES[(r + i) % len(VEHICLES)],
                    "damaged_parts": f"{DAMAGES[i % len(DAMAGES)]}, {SIMILAR[i % len(SIMILAR)]}",
                }
                for i in range(PER_ROUND)
            )
            async for _ in agent.process_batch(items):
                pass
            sizes.append(round(rss_mb(), 1))
    return sizes


async def hit_rate(url: str) -> float:
    async with PartsAgent(url) as agent:
        for damage in SIMILAR:
            report = await agent.process_damage_report(VEHICLES[0], damage)
    rate: float = report.performance["cache_stats"]["hit_rate_percent"]
    return rate


async def measure(url: str) -> dict[str, Any]:
    cold_s, cached_s = await cold_and_cached(url)
    concurrent_s = await concurrent(url)
    sizes = await memory(url)
    rate = await hit_rate(url)
    return {
        "cold_s": round(cold_s, 3),
        "cached_s": round(cached_s, 3),
        "improvement_percent": round(100 * (1 - cached_s / cold_s), 1),
        "concurrent_s": round(concurrent_s, 3),
        "sequential_s": round(cold_s, 3),
        "faster_percent": round(100 * (1 - concurrent_s / cold_s), 1),
        "rss_mb_after_each_round": sizes,
        "peak_mb": round(peak_mb(), 1),
        "hit_rate_percent": rate,
    }


def main() -> int:
    c.parse_args(__doc__.splitlines()[0] if __doc__ else "")
    c.quiet_logs()
    started = time.perf_counter()
    with c.catalog_server(sample_catalog_path()) as server:
        m = asyncio.run(measure(server.url))
    sizes = m["rss_mb_after_each_round"]
    growth = sizes[-1] - sizes[1]
    checks = {
        "cached >= 50% faster": m["improvement_percent"] >= 50,
        "concurrent faster than sequential": m["concurrent_s"] < m["sequential_s"],
        "memory stable under load": growth <= max(5.0, 0.10 * sizes[1]),
        "hit rate > 60% after 10 similar queries": m["hit_rate_percent"] > 60,
    }
    print(
        f"Cold run: {seconds(m['cold_s'])}, Cached run: {seconds(m['cached_s'])} "
        f"({m['improvement_percent']:.0f}% improvement)"
    )
    print(
        f"Concurrent processing: {seconds(m['concurrent_s'])} vs {seconds(m['sequential_s'])} "
        "sequential "
        f"({m['faster_percent']:.0f}% faster)"
    )
    print(
        f"Memory {'stable' if checks['memory stable under load'] else 'NOT stable'}: "
        f"{m['peak_mb']:.0f}MB peak usage"
    )
    print(f"Cache hit rate: {m['hit_rate_percent']:.0f}% after 10 similar queries")
    print()
    print(
        c.render_table(
            ["criterion", "result"], [(k, "pass" if v else "FAIL") for k, v in checks.items()]
        )
    )
    elapsed = time.perf_counter() - started
    c.RESULTS_DIR.mkdir(exist_ok=True)
    out = c.RESULTS_DIR / "test_performance.json"
    out.write_text(
        json.dumps(
            {
                "catalog": "embedded sample, served with 20 +- 5 ms per request",
                **m,
                "rss_growth_mb": round(growth, 1),
                "checks": checks,
                "elapsed_s": round(elapsed, 1),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {out.relative_to(c.BENCH_DIR.parent)} in {elapsed:.0f}s")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
