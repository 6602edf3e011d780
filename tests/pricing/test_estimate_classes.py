"""Estimating classes a blind estimator still rejected: secondary parts bought on light
impacts, paintless repair turned into repair and refinish, blends (asked, ruled out,
unwanted), hours given in the text, and what needs escalating. Each in several hands."""

from __future__ import annotations

from decimal import Decimal

import pytest

from _estimate import ASTRA_2018, ops_of
from partsagent import EstimateData, PartsAgent, PartsReport
from partsagent._pricing.estimate.said import read_evidence

EVIDENCE = EstimateData.load().evidence
BEHIND = {
    "Front Bumper Reinforcement",
    "Front Energy Absorber",
    "Front Bumper Bracket",
    "Rear Bumper Reinforcement",
    "Rear Energy Absorber",
    "Rear Bumper Bracket",
    "Front Parking Sensor",
    "Rear Parking Sensor",
    "Parking Sensor Bracket",
    "Bonnet Hinge",
    "Bonnet Catch",
}


def bought(report: PartsReport) -> set[str]:
    return {ln.category.name for ln in report.lines}


def hours(report: PartsReport, category: str, operation: str) -> list[Decimal]:
    return [
        op.hours
        for op in report.operations
        if op.category.name == category and op.operation == operation
    ]


# 1. Parts behind a cover are firm only where the words reach behind it.


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("front bumper grazed on a gatepost, replace the cover", id="grazed"),
        pytest.param("Slight knock reversing, rear bumper to be replaced", id="slight-knock"),
        pytest.param("R/BMP scuffed at the corner - replace", id="adjuster"),
        pytest.param("Front bumper cover: replace and refinish", id="estimator-line"),
        pytest.param("hood replace, small ding near the badge", id="us-hood"),
    ],
)
async def test_light_or_bare_replacements_keep_parts_behind_possible(
    sample_agent: PartsAgent, words: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not bought(report) & BEHIND
    assert any("confirm at teardown" in w for w in report.warnings)


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("front bumper stoved in, needs replacing", id="stoved-in"),
        pytest.param("rear bumper cover replace, absorber behind it crushed", id="absorber"),
        pytest.param("Front bumper badly damaged", id="severity-said"),
    ],
)
async def test_words_that_reach_behind_keep_them_firm(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert bought(report) & BEHIND


async def test_a_severity_given_as_a_field_is_evidence(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": "front bumper", "severity": "severe"}]
    )
    assert "Front Bumper Reinforcement" in bought(report)


# 2. Paintless repair asked is paintless repair, timed by size and count.


@pytest.mark.parametrize(
    ("words", "panel", "expected"),
    [
        pytest.param("N/S rear door - dent removal, no paint", "Rear Door Shell", None, id="gb"),
        pytest.param("roof side of LF fender: PDR x 2 small dents", "Wing", "2.0", id="count"),
        pytest.param("bonnet has four dings, paintless please", "Bonnet", "2.0", id="words"),
        pytest.param("O/S front door badly dented, PDR", "Front Door Shell", None, id="badly"),
    ],
)
async def test_paintless_repair_is_honoured(
    sample_agent: PartsAgent, words: str, panel: str, expected: str | None
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert {op for op, _ in ops_of(report, panel)} == {"repair"}
    assert panel not in bought(report)
    repair = hours(report, panel, "repair")
    if expected is not None:
        assert repair == [Decimal(expected)]
    assert not any(op.operation == "refinish" for op in report.operations)


async def test_paintless_repair_past_its_size_says_so(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "Customer asks for PDR on the N/S front door, dent as big as a football"
    )
    assert ("refinish", "left") in ops_of(report, "Front Door Shell")
    assert any("too large for paintless repair" in w for w in report.warnings)


async def test_paintless_repair_of_one_part_is_not_another_parts(
    sample_agent: PartsAgent,
) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "O/S front door PDR, O/S rear door dented and scratched"
    )
    assert ("refinish", "right") not in ops_of(report, "Front Door Shell")
    assert hours(report, "Front Door Shell", "repair") == [Decimal("2.0")]
    assert ("refinish", "right") in ops_of(report, "Rear Door Shell")


# 3. Blends: asked, listed, ruled out, and only along the damaged side.


@pytest.mark.parametrize(
    ("words", "panel", "side"),
    [
        pytest.param("Refinish RF fender, blend RF door and hood", "Bonnet", None, id="listed"),
        pytest.param("N/S wing respray; blend N/S front door, bonnet", "Bonnet", None, id="comma"),
        pytest.param("paint O/S rear door and blend the O/S front door", "Front Door Shell",
                     "right", id="after-work"),
    ],
)  # fmt: skip
async def test_every_panel_of_a_blend_list_is_blended(
    sample_agent: PartsAgent, words: str, panel: str, side: str | None
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert ops_of(report, panel) == [("blend", side)]
    assert panel not in {d.category.name for d in report.damaged}


@pytest.mark.parametrize(
    "words",
    [
        "N/S front wing scraped, respray",
        "LF fender dented, repair and refinish",
        "O/S wing creased, replace",
    ],
)
async def test_side_damage_blends_along_its_side_never_the_bonnet(
    sample_agent: PartsAgent, words: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not ops_of(report, "Bonnet")
    blended = {(op.category.name, op.position.side) for op in report.operations
               if op.operation == "blend"}  # fmt: skip
    wing_side = next(op.position.side for op in report.operations if op.category.name == "Wing")
    assert blended == {("Front Door Shell", wing_side)}


# 4. Hours the text gives are the operation's hours.


@pytest.mark.parametrize(
    ("words", "panel", "operation", "expected"),
    [
        pytest.param("N/S front door: repair 3.2h, refinish", "Front Door Shell", "repair",
                     "3.2", id="gb-line"),
        pytest.param("LR door dent - 1.5 hrs rpr + paint", "Rear Door Shell", "repair", "1.5",
                     id="us-shorthand"),
        pytest.param("rear bumper cover repair and refinish 2.7 hours", "Rear Bumper Cover",
                     "refinish", "2.7", id="refinish"),
        pytest.param("O/S wing scratched, respray 2 hrs", "Wing", "refinish", "2.0",
                     id="whole-number"),
    ],
)  # fmt: skip
async def test_stated_hours_are_used(
    sample_agent: PartsAgent, words: str, panel: str, operation: str, expected: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert hours(report, panel, operation) == [Decimal(expected)]
    op = next(o for o in report.operations if o.category.name == panel and o.operation == operation)
    assert "as the report states" in op.why


async def test_hours_name_no_engine(sample_agent: PartsAgent) -> None:
    """'blend 1.0 hours' is a blend time, not the 1.0 Turbo variant."""
    plain = await sample_agent.process_damage_report(ASTRA_2018, "Blend RF door")
    timed = await sample_agent.process_damage_report(ASTRA_2018, "Blend RF door 1.0 hours")
    assert timed.vehicle.build == plain.vehicle.build
    assert hours(timed, "Front Door Shell", "blend") == [Decimal("1.0")]


# 5. Escalation: measuring, hidden damage, a cooling leak; no banner for a bollard post.


@pytest.mark.parametrize(
    ("words", "start"),
    [
        pytest.param("front bumper cracked, put it on the jig to check", "MEASURE", id="jig"),
        pytest.param("Rear end hit. Chassis check required before repair", "MEASURE",
                     id="chassis-check"),
        pytest.param("front bumper split, grille broken, coolant leaking under the car",
                     "HIDDEN DAMAGE", id="coolant"),
        pytest.param("hit a deer, bumper and grille gone, green fluid on the floor", "HIDDEN",
                     id="fluid"),
        pytest.param("RF fender dented, possible hidden damage, strip down to confirm",
                     "HIDDEN DAMAGE", id="hidden"),
    ],
)  # fmt: skip
async def test_escalation_words_warn(sample_agent: PartsAgent, words: str, start: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert any(w.startswith(start) for w in report.warnings)


@pytest.mark.parametrize(
    "words",
    [
        "reversed into a post, rear bumper cracked",
        "caught a post in the car park, N/S rear door dented",
        "dent measured at 5 cm on the bonnet",
        "reversed into a pillar in the car park, rear bumper cracked",
        "scraped the N/S rear door along a concrete pillar",
    ],
)
async def test_a_post_or_a_measure_is_no_banner(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not any(w.startswith(("INSPECTION NEEDED", "MEASURE")) for w in report.warnings)


def test_a_denied_leak_is_no_warning() -> None:
    assert read_evidence("front bumper dented, no coolant leak", EVIDENCE).safety == ()


@pytest.mark.parametrize(
    "words",
    [
        "windscreen cracked, sublet to the glass company",
        "W/SCREEN cracked right across - glass specialist to fit",
        "Windshield: replace (sublet)",
    ],
)
async def test_a_sublet_asked_is_a_sublet(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words, market="GB")
    screen = [op for op in report.operations if op.category.name == "Windscreen"]
    assert [op.operation for op in screen] == ["sublet"]
    assert screen[0].amount.amount > 0
    assert report.totals.sublet.amount >= screen[0].amount.amount
    assert any(w.startswith("SUBLET") for w in report.warnings)


async def test_no_sublet_word_no_sublet(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, "windscreen cracked")
    assert ("replace", None) in ops_of(report, "Windscreen")


async def test_the_bonnet_between_two_refinished_wings_is_blended(
    sample_agent: PartsAgent,
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, "both front wings dented")
    assert ops_of(report, "Bonnet") == [("blend", None)]


@pytest.mark.parametrize(
    ("words", "size"),
    [
        pytest.param("a football hit the bonnet and left a small dent", "small", id="what-hit"),
        pytest.param("dent as big as an orange on the bonnet", "medium", id="as-big-as"),
        pytest.param("bonnet dent, about the size of a dinner plate", "large", id="size-of"),
        pytest.param("bonnet dent, tennis-ball sized", "medium", id="sized"),
    ],
)
def test_an_object_is_a_size_only_in_a_comparison(words: str, size: str) -> None:
    found = EVIDENCE.size(words)
    assert found is not None
    assert found.id == size


# 6. An operation the words ask for wins over the severity's row, and says so.


@pytest.mark.parametrize(
    ("words", "panel", "side", "operation"),
    [
        pytest.param("N/S front wing scuffed, req. replacement", "Wing", "left", "replace",
                     id="req-replacement"),
        pytest.param("O/S front door dented - repl.", "Front Door Shell", "right", "replace",
                     id="repl"),
        pytest.param("rear bumper cover cracked, fit a new one", "Rear Bumper Cover", None,
                     "replace", id="new"),
        pytest.param("front bumper badly crushed but the shop says it can be repaired",
                     "Front Bumper Cover", None, "repair", id="can-be-repaired"),
        pytest.param("LF fender crumpled - straighten and reuse", "Wing", "left", "repair",
                     id="us-reuse"),
    ],
)  # fmt: skip
async def test_an_operation_asked_is_done(
    sample_agent: PartsAgent, words: str, panel: str, side: str | None, operation: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert (operation, side) in ops_of(report, panel)
    other = "repair" if operation == "replace" else "replace"
    assert (other, side) not in ops_of(report, panel)
    assert any("as the report asks" in w for w in report.warnings)


@pytest.mark.parametrize(
    "words",
    ["front bumper scraped, no need to replace", "O/S wing dented, repair or replace"],
)
async def test_a_denied_or_open_action_leaves_the_policy(
    sample_agent: PartsAgent, words: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not any("as the report asks" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("words", "start"),
    [
        pytest.param("clipped the kerb, N/S front wing scraped and the alloy buckled",
                     "STEERING/SUSPENSION", id="kerb"),
        pytest.param("rear bumper dented; the scratches on the tailgate are old damage",
                     "PRE-EXISTING", id="old"),
    ],
)  # fmt: skip
async def test_wheel_impacts_and_old_damage_warn(
    sample_agent: PartsAgent, words: str, start: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert any(w.startswith(start) for w in report.warnings)


@pytest.mark.parametrize(
    "words",
    [
        "F/BMP smashed: replace + refinish. O/S headlamp: replace. Bonnet: repair, refinish",
        "Front bumper cover crushed - R&R and refinish\nLH headlamp - replace",
    ],
)
async def test_an_itemised_list_is_the_estimators_scope(
    sample_agent: PartsAgent, words: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not bought(report) & BEHIND
    assert any("Front Bumper Reinforcement may be needed" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("words", "asked"),
    [
        pytest.param("front bumper cracked at the corner", True, id="front-hit"),
        pytest.param("grille smashed, the car has no radar", False, id="no-radar"),
        pytest.param("front bumper cracked, no adaptive cruise on this one", False, id="no-acc"),
    ],
)
async def test_a_front_hit_asks_about_a_radar_the_catalog_does_not_list(
    sample_agent: PartsAgent, words: str, asked: bool
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert any("Front radar calibration" in w for w in report.warnings) is asked


async def test_a_pillar_of_the_car_still_escalates(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "O/S front door crushed into the B post, A pillar bent"
    )
    assert report.warnings[0].startswith("INSPECTION NEEDED")
