"""partsagent against the design it replaces, where users deploy a catalog, in one run.

Every phase starts from cold caches and prices the same distinct reports; the
catalog answers after 20 +- 5 ms.

* **the project's server** (batch endpoints, standard layout): the replaced design
  one report after another (``baseline.py``, as it was used) and as deployed later
  (``ReplacedPartsAgent.as_deployed``: 5 report threads sharing the LRU, top 3
  variants, damaged parts only); partsagent with 50 reports in flight and one after
  another; partsagent on the same bucket with packs;
* **a static bucket** (``python -m http.server``'s handler, no batch endpoint): the
  deployed replaced design, and partsagent with packs and without;
* **CPU only**: 1,000 distinct reports against the project's server at 0 ms, the
  deployed replaced design against partsagent (50 in flight).

Measured: wall time, catalog requests (the servers' counts; a batch counts once),
bytes per request on the static server, p50/p95 per-report latency, and whether
partsagent priced every report as the sequential replaced design did (same parts
total), and the same with packs as without. The replaced design bought every
damaged part; partsagent's estimate repairs some, so here it runs with a policy that
replaces every part (``c.replace_everything()``): the same parts are searched and
bought by both. Where the vehicle's variants split into builds, the totals may
differ by design: the replaced design ranked articles one line at a time and could
mix builds, partsagent prices one build; the script counts how many of the differing
reports are such splits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import _common as c
from baseline import REPORT_THREADS, ReplacedPartsAgent
from partsagent import PartsAgent

IN_FLIGHT = 50

Totals = list[Decimal]


def run_baseline(url: str, reports: list[c.Report]) -> tuple[float, list[float], Totals]:
    latencies: list[float] = []
    totals: Totals = []
    with ReplacedPartsAgent(url) as agent:
        t0 = time.perf_counter()
        for r in reports:
            t1 = time.perf_counter()
            out = agent.process_damage_report(r.vehicle, r.damage)
            latencies.append((time.perf_counter() - t1) * 1000)
            totals.append(out["total"])
        wall = time.perf_counter() - t0
    return wall, latencies, totals


def run_deployed(url: str, reports: list[c.Report]) -> tuple[float, list[float], Totals]:
    """The replaced design as deployed: 5 report threads sharing one LRU and session."""
    latencies = [0.0] * len(reports)
    totals: Totals = [Decimal(0)] * len(reports)
    with ReplacedPartsAgent.as_deployed(url) as agent:

        def one(i: int) -> None:
            t1 = time.perf_counter()
            out = agent.process_damage_report(reports[i].vehicle, reports[i].damage)
            latencies[i] = (time.perf_counter() - t1) * 1000
            totals[i] = out["total"]

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=REPORT_THREADS) as pool:
            list(pool.map(one, range(len(reports))))
        wall = time.perf_counter() - t0
    return wall, latencies, totals


SPLIT: set[int] = set()
"""Reports whose vehicle partsagent priced as one build of several (by index)."""


async def run_partsagent(
    url: str, reports: list[c.Report], in_flight: int
) -> tuple[float, list[float], Totals]:
    totals: Totals = [Decimal(0)] * len(reports)
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


Runner = Callable[[str, list[c.Report]], tuple[float, list[float], Totals]]


def partsagent(in_flight: int) -> Runner:
    return lambda url, reports: asyncio.run(run_partsagent(url, reports, in_flight))


class Phases:
    """The measured phases, in order, with the counts of the server each ran against."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.totals: dict[str, Totals] = {}

    def run(
        self,
        name: str,
        deployment: str,
        runner: Runner,
        reports: list[c.Report],
        url: str,
        stats: Callable[[], dict[str, Any]],
        reset: Callable[[], None],
    ) -> None:
        reset()
        wall, lat, totals = runner(url, reports)
        counted = stats()
        requests = counted["total"]
        self.rows[name] = {
            "deployment": deployment,
            "wall_s": wall,
            "lat": lat,
            "requests": requests,
            "bytes_per_request": round(counted["bytes"] / requests) if "bytes" in counted else None,
            "reports": len(reports),
        }
        self.totals[name] = totals
        print(f"  {name}: {wall:.2f} s, {requests} requests", flush=True)

    def ratio(self, slow: str, fast: str) -> float:
        return float(self.rows[slow]["wall_s"] / self.rows[fast]["wall_s"])

    def same(self, a: str, b: str) -> int:
        return sum(x == y for x, y in zip(self.totals[a], self.totals[b], strict=True))


def server_phases(phases: Phases, reports: list[c.Report], cpu_reports: list[c.Report]) -> None:
    plain, packed = c.bench_catalog(pack=False), c.bench_catalog()
    where = "project's server"
    with c.catalog_server(plain) as server:
        url = server.url

        def run(name: str, runner: Runner, items: list[c.Report] = reports) -> None:
            phases.run(
                name,
                where,
                runner,
                items,
                url,
                lambda: c.server_stats(url),
                lambda: c.reset_stats(url),
            )

        run("replaced design, sequential", run_baseline)
        run("replaced design, 5 report threads", run_deployed)
        run(f"partsagent, {IN_FLIGHT} in flight", partsagent(IN_FLIGHT))
        run("partsagent, sequential", partsagent(1))
        c.set_latency(url, 0.0, 0.0)
        where = "CPU only (0 ms)"
        run("CPU only: replaced design, 5 report threads", run_deployed, cpu_reports)
        run(f"CPU only: partsagent, {IN_FLIGHT} in flight", partsagent(IN_FLIGHT), cpu_reports)
    with c.catalog_server(packed) as server:
        url = server.url
        where = "project's server, packed bucket"
        run(f"partsagent, {IN_FLIGHT} in flight, packs", partsagent(IN_FLIGHT))


def static_phases(phases: Phases, reports: list[c.Report]) -> None:
    for directory, layout in ((c.bench_catalog(), "packed"), (c.bench_catalog(pack=False), "")):
        with c.static_server(directory) as server:

            def run(
                name: str,
                runner: Runner,
                server: c.StaticServer = server,
                where: str = f"static bucket{', ' + layout if layout else ''}",
            ) -> None:
                phases.run(name, where, runner, reports, server.url, server.stats, server.reset)

            if layout:
                run("static: replaced design, 5 report threads", run_deployed)
                run(f"static: partsagent, {IN_FLIGHT} in flight, packs", partsagent(IN_FLIGHT))
            else:
                run(f"static: partsagent, {IN_FLIGHT} in flight, no packs", partsagent(IN_FLIGHT))


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    c.quiet_logs()
    directory = c.bench_catalog()
    n = 60 if args.quick else 200
    n_cpu = 300 if args.quick else 1000
    reports = c.make_reports(directory, n)
    cpu_reports = c.make_reports(directory, n_cpu)
    phases = Phases()
    server_phases(phases, reports, cpu_reports)
    static_phases(phases, reports)
    rows = phases.rows
    c.print_table(
        f"{n} distinct reports over 200 vehicles ({n_cpu} for CPU only), catalog latency "
        f"{c.LATENCY_MS:g} +- {c.JITTER_MS:g} ms",
        ["design", "where", "wall s", "requests", "bytes/request", "p50 ms", "p95 ms"],
        [
            [
                k,
                p["deployment"],
                round(p["wall_s"], 2),
                p["requests"],
                p["bytes_per_request"] or "-",
                c.latency_summary(p["lat"])["p50_ms"],
                c.latency_summary(p["lat"])["p95_ms"],
            ]
            for k, p in rows.items()
        ],
    )
    seq, deployed = "replaced design, sequential", "replaced design, 5 report threads"
    conc = f"partsagent, {IN_FLIGHT} in flight"
    static_peer = "static: replaced design, 5 report threads"
    static_pa = f"static: partsagent, {IN_FLIGHT} in flight, packs"
    cpu_peer = "CPU only: replaced design, 5 report threads"
    cpu_pa = f"CPU only: partsagent, {IN_FLIGHT} in flight"
    conc_packed = f"partsagent, {IN_FLIGHT} in flight, packs"
    speedup = phases.ratio(seq, conc)
    batch_vs_deployed = phases.ratio(deployed, conc)
    server_vs_deployed = phases.ratio(deployed, conc_packed)
    static_vs_deployed = phases.ratio(static_peer, static_pa)
    cpu_ratio = rows[cpu_pa]["wall_s"] / rows[cpu_peer]["wall_s"]
    same = phases.same(seq, conc)
    differ = [
        i
        for i, (a, b) in enumerate(zip(phases.totals[seq], phases.totals[conc], strict=True))
        if a != b
    ]
    split = sum(i in SPLIT for i in differ)
    same_packed = phases.same(conc, static_pa)
    print(
        f"\npartsagent is {speedup:.1f}x faster than the replaced design run one report after "
        f"another; against it deployed with 5 report threads, {server_vs_deployed:.1f}x faster "
        f"on the project's server (packed bucket; {batch_vs_deployed:.1f}x with the batch "
        f"endpoints alone) and {static_vs_deployed:.1f}x on a static bucket with packs; "
        f"CPU only it takes {cpu_ratio:.2f}x the deployed design's wall time. {same}/{n} "
        f"reports priced to the same parts total as the replaced design (of the "
        f"{len(differ)} others, {split} are vehicles whose variants split into builds); "
        f"{same_packed}/{n} the same with packs as without."
    )
    targets = [
        c.target(
            "versus: speed-up vs sequential, 50 in flight", speedup, ">= 5x", speedup >= 5, "x"
        ),
        c.target(
            "versus: catalog requests (partsagent / sequential replaced)",
            round(rows[conc]["requests"] / rows[seq]["requests"], 3),
            "<= 1",
            rows[conc]["requests"] <= rows[seq]["requests"],
        ),
        c.target(
            "versus: static bucket with packs vs 5 report threads",
            static_vs_deployed,
            ">= 1.5x",
            static_vs_deployed >= 1.5,
            "x",
        ),
        c.target(
            "versus: static bucket requests (partsagent / 5 report threads)",
            round(rows[static_pa]["requests"] / rows[static_peer]["requests"], 3),
            "<= 1",
            rows[static_pa]["requests"] <= rows[static_peer]["requests"],
        ),
        c.target(
            "versus: project's server (packed bucket) vs 5 report threads",
            server_vs_deployed,
            ">= 3x",
            server_vs_deployed >= 3,
            "x",
        ),
        c.target(
            "versus: CPU only, partsagent wall / 5 report threads",
            round(cpu_ratio, 2),
            "<= 2",
            cpu_ratio <= 2,
        ),
    ]
    c.print_targets(targets)
    c.write_result(
        "versus",
        {
            **c.common_params(directory),
            "reports": n,
            "cpu_reports": n_cpu,
            "in_flight": IN_FLIGHT,
            "report_threads": REPORT_THREADS,
        },
        {
            "phases": {
                k: {
                    "deployment": p["deployment"],
                    "reports": p["reports"],
                    "wall_s": round(p["wall_s"], 3),
                    "catalog_requests": p["requests"],
                    "bytes_per_request": p["bytes_per_request"],
                    "reports_per_s": round(p["reports"] / p["wall_s"], 2),
                    "latency": c.latency_summary(p["lat"]),
                }
                for k, p in rows.items()
            },
            "speedup_concurrent": round(speedup, 2),
            "speedup_sequential": round(phases.ratio(seq, "partsagent, sequential"), 2),
            "speedup_vs_deployed_server": round(server_vs_deployed, 2),
            "speedup_vs_deployed_batch_endpoints": round(batch_vs_deployed, 2),
            "speedup_vs_deployed_static": round(static_vs_deployed, 2),
            "cpu_only_wall_ratio": round(cpu_ratio, 3),
            "same_totals": same,
            "differing_where_variants_split": split,
            "same_totals_sequential": phases.same(seq, "partsagent, sequential"),
            "same_totals_packed": same_packed,
        },
        targets,
    )


if __name__ == "__main__":
    main()
