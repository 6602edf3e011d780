"""read_damage and the build: the classes a fourth blind judge found. A side said once for
a group of parts, story and denials listed as parts to confirm, a part said to work priced
as damaged, and a VIN's body the catalog does not build for those years.

Each class in wordings of our own (customer, adjuster, estimator; GB and US).
"""

from __future__ import annotations

import pytest

from partsagent._models import Variant
from partsagent._pricing.estimate.builds import BuildPreference, choose_build
from partsagent._reading.build_cues import load_build_cues
from partsagent._reading.reader import PRICE_THRESHOLD, read_damage
from partsagent._reading.results import Reading
from partsagent._reading.taxonomy import CATEGORIES
from partsagent.catalog import Category

CATS = tuple(
    Category(id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name))
    for c in CATEGORIES
)


def read(text: str, market: str = "GB") -> Reading:
    return read_damage(text, CATS, market=market)


def sides(reading: Reading) -> dict[str, str | None]:
    return {p.category.name: p.position.side for p in reading.parts}


def priced(reading: Reading) -> set[str]:
    return {p.category.name for p in reading.parts if p.confidence >= PRICE_THRESHOLD}


# -- 1. one side for a group of parts ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "market", "side"),
    [
        ("Front door and wing both on the left dented", "GB", "left"),
        ("fender and headlight both on the right, crushed", "US", "right"),
        ("Rear door and tail lamp both on the offside - scraped", "GB", "right"),
    ],
)
def test_a_side_said_for_both_parts_is_each_parts_side(text: str, market: str, side: str) -> None:
    reading = read(text, market)
    assert len(reading.parts) >= 2
    assert all(p.position.side == side for p in reading.parts)


@pytest.mark.parametrize(
    ("text", "part", "side"),
    [
        ("Door mirror - RH, glass cracked", "Door Mirror", "right"),
        ("Headlamp smashed L/H", "Headlamp", "left"),
        ("left-hand tail light broken", "Tail Lamp", "left"),
        ("O/S front wing creased. Mirror on the same side hanging off", "Door Mirror", "right"),
        (
            "grazed the nearside of the front bumper. also a crack in the foglite on that side",
            "Fog Lamp",
            "left",
        ),
    ],
)
def test_a_side_at_the_end_or_in_the_next_sentence_is_kept(text: str, part: str, side: str) -> None:
    assert sides(read(text))[part] == side


# -- 2. story, denials and approvals are not parts to confirm --------------------------


@pytest.mark.parametrize(
    ("text", "story"),
    [
        ("No warning lights on the dash. Front bumper split", "No warning lights"),
        ("Car drove home fine, O/S front wing dented", "drove home fine"),
        ("Insurer approved the repair. Bonnet creased", "Insurer approved"),
        ("engine runs ok, grille snapped", "engine runs ok"),
        ("Item | Side | Operation\nTail lamp | RH | replace", "Side"),
        ("Nearside damage\nwing creased\nfront door dented", "Nearside damage"),
    ],
)
def test_a_denial_or_an_approval_is_not_listed_to_confirm(text: str, story: str) -> None:
    reading = read(text)
    assert reading.parts
    assert all(p.position.side is not None for p in reading.parts if "Side" in story)
    assert not [u for u in reading.unread if story.casefold() in u.phrase.casefold()]


# -- 3. a part said to work is not damaged ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "fine"),
    [
        ("Rear bumper scuffed, parking sensor still beeps", "Rear Parking Sensor"),
        ("rear bumper cover cracked; backup sensors working", "Rear Parking Sensor"),
        ("Rear bumper scraped. Blind spot radar works", "Blind Spot Radar"),
        ("Rear bumper dented, reversing camera working ok", "Rear Camera"),
    ],
)
def test_a_part_said_to_work_is_not_priced(text: str, fine: str) -> None:
    reading = read(text, "US" if "cover" in text else "GB")
    assert fine not in {p.category.name for p in reading.parts}
    assert any("bumper" in p.category.name.casefold() for p in reading.parts)


def test_a_sensor_not_working_is_still_damaged() -> None:
    """The double denial is damage: "not working" is a fault, never "fine"."""
    reading = read("Rear bumper smashed, parking sensor not working")
    assert "Rear Parking Sensor" in {p.category.name for p in reading.parts}


# -- 4. a VIN's body the catalog does not build ----------------------------------------


def _variant(vid: str, body: str) -> Variant:
    return Variant(
        id=vid, name=f"1.6 {body}", body=body, fuel="petrol", engine="1.6 l", power_kw=90,
        year_from=2015, year_to=2020,
    )  # fmt: skip


def test_a_vin_body_no_variant_has_is_warned() -> None:
    hatches = [_variant("1", "Hatchback"), _variant("2", "Hatchback")]
    choice = choose_build(
        hatches,
        BuildPreference(vin_bodies=("Saloon",)),
        load_build_cues(),
        [[frozenset({"1", "2"})]],
    )
    codes = [w.code for w in choice.warnings]
    assert "vin_body_mismatch" in codes
    (w,) = [w for w in choice.warnings if w.code == "vin_body_mismatch"]
    assert "Saloon" in w.message
    assert "Hatchback" in w.message


def test_a_vin_body_a_variant_has_is_not_warned() -> None:
    both = [_variant("1", "Hatchback"), _variant("2", "Saloon")]
    choice = choose_build(
        both, BuildPreference(vin_bodies=("Saloon",)), load_build_cues(), [[frozenset({"1", "2"})]]
    )
    assert "vin_body_mismatch" not in [w.code for w in choice.warnings]
    assert [v.id for v in choice.variants] == ["2"]


# -- a spaced slash joins two parts ------------------------------------------------------


def test_a_spaced_slash_between_parts_names_both() -> None:
    """ "Front bumper cover / grille": an estimator's line of two parts; one was lost."""
    reading = read("Front bumper cover / grille - severe", "US")
    assert {"Front Bumper Cover", "Radiator Grille"} <= priced(reading)


@pytest.mark.parametrize(
    "text",
    [
        "Rear bumper holed; park assist sensor hanging out",
        "reversed into a bollard. back bumper cracked. PDC sensor pushed in",
        "rear bumper scraped, ultrasonic sensor knocked out of its hole",
    ],
)
def test_a_sensor_word_without_an_axle_takes_the_impacts(text: str) -> None:
    """ "park assist sensor" names no end of the car: the rear impact's, never the front's."""
    sensors = [p for p in read(text).parts if "Parking Sensor" in p.category.name]
    assert [(p.category.name, p.position.axle) for p in sensors] == [
        ("Rear Parking Sensor", "rear")
    ]
