"""Report warnings carry a stable code: programs act on it, fresh and cached answers alike."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import pytest

from partsagent import PartsAgent, PartsReport, ReportWarning, WarningCode
from partsagent.catalog import BucketManager
from partsagent.planning import Plan, PlanRequest, RulesPlanner

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "output.md"


def codes(report: PartsReport) -> list[tuple[str, str | None]]:
    return [(w.code, w.part) for w in report.coded_warnings]


@pytest.mark.parametrize(
    ("vehicle", "damage", "first"),
    [
        (ASTRA, "headlamp cracked", ("side_assumed", "Headlamp")),
        ({"make": "Vauxhall", "model": "Astra"}, "bonnet smashed", ("year_missing", None)),
        (ASTRA, "car written off, bonnet smashed", ("total_loss", None)),
        (ASTRA, "b pillar bent, front bumper cracked", ("inspection_needed", None)),
    ],
)
async def test_each_kind_of_warning_has_its_code(
    sample_agent: PartsAgent, vehicle: dict[str, Any], damage: str, first: tuple[str, str | None]
) -> None:
    """The code and the part say what the message says, first where the message comes first."""
    report = await sample_agent.process_damage_report(vehicle, damage)
    assert codes(report)[0] == first
    assert report.has_warning(first[0])  # type: ignore[arg-type]
    assert report.warnings == tuple(w.message for w in report.coded_warnings)


async def test_a_report_without_the_kind_has_no_such_code(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(ASTRA, "left headlamp cracked")
    assert not report.has_warning("side_assumed")
    assert not report.has_warning("year_missing")


async def test_json_carries_codes_beside_the_messages(sample_agent: PartsAgent) -> None:
    """``warnings`` stays the list of messages; ``coded_warnings`` adds code and part."""
    report = await sample_agent.process_damage_report(ASTRA, "headlamp cracked")
    data = report.model_dump(mode="json")
    assert data["coded_warnings"][0] == {
        "code": "side_assumed",
        "message": data["warnings"][0],
        "part": "Headlamp",
    }
    again = PartsReport.model_validate_json(report.model_dump_json())
    assert again.coded_warnings == report.coded_warnings
    assert again.warnings == report.warnings


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        (
            "headlamp cracked, b pillar bent",
            "headlamp cracked, b pillar bent",
            {"inspection_needed", "side_assumed"},
        ),
        (
            "O/S sill crushed and headlamp cracked",
            "offside sill crushed, headlamp cracked",
            {"inspection_needed"},
        ),
    ],
    ids=["exact-repeat", "same-meaning-other-words"],
)
async def test_a_cached_answer_has_the_codes_of_a_fresh_one(
    first: str, then: str, expected: set[str]
) -> None:
    """Codes come back from the report cache (its compressed JSON) exactly as computed."""
    async with PartsAgent() as shared:
        await shared.process_damage_report(ASTRA, first)
        cached = await shared.process_damage_report(ASTRA, then)
    async with PartsAgent() as agent:
        fresh = await agent.process_damage_report(ASTRA, then)
    assert cached.performance["report_cache"] != "miss"
    assert cached.coded_warnings == fresh.coded_warnings
    assert expected <= {w.code for w in cached.coded_warnings}


class _SaysMore:
    """A planner of the user's own: the rules planner's plan, with a plain-text warning."""

    name = "custom"

    async def plan(self, catalog: BucketManager, request: PlanRequest) -> Plan:
        plan = await RulesPlanner().plan(catalog, request)
        plan.warnings.append("photos are blurred: check the damage on site")
        return plan

    async def aclose(self) -> None:
        """It holds nothing to close."""


async def test_a_plain_string_from_a_planner_of_your_own_is_a_planner_note() -> None:
    async with PartsAgent(planner=_SaysMore()) as agent:
        report = await agent.process_damage_report(ASTRA, "left headlamp cracked")
    assert (
        ReportWarning(code="planner_note", message="photos are blurred: check the damage on site")
        in report.coded_warnings
    )


def test_every_code_is_documented_once() -> None:
    """docs/output.md's table lists each code exactly once, and no code the library lacks."""
    table = DOCS.read_text(encoding="utf-8").partition("## The codes")[2]
    documented = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    assert sorted(documented) == sorted(typing.get_args(WarningCode))
