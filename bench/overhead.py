"""The library's own CPU cost, against a zero-latency in-memory catalog source.

No network, no disk: ``MemorySource`` answers from documents parsed once, without
awaiting anything, so what is measured is partsagent itself.

* cached look-ups per second: ``BucketManager.get_articles_for_category`` on a warm cache;
* metric events per second: ``timer()`` blocks whose measurements reach a
  ``SummaryAggregator`` installed on the metrics bus;
* reports assembled per second: distinct reports, catalog cache warm, report cache
  cold (planning, matching, rules, search and pricing: everything but the network);
* report-cache hits per second: the same report again.

Each with metrics on (every timer, counter and cache hit aggregated) and off
(``set_metrics_enabled(False)``). ``--profile`` also writes a pyinstrument profile of
report assembly to ``bench/results/overhead_profile.txt``.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import _common as c
from partsagent import CatalogError, NotFound, PartsAgent
from partsagent.catalog import (
    Article,
    BucketManager,
    BucketReader,
    CatalogIndex,
    Category,
    LocalBucket,
    Manufacturer,
    Model,
)
from partsagent.metrics import (
    SummaryAggregator,
    install_aggregator,
    set_metrics_enabled,
    timer,
    uninstall_aggregator,
)

ROUNDS = 3


class MemorySource(BucketReader):
    """A CatalogSource answering from memory at once: documents are parsed on first use.

    Its batches come from BucketReader: one document after another, from memory.
    """

    name = "memory"
    batch_supported: bool | None = True

    def __init__(self, directory: Path) -> None:
        self._disk = LocalBucket(directory)
        self._docs: dict[tuple[str, ...], Any] = {}

    async def _load(self, key: tuple[str, ...], fetch: Any) -> Any:
        if key not in self._docs:
            try:
                self._docs[key] = await fetch()
            except NotFound as exc:
                self._docs[key] = exc
        value = self._docs[key]
        if isinstance(value, CatalogError):
            raise value
        return value

    async def preload(self, reports: Sequence[c.Report], manager: BucketManager) -> None:
        """Read from disk whatever ``reports`` need, through an agent that is then dropped."""
        async with PartsAgent(manager) as agent:
            for r in reports:
                await agent.process_damage_report(r.vehicle, r.damage)

    async def index(self) -> CatalogIndex:
        result: CatalogIndex = await self._load(("index",), self._disk.index)
        return result

    async def manufacturers(self) -> tuple[Manufacturer, ...]:
        result: tuple[Manufacturer, ...] = await self._load(("m",), self._disk.manufacturers)
        return result

    async def models(self, mid: str) -> tuple[Model, ...]:
        result: tuple[Model, ...] = await self._load(
            ("models", mid), lambda: self._disk.models(mid)
        )
        return result

    async def categories(self, mid: str, vid: str) -> tuple[Category, ...]:
        result: tuple[Category, ...] = await self._load(
            ("cats", mid, vid), lambda: self._disk.categories(mid, vid)
        )
        return result

    async def articles(self, mid: str, vid: str, cid: str) -> tuple[Article, ...]:
        result: tuple[Article, ...] = await self._load(
            ("arts", mid, vid, cid), lambda: self._disk.articles(mid, vid, cid)
        )
        return result

    async def aclose(self) -> None:
        await super().aclose()
        await self._disk.aclose()


def metrics_mode(on: bool, aggregator: SummaryAggregator) -> None:
    """On: every measurement reaches the aggregator (and no log). Off: none is made."""
    uninstall_aggregator(aggregator)
    if on:
        install_aggregator(aggregator)
    set_metrics_enabled(None if on else False)


async def cached_lookups(manager: BucketManager, keys: list[tuple[str, str, str]], n: int) -> float:
    t0 = time.perf_counter()
    done = 0
    while done < n:
        for mid, vid, cid in keys:
            await manager.get_articles_for_category(mid, vid, cid)
        done += len(keys)
    return done / (time.perf_counter() - t0)


def metric_events(n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        with timer("bench.op", cache="hit"):
            pass
    return n / (time.perf_counter() - t0)


async def assembled(manager: BucketManager, reports: Sequence[c.Report]) -> float:
    async with PartsAgent(manager) as agent:
        t0 = time.perf_counter()
        for r in reports:
            await agent.process_damage_report(r.vehicle, r.damage)
        return len(reports) / (time.perf_counter() - t0)


async def report_hits(manager: BucketManager, report: c.Report, n: int) -> float:
    async with PartsAgent(manager) as agent:
        await agent.process_damage_report(report.vehicle, report.damage)
        t0 = time.perf_counter()
        for _ in range(n):
            await agent.process_damage_report(report.vehicle, report.damage)
        return n / (time.perf_counter() - t0)


async def measure(quick: bool, profile: bool) -> dict[str, Any]:
    directory = c.bench_catalog()
    n_reports = 150 if quick else 600
    reports = c.make_reports(directory, n_reports)
    aggregator = SummaryAggregator(drop=True)
    results: dict[str, Any] = {}
    c.quiet_logs()
    manager = BucketManager(MemorySource(directory), max_entries=100_000)
    async with manager:
        await MemorySource.preload(manager.source, reports, manager)  # type: ignore[arg-type]
        keys = [
            (k.split("/")[1], k.split("/")[2], k.split("/")[3])
            for k, (value, _) in list(manager._memory._data.items())  # type: ignore[union-attr]
            if k.startswith("articles/") and not isinstance(value, dict)  # not a remembered 404
        ][:200]
        lookups = 20_000 if quick else 100_000
        events = 20_000 if quick else 100_000
        hits = 2_000 if quick else 10_000
        samples: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
        # Alternate the modes and keep the median of each: the first passes pay warm-up and GC.
        for _ in range(ROUNDS):
            for on in (False, True):
                metrics_mode(on, aggregator)
                gc.collect()
                samples["on" if on else "off"].append(
                    {
                        "cached_lookups_per_s": await cached_lookups(manager, keys, lookups),
                        "metric_events_per_s": metric_events(events),
                        "reports_assembled_per_s": await assembled(manager, reports),
                        "report_cache_hits_per_s": await report_hits(manager, reports[0], hits),
                    }
                )
        for label, runs in samples.items():
            results[label] = {k: round(c.median([r[k] for r in runs]), 1) for k in runs[0]}
        results["aggregated_events"] = aggregator.summary()["events"]
        if profile:
            from pyinstrument import Profiler

            metrics_mode(False, aggregator)
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            profiler.start()
            await assembled(manager, reports)
            profiler.stop()
            out = c.RESULTS_DIR / "overhead_profile.txt"
            out.write_text(profiler.output_text(unicode=False, color=False))
            print(f"wrote {out.relative_to(c.BENCH_DIR.parent)}")
    uninstall_aggregator(aggregator)
    set_metrics_enabled(None)
    c.quiet_logs()
    results["reports"] = n_reports
    return results


def main() -> None:
    args = c.parse_args(
        __doc__.splitlines()[0],
        lambda p: p.add_argument("--profile", action="store_true", help="pyinstrument profile"),
    )
    directory = c.bench_catalog()
    res = asyncio.run(measure(args.quick, args.profile))
    rows = []
    for key, name in (
        ("cached_lookups_per_s", "cached look-ups / s"),
        ("metric_events_per_s", "metric events / s (timer blocks)"),
        ("reports_assembled_per_s", f"reports assembled / s ({res['reports']} distinct)"),
        ("report_cache_hits_per_s", "report-cache hits / s"),
    ):
        off, on = res["off"][key], res["on"][key]
        rows.append([name, off, on, f"{100.0 * (off / on - 1):.1f}%"])
    c.print_table(
        "library CPU cost, zero-latency in-memory source, one core",
        ["measure", "metrics off", "metrics on", "off faster by"],
        rows,
    )
    print(
        f"\nper report: {1000 / res['off']['reports_assembled_per_s']:.2f} ms CPU (metrics off), "
        f"{1000 / res['on']['reports_assembled_per_s']:.2f} ms (on); per cached look-up: "
        f"{1e6 / res['off']['cached_lookups_per_s']:.1f} us (off), "
        f"{1e6 / res['on']['cached_lookups_per_s']:.1f} us (on)"
    )
    c.write_result(
        "overhead",
        {"catalog": c.common_params(directory)["catalog"], "reports": res["reports"]},
        res,
    )


if __name__ == "__main__":
    main()
