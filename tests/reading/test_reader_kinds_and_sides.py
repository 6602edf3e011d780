"""read_damage: the reading classes a third blind judge still found. A sensor of another kind
read as a parking sensor, a side said for a sensor or a grille lost, known misreadings
("light" and "lamp", "at the back and rear bumper", "renew", "to be reused", a bare
"screen" after a rear screen) and story words turned into parts.

Each class in wordings of our own (customer, adjuster, estimator; GB, US, AU and IE).
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


def priced(reading: Reading) -> dict[str, tuple[str | None, str | None]]:
    """Each priced part's category and (axle, side)."""
    return {
        p.category.name: (p.position.axle, p.position.side)
        for p in reading.parts
        if p.confidence >= PRICE_THRESHOLD
    }


def guessed(reading: Reading) -> set[str]:
    return {g.category_name for u in reading.unread for g in u.guesses} | {
        p.category.name for p in reading.parts
    }


def absent(reading: Reading) -> str:
    return " | ".join(u.note for u in reading.unread if u.reason == "not_in_catalog")


# -- (a) a sensor of another kind is its own part ------------------------------------------


@pytest.mark.parametrize(
    ("text", "market", "kind"),
    [
        (
            "Rain/light sensor behind the mirror cracked when the screen was hit",
            "GB",
            "Rain Sensor",
        ),
        ("the light sensor on top of the windshield is busted", "US", "Rain Sensor"),
        ("TPMS sensor snapped off the valve, N/S/F", "GB", "Tyre Pressure Sensor"),
        ("tire pressure monitor sensor broken on the RF wheel", "US", "Tire Pressure Sensor"),
        ("ABS sensor lead ripped out at the front left", "IE", "Wheel Speed Sensor"),
        ("Lane assist camera smashed, needs replacing", "AU", "Windscreen Camera"),
        ("crash sensor behind the front bar damaged", "AU", "Crash Sensor"),
        (
            "ambient temp sensor in the lower grille hanging by its wires",
            "GB",
            "Temperature Sensor",
        ),
        ("headlight leveling sensor arm bent", "GB", "Headlamp Levelling Sensor"),
        ("side radar passenger side rear corner cracked", "GB", "Blind Spot Radar"),
        ("ACC sensor mount cracked, radar sits loose", "GB", "Radar Bracket"),
    ],
)
def test_a_sensor_of_another_kind_is_never_a_parking_sensor(
    text: str, market: str, kind: str
) -> None:
    reading = read(text, market)
    assert not {"Front Parking Sensor", "Rear Parking Sensor"} & guessed(reading)
    assert f"no {kind} category" in absent(reading)


@pytest.mark.parametrize(
    ("text", "market", "side"),
    [
        ("BSM sensor LHR smashed", "GB", "left"),
        ("blind spot radar on the driver's side corner knocked out", "US", "left"),
        ("passenger side corner blind spot sensor cracked", "GB", "left"),
        ("Rear bumper cracked, blind spot sensor on the O/S corner broken", "IE", "right"),
    ],
)
def test_a_radar_the_catalog_lacks_keeps_the_side_said(text: str, market: str, side: str) -> None:
    assert f"(Blind Spot Radar, {side})" in absent(read(text, market))


@pytest.mark.parametrize(
    ("text", "axle"),
    [
        ("L/H rear sensor cracked", "rear"),
        ("front sensor pushed in", "front"),
        ("Front bar smashed, the sensor in it hanging out", "front"),
    ],
)
def test_a_sensor_said_by_its_head_word_alone_is_the_catalogs(text: str, axle: str) -> None:
    """Without "blind spot", "rain" or "tyre pressure", a sensor is the parking sensor."""
    parts = priced(read(text, "AU"))
    name = f"{axle.title()} Parking Sensor"
    assert parts[name][0] == axle


@pytest.mark.parametrize(
    "text",
    [
        "sensor bracket snapped",
        "Sensor brackets x2",
        "rear sensor and bracket both broken",
    ],
)
def test_a_sensor_bracket_is_the_sensor_bracket(text: str) -> None:
    assert "Parking Sensor Bracket" in priced(read(text))


# -- (b) the side said for a sensor or a grille -------------------------------------------


@pytest.mark.parametrize(
    ("text", "market", "part", "side"),
    [
        ("O/S front: bumper corner scuffed, fog lamp cracked, parking sensor pushed in", "GB",
         "Front Parking Sensor", "right"),
        ("Nearside: headlamp, fog lamp, PDC sensor - all damaged", "IE",
         "Front Parking Sensor", "left"),
        ("L/H rear sensor and bracket smashed", "AU", "Parking Sensor Bracket", "left"),
        ("RH front parking sensor and bracket broken", "US", "Parking Sensor Bracket", "right"),
        ("O/S grille insert broken", "GB", "Radiator Grille", "right"),
        ("grille cracked on the drivers side", "US", "Radiator Grille", "left"),
        ("LH side: fog lamp, grille and sensor smashed", "GB", "Radiator Grille", "left"),
    ],
)  # fmt: skip
def test_the_side_said_reaches_sensors_and_grilles(
    text: str, market: str, part: str, side: str
) -> None:
    assert priced(read(text, market))[part][1] == side


@pytest.mark.parametrize(
    "text",
    [
        "LF & RF fog lamps + grille",
        "front bumper, grille and N/S headlamp smashed",
        "grille L and R broken",
    ],
)
def test_a_grille_takes_no_side_it_is_not_given(text: str) -> None:
    reading = read(text)
    grilles = [p for p in reading.parts if p.category.name == "Radiator Grille"]
    assert [p.position.side for p in grilles] == [None]


# -- (c) known misreadings, in general ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Light cracked at the back and rear bumper scuffed", {"Tail Lamp", "Rear Bumper Cover"}),
        ("lamp broken at the back and the rear bumper dented", {"Tail Lamp", "Rear Bumper Cover"}),
        ("light smashed at the front and front bumper split", {"Headlamp", "Front Bumper Cover"}),
    ],
)
def test_a_part_after_a_place_and_and_is_its_own_part(text: str, parts: set[str]) -> None:
    """ "at the back and rear bumper" is a place, then a part: not "the back and rear"."""
    reading = read(text)
    assert {p.category.name for p in reading.parts} == parts
    bumper = next(p for p in reading.parts if "Bumper" in p.category.name)
    assert bumper.confidence >= 0.9


@pytest.mark.parametrize(
    "text",
    [
        "light knock to the front bumper, scuffed",
        "took a light knock on the tailgate",
        "light scuffing along the rear bar",
        "a light nick in the bonnet paint",
    ],
)
def test_light_before_a_damage_noun_is_no_lamp(text: str) -> None:
    reading = read(text, "AU" if "bar" in text else "GB")
    assert not {"Headlamp", "Tail Lamp", "Fog Lamp"} & guessed(reading)
    assert reading.parts


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("Rear bumper cover cracked, new cover needed", "Rear Bumper Cover"),
        ("front bumper torn - renew", "Front Bumper Cover"),
        ("N/S headlamp cracked - new one required", "Headlamp"),
        ("O/S mirror smashed. Needs a new one.", "Door Mirror"),
        ("Renew front bumper, grille cracked", "Front Bumper Cover"),
        ("RF headlight - R&R", "Headlamp"),
    ],
)
def test_renew_and_new_part_words_are_the_parts_replacement(text: str, part: str) -> None:
    reading = read(text, "US" if "RF" in text else "GB")
    assert part in priced(reading)  # the part's own, never a phrase left to confirm
    assert not [u for u in reading.unread if u.reason == "no_part"]


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("N/S tail lamp to be reused, rear bumper scuffed", "left"),
        ("Rear bar split, RH tail light to be retained", "right"),
        ("passenger taillight to be re-used, bumper cover scraped", "right"),
    ],
)
def test_a_lamp_to_be_reused_is_a_refit_with_its_side(text: str, side: str) -> None:
    reading = read(text, "US" if "taillight" in text else "AU")
    lamp = [u for u in reading.unread if any(g.category_name == "Tail Lamp" for g in u.guesses)]
    assert [(u.reason, u.action_hint) for u in lamp] == [("operation", "refit")]
    assert lamp[0].guesses[0].position.side == side
    assert "Tail Lamp" not in priced(reading)


@pytest.mark.parametrize(
    "text",
    [
        "Tailgate dented, rear glass smashed, sublet screen",
        "Rear window smashed. Sublet screen to the glass company.",
        "back glass shattered by a stone - screen to be sublet",
    ],
)
def test_a_bare_screen_after_a_rear_screen_is_that_screen(text: str) -> None:
    reading = read(text, "US" if "back glass" in text else "GB")
    assert "Windscreen" not in priced(reading)
    assert any("reads as the" in u.note for u in reading.unread)


def test_a_bare_screen_alone_is_still_the_windscreen() -> None:
    assert "Windscreen" in priced(read("sublet screen, bonnet dented"))


def test_a_side_door_window_is_door_glass_not_the_rear_screen() -> None:
    notes = absent(read("N/S rear door window smashed"))
    assert "Door Glass, rear left" in notes
    assert "Rear Screen" not in notes


# -- (d) story words are not parts; a damaged part is never dropped unsaid ----------------


@pytest.mark.parametrize(
    "text",
    [
        "Kids kicked a football at the car, wing mirror glass cracked",
        "Got rear-ended in stop-and-go traffic. Trunk lid creased",
        "Sat in a queue at rush hour when the van behind shunted me, rear bumper split",
    ],
)
def test_story_words_are_neither_parts_nor_listed(text: str) -> None:
    reading = read(text, "US" if "Trunk" in text else "GB")
    assert reading.parts
    assert not reading.unread
    assert "Interior" not in absent(reading)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("Wind blew the door open into a wall, door edge chipped and hinge bent", "Door Hinge"),
        ("O/S rear door dented and the hinge is bent", "Door Hinge"),
    ],
)
def test_a_head_word_after_another_part_is_that_parts(text: str, part: str) -> None:
    reading = read(text)
    assert "Bonnet Hinge" not in priced(reading)
    assert f"no {part} category" in absent(reading)


def test_a_bonnet_hinge_is_still_the_bonnets() -> None:
    assert "Bonnet Hinge" in priced(read("bonnet dented and hinge bent"))


@pytest.mark.parametrize("text", ["small dint in the bootlid", "trunklid has a ding"])
def test_every_damaged_part_named_is_read(text: str) -> None:
    assert "Tailgate" in priced(read(text, "AU" if "dint" in text else "US"))


@pytest.mark.parametrize(
    ("text", "market", "part"),
    [
        ("Windshield took a rock on the freeway, cracked right across", "US", "Windscreen"),
        ("The bonnet took a hit from a falling branch, dented in the middle", "GB", "Bonnet"),
        ("Tailgate copped a trolley, big dent above the plate", "AU", "Tailgate"),
    ],
)
def test_a_part_that_leads_its_story_is_never_dropped(text: str, market: str, part: str) -> None:
    """A part before a verb the lexicon does not know is no compound ("light pole")."""
    reading = read(text, market)
    assert part in {p.category.name for p in reading.parts} | {
        g.category_name for u in reading.unread for g in u.guesses
    }


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("A gust caught the driver's door and slammed it into a post: door dented on the edge",
         "right"),
        ("Someone opened their door into my passenger door at the shops. Door has a dent.",
         "left"),
    ],
)  # fmt: skip
def test_a_part_of_the_story_gives_its_side_to_the_same_part_damaged(text: str, side: str) -> None:
    doors = [p for p in read(text).parts if p.category.name == "Front Door Shell"]
    assert [(p.position.side, p.confidence >= PRICE_THRESHOLD) for p in doors] == [(side, True)]


@pytest.mark.parametrize(
    ("text", "part", "side"),
    [
        ("Grille O/S kidney - renew", "Radiator Grille", "right"),
        ("N/S grille mesh split", "Radiator Grille", "left"),
        ("O/S front PDC sensor and its holder broken", "Parking Sensor Bracket", "right"),
    ],
)
def test_a_side_before_a_piece_of_the_part_is_the_parts(text: str, part: str, side: str) -> None:
    assert priced(read(text))[part][1] == side


@pytest.mark.parametrize("text", ["boot lid needs renewing", "tailgate - renewal"])
def test_every_form_of_renew_is_a_replacement(text: str) -> None:
    reading = read(text)
    assert "Tailgate" in priced(reading)
    assert not reading.unread


def test_a_check_strap_is_the_doors_not_a_check_or_a_moulding_strip() -> None:
    reading = read("door dented on the leading edge, check strap bent")
    assert "no Door Hinge category" in absent(reading)
    assert "Windscreen Moulding" not in guessed(reading)
    assert not [u for u in reading.unread if u.reason == "operation"]
