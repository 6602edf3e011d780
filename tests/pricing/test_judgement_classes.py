"""The estimating judgement of a third blind round, in words of our own: the action the
words state against the severity's policy, hours stated on the operation they name, the
flags an estimator needs (each with its code) and a confidence that follows the guesses.
Each class in several hands (customer, adjuster, estimator; GB, US and AU words)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from _estimate import ASTRA_2018
from partsagent import EstimateData, PartsAgent, PartsReport
from partsagent._pricing import estimate as estimate_package
from partsagent._pricing.estimate.said import read_evidence

EVIDENCE = EstimateData.load().evidence
PACKAGED = Path(estimate_package.__file__).parent
FOCUS_2020 = {"make": "Ford", "model": "Focus", "year": 2020}
COROLLA_2020 = {"make": "Toyota", "model": "Corolla", "year": 2020}


def ops(report: PartsReport, part: str, side: str | None = None) -> set[str]:
    return {
        op.operation
        for op in report.operations
        if op.category.name == part and (side is None or op.position.side == side)
    }


def hours(report: PartsReport, part: str, operation: str) -> list[Decimal]:
    return [
        op.hours
        for op in report.operations
        if op.category.name == part and op.operation == operation
    ]


def codes(report: PartsReport) -> set[str]:
    return {w.code for w in report.coded_warnings}


# 1. The action the words state wins over the severity's row.


@pytest.mark.parametrize(
    ("words", "part"),
    [
        pytest.param("rear bumper split clean through by the towbar", "Rear Bumper Cover",
                     id="customer-split-through"),
        pytest.param("F/BMP cracked right through at the fog lamp", "Front Bumper Cover",
                     id="estimator-cracked-through"),
        pytest.param("front bumper has a crack straight through the lower grille bar",
                     "Front Bumper Cover", id="adjuster-crack-through"),
    ],
)  # fmt: skip
async def test_a_crack_through_a_bumper_is_a_new_cover(
    sample_agent: PartsAgent, words: str, part: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert "replace" in ops(report, part)
    assert "repair" not in ops(report, part)


@pytest.mark.parametrize(
    ("words", "vehicle", "market", "part"),
    [
        pytest.param("bonnet has a small dent but only needs a paint, no repair needed",
                     ASTRA_2018, "GB", "Bonnet", id="gb-customer"),
        pytest.param("RR door dented slightly, respray only", FOCUS_2020, "US",
                     "Rear Door Shell", id="us-estimator"),
        pytest.param("Front bar cracked - no repair required, just a repaint", FOCUS_2020,
                     "AU", "Front Bumper Cover", id="au-adjuster"),
    ],
)  # fmt: skip
async def test_a_refinish_only_stated_is_not_repaired(
    sample_agent: PartsAgent, words: str, vehicle: dict[str, object], market: str, part: str
) -> None:
    report = await sample_agent.process_damage_report(vehicle, words, market=market)
    assert ops(report, part) == {"refinish"}
    assert "operation_asked" in codes(report)


async def test_a_refinish_denied_is_no_refinish_only(sample_agent: PartsAgent) -> None:
    """'not just a paint job': the words deny the refinish only; the policy decides."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "N/S front door dented, not just a paint job"
    )
    assert ops(report, "Front Door Shell", "left") >= {"repair", "refinish"}


@pytest.mark.parametrize(
    ("words", "part", "tabs", "painted"),
    [
        pytest.param("front bumper: three fixing tabs broken, plastic weld the tabs",
                     "Front Bumper Cover", 3, False, id="estimator-count"),
        pytest.param("rear bumper hanging at the corner, tab repair and refinish",
                     "Rear Bumper Cover", 1, True, id="adjuster-with-paint"),
        pytest.param("O/S headlamp top lug snapped, fit a tab repair kit, lens fine",
                     "Headlamp", 1, False, id="lamp-kit"),
    ],
)  # fmt: skip
async def test_a_tab_repair_is_a_repair_not_a_new_part_or_a_refit(
    sample_agent: PartsAgent, words: str, part: str, tabs: int, painted: bool
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    found = ops(report, part)
    assert "repair" in found
    assert not found & {"replace", "remove_refit"}
    assert ("refinish" in found) is painted
    tab = EVIDENCE.tab_repair
    assert tab is not None
    assert hours(report, part, "repair") == [tab.hours * tabs]
    assert part not in {ln.category.name for ln in report.lines}


@pytest.mark.parametrize(
    ("words", "market", "panel", "side"),
    [
        pytest.param("O/S rear door caved in. O/S front door is not to be painted", "GB",
                     "Front Door Shell", "right", id="gb-not-to-be-painted"),
        pytest.param("LF fender dented; LF door is fine - do not paint", "US",
                     "Front Door Shell", "left", id="us-do-not-paint"),
        pytest.param("Left guard pushed in, don't refinish the door", "AU",
                     "Front Door Shell", "left", id="au-dont-refinish"),
    ],
)  # fmt: skip
async def test_a_panel_the_words_keep_unpainted_is_never_blended(
    sample_agent: PartsAgent, words: str, market: str, panel: str, side: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words, market=market)
    assert ops(report, panel, side) == set()


@pytest.mark.parametrize(
    "words",
    ["O/S rear door caved in", "O/S rear door caved in, O/S front door undamaged"],
)
async def test_a_neighbour_only_said_undamaged_is_blended_by_the_policy(
    sample_agent: PartsAgent, words: str
) -> None:
    """Undamaged is not refinished, and still blended for the colour, as estimators do."""
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert ops(report, "Front Door Shell", "right") == {"blend"}


# 2. Hours stated go on the operation they were stated for.


@pytest.mark.parametrize(
    ("words", "vehicle", "part", "expected"),
    [
        pytest.param("F/BMP rpl + refin\nFront radar calibrate 0.9h", ASTRA_2018,
                     "Front Bumper Cover", "0.9", id="radar-after"),
        pytest.param("front bumper repair 1.5 hrs, paint, 1.1 hrs to calibrate the ACC radar",
                     ASTRA_2018, "Front Bumper Cover", "1.1", id="radar-before"),
        pytest.param("W/S replace, recal the forward facing camera 1.8 hours", COROLLA_2020,
                     "Windscreen", "1.8", id="camera-equipment-word"),
        pytest.param("LH headlamp R&R, beam aim 0.3", ASTRA_2018, "Headlamp", "0.3",
                     id="aim-bare"),
    ],
)  # fmt: skip
async def test_a_stated_calibration_time_is_its_operation(
    sample_agent: PartsAgent, words: str, vehicle: dict[str, object], part: str, expected: str
) -> None:
    report = await sample_agent.process_damage_report(vehicle, words)
    sublets = [
        op for op in report.operations if op.category.name == part and op.operation == "sublet"
    ]
    assert [op.hours for op in sublets] == [Decimal(expected)]
    # Done in house at the stated time and the labour rate, not the sublet's price.
    assert report.rates is not None
    assert sublets[0].amount.amount == Decimal(expected) * report.rates.labour_rate.amount
    assert "as stated" in sublets[0].description
    assert Decimal(expected) not in hours(report, part, "refinish")


@pytest.mark.parametrize(
    ("words", "part", "operation", "expected"),
    [
        pytest.param("N/S rear door: repair 2.8, refinish", "Rear Door Shell", "repair", "2.8",
                     id="bare-after-repair"),
        pytest.param("Bonnet - straighten 3.0 + paint", "Bonnet", "repair", "3.0",
                     id="bare-after-straighten"),
    ],
)  # fmt: skip
async def test_a_decimal_right_after_an_operation_is_its_hours(
    sample_agent: PartsAgent, words: str, part: str, operation: str, expected: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert hours(report, part, operation) == [Decimal(expected)]


async def test_a_size_or_a_count_after_an_operation_is_no_hours(
    sample_agent: PartsAgent,
) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "N/S rear door repair 2.5 cm dent, refinish"
    )
    assert all("as stated" not in op.description for op in report.operations)


# 3. The flags an estimator needs, each with its code.


@pytest.mark.parametrize(
    ("words", "code"),
    [
        pytest.param("bonnet crushed, the car isn't safe to drive", "do_not_drive",
                     id="unsafe"),
        pytest.param("hood and grille smashed, had to be towed from the scene", "do_not_drive",
                     id="towed"),
        pytest.param("Front bar and bonnet crunched, car won't start", "do_not_drive",
                     id="wont-start"),
        pytest.param("N/S front wheel smacked the kerb, wing scuffed", "tyre_check",
                     id="wheel-kerb"),
        pytest.param("rear tyre sidewall gashed on a kerb, rear bumper scraped", "tyre_check",
                     id="sidewall"),
        pytest.param("front passenger wheel took a big hit, fender pushed in", "alignment_check",
                     id="wheel-hit"),
        pytest.param("lower control arm bent, front bumper cracked", "alignment_check",
                     id="suspension"),
        pytest.param("car drifts left since, N/S front wing dented", "alignment_check",
                     id="symptom"),
        pytest.param("rear bumper smashed, boot floor buckled", "measure_check",
                     id="implied-by-structure"),
        pytest.param("Front bumper cracked. Put on the bench for a chassis alignment",
                     "measure_check", id="asked"),
        pytest.param("tailgate dented; the rust on the O/S door predates this", "pre_existing",
                     id="old"),
    ],
)  # fmt: skip
async def test_a_check_brings_its_flag(sample_agent: PartsAgent, words: str, code: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert code in codes(report)


@pytest.mark.parametrize(
    "words",
    [
        "front bumper scuffed, wheels and tyres are fine",
        "O/S wheel arch liner cracked, rear bumper scuffed",
        "steering wheel airbag did not go off, bonnet dented",
        "car is driveable, front bumper scraped",
    ],
)
def test_no_flag_without_its_words(words: str) -> None:
    said = {code for code, _ in read_evidence(words, EVIDENCE).safety}
    assert said.isdisjoint({"do_not_drive", "tyre_check", "alignment_check", "measure_check"})


async def test_a_dented_measure_asks_no_body_measure(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "5 cm dent measured on the bonnet"
    )
    assert "measure_check" not in codes(report)


@pytest.mark.parametrize(
    ("words", "vehicle", "market", "code", "part"),
    [
        pytest.param("front bumper scraped, car fitted with radar cruise", ASTRA_2018, "GB",
                     "calibration_needed", "Front Bumper Cover", id="radar"),
        pytest.param("Windshield cracked. Has the pre collision system", COROLLA_2020, "US",
                     "calibration_needed", "Windscreen", id="camera"),
        pytest.param("left and right headlamps both smashed", ASTRA_2018, "GB", "headlamp_aim",
                     "Headlamp", id="aim-pair"),
    ],
)  # fmt: skip
async def test_an_included_check_is_flagged_once(
    sample_agent: PartsAgent,
    words: str,
    vehicle: dict[str, object],
    market: str,
    code: str,
    part: str,
) -> None:
    report = await sample_agent.process_damage_report(vehicle, words, market=market)
    flagged = [w for w in report.coded_warnings if w.code == code]
    assert [w.part for w in flagged] == [part]
    assert sum(op.operation == "sublet" and op.category.name == part
               for op in report.operations) == 1  # fmt: skip


# 4. Confidence follows the guesses.


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("tail lamp cracked", id="side-assumed"),
        pytest.param("front bumper dented, bonnet creased", id="possible-parts-and-radar"),
        pytest.param("bonnet dented and the thingy beside it is smashed", id="unread-damage"),
    ],
)
async def test_a_guess_never_sits_high(sample_agent: PartsAgent, words: str) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert report.confidence < 0.85
    for w in report.coded_warnings:
        if w.code == "confidence_capped":
            assert w.message.startswith(f"confidence capped at {report.confidence:.2f}")


async def test_a_plain_well_read_report_stays_high(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "O/S front wing dented, O/S front door scratched"
    )
    assert report.confidence >= 0.9
    assert "confidence_capped" not in codes(report)


async def test_a_caps_table_of_your_own_is_used(sample_agent: PartsAgent, tmp_path: Path) -> None:
    """The caps are data: a shop that trusts assumed sides sets its own."""
    policy = json.loads((PACKAGED / "policy.json").read_text(encoding="utf-8"))
    policy["confidence_caps"] = {}
    (tmp_path / "policy.json").write_text(json.dumps(policy), encoding="utf-8")
    lenient = EstimateData.load(policy=tmp_path / "policy.json")
    words = "front bumper dented, bonnet creased"
    strict = await sample_agent.process_damage_report(ASTRA_2018, words)
    async with PartsAgent(estimate=lenient, warm_vehicle=False) as agent:
        own = await agent.process_damage_report(ASTRA_2018, words)
    assert own.confidence > strict.confidence
    assert "confidence_capped" not in codes(own)
