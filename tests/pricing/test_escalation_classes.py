"""Estimating judgement left open by a blind round: structure and total-loss review only for
structure, the high-voltage check on electric and hybrid cars, the do-not-drive flag for a
car towed or that cannot steer, "R/R" as remove and replace where it names no position, and
work words never listed as parts to confirm. GB, US, AU and IE words, several hands each."""

from __future__ import annotations

import pytest

from _estimate import ASTRA_2018
from partsagent import PartsAgent, PartsReport

COROLLA_2020 = {"make": "Toyota", "model": "Corolla", "year": 2020}
FOCUS_2020 = {"make": "Ford", "model": "Focus", "year": 2020}


def codes(report: PartsReport) -> set[str]:
    return {w.code for w in report.coded_warnings}


def hv_flags(report: PartsReport) -> list[str]:
    return [
        w.message
        for w in report.coded_warnings
        if w.code == "safety_check" and w.message.startswith("HIGH VOLTAGE")
    ]


def ops(report: PartsReport, part: str) -> set[str]:
    return {op.operation for op in report.operations if op.category.name == part}


# 1. Structure, not wheels, steering or bolt-on suspension, raises the banner.


@pytest.mark.parametrize(
    ("words", "market"),
    [
        pytest.param("nearside front alloy kerbed up, steering pulls a bit to the left since, "
                     "N/S front wing scuffed", "GB", id="gb-customer-kerbed"),
        pytest.param("Curb rash on the driver front wheel, wheel alignment out, fender "
                     "scratched", "US", id="us-adjuster-curbed"),
        pytest.param("LF rim scraped on the gutter, steering pulling left, LF guard scratched",
                     "AU", id="au-estimator-rim"),
    ],
)  # fmt: skip
async def test_a_kerbed_wheel_is_an_alignment_check_not_structure(
    sample_agent: PartsAgent, words: str, market: str
) -> None:
    report = await sample_agent.process_damage_report(FOCUS_2020, words, market=market)
    assert "inspection_needed" not in codes(report)
    assert "alignment_check" in codes(report)
    assert report.confidence > 0.5


@pytest.mark.parametrize(
    ("words", "market"),
    [
        pytest.param("O/S front wing dented; bent suspension arm O/S/F, renew and align",
                     "IE", id="ie-estimator-arm"),
        pytest.param("front bumper cover scraped and a bent suspension arm on the passenger "
                     "side", "US", id="us-customer-arm"),
        pytest.param("RH front guard dented, RH lower suspension arms bent", "AU",
                     id="au-adjuster-arms"),
    ],
)  # fmt: skip
async def test_a_bent_suspension_arm_is_a_part_and_an_alignment(
    sample_agent: PartsAgent, words: str, market: str
) -> None:
    report = await sample_agent.process_damage_report(FOCUS_2020, words, market=market)
    assert "inspection_needed" not in codes(report)
    assert "alignment_check" in codes(report)
    assert report.confidence > 0.5


@pytest.mark.parametrize(
    ("words", "market"),
    [
        pytest.param("N/S sill small dent, repair 1.0 h and refinish", "GB", id="gb-sill-hours"),
        pytest.param("Passenger rocker panel dinged, rpr 0.8 hrs, refinish", "US",
                     id="us-rocker-ding"),
        pytest.param("LH sill has a dent in it, can be repaired", "AU", id="au-sill-repaired"),
    ],
)  # fmt: skip
async def test_a_sill_dent_repaired_is_a_repair_not_structure(
    sample_agent: PartsAgent, words: str, market: str
) -> None:
    report = await sample_agent.process_damage_report(FOCUS_2020, words, market=market)
    assert "inspection_needed" not in codes(report)
    assert "measure_check" not in codes(report)
    assert "repair" in ops(report, "Sill")


@pytest.mark.parametrize(
    ("words", "market"),
    [
        pytest.param("O/S sill pushed in behind the front wheel, dent in the O/S front door",
                     "GB", id="gb-sill-pushed-in"),
        pytest.param("driver rocker kinked and crushed, repair 1.5 hrs", "US",
                     id="us-rocker-kinked-with-hours"),
        pytest.param("bent suspension, left front wheel pushed back into the arch", "AU",
                     id="au-wheel-pushed-back"),
    ],
)  # fmt: skip
async def test_structure_still_raises_the_banner(
    sample_agent: PartsAgent, words: str, market: str
) -> None:
    report = await sample_agent.process_damage_report(FOCUS_2020, words, market=market)
    assert "inspection_needed" in codes(report)
    assert report.confidence <= 0.5


# 2. The high-voltage check.


@pytest.mark.parametrize(
    ("words", "market"),
    [
        pytest.param("It's a hybrid. Front bumper cracked and the hybrid system warning came "
                     "on", "GB", id="gb-customer-hybrid-warning"),
        pytest.param("EV - bottomed out on a speed hump, undertray torn, rear bumper scuffed",
                     "IE", id="ie-ev-undertray"),
        pytest.param("Plug-in hybrid. Rear bumper cover cracked; HV isolation fault on the "
                     "dash", "US", id="us-isolation"),
        pytest.param("front bar split, electrical warning light on the cluster, the car is a "
                     "hybrid", "AU", id="au-electrical-warning"),
    ],
)  # fmt: skip
async def test_an_electric_or_hybrid_car_gets_the_high_voltage_check(
    sample_agent: PartsAgent, words: str, market: str
) -> None:
    report = await sample_agent.process_damage_report(COROLLA_2020, words, market=market)
    assert len(hv_flags(report)) == 1


async def test_a_battery_warning_on_a_petrol_car_is_no_high_voltage_check(
    sample_agent: PartsAgent,
) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "front bumper cracked, battery warning light came on"
    )
    assert hv_flags(report) == []


# 3. Not driveable.


@pytest.mark.parametrize(
    ("words", "market"),
    [
        pytest.param("front end smashed, it went home on the back of a tow truck", "GB",
                     id="gb-tow-truck"),
        pytest.param("hood buckled, radiator leaking, would not start after, got towed", "US",
                     id="us-towed"),
        pytest.param("front bar smashed, car had to be recovered on a tilt tray", "AU",
                     id="au-tilt-tray"),
        pytest.param("N/S front wing crushed in, can't steer it at all", "IE",
                     id="ie-cant-steer"),
    ],
)  # fmt: skip
async def test_a_car_towed_or_that_cannot_steer_is_not_to_be_driven(
    sample_agent: PartsAgent, words: str, market: str
) -> None:
    report = await sample_agent.process_damage_report(FOCUS_2020, words, market=market)
    assert "do_not_drive" in codes(report)


async def test_a_tow_bar_is_no_tow(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "rear bumper scuffed around the tow bar"
    )
    assert "do_not_drive" not in codes(report)


# 4. "R/R" before or after a part with no right rear: remove and replace.


@pytest.mark.parametrize(
    ("words", "market", "part"),
    [
        pytest.param("R/R front bar, paint", "AU", "Front Bumper Cover", id="au-before"),
        pytest.param("Front bumper cover - R/R & refinish", "US", "Front Bumper Cover",
                     id="us-after"),
        pytest.param("rear bumper R/R, scuffed", "GB", "Rear Bumper Cover", id="gb-rear-cover"),
    ],
)  # fmt: skip
async def test_r_r_on_a_part_with_no_right_rear_is_remove_and_replace(
    sample_agent: PartsAgent, words: str, market: str, part: str
) -> None:
    report = await sample_agent.process_damage_report(FOCUS_2020, words, market=market)
    assert "replace" in ops(report, part)
    assert "repair" not in ops(report, part)


async def test_r_r_door_is_the_right_rear_door(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        FOCUS_2020, "R/R door dented, repair and paint", market="AU"
    )
    sides = {
        (op.operation, op.position.side)
        for op in report.operations
        if op.category.name == "Rear Door Shell"
    }
    assert ("repair", "right") in sides
    assert ("replace", "right") not in sides


# 5. Work words are not parts to confirm.


@pytest.mark.parametrize(
    ("words", "market"),
    [
        pytest.param("front bumper: tab repair only, refit. RH headlamp: renew", "AU",
                     id="au-tabs-refit"),
        pytest.param("O/S front wing - renew; bonnet - req; grille R&I, refit", "IE",
                     id="ie-renew-req"),
        pytest.param("Rear bumper cover: refit only. Tail lamp LH renew", "US",
                     id="us-refit-only"),
    ],
)  # fmt: skip
async def test_work_words_are_never_listed_to_confirm(
    sample_agent: PartsAgent, words: str, market: str
) -> None:
    report = await sample_agent.process_damage_report(FOCUS_2020, words, market=market)
    assert [u.phrase for u in report.not_priced] == []
    assert report.operations
