"""What an estimate buys, and what it asks to confirm: the scope classes of the last blind round.

Parts to transfer, reuse or refit are work with labour, never parts (also the second part
of a list, and a part moved to a new panel); secondary parts the words give no grounds
for are at most "possible, confirm at teardown"; the "not priced, please confirm" list
holds only phrases that may name a damaged part; a mirror's outer piece only scuffed is
never a new mirror. Each class in several hands (customer, adjuster, estimator; GB, US, AU).
"""

from __future__ import annotations

import pytest

from _estimate import ASTRA_2018
from partsagent import PartsAgent, PartsReport

GOLF = {"make": "Volkswagen", "model": "Golf", "year": 2016}
FOCUS = {"make": "Ford", "model": "Focus", "year": 2020}
COROLLA = {"make": "Toyota", "model": "Corolla", "year": 2019}


def bought(report: PartsReport) -> set[str]:
    return {ln.category.name for ln in report.lines}


def refitted(report: PartsReport) -> set[tuple[str, str | None]]:
    return {
        (op.category.name, op.position.side)
        for op in report.operations
        if op.operation == "remove_refit" and op.line is None
    }


def to_confirm(report: PartsReport) -> list[str]:
    return [u.phrase for u in report.not_priced]


# -- 1. transfer, reuse, refit: work, not parts ---------------------------------------------


@pytest.mark.parametrize(
    ("vehicle", "words", "market", "moved"),
    [
        pytest.param(
            GOLF,
            "Tailgate to be renewed; transfer the reg plate light and the badge to it",
            "GB",
            {("Number Plate Lamp", None), ("Emblem", None)},
            id="gb-transfer-list",
        ),  # fmt: skip
        pytest.param(
            GOLF,
            "New tailgate needed. Number plate lamp and VW badge to be swapped over.",
            "GB",
            {("Number Plate Lamp", None), ("Emblem", None)},
            id="gb-swapped-over-after-list",
        ),  # fmt: skip
        pytest.param(
            COROLLA,
            "Boot lid replace, move badges across to the new lid",
            "AU",
            {("Emblem", None)},
            id="au-move-across",
        ),  # fmt: skip
        pytest.param(
            FOCUS,
            "Trunk lid - replace. License plate lamp: reuse. Emblem: R&I.",
            "US",
            {("Number Plate Lamp", None), ("Emblem", None)},
            id="us-itemised-reuse",
        ),  # fmt: skip
        pytest.param(
            FOCUS,
            "Hood replace, carry over the emblem from the old hood",
            "US",
            {("Emblem", None)},
            id="us-from-old-panel",
        ),  # fmt: skip
        pytest.param(
            ASTRA_2018,
            "rear bumper scraped, the o/s tail light is fine and to be reused",
            "GB",
            {("Tail Lamp", "right")},
            id="gb-customer-reused",
        ),  # fmt: skip
    ],
)
async def test_a_part_to_transfer_or_reuse_is_refitted_never_bought(
    sample_agent: PartsAgent,
    vehicle: dict[str, object],
    words: str,
    market: str,
    moved: set[tuple[str, str | None]],
) -> None:
    report = await sample_agent.process_damage_report(vehicle, words, market=market)
    assert moved <= refitted(report)
    assert not {name for name, _ in moved} & bought(report)
    assert not {name for name, _ in moved} & {d.category.name for d in report.damaged}
    assert not [u for u in report.not_priced if u.action_hint == "refit"]


async def test_a_pair_to_refit_is_both_of_them(sample_agent: PartsAgent) -> None:
    """ "Fog lamps: reuse", "headlamps R&I for access, not damaged": both sides refitted."""
    report = await sample_agent.process_damage_report(
        FOCUS,
        "Front bumper cover - replace. Fog lamps: reuse. Headlights x2 R&I for access, no damage",
        market="US",
    )
    assert {
        ("Fog Lamp", "left"),
        ("Fog Lamp", "right"),
        ("Headlamp", "left"),
        ("Headlamp", "right"),
    } <= refitted(report)
    assert not {"Fog Lamp", "Headlamp"} & bought(report)
    assert to_confirm(report) == []


async def test_a_transfer_the_catalog_has_no_time_for_is_a_warning_not_a_damaged_part(
    sample_agent: PartsAgent,
) -> None:
    """ "wiper motor to be swapped over": not a damaged part to confirm, labour to add."""
    report = await sample_agent.process_damage_report(
        GOLF, "Replace tailgate, rear wiper motor to be swapped over"
    )
    assert to_confirm(report) == []
    assert not report.has_warning("not_priced")
    lacking = [w for w in report.coded_warnings if w.code == "no_labour_time"]
    assert len(lacking) == 1
    assert "wiper motor" in lacking[0].message


# -- 2. secondary parts only on evidence ----------------------------------------------------


@pytest.mark.parametrize(
    ("vehicle", "words", "market"),
    [
        pytest.param(ASTRA_2018, "Front bumper cover split, renew the cover only", "GB", id="gb"),
        pytest.param(
            FOCUS,
            "Line 1 Front bumper cover  replace\nLine 2 Front bumper cover  refinish",
            "US",
            id="us-itemised",
        ),  # fmt: skip
        pytest.param(
            COROLLA, "Rear bar torn at the corner, needs a new one", "AU", id="au-rear-bar"
        ),  # fmt: skip
        pytest.param(GOLF, "Tailgate replace, number plate lamp R&I", "GB", id="gb-tailgate"),
    ],
)
async def test_a_cover_alone_buys_no_clips_brackets_or_badges(
    sample_agent: PartsAgent, vehicle: dict[str, object], words: str, market: str
) -> None:
    """Only the cover (or panel) named: its secondary parts are possible, not bought."""
    report = await sample_agent.process_damage_report(vehicle, words, market=market)
    secondary = {ln.category.name for ln in report.lines if ln.reason == "secondary"}
    assert secondary == set()
    assert report.has_warning("confirm_at_teardown")


async def test_a_heavy_impact_still_brings_the_parts_behind_the_cover(
    sample_agent: PartsAgent,
) -> None:
    """ "Bumper smashed in, radiator pushed back": the words give grounds; they are bought."""
    report = await sample_agent.process_damage_report(
        GOLF, "Front bumper smashed in, radiator pushed back"
    )
    secondary = {ln.category.name for ln in report.lines if ln.reason == "secondary"}
    assert {"Front Bumper Reinforcement", "Front Energy Absorber", "Bumper Clips"} <= secondary


# -- 3. only what may be damaged is listed to confirm ---------------------------------------


@pytest.mark.parametrize(
    ("words", "market"),
    [
        pytest.param(
            "Backed into a post. Rear bumper dented, tail lights work fine", "US", id="us"
        ),  # fmt: skip
        pytest.param(
            "N/S front wing creased, glass ok, mirror still folds and the indicator works",
            "GB",
            id="gb-adjuster",
        ),  # fmt: skip
        pytest.param(
            "rear bar scratched. camera's fine, sensors all beep", "AU", id="au-customer"
        ),  # fmt: skip
        pytest.param("Rear bumper cover cracked, needs a new cover", "GB", id="new-cover"),
    ],
)
async def test_parts_said_to_be_fine_are_not_listed_to_confirm(
    sample_agent: PartsAgent, words: str, market: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, words, market=market)
    assert to_confirm(report) == []
    assert report.damaged


# -- 4. an assembly's outer piece -----------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "market"),
    [
        pytest.param("N/S door mirror housing scuffed", "GB", id="gb-housing"),
        pytest.param("light scratches on the cover of the driver's mirror", "US", id="us-cover"),
        pytest.param("passenger side mirror shell scraped", "AU", id="au-shell"),
    ],
)
async def test_a_scuffed_mirror_cover_is_never_a_new_mirror(
    sample_agent: PartsAgent, words: str, market: str
) -> None:
    """Only the cover is worked on: refinished in place (a labour-only piece), never bought."""
    report = await sample_agent.process_damage_report(ASTRA_2018, words, market=market)
    assert "Door Mirror" not in bought(report)
    assert [(op.operation, op.category.name) for op in report.operations] == [
        ("refinish", "Mirror Cover")
    ]
    assert report.operations[0].position.side is not None


async def test_a_cracked_mirror_housing_is_still_the_mirror(sample_agent: PartsAgent) -> None:
    """Cracked or worse, the estimators replace the mirror (the labelled sets' convention)."""
    report = await sample_agent.process_damage_report(ASTRA_2018, "O/S mirror housing cracked")
    assert "Door Mirror" in bought(report)


async def test_mirror_glass_alone_is_the_glass(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "Driver's mirror glass cracked, rest of the mirror fine"
    )
    assert bought(report) == {"Mirror Glass"}
    assert to_confirm(report) == []


async def test_old_damage_said_with_from_stays_old_damage(sample_agent: PartsAgent) -> None:
    """ "from the old hood" is a panel in a transfer; "from the old damage" is old damage."""
    report = await sample_agent.process_damage_report(
        FOCUS,
        "Hit a deer. Hood dented, from the old damage the LF fender has a scratch.",
        market="US",
    )
    assert ("Wing", "left") not in refitted(report)
    assert [u.reason for u in report.not_priced] == ["pre_existing"]
