"""The labelled sets of ``bench/quality.py``: cases read, run through the agent, matched.

One case per labelled report (the schema of tests/data/README.md); an outcome is
its report or the typed error it raised; an aspect is what one scoring function
found. ``match_lines`` matches expected lines to the report's, one to one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partsagent import PartsAgent, PartsAgentError, PartsReport
from partsagent._reading.results import ABSENT_PREFIX

__all__ = [
    "DATASETS",
    "Aspect",
    "Case",
    "Outcome",
    "line_key",
    "load",
    "match_lines",
    "run",
    "share_of",
]

_DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DATASETS = (
    _DATA / "labelled_reports.jsonl",
    _DATA / "labelled_phrases.jsonl",
    _DATA / "labelled_holdout_1.jsonl",
    _DATA / "labelled_holdout_2.jsonl",
)
"""The estimator's 184 reports (the targets) and a phrase set written after them."""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    market: str
    vehicle: dict[str, Any]
    damage: list[dict[str, Any]] | str
    expect: dict[str, Any]


@dataclass(slots=True)
class Outcome:
    case: Case
    report: PartsReport | None
    error: str | None = None

    def damaged(self) -> list[Any]:
        """The damaged parts the report read, bought (a line) or only repaired (operations):
        the catalog's parts (a panel the catalog lacks is in ``labour``)."""
        got = self.report.damaged if self.report else ()
        return [d for d in got if not d.category.id.startswith(ABSENT_PREFIX)]

    def labour(self) -> list[Any]:
        """The damaged panels the catalog has no part for, priced as labour only."""
        got = self.report.damaged if self.report else ()
        return [d for d in got if d.category.id.startswith(ABSENT_PREFIX)]


@dataclass(slots=True)
class Aspect:
    """What one scoring function found: figures for the JSON, a table, targets, misses."""

    name: str
    figures: dict[str, Any]
    headers: list[str]
    rows: list[list[object]]
    targets: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def load(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            cases.append(Case(r["id"], r["market"], r["vehicle"], r["damaged_parts"], r["expect"]))
    return cases


async def run(cases: Sequence[Case], planner: str) -> list[Outcome]:
    out: list[Outcome] = []
    async with PartsAgent(planner=planner, warm_vehicle=False) as agent:  # type: ignore[arg-type]
        for case in cases:
            try:
                report = await agent.process_damage_report(
                    case.vehicle, case.damage, market=case.market
                )
                out.append(Outcome(case, report))
            except PartsAgentError as exc:
                out.append(Outcome(case, None, f"{type(exc).__name__}: {exc}"))
    return out


def share_of(n: int, d: int) -> float:
    return n / d if d else 1.0


def line_key(line: Any) -> tuple[str, str | None]:
    return line.category.id, line.position.side


def match_lines(
    expected: list[dict[str, Any]], lines: list[Any]
) -> list[tuple[dict[str, Any], Any]]:
    """Expected and actual lines matched one to one: same category, the same side first."""
    free = list(lines)
    pairs = []
    for exact in (True, False):
        for e in expected:
            if any(p[0] is e for p in pairs):
                continue
            for ln in free:
                if ln.category.id == e["category"] and (not exact or ln.position.side == e["side"]):
                    pairs.append((e, ln))
                    free.remove(ln)
                    break
    return pairs
