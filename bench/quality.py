"""Quality of the reports against the labelled set (tests/data/labelled_reports.jsonl).

Every labelled report runs through a PartsAgent on the embedded sample catalog
(rules planner, the report's own market); each aspect has a scoring function
that takes the reports and the labels and returns its figures:

* ``score_operations``: recall and precision of the estimate's operations,
  scored as (operation, category, side) against ``expect.operations`` on the
  reports that carry them. The labels list the operations of the parts the
  report names, their blends and their sublets; the parts the propagation rules
  add are not labelled, so operations on those lines are left out of precision.
  The same score on the labelled parts themselves (each expected line given as
  "side category name" with its severity) measures the estimate layer alone,
  apart from how the words were read.
* ``score_builds``: the share of reports whose lines all fit one common set of
  variants, the build the report says it priced (target 100%).

Run: ``python bench/quality.py``; prints a table and writes bench/results/quality.json.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _common import print_table, print_targets, quiet_logs, target, write_result
from partsagent import PartsAgent, PartsAgentError, PartsReport

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled_reports.jsonl"

OpKey = tuple[str, str, str | None]
"""(operation, category id, side): what a labelled operation is scored on."""


def load_labelled(path: Path = LABELLED) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def run_reports(items: Sequence[dict[str, Any]]) -> list[PartsReport | None]:
    """Each labelled report through the agent; None where the agent refused it."""
    out: list[PartsReport | None] = []
    async with PartsAgent() as agent:
        for item in items:
            try:
                out.append(
                    await agent.process_damage_report(
                        item["vehicle"], item["damaged_parts"], market=item["market"]
                    )
                )
            except PartsAgentError:
                out.append(None)
    return out


async def run_labelled_parts(items: Sequence[dict[str, Any]]) -> list[PartsReport | None]:
    """Each report with operations labelled, given as its labelled parts (the words read right)."""
    out: list[PartsReport | None] = []
    async with PartsAgent() as agent:
        names = {
            c.id: c.name for c in await agent.catalog.load_categories_for_variant("117", "127445")
        }
        for item in items:
            parts = [
                {"component": f"{ln['side'] or ''} {names[ln['category']]}".strip(),
                 "severity": ln["severity"]}
                for ln in item["expect"]["lines"]
            ]  # fmt: skip
            try:
                out.append(await agent.process_damage_report(item["vehicle"], parts, market="GB"))
            except PartsAgentError:
                out.append(None)
    return out


def predicted_operations(report: PartsReport | None) -> set[OpKey]:
    """The report's operations, less those on the lines the propagation rules added."""
    if report is None:
        return set()
    return {
        (op.operation, op.category.id, op.position.side)
        for op in report.operations
        if op.line is None or report.lines[op.line].reason == "damaged"
    }


def score_operations(
    items: Sequence[dict[str, Any]], reports: Sequence[PartsReport | None]
) -> dict[str, Any]:
    """Micro-averaged recall and precision of operations over the labelled reports."""
    hits = expected_n = predicted_n = scored = 0
    missed: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    for item, report in zip(items, reports, strict=True):
        labels = item["expect"].get("operations")
        if labels is None:
            continue
        scored += 1
        expected = {(o["operation"], o["category"], o["side"]) for o in labels}
        got = predicted_operations(report)
        hits += len(expected & got)
        expected_n += len(expected)
        predicted_n += len(got)
        missed.update(f"{item['id']} {o} {c} {s or '-'}" for o, c, s in expected - got)
        extra.update(f"{item['id']} {o} {c} {s or '-'}" for o, c, s in got - expected)
    return {
        "reports": scored,
        "expected": expected_n,
        "predicted": predicted_n,
        "hits": hits,
        "recall": hits / expected_n if expected_n else 1.0,
        "precision": hits / predicted_n if predicted_n else 1.0,
        "missed": sorted(missed),
        "extra": sorted(extra),
    }


def one_build(report: PartsReport) -> bool:
    """True when every line fits every variant of the build the report priced."""
    build = report.vehicle.build
    if build is None:
        return False
    wanted = set(build.variants)
    return bool(wanted) and all(wanted <= set(ln.fits_variants) for ln in report.lines)


def score_builds(reports: Sequence[PartsReport | None]) -> dict[str, Any]:
    """The share of reports with at least one line whose lines all fit one variant set."""
    priced = [r for r in reports if r is not None and r.lines]
    ok = [r for r in priced if one_build(r)]
    narrowed = [
        r
        for r in priced
        if r.vehicle.build and len(r.vehicle.build.variants) < len(r.vehicle.variants)
    ]
    return {
        "reports_with_lines": len(priced),
        "one_build": len(ok),
        "share": len(ok) / len(priced) if priced else 1.0,
        "narrowed_to_one_build": len(narrowed),
    }


def main() -> None:
    quiet_logs()
    items = load_labelled()
    reports = asyncio.run(run_reports(items))
    ops = score_operations(items, reports)
    labelled = [item for item in items if "operations" in item["expect"]]
    alone = score_operations(labelled, asyncio.run(run_labelled_parts(labelled)))
    builds = score_builds(reports)
    print_table(
        "operations (scored on operation, category, side)",
        ["input", "reports", "expected", "predicted", "hits", "recall", "precision"],
        [[label, o["reports"], o["expected"], o["predicted"], o["hits"],
          f"{o['recall']:.3f}", f"{o['precision']:.3f}"]
         for label, o in (("the report's words", ops), ("the labelled parts", alone))],
    )  # fmt: skip
    print_table(
        "one build per report",
        ["reports with lines", "lines share one variant set", "share", "narrowed"],
        [[builds["reports_with_lines"], builds["one_build"], f"{builds['share']:.3f}",
          builds["narrowed_to_one_build"]]],
    )  # fmt: skip
    targets = [
        target("reports whose lines share one variant set", builds["share"], "1.00",
               builds["share"] == 1.0),
    ]  # fmt: skip
    print_targets(targets)
    write_result(
        "quality",
        {"labelled": str(LABELLED.relative_to(LABELLED.parents[2])), "reports": len(items)},
        {"operations": ops, "operations_on_labelled_parts": alone, "builds": builds},
        targets,
    )


if __name__ == "__main__":
    main()
