"""read_damage: misreadings left open by the blind rounds of issue 21. A side letter after
the part, dotted work abbreviations at a sentence's end, a denial in the next clause, a
damage word "-free", and the US names of the number plate lamp.

Each class in wordings of our own (customer, adjuster, estimator; GB, US, AU, IE).
"""

from __future__ import annotations

import pytest

from partsagent._reading.reader import PRICE_THRESHOLD, read_damage, vehicle_words
from partsagent._reading.results import Reading
from partsagent._reading.taxonomy import CATEGORIES
from partsagent.catalog import Category

CATS = tuple(
    Category(id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name))
    for c in CATEGORIES
)


def read(text: str, market: str = "GB") -> Reading:
    return read_damage(text, CATS, market=market)


def priced(reading: Reading) -> dict[str, str | None]:
    return {
        p.category.name: p.position.side for p in reading.parts if p.confidence >= PRICE_THRESHOLD
    }


# -- 1. a side letter right after the part ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "market", "part", "side"),
    [
        ("fender L dented", "US", "Wing", "left"),
        ("Door mirror R - glass smashed", "GB", "Door Mirror", "right"),
        ("guard R scratched, bar scuffed", "AU", "Wing", "right"),
        ("headlamp L renew", "IE", "Headlamp", "left"),
        ("tail light R, cracked", "US", "Tail Lamp", "right"),
    ],
)
def test_a_side_letter_after_the_part_is_its_side(
    text: str, market: str, part: str, side: str
) -> None:
    assert priced(read(text, market))[part] == side


def test_a_side_letter_that_is_also_a_model_word_is_a_side_after_the_part() -> None:
    # On a range with a "Type R", "r" is a word of the vehicle; after a part it is a side.
    words = vehicle_words(["HONDA", "CIVIC", "Type R 2.0"])
    reading = read_damage(
        "Taillight R busted, bumper cover scuffed", CATS, market="US", vehicle=words
    )
    assert priced(reading)["Tail Lamp"] == "right"


def test_a_lone_letter_elsewhere_names_no_side() -> None:
    # "l" in the story, not after a part and before what is said of it
    reading = read("took the tight l bend and clipped the kerb, front wing dented", "GB")
    assert priced(reading) == {"Wing": None}


# -- 2. dotted work abbreviations ------------------------------------------------------


def test_a_capitalised_word_after_a_dotted_abbreviation_starts_a_sentence() -> None:
    reading = read("LF fender rpr. Hood R&I. Headlamp LH rpl.", "US")
    assert priced(reading) == {"Wing": "left", "Headlamp": "left"}
    assert [u.reason for u in reading.unread] == ["operation"]  # the hood: refit, no damage


def test_a_refinish_abbreviation_after_a_part_prices_it_and_lists_nothing() -> None:
    reading = read("Front bar rplc + refn. Grille cracked", "AU")
    assert set(priced(reading)) == {"Front Bumper Cover", "Radiator Grille"}
    assert not reading.unread


@pytest.mark.parametrize(
    "text",
    ["N/S wing req. Replacement", "Tailgate holed. Req. Replacement.", "O/S door req. repl."],
)
def test_a_request_for_a_new_part_stays_with_its_part(text: str) -> None:
    reading = read(text, "GB")
    assert len(priced(reading)) == 1
    assert not reading.unread


def test_capitals_throughout_keep_the_dotted_words_in_their_sentence() -> None:
    reading = read("REAR BUMPER RPL. REFIN. TAILGATE RPR.", "GB")
    assert set(priced(reading)) == {"Rear Bumper Cover", "Tailgate"}


# -- 3. a denial in the next clause ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "market", "damaged", "fine"),
    [
        (
            "Rear bumper only wants a respray, boot lid is fine",
            "GB",
            "Rear Bumper Cover",
            "Tailgate",
        ),
        ("license tag light out, taillight ok", "US", "Number Plate Lamp", "Tail Lamp"),
        ("front bar needs a paint, no damage to the bonnet", "AU", "Front Bumper Cover", "Bonnet"),
    ],
)
def test_a_denial_in_the_next_clause_keeps_the_part_before(
    text: str, market: str, damaged: str, fine: str
) -> None:
    found = priced(read(text, market))
    assert damaged in found
    assert fine not in found


@pytest.mark.parametrize("text", ["bonnet, wings fine", "bonnet and wings all ok"])
def test_a_denial_still_covers_a_bare_list_before_it(text: str) -> None:
    assert priced(read(text, "GB")) == {}


# -- 4. "-free" denies the damage word --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "market", "damaged", "fine"),
    [
        ("Bonnet is crease-free, O/S wing scratched", "GB", "Wing", "Bonnet"),
        ("trunk lid dent free, rear bumper scuffed", "US", "Rear Bumper Cover", "Tailgate"),
        ("guard looks rust free but the front bar is cracked", "AU", "Front Bumper Cover", "Wing"),
        ("tailgate free of dents, rear bumper split", "IE", "Rear Bumper Cover", "Tailgate"),
    ],
)
def test_free_of_a_damage_word_denies_it(text: str, market: str, damaged: str, fine: str) -> None:
    found = priced(read(text, market))
    assert damaged in found
    assert fine not in found


def test_free_of_one_kind_keeps_the_damage_said_of_it() -> None:
    found = read("hood is free from scratches but has a dent", "US")
    assert [p.category.name for p in found.parts] == ["Bonnet"]


# -- 5. US names of the number plate lamp ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["tag light smashed", "busted the plate lamp backing out", "license tag lamp cracked"],
)
def test_us_names_of_the_plate_lamp_are_never_a_tail_or_head_lamp(text: str) -> None:
    assert set(priced(read(text, "US"))) == {"Number Plate Lamp"}
