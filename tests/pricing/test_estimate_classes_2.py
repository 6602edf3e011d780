"""Estimating classes a blind estimator still rejected, second round: a blend written after
its panel or in short forms, a part to be reused or refitted that was still bought, the
hours given for work-only lines, a parking-sensor transfer on a build that may have no
sensors, and the front-radar question on parts it does not concern."""

from __future__ import annotations

from decimal import Decimal

import pytest

from _estimate import ASTRA_2018
from partsagent import PartsAgent, PartsReport

CORSA_2020 = {"make": "Vauxhall", "model": "Corsa", "year": 2020}
"""Its variants differ: one has no parking sensors."""


def ops(report: PartsReport, category: str) -> set[str]:
    return {op.operation for op in report.operations if op.category.name == category}


def bought(report: PartsReport) -> set[str]:
    return {ln.category.name for ln in report.lines}


# 1. A stated blend is a blend, wherever its word stands.


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("N/S front door - repair; N/S rear door - blend", id="after-dash"),
        pytest.param("LH front door: repair and paint\nLH rear door: blend", id="after-colon"),
        pytest.param("O/S front door repair, b/in O/S rear door", id="b-in"),
        pytest.param("RH front door dented, rear door RH blend only", id="blend-only-after"),
    ],
)
async def test_a_blend_written_after_its_panel_is_a_blend(
    sample_agent: PartsAgent, words: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert ops(report, "Rear Door Shell") == {"blend"}
    assert "repair" in ops(report, "Front Door Shell")


async def test_hours_given_with_a_blend_after_its_panel_are_its_hours(
    sample_agent: PartsAgent,
) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "N/S front door: repair 2.0h. N/S rear door: blend 0.4h"
    )
    blends = [
        op.hours
        for op in report.operations
        if op.category.name == "Rear Door Shell" and op.operation == "blend"
    ]
    assert blends == [Decimal("0.4")]


async def test_a_damaged_panel_named_before_a_blend_is_still_repaired(
    sample_agent: PartsAgent,
) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "O/S rear door dented - repair, blend O/S front door"
    )
    assert "repair" in ops(report, "Rear Door Shell")


# 2. A part to be reused or refitted is refitted, with labour, and not bought.


@pytest.mark.parametrize(
    ("words", "part"),
    [
        pytest.param("reuse the O/S door mirror", "Door Mirror", id="reuse-before"),
        pytest.param("Grille: R&I 0.3h", "Radiator Grille", id="colon-hours"),
        pytest.param("N/S rear lamp to be reused", "Tail Lamp", id="reused"),
    ],
)
async def test_a_reused_or_refitted_part_is_not_bought(
    sample_agent: PartsAgent, words: str, part: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert part not in bought(report)
    assert ops(report, part) == {"remove_refit"}


# 3. Hours stated for a work-only line are its hours.


async def test_hours_stated_for_a_refit_line_are_used(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, "Grille: R&I 0.3h")
    refits = [op.hours for op in report.operations if op.operation == "remove_refit"]
    assert refits == [Decimal("0.3")]


async def test_hours_stated_for_a_sensor_transfer_are_used(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "Front bumper replace; transfer parking sensors 1.2h"
    )
    transfers = [
        op.hours
        for op in report.operations
        if op.category.name == "Front Parking Sensor" and op.operation == "remove_refit"
    ]
    assert transfers == [Decimal("1.2")]


# 4. A sensor transfer only where the build has sensors or the words name them.


async def test_no_sensor_transfer_on_a_build_that_may_have_none(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(CORSA_2020, "rear bumper cover to replace")
    assert "Rear Parking Sensor" not in {op.category.name for op in report.operations}
    asked = [w for w in report.coded_warnings if w.code == "equipment_unconfirmed"]
    assert any("parking sensors" in w.message for w in asked)


async def test_sensors_named_are_transferred(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        CORSA_2020, "rear bumper cover to replace, move the parking sensors across"
    )
    assert "remove_refit" in ops(report, "Rear Parking Sensor")


async def test_a_build_that_has_sensors_keeps_the_transfer(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, "rear bumper cover to replace")
    assert "remove_refit" in ops(report, "Rear Parking Sensor")


# 5. The front-radar question only for a front part that carries or hides it.


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("tailgate badge missing", id="rear-badge"),
        pytest.param("rear bumper cracked, boot emblem broken", id="rear-emblem"),
    ],
)
async def test_no_radar_question_for_rear_parts(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not any("front radar" in w for w in report.warnings)


async def test_the_radar_question_is_asked_once(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "front bumper cracked, grille broken, front badge missing"
    )
    assert sum("front radar" in w for w in report.warnings) == 1


async def test_hours_in_an_estimators_last_column_are_used(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018,
        "Op | Part | Hrs\nRepair | N/S front door | 2.0\nRefinish | N/S front door | 2.4\n"
        "Blend | N/S rear door | 0.6",
    )
    got = {(op.operation, op.category.name): op.hours for op in report.operations}
    assert got[("repair", "Front Door Shell")] == Decimal("2.0")
    assert got[("blend", "Rear Door Shell")] == Decimal("0.6")


async def test_a_bare_number_with_no_operation_is_no_hours(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, "N/S front door dented 2.5")
    assert not any("as stated" in op.description for op in report.operations)
