"""A cold report's time against its lower bound: the round trips it cannot avoid.

A report walks the catalog tree: manufacturers -> models -> categories (one list per
variant) -> articles (with the batch endpoint: one request per variant). Each level
needs the one above, so the levels are sequential; within a level at most 5 requests
run at once. The lower bound is therefore

    sum over levels of ceil(requests at that level / 5) x latency
    = (depth + ceil(fan-out / 5)) x latency

with depth the levels above the widest one and fan-out the requests at the widest.
The requests per level are read from the server's ``/_stats`` after each report, so the
bound is computed from what the report actually needed. Each trial is a fresh
PartsAgent on a vehicle it has never seen. The same reports are then run against a
zero-latency server: what is left is the library's own cost (CPU, loopback HTTP).

Target: measured / bound <= 1.3 (median over the trials).
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import _common as c
from partsagent import PartsAgent

LEVELS = ("manufacturers", "models", "categories", "articles")
WARM_UP = c.Report(
    {"make": "BMW", "model": "3 Series", "year": 2020},
    [{"component": "emblem", "severity": "minor"}],
)


def expected_round_ms(k: int) -> float:
    """Expected slowest of ``k`` parallel requests, each uniform in latency +- jitter."""
    low = c.LATENCY_MS - c.JITTER_MS
    return low + 2 * c.JITTER_MS * k / (k + 1)


async def cold_report(url: str, report: c.Report) -> tuple[float, dict[str, int]]:
    c.reset_stats(url)
    async with PartsAgent(url) as agent:
        t0 = time.perf_counter()
        await agent.process_damage_report(report.vehicle, report.damage)
        elapsed = (time.perf_counter() - t0) * 1000.0
    return elapsed, c.request_levels(c.server_stats(url))


def bound_ms(levels: dict[str, int]) -> float:
    return sum(math.ceil(levels[k] / c.CONCURRENCY) for k in LEVELS if levels[k]) * c.LATENCY_MS


def jitter_ms(levels: dict[str, int]) -> float:
    """Expected network time with jitter: every round waits for its slowest request."""
    total = 0.0
    for k in LEVELS:
        n = levels[k]
        while n > 0:
            total += expected_round_ms(min(n, c.CONCURRENCY))
            n -= c.CONCURRENCY
    return total


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    c.quiet_logs()
    directory = c.bench_catalog(pack=False)  # the standard layout: one request per look-up
    trials = 20 if args.quick else 40
    pool = c.make_reports(directory, 400)
    # One report per vehicle: every trial is cold for the catalog and for the matcher.
    seen: set[str] = set()
    reports: list[c.Report] = [c.Report(c.SEED_VEHICLE, c.SEED_DAMAGE)]
    seen.update({str(c.SEED_VEHICLE).upper(), str(WARM_UP.vehicle).upper()})
    for r in pool:
        if len(reports) >= trials:
            break
        key = str(r.vehicle).upper()
        if key not in seen:
            seen.add(key)
            reports.append(r)
    rows: list[dict[str, Any]] = []
    with c.catalog_server(directory) as server:
        # Warm the interpreter (imports, first-use caches of pydantic) on a vehicle not timed.
        asyncio.run(cold_report(server.url, WARM_UP))
        for r in reports:
            ms, levels = asyncio.run(cold_report(server.url, r))
            rows.append({"vehicle": r.vehicle, "measured_ms": ms, "levels": levels})
        c.set_latency(server.url, 0.0, 0.0)
        for row, r in zip(rows, reports, strict=True):
            row["zero_latency_ms"] = asyncio.run(cold_report(server.url, r))[0]
    for row in rows:
        row["bound_ms"] = bound_ms(row["levels"])
        row["expected_network_ms"] = jitter_ms(row["levels"])
        row["ratio"] = row["measured_ms"] / row["bound_ms"]
    ratios = [r["ratio"] for r in rows]
    seed = rows[0]
    table = []
    for name, row in (("seed scenario", seed),):
        lv = row["levels"]
        table.append(
            [
                name,
                "/".join(str(lv[k]) for k in LEVELS),
                round(row["bound_ms"], 1),
                round(row["expected_network_ms"], 1),
                round(row["zero_latency_ms"], 1),
                round(row["measured_ms"], 1),
                round(row["ratio"], 2),
            ]
        )
    med = {
        k: c.median([r[k] for r in rows])
        for k in ("bound_ms", "expected_network_ms", "zero_latency_ms", "measured_ms")
    }
    table.append(
        [
            f"median of {len(rows)} vehicles",
            "",
            round(med["bound_ms"], 1),
            round(med["expected_network_ms"], 1),
            round(med["zero_latency_ms"], 1),
            round(med["measured_ms"], 1),
            round(c.median(ratios), 2),
        ]
    )
    c.print_table(
        "cold report vs its lower bound (requests per level: manufacturers/models/"
        "categories/articles)",
        [
            "report",
            "requests",
            "bound ms",
            "with jitter ms",
            "zero-latency ms",
            "measured ms",
            "measured/bound",
        ],
        table,
    )
    print(
        f"\nbound = (depth + ceil(fan-out / {c.CONCURRENCY})) x {c.LATENCY_MS:g} ms; "
        "'with jitter' = expected time of the same rounds when each waits for its slowest "
        f"request (latency uniform in {c.LATENCY_MS - c.JITTER_MS:g}-"
        f"{c.LATENCY_MS + c.JITTER_MS:g} ms); 'zero-latency' = the same cold report "
        "against a server with no injected latency (library CPU + loopback HTTP)"
    )
    ratio = c.median(ratios)
    targets = [
        c.target(
            "critical path: cold report / lower bound (median)",
            ratio,
            "<= 1.3",
            ratio <= 1.3,
            "x",
        )
    ]
    c.print_targets(targets)
    c.write_result(
        "critical_path",
        {**c.common_params(directory), "trials": len(rows), "concurrency": c.CONCURRENCY},
        {
            "median": {k: round(v, 3) for k, v in med.items()},
            "median_ratio": round(ratio, 3),
            "p90_ratio": round(c.percentile(ratios, 90), 3),
            "trials": rows,
        },
        targets,
    )


if __name__ == "__main__":
    main()
