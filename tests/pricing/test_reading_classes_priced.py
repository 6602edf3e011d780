"""The reading classes of the third blind round, through the estimate: a sensor of another
kind never bought as a parking sensor and bringing its calibration, a lamp to be reused
refitted on its side, and a sublet said of a part the catalog lacks kept off the others."""

from __future__ import annotations

import pytest

from _estimate import ASTRA_2018
from partsagent import PartsAgent, PartsReport


def bought(report: PartsReport) -> set[str]:
    return {ln.category.name for ln in report.lines}


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("rain sensor on the windscreen damaged", id="rain"),
        pytest.param("TPMS sensor on the N/S/F wheel broken", id="tpms"),
        pytest.param("Front bumper scuffed, the crash sensor behind it cracked", id="crash"),
        pytest.param("rear bumper scuffed, side radar N/S broken", id="side-radar"),
    ],
)
async def test_a_sensor_of_another_kind_is_never_bought_as_a_parking_sensor(
    sample_agent: PartsAgent, words: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not {"Front Parking Sensor", "Rear Parking Sensor"} & bought(report)
    assert any(u.reason == "not_in_catalog" for u in report.not_priced)
    assert report.confidence < 0.9  # a damaged part named and not priced says so


async def test_a_blind_spot_radar_named_brings_its_calibration(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "Rear bumper scraped, corner radar passenger side cracked"
    )
    assert "Blind-spot radar calibration" in {op.description for op in report.operations}


async def test_a_lamp_to_be_reused_is_refitted_on_its_side(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "N/S tail lamp to be reused, rear bumper scuffed"
    )
    assert "Tail Lamp" not in bought(report)
    refits = [
        op.position.side
        for op in report.operations
        if op.category.name == "Tail Lamp" and op.operation == "remove_refit"
    ]
    assert refits == ["left"]


async def test_a_sublet_of_a_part_the_catalog_lacks_is_not_another_parts(
    sample_agent: PartsAgent,
) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "Tailgate dented, rear glass smashed, sublet screen"
    )
    assert "Windscreen" not in bought(report)
    assert not [op for op in report.operations if op.operation == "sublet"]
    assert {op.operation for op in report.operations if op.category.name == "Tailgate"} >= {
        "repair"
    }
