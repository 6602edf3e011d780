"""Each included operation and sublet, with its reason; rules read from the data file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from _estimate import ASTRA_2018, ROADSTER, small_bucket
from partsagent import EstimateData, PartsAgent, PartsReport

DATA = EstimateData.load()
RULES = {r.id: r for r in DATA.included.rules}
GB = DATA.rates.market("GB")
COROLLA_2020 = {"make": "Toyota", "model": "Corolla", "year": 2020}
ASTRA_NO_SENSORS = {"make": "Vauxhall", "model": "Astra", "year": 2012, "variant_id": "127431"}
"""The one Astra built without parking sensors: sensors named in the words are its only ones."""


def by_rule(report: PartsReport, rule: str) -> list[Any]:
    return [op for op in report.operations if op.rule == rule]


#: One scenario per rule: (vehicle, damage, how many operations the rule adds).
SCENARIOS: dict[str, tuple[dict[str, Any], list[dict[str, str]], int]] = {
    "headlamp-aim": (
        ASTRA_2018,
        [{"component": "left headlamp", "severity": "moderate"},
         {"component": "right headlamp", "severity": "severe"}],
        1,
    ),
    "adas-camera-calibration": (
        COROLLA_2020, [{"component": "windscreen", "severity": "moderate"}], 1
    ),
    "windscreen-chip-repair": (
        ASTRA_2018, [{"component": "windscreen", "severity": "minor"}], 1
    ),
    "ac-evacuate-recharge": (
        ASTRA_2018, [{"component": "AC condenser", "severity": "moderate"}], 1
    ),
    "coolant-fill": (ASTRA_2018, [{"component": "radiator", "severity": "moderate"}], 1),
    "cooling-pack-access": (ASTRA_2018, [{"component": "radiator", "severity": "minor"}], 1),
    "door-transfer": (ASTRA_2018, [{"component": "left front door", "severity": "severe"}], 1),
    "cavity-wax": (ASTRA_2018, [{"component": "tailgate", "severity": "severe"}], 1),
    "front-radar-calibration": (
        ASTRA_2018, [{"component": "front bumper, has ACC radar", "severity": "minor"}], 1
    ),
    "rear-radar-calibration": (
        ASTRA_2018, [{"component": "rear bumper, blind spot radar", "severity": "moderate"}], 1
    ),
    "side-camera-calibration": (
        ASTRA_2018, [{"component": "N/S door mirror, has a 360 camera", "severity": "severe"}], 1
    ),
    "front-parking-sensor-transfer": (
        ASTRA_NO_SENSORS, [{"component": "front bumper, has PDC", "severity": "severe"}], 1
    ),
    "rear-parking-sensor-transfer": (
        ASTRA_NO_SENSORS, [{"component": "rear bumper, rear PDC fitted", "severity": "severe"}], 1
    ),
}  # fmt: skip


def test_every_rule_has_a_scenario() -> None:
    """A new rule in included_operations.json needs a scenario here (wheel alignment below)."""
    assert set(RULES) == {*SCENARIOS, "wheel-alignment"}


@pytest.mark.parametrize("rule", [pytest.param(r, id=r) for r in SCENARIOS])
async def test_each_included_operation(sample_agent: PartsAgent, rule: str) -> None:
    """The rule adds its operation, with its reason, its hours or its sublet price."""
    vehicle, damage, count = SCENARIOS[rule]
    report = await sample_agent.process_damage_report(vehicle, damage)
    added = by_rule(report, rule)
    spec = RULES[rule]
    assert len(added) == count
    for op in added:
        assert op.operation == spec.operation
        assert (op.why, op.source) == (spec.why, "rule")
        assert op.description.startswith(spec.description)
        if spec.operation == "sublet":
            assert spec.sublet is not None
            assert (op.hours, op.rate) == (Decimal("0.0"), None)
            assert op.amount.amount == GB.sublets[spec.sublet]
        elif spec.hours is not None:
            assert op.hours == spec.hours
            assert op.times is None
        else:
            assert op.times is not None
            assert op.hours > 0


async def test_one_headlamp_aim_covers_the_pair(sample_agent: PartsAgent) -> None:
    """Both headlamps replaced: one aim, for both sides, tied to a headlamp's parts line."""
    vehicle, damage, _ = SCENARIOS["headlamp-aim"]
    report = await sample_agent.process_damage_report(vehicle, damage)
    (aim,) = by_rule(report, "headlamp-aim")
    assert aim.position.side is None
    assert aim.description.endswith("(both sides)")
    assert aim.line is not None
    assert report.lines[aim.line].category.name == "Headlamp"


async def test_one_headlamp_aim_keeps_its_side(sample_agent: PartsAgent) -> None:
    """One headlamp replaced: its aim is on its side."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": "O/S headlamp", "severity": "severe"}]
    )
    (aim,) = by_rule(report, "headlamp-aim")
    assert aim.position.side == "right"


@pytest.mark.parametrize(
    ("words", "rule"),
    [
        pytest.param("front bumper scuffed, the car has front radar", "front-radar-calibration",
                     id="front-radar"),
        pytest.param("Windscreen cracked. It has the lane assist camera.",
                     "adas-camera-calibration", id="lane-assist-camera"),
        pytest.param("rear bumper split; fitted with blind spot sensors", "rear-radar-calibration",
                     id="blind-spot"),
    ],
)  # fmt: skip
async def test_equipment_named_in_the_words_brings_its_operation(
    sample_agent: PartsAgent, words: str, rule: str
) -> None:
    """Equipment the text names is calibrated even when the catalog does not list it."""
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert len(by_rule(report, rule)) == 1


async def test_equipment_denied_brings_nothing(sample_agent: PartsAgent) -> None:
    """ "No radar" is not a radar."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "front bumper scuffed, no radar or cameras on this car"
    )
    assert by_rule(report, "front-radar-calibration") == []


async def test_sensors_on_a_build_without_them_are_transferred_not_bought(
    sample_agent: PartsAgent,
) -> None:
    """A build the catalog lists without sensors: the named sensors move, none is bought."""
    vehicle, damage, _ = SCENARIOS["front-parking-sensor-transfer"]
    report = await sample_agent.process_damage_report(vehicle, damage)
    assert "Front Parking Sensor" not in {ln.category.name for ln in report.lines}
    (moved,) = by_rule(report, "front-parking-sensor-transfer")
    assert moved.operation == "remove_refit"


@pytest.mark.parametrize(
    ("vehicle", "calibrated"),
    [
        pytest.param(COROLLA_2020, True, id="corolla-2020-camera"),
        pytest.param(ASTRA_2018, False, id="astra-2018-no-camera"),
    ],
)
async def test_adas_calibration_only_with_a_camera(
    sample_agent: PartsAgent, vehicle: dict[str, Any], calibrated: bool
) -> None:
    """A new windscreen is calibrated only when the build has a windscreen camera."""
    report = await sample_agent.process_damage_report(
        vehicle, [{"component": "windscreen", "severity": "severe"}]
    )
    assert bool(by_rule(report, "adas-camera-calibration")) is calibrated
    assert ("replace", "Windscreen") in {
        (op.operation, op.category.name) for op in report.operations
    }


async def test_windscreen_brings_its_mouldings(sample_agent: PartsAgent) -> None:
    """A new windscreen comes with new mouldings (a parts line from the propagation rules)."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": "windscreen", "severity": "moderate"}]
    )
    moulding = [ln for ln in report.lines if ln.category.name == "Windscreen Moulding"]
    assert [ln.reason for ln in moulding] == ["secondary"]


async def test_radiator_hit_reaches_the_condenser(sample_agent: PartsAgent) -> None:
    """A radiator damaged brings the condenser in front of it, hence the A/C recharge, once."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": "radiator", "severity": "moderate"}]
    )
    assert "AC Condenser" in {ln.category.name for ln in report.lines}
    assert len(by_rule(report, "ac-evacuate-recharge")) == 1
    assert len(by_rule(report, "coolant-fill")) == 1
    assert "Coolant" in {ln.category.name for ln in report.lines if ln.reason == "consumable"}


@pytest.mark.parametrize(
    ("bumper", "access"),
    [pytest.param(None, True, id="bumper-intact"), pytest.param("severe", False, id="replaced")],
)
async def test_access_to_the_cooling_pack(
    sample_agent: PartsAgent, bumper: str | None, access: bool
) -> None:
    """The bumper cover comes off to reach the radiator, unless it is replaced anyway."""
    damage = [{"component": "radiator", "severity": "minor"}]
    if bumper:
        damage.append({"component": "front bumper", "severity": bumper})
    report = await sample_agent.process_damage_report(ASTRA_2018, damage)
    found = by_rule(report, "cooling-pack-access")
    assert bool(found) is access
    if found:
        (op,) = found
        times = DATA.labour.times("Front Bumper Cover", "hatch")
        assert times is not None
        assert (op.category.name, op.hours) == ("Front Bumper Cover", times[0].remove_refit)


async def test_wheel_alignment_on_a_catalog_with_suspension_parts(tmp_path: Path) -> None:
    """A shop's catalog with steering and suspension parts: one alignment per report."""
    bucket = small_bucket(
        tmp_path,
        [("S1", "Track Control Arm", "Suspension"), ("S2", "Track Rod End", "Steering")],
    )
    async with PartsAgent(bucket) as agent:
        report = await agent.process_damage_report(
            ROADSTER,
            [{"component": "track control arm", "severity": "severe"},
             {"component": "track rod end", "severity": "moderate"}],
        )  # fmt: skip
    assert [
        op.operation for op in report.operations if op.category.name == "Track Control Arm"
    ] == [
        "replace",
        "sublet",
    ]
    (align,) = by_rule(report, "wheel-alignment")
    assert align.amount.amount == GB.sublets["wheel-alignment"]
    assert align.why == RULES["wheel-alignment"].why


async def test_a_new_windscreen_without_a_listed_camera_asks(sample_agent: PartsAgent) -> None:
    """No camera listed for the build: no calibration priced, and a 'please confirm'."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": "windscreen", "severity": "severe"}]
    )
    assert by_rule(report, "adas-camera-calibration") == []
    assert any("Windscreen" in w and "please confirm" in w for w in report.warnings)
