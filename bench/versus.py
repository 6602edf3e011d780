"""partsagent against the design it replaces, where users deploy a catalog, in one run.

Run on two catalogs (``--catalog sample|scale3|both``, default both): the embedded
sample (10 models) and the scale-3 generated bucket (``_common.bench_catalog``, 30
models, 219 vehicles), where the replaced design's requests weigh more. Every phase
starts from cold caches and prices the same distinct reports; the catalog answers
after 20 +- 5 ms. The machine may be shared: the load average at the start of each
phase is recorded beside its figures.

* **the project's server** (batch endpoints, standard layout): the replaced design
  one report after another (``baseline.py``, as it was used) and as deployed later
  (``ReplacedPartsAgent.as_deployed``: 5 report threads sharing the LRU, top 3
  variants, damaged parts only); partsagent with 50 reports in flight; partsagent on
  the same bucket with packs;
* **a static bucket** (``python -m http.server``'s handler, no batch endpoint): the
  deployed replaced design, and partsagent with packs and without;
* **CPU only**: 1,000 distinct reports against the project's server at 0 ms, the
  deployed replaced design against partsagent (50 in flight).

The targets (issue 22), per catalog, against the 5-thread peer: a static bucket at
20 ms >= 3x faster with fewer requests; the project's server >= 3x; CPU only >= 1x.

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

import argparse
import asyncio
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import _common as c
from baseline import REPORT_THREADS, ReplacedPartsAgent
from partsagent import PartsAgent
from partsagent.catalog import sample_catalog_path

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


@dataclass(frozen=True)
class Catalog:
    """One catalog the race runs on: its bucket with packs and without."""

    name: str
    title: str
    packed: Path
    plain: Path


def catalogs(which: str) -> list[Catalog]:
    sample = Catalog(
        "sample",
        "the embedded sample",
        sample_catalog_path(),
        # The generator's output for scale 1, seed 0 is the sample, byte for byte.
        c.bench_catalog(scale=1, pack=False),
    )
    scale3 = Catalog(
        "scale3",
        f"the scale-{c.CATALOG_SCALE} generated catalog",
        c.bench_catalog(),
        c.bench_catalog(pack=False),
    )
    return {"sample": [sample], "scale3": [scale3], "both": [sample, scale3]}[which]


class Phases:
    """The measured phases of one catalog, in order, with the counts of their server."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.totals: dict[str, Totals] = {}
        self.split: set[int] = set()

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
        SPLIT.clear()
        load = os.getloadavg()[0]
        cpu = time.process_time()
        wall, lat, totals = runner(url, reports)
        cpu = time.process_time() - cpu
        counted = stats()
        requests = counted["total"]
        self.rows[name] = {
            "deployment": deployment,
            "wall_s": wall,
            "cpu_s": cpu,
            "load": load,
            "lat": lat,
            "requests": requests,
            "bytes_per_request": round(counted["bytes"] / requests) if "bytes" in counted else None,
            "reports": len(reports),
        }
        self.totals[name] = totals
        if name == CONC:
            self.split = set(SPLIT)
        print(f"  {name}: {wall:.2f} s, {requests} requests (load {load:.1f})", flush=True)

    def ratio(self, slow: str, fast: str) -> float:
        return float(self.rows[slow]["wall_s"] / self.rows[fast]["wall_s"])

    def same(self, a: str, b: str) -> int:
        return sum(x == y for x, y in zip(self.totals[a], self.totals[b], strict=True))


SEQ = "replaced design, sequential"
PEER = "replaced design, 5 report threads"
CONC = f"partsagent, {IN_FLIGHT} in flight"
CONC_PACKED = f"partsagent, {IN_FLIGHT} in flight, packs"
CPU_PEER = "CPU only: replaced design, 5 report threads"
CPU_PA = f"CPU only: partsagent, {IN_FLIGHT} in flight"
STATIC_PEER = "static: replaced design, 5 report threads"
STATIC_PA = f"static: partsagent, {IN_FLIGHT} in flight, packs"
STATIC_NO_PACKS = f"static: partsagent, {IN_FLIGHT} in flight, no packs"


def server_phases(
    phases: Phases, catalog: Catalog, reports: list[c.Report], cpu_reports: list[c.Report]
) -> None:
    where = "project's server"
    with c.catalog_server(catalog.plain) as server:
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

        run(SEQ, run_baseline)
        run(PEER, run_deployed)
        run(CONC, partsagent(IN_FLIGHT))
        c.set_latency(url, 0.0, 0.0)
        where = "CPU only (0 ms)"
        run(CPU_PEER, run_deployed, cpu_reports)
        run(CPU_PA, partsagent(IN_FLIGHT), cpu_reports)
    with c.catalog_server(catalog.packed) as server:
        url = server.url
        where = "project's server, packed bucket"
        run(CONC_PACKED, partsagent(IN_FLIGHT))


def static_phases(phases: Phases, catalog: Catalog, reports: list[c.Report]) -> None:
    for directory, packed in ((catalog.packed, True), (catalog.plain, False)):
        with c.static_server(directory) as server:
            where = f"static bucket{', packed' if packed else ''}"

            def run(
                name: str, runner: Runner, server: c.StaticServer = server, where: str = where
            ) -> None:
                phases.run(name, where, runner, reports, server.url, server.stats, server.reset)

            if packed:
                run(STATIC_PEER, run_deployed)
                run(STATIC_PA, partsagent(IN_FLIGHT))
            else:
                run(STATIC_NO_PACKS, partsagent(IN_FLIGHT))


def race(catalog: Catalog, n: int, n_cpu: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every phase on ``catalog``: its results and its targets."""
    print(f"\n{catalog.title}:", flush=True)
    reports = c.make_reports(catalog.packed, n)
    cpu_reports = c.make_reports(catalog.packed, n_cpu)
    phases = Phases()
    server_phases(phases, catalog, reports, cpu_reports)
    static_phases(phases, catalog, reports)
    rows = phases.rows
    c.print_table(
        f"{catalog.title}: {n} distinct reports ({n_cpu} for CPU only), catalog latency "
        f"{c.LATENCY_MS:g} +- {c.JITTER_MS:g} ms",
        ["design", "where", "wall s", "CPU s", "requests", "bytes/req", "p50 ms", "p95 ms", "load"],
        [
            [
                k,
                p["deployment"],
                round(p["wall_s"], 2),
                round(p["cpu_s"], 2),
                p["requests"],
                p["bytes_per_request"] or "-",
                c.latency_summary(p["lat"])["p50_ms"],
                c.latency_summary(p["lat"])["p95_ms"],
                round(p["load"], 1),
            ]
            for k, p in rows.items()
        ],
    )
    static = phases.ratio(STATIC_PEER, STATIC_PA)
    static_requests = rows[STATIC_PA]["requests"] / rows[STATIC_PEER]["requests"]
    server = phases.ratio(PEER, CONC_PACKED)
    server_batch = phases.ratio(PEER, CONC)
    cpu = phases.ratio(CPU_PEER, CPU_PA)
    # CPU seconds of this process (the servers run in children): what a loaded machine
    # does not change, unlike the wall time.
    cpu_of_cpu = rows[CPU_PEER]["cpu_s"] / rows[CPU_PA]["cpu_s"]
    differ = [
        i
        for i, (a, b) in enumerate(zip(phases.totals[SEQ], phases.totals[CONC], strict=True))
        if a != b
    ]
    same = n - len(differ)
    split = sum(i in phases.split for i in differ)
    same_packed = phases.same(CONC, STATIC_PA)
    print(
        f"\n{catalog.title}: against the replaced design deployed with 5 report threads, "
        f"partsagent is {static:.2f}x faster on a static bucket with packs "
        f"({static_requests:.2f}x the requests), {server:.2f}x on the project's server "
        f"(packed bucket; {server_batch:.2f}x with the batch endpoints alone) and {cpu:.2f}x "
        f"CPU only (by CPU seconds, {cpu_of_cpu:.2f}x: the peer spends "
        f"{1000 * rows[CPU_PEER]['cpu_s'] / n_cpu:.1f} ms of CPU a report, partsagent "
        f"{1000 * rows[CPU_PA]['cpu_s'] / n_cpu:.1f} ms). {same}/{n} reports priced to the "
        f"same parts total as the sequential replaced design (of the {len(differ)} others, "
        f"{split} are vehicles whose variants split into builds); {same_packed}/{n} the "
        f"same with packs as without."
    )
    tag = catalog.name
    targets = [
        c.target(
            f"{tag}: static bucket, 20 ms, vs 5 report threads", static, ">= 3x", static >= 3, "x"
        ),
        c.target(
            f"{tag}: static bucket requests (partsagent / 5 report threads)",
            round(static_requests, 3),
            "< 1",
            static_requests < 1,
        ),
        c.target(f"{tag}: project's server vs 5 report threads", server, ">= 3x", server >= 3, "x"),
        c.target(f"{tag}: CPU only vs 5 report threads", cpu, ">= 1x", cpu >= 1, "x"),
    ]
    results = {
        "catalog": {"name": tag, **c.catalog_counts(catalog.packed)},
        "reports": n,
        "cpu_reports": n_cpu,
        "phases": {
            k: {
                "deployment": p["deployment"],
                "reports": p["reports"],
                "wall_s": round(p["wall_s"], 3),
                "cpu_s_this_process": round(p["cpu_s"], 3),
                "load_average_at_start": round(p["load"], 2),
                "catalog_requests": p["requests"],
                "bytes_per_request": p["bytes_per_request"],
                "reports_per_s": round(p["reports"] / p["wall_s"], 2),
                "latency": c.latency_summary(p["lat"]),
            }
            for k, p in rows.items()
        },
        "speedup_vs_deployed_static": round(static, 2),
        "requests_vs_deployed_static": round(static_requests, 3),
        "speedup_vs_deployed_server": round(server, 2),
        "speedup_vs_deployed_batch_endpoints": round(server_batch, 2),
        "speedup_vs_deployed_cpu_only": round(cpu, 2),
        "cpu_seconds_ratio_cpu_only": round(cpu_of_cpu, 2),
        "speedup_vs_sequential": round(phases.ratio(SEQ, CONC), 2),
        "same_totals": same,
        "differing_where_variants_split": split,
        "same_totals_packed": same_packed,
    }
    return results, targets


def _catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        choices=("sample", "scale3", "both"),
        default="both",
        help="the embedded sample, the scale-3 generated catalog, or both (default)",
    )


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0], _catalog_option)
    c.quiet_logs()
    n = 60 if args.quick else 200
    n_cpu = 300 if args.quick else 1000
    load = os.getloadavg()
    results: dict[str, Any] = {"load_average_at_start": load}
    targets: list[dict[str, Any]] = []
    for catalog in catalogs(args.catalog):
        results[catalog.name], more = race(catalog, n, n_cpu)
        targets += more
    results["load_average_at_end"] = os.getloadavg()
    print(
        f"\nload average {load[0]:.1f} at the start, {results['load_average_at_end'][0]:.1f} at "
        f"the end, on {os.cpu_count()} cores: wall times are the machine's, shared"
    )
    c.print_targets(targets)
    c.write_result(
        "versus",
        {
            "latency_ms": c.LATENCY_MS,
            "jitter_ms": c.JITTER_MS,
            "catalogs": [k.name for k in catalogs(args.catalog)],
            "reports": n,
            "cpu_reports": n_cpu,
            "in_flight": IN_FLIGHT,
            "report_threads": REPORT_THREADS,
        },
        results,
        targets,
    )


if __name__ == "__main__":
    main()
