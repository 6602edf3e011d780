"""What a blind estimator rejected: blend instructions, unpriced damage, secondary parts
without evidence, escalation words and the part they qualify, repair methods and
calibrations. Each class in several hands (customer, adjuster, estimator; GB and US)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from _estimate import ASTRA_2018, ops_of
from partsagent import EstimateData, PartsAgent, PartsReport
from partsagent._pricing.estimate.said import read_evidence
from partsagent._pricing.propagation import load_rules

EVIDENCE = EstimateData.load().evidence
US = "US"


def damaged(report: PartsReport) -> set[tuple[str, str | None]]:
    return {(d.category.name, d.position.side) for d in report.damaged}


def bought(report: PartsReport) -> set[str]:
    return {ln.category.name for ln in report.lines}


# 1. A blend instruction blends its panel: never a refinish, a repair or a purchase.


@pytest.mark.parametrize(
    ("words", "market", "panel", "side"),
    [
        pytest.param(
            "rear bumper scuffed, blend into the LF door",
            "GB",
            "Front Door Shell",
            "left",
            id="estimator-plastic-neighbour",
        ),
        pytest.param(
            "O/S front wing dented, blend the adjacent door",
            "GB",
            "Front Door Shell",
            "right",
            id="estimator-adjacent",
        ),
        pytest.param(
            "Rear bumper cover: refinish. Blend adj panels: N/S rear door",
            "GB",
            "Rear Door Shell",
            "left",
            id="heading",
        ),
        pytest.param(
            "RR bumper scratched up, pls blend passenger rear door for color match",
            US,
            "Rear Door Shell",
            "right",
            id="us-adjuster",
        ),
    ],
)
async def test_a_blend_instruction_is_a_blend(
    sample_agent: PartsAgent, words: str, market: str, panel: str, side: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words, market=market)
    assert ops_of(report, panel).count(("blend", side)) == 1
    assert not {op for op, s in ops_of(report, panel) if s == side} - {"blend"}
    assert (panel, side) not in damaged(report)
    assert panel not in bought(report)


async def test_a_damaged_panel_with_a_blend_word_is_still_damaged(
    sample_agent: PartsAgent,
) -> None:
    """'Dented, blend into the wing' says of the door: it is repaired, the wing blended."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "N/S front door dented and scratched, blend into the wing"
    )
    assert ("Front Door Shell", "left") in damaged(report)
    assert ("repair", "left") in ops_of(report, "Front Door Shell")


# 2. Confidence follows what is missing.


async def test_unpriced_damage_lowers_the_confidence_and_says_so(
    sample_agent: PartsAgent,
) -> None:
    alone = await sample_agent.process_damage_report(ASTRA_2018, "front bumper scuffed")
    one = await sample_agent.process_damage_report(
        ASTRA_2018, "front bumper scuffed, N/S front alloy wheel buckled"
    )
    two = await sample_agent.process_damage_report(
        ASTRA_2018, "front bumper scuffed, N/S front alloy wheel buckled, tyre slashed"
    )
    assert alone.confidence > one.confidence > two.confidence
    lacks = [w for w in two.warnings if w.startswith("NOT PRICED")]
    assert len(lacks) == 1
    assert "alloy wheel" in lacks[0]
    assert "tyre" in lacks[0]
    assert not any(w.startswith("NOT PRICED") for w in alone.warnings)


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("front bumper dented, airbags did not go off", id="denied-airbag"),
        pytest.param("grille cracked, the radar behind the badge", id="equipment-named"),
    ],
)
async def test_denied_parts_and_equipment_are_not_missing_damage(
    sample_agent: PartsAgent, words: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not any(w.startswith("NOT PRICED") for w in report.warnings)


# 3. Secondary parts of a light or moderate impact are not bought.


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("rear bumper dented", id="gb-plain"),
        pytest.param("Insd reversed into a post, rear bumper cover dented", id="adjuster"),
        pytest.param("front bumper cracked at the corner", id="cracked"),
    ],
)
async def test_secondary_parts_of_a_moderate_impact_are_only_possible(
    sample_agent: PartsAgent, words: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert "Bumper Clips" not in bought(report)
    assert any("confirm at teardown" in w and "Bumper Clips" in w for w in report.warnings)


async def test_a_severe_impact_keeps_its_secondary_parts(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, "front bumper smashed")
    assert {"Bumper Clips", "Front Bumper Reinforcement"} <= bought(report)
    assert not any("confirm at teardown" in w for w in report.warnings)


def test_the_threshold_is_data() -> None:
    rules = {r.id: r for r in load_rules().rules}
    assert rules["front-bumper-moderate"].firm_from is not None
    assert all(r.firm_from is None for r in rules.values() if r.min_severity == "severe")


# 4. Escalation words: denials, the part they qualify, safety checks.


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("front bumper dented, no airbag deployment", id="no-deployment"),
        pytest.param("Bonnet dented. The airbags didn't go off.", id="didnt-go-off"),
        pytest.param("hood dented, airbags didnt deploy thank god", id="didnt-no-apostrophe"),
        pytest.param("bonnet creased. curtain airbag hasnt gone off", id="hasnt-no-apostrophe"),
        pytest.param("front parking sensor pushed in, bumper scuffed", id="sensor-pushed-in"),
        pytest.param("grille pushed in by the tow bar of the car in front", id="grille"),
        pytest.param("rear bumper cover pushed in, no structural damage", id="us-cover"),
    ],
)
async def test_words_that_do_not_escalate(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not any(w.startswith("INSPECTION NEEDED") for w in report.warnings)


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("the whole front end pushed in, bonnet buckled", id="front-end"),
        pytest.param("car was caved in on the driver side, door crushed", id="the-car"),
        pytest.param("B pillar pushed in, O/S front door crushed", id="pillar"),
    ],
)
async def test_the_body_pushed_in_escalates(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert report.warnings[0].startswith("INSPECTION NEEDED")
    assert report.confidence <= 0.5


@pytest.mark.parametrize(
    ("words", "check"),
    [
        pytest.param("front bumper scuffed. HV battery hit, orange cables exposed", "HIGH VOLTAGE",
                     id="hv"),
        pytest.param("EV, grounded on a kerb, scraped the underside and the front bumper",
                     "HIGH VOLTAGE", id="ev-underbody"),
        pytest.param("N/S front wing dented, now pulls to the left", "STEERING", id="pulls"),
        pytest.param("hit a curb, fender dented and the steering wheel is off center",
                     "STEERING", id="us-off-center"),
    ],
)  # fmt: skip
async def test_safety_words_bring_their_check(
    sample_agent: PartsAgent, words: str, check: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert any(w.startswith(check) for w in report.warnings)


@pytest.mark.parametrize(
    "words",
    [
        "front bumper scuffed, steering is fine, doesn't pull",
        "EV, rear bumper scratched in a car park",
        "hybrid, O/S front wing dented",
    ],
)
def test_no_safety_check_without_its_words(words: str) -> None:
    assert read_evidence(words, EVIDENCE).safety == ()


# 5. Method words and calibrations.


@pytest.mark.parametrize(
    "words",
    [
        "small dent in the N/S rear door, PDR",
        "hood ding, paint not broken, paintless please",
        "bonnet dented, paintwork intact",
    ],
)
async def test_paintless_repair_keeps_no_paint(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert {op.operation for op in report.operations} == {"repair"}


@pytest.mark.parametrize(
    "words",
    [
        "stone chip in the windscreen, no cracks in the glass",
        "chip on the windshield near the mirror, side glass fine",
    ],
)
async def test_a_chip_stays_a_resin_repair(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert ("sublet", None) in ops_of(report, "Windscreen")
    assert "Windscreen" not in bought(report)


@pytest.mark.parametrize(
    "words",
    [
        "N/S door mirror smashed, it has the cameras for the 360 view",
        "driver mirror knocked off, repeater camera in it",
        "O/S front door needs replacing, blind spot camera in the mirror",
    ],
)
async def test_a_mirror_camera_is_calibrated(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    rules = [op.rule for op in report.operations]
    assert rules.count("side-camera-calibration") == 1
    assert not any(w.startswith("NOT PRICED") for w in report.warnings)


async def test_no_camera_no_camera_calibration(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, "N/S door mirror smashed")
    assert "side-camera-calibration" not in {op.rule for op in report.operations}
    assert report.totals.sublet.amount == Decimal("0.00")


async def test_a_cached_answer_keeps_its_banner(sample_agent: PartsAgent) -> None:
    """The second report of the same words comes from the cache: the banner is still first."""
    words = "front bumper smashed, the B-pillar is bent"
    first = await sample_agent.process_damage_report(ASTRA_2018, words)
    again = await sample_agent.process_damage_report(ASTRA_2018, words + ".")
    assert first.warnings[0].startswith("INSPECTION NEEDED")
    assert again.warnings[0] == first.warnings[0]
    assert again.confidence == first.confidence
