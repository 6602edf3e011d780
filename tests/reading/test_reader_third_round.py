"""read_damage: the reading classes a third blind judge found (issue 21): work-only and
undamaged parts in an estimator's shorthand, pillars said as posts and posts hit, a chipped
"screen", "glass and all", blind-spot radars, and symptoms that are not parts.

Each class in several wordings of our own (customer, adjuster, estimator; GB and US).
"""

from __future__ import annotations

import pytest

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


def priced(reading: Reading) -> set[str]:
    return {p.category.name for p in reading.parts if p.confidence >= PRICE_THRESHOLD}


def guessed(reading: Reading) -> set[str]:
    return {g.category_name for u in reading.unread for g in u.guesses}


# -- work only: refit, check, undamaged --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "part", "action"),
    [
        pytest.param(
            "R&I (not bought): grille. Bonnet dented",
            "Radiator Grille",
            "refit",
            id="not-bought-heading",
        ),  # fmt: skip
        pytest.param(
            "Labour only: N/S fog lamp. Front bumper split",
            "Fog Lamp",
            "refit",
            id="labour-only-heading",
        ),  # fmt: skip
        pytest.param("Grille - R&I. Bumper cracked", "Radiator Grille", "refit", id="dash-refit"),
        pytest.param(
            "Condenser: pressure test. Front bumper smashed",
            "AC Condenser",
            "check",
            id="pressure-test",
        ),  # fmt: skip
        pytest.param(
            "rear bumper scuffed. PDC sensors - check operation",
            "Rear Parking Sensor",
            "check",
            id="check-operation",
        ),  # fmt: skip
        pytest.param(
            "intercooler leak tested, front bumper cracked",
            "Intercooler",
            "check",
            id="leak-tested",
        ),  # fmt: skip
    ],
)
def test_work_said_in_shorthand_is_work_not_damage(text: str, part: str, action: str) -> None:
    """The part is never priced as damaged; it comes back as the operation asked."""
    r = read(text)
    assert part not in priced(r)
    ops = [u for u in r.unread if u.reason == "operation"]
    assert [(u.guesses[0].category_name, u.action_hint) for u in ops] == [(part, action)]


def test_damage_said_after_work_wins() -> None:
    """'R&I grille, cracked': the grille is cracked (bought or repaired), not only refitted."""
    r = read("R&I grille, cracked")
    assert priced(r) == {"Radiator Grille"}
    assert not [u for u in r.unread if u.reason == "operation"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("N/S headlamp no dmg, front bumper torn", id="no-dmg-after"),
        pytest.param("front bumper torn; no dmg to the N/S headlamp", id="no-dmg-to"),
        pytest.param("Headlamp LH: nil damage. F/bumper torn", id="nil-damage-heading"),
    ],
)
def test_no_dmg_is_undamaged(text: str) -> None:
    r = read(text)
    assert priced(r) == {"Front Bumper Cover"}
    assert [u.reason for u in r.unread] == ["undamaged"]


# -- pillars said as posts; posts, poles and pillars hit ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("O/S B post creased", id="b-post"),
        pytest.param("A post pushed in on the N/S", id="capital-a-post"),
        pytest.param("nearside a-post buckled", id="hyphen-a-post"),
        pytest.param("C/post dented above the rear door", id="slash-c-post"),
    ],
)
def test_a_lettered_post_is_a_structural_pillar(text: str) -> None:
    r = read(text)
    assert not priced(r)
    pillars = [u for u in r.unread if u.reason == "not_in_catalog"]
    assert pillars
    assert all(u.structural for u in pillars)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("hit a post reversing, rear bumper cracked", id="hit-a-post"),
        pytest.param(
            "reversed into a pillar in the multi storey, rear bumper cracked", id="into-a-pillar"
        ),  # fmt: skip
        pytest.param("HIT A POST IN THE CAR PARK. REAR BUMPER CRACKED", id="capitals"),
        pytest.param("backed into a lamp post and cracked the rear bumper", id="lamp-post"),
        pytest.param("clipped a concrete pillar, rear bumper cracked", id="concrete-pillar"),
    ],
)
def test_a_post_or_pillar_hit_is_story_not_structure(text: str) -> None:
    r = read(text)
    assert priced(r) == {"Rear Bumper Cover"}
    assert not any(u.structural for u in r.unread)
    assert not [u for u in r.unread if u.reason == "not_in_catalog"]


# -- a chipped screen, glass and all, blind-spot radars, symptoms -------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("chipped screen", id="chipped-screen"),
        pytest.param("stone chip in the screen on the motorway", id="chip-in-the-screen"),
        pytest.param("screen cracked right across", id="screen-cracked"),
    ],
)
def test_screen_alone_is_the_windscreen(text: str) -> None:
    assert priced(read(text)) == {"Windscreen"}


def test_a_rear_screen_stays_the_rear_screen() -> None:
    r = read("rear screen smashed")
    assert "Windscreen" not in priced(r)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("O/S mirror glass and all hanging off", id="glass-and-all"),
        pytest.param("wing mirror, glass and all, smashed on the offside", id="commas"),
    ],
)
def test_glass_and_all_is_the_whole_mirror(text: str) -> None:
    r = read(text)
    assert priced(r) == {"Door Mirror"}
    assert [p.position.side for p in r.parts] == ["right"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("side assist sensor knocked out, rear bumper scuffed", id="side-assist"),
        pytest.param("rear bumper scuffed and the BSM N/S rear is broken", id="bsm"),
        pytest.param("lane change assist sensor cracked, rear bumper scuffed", id="lane-change"),
    ],
)
def test_a_blind_spot_radar_is_never_a_parking_sensor(text: str) -> None:
    r = read(text)
    assert priced(r) == {"Rear Bumper Cover"}
    assert "Rear Parking Sensor" not in guessed(r)
    assert any(u.reason == "not_in_catalog" for u in r.unread)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("steering wheel off centre since, O/S front wing scuffed", id="gb"),
        pytest.param(
            "after the curb hit the steering wheel is off center. RF fender scraped", id="us"
        ),  # fmt: skip
    ],
)
def test_an_off_centre_steering_wheel_is_a_symptom_not_a_part(text: str) -> None:
    r = read(text, "US" if "fender" in text else "GB")
    assert priced(r) == {"Wing"}
    assert not [u for u in r.unread if u.reason == "not_in_catalog"]


# -- a side said once covers its list -------------------------------------------------------


def sides(reading: Reading) -> set[tuple[str, str | None, str | None]]:
    return {
        (p.category.name, p.position.axle, p.position.side)
        for p in reading.parts
        if p.confidence >= PRICE_THRESHOLD
    }


@pytest.mark.parametrize(
    ("text", "market", "expected"),
    [
        pytest.param(
            "O/S front wing, door and mirror scraped",
            "GB",
            {
                ("Wing", "front", "right"),
                ("Front Door Shell", "front", "right"),
                ("Door Mirror", None, "right"),
            },
            id="os-list",
        ),  # fmt: skip
        pytest.param(
            "LH: headlamp cracked, wing dented, mirror smashed",
            "GB",
            {
                ("Headlamp", "front", "left"),
                ("Wing", "front", "left"),
                ("Door Mirror", None, "left"),
            },
            id="lh-heading",
        ),  # fmt: skip
        pytest.param(
            "RHF wing creased and mirror hanging off",
            "GB",
            {("Wing", "front", "right"), ("Door Mirror", None, "right")},
            id="rhf-corner",
        ),  # fmt: skip
        pytest.param(
            "N/S front wing and both doors keyed",
            "GB",
            {
                ("Wing", "front", "left"),
                ("Front Door Shell", "front", "left"),
                ("Rear Door Shell", "rear", "left"),
            },
            id="both-doors-of-that-side",
        ),  # fmt: skip
        pytest.param(
            "passenger fender and both doors scraped up",
            "US",
            {
                ("Wing", "front", "right"),
                ("Front Door Shell", "front", "right"),
                ("Rear Door Shell", "rear", "right"),
            },
            id="us-passenger",
        ),  # fmt: skip
    ],
)
def test_a_side_said_once_covers_its_list(
    text: str, market: str, expected: set[tuple[str, str | None, str | None]]
) -> None:
    assert sides(read(text, market)) == expected


# -- what hit the car is story, never a part to confirm --------------------------------


@pytest.mark.parametrize(
    ("text", "part"),
    [
        pytest.param(
            "dented by a shopping trolley, N/S rear door",
            "Rear Door Shell",
            id="damage-by-then-part",
        ),  # fmt: skip
        pytest.param(
            "hit a deer on the back road, front bumper broken", "Front Bumper Cover", id="animal"
        ),  # fmt: skip
        pytest.param(
            "backed into a gate post, rear bumper cracked", "Rear Bumper Cover", id="gate-post"
        ),  # fmt: skip
        pytest.param(
            "scraped by a supermarket trolley and the O/S front door",
            "Front Door Shell",
            id="scraped-by-and",
        ),  # fmt: skip
    ],
)
def test_what_hit_the_car_is_story(text: str, part: str) -> None:
    r = read(text)
    assert priced(r) == {part}
    assert not r.unread
    assert not guessed(r)


def test_damage_with_no_part_at_all_is_still_listed() -> None:
    """'dented by a trolley' and nothing else: the damage is said, the part is not: listed."""
    r = read("dented by a trolley")
    assert not priced(r)
    assert [u.reason for u in r.unread] == ["no_part"]


# -- sub-components and trims are not the assembly or the structure -----------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("O/S mirror cap scratched", id="cap"),
        pytest.param("N/S wing mirror casing cracked", id="casing"),
        pytest.param("mirror skull cap scuffed on the driver's side", id="skull-cap"),
    ],
)
def test_a_mirror_cap_is_not_the_mirror(text: str) -> None:
    r = read(text)
    assert "Door Mirror" not in priced(r)
    assert [u.reason for u in r.unread] == ["not_in_catalog"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("N/S side skirt cracked", id="side-skirt"),
        pytest.param("sill trim hanging off on the O/S", id="sill-trim"),
    ],
)
def test_a_trim_named_after_structure_is_not_structural(text: str) -> None:
    r = read(text)
    assert [u.reason for u in r.unread] == ["not_in_catalog"]
    assert not any(u.structural for u in r.unread)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("front bar cracked through", {"Front Bumper Cover"}, id="front-bar"),
        pytest.param("rear bar scuffed", {"Rear Bumper Cover"}, id="rear-bar"),
        pytest.param(
            "rear bar scuffed and the reo bent",
            {"Rear Bumper Cover", "Rear Bumper Reinforcement"},
            id="reo",
        ),  # fmt: skip
    ],
)
def test_an_australian_bar_is_the_bumper_cover(text: str, expected: set[str]) -> None:
    assert priced(read(text, "AU")) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("calibrate front radar after the bumper refit. Front bumper R&I", id="radar"),
        pytest.param("front camera calibration after the new screen. Screen cracked", id="camera"),
        pytest.param("front bumper cracked, front PDC sensors need calibrating", id="sensors"),
    ],
)
def test_a_calibration_is_work_not_a_damaged_part(text: str) -> None:
    """A calibration asked is an operation (a check), never a damaged part to price."""
    r = read(text)
    calibrations = [u for u in r.unread if "calibr" in u.phrase.lower()]
    assert [(u.reason, u.action_hint) for u in calibrations] == [("operation", "check")]
    assert not [u for u in r.unread if u.reason == "not_in_catalog"]


@pytest.mark.parametrize(
    "text",
    [
        "O/S wing crumpled and the bumper's ripped off its brackets",
        "wing pushed in, bumper’s hanging off",
        "the bumper's cover is torn and the wing dented",
    ],
)
def test_an_apostrophe_s_is_not_a_plural(text: str) -> None:
    """ "the bumper's ripped" is one bumper (is, or a possessive), never both bumpers."""
    reading = read(text)
    bumpers = [p for p in reading.parts if "Bumper Cover" in p.category.name]
    assert [(p.category.name, p.quantity) for p in bumpers] == [("Front Bumper Cover", 1)]
