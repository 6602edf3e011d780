"""read_damage: lists under a denial, denials of a damage kind, comparisons, severity in
free text, damage that means a new part, sides carried along a sentence, and what is
offered to confirm (issue 21, points 4-9).

Each case is written in words the issue does not use, so a rule tuned to its examples
fails here.
"""

from __future__ import annotations

import pytest

from partsagent import Severity
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


def lines(reading: Reading) -> list[tuple[str, str | None, str | None, int]]:
    """(category id, axle, side, quantity) of every part priced, sorted."""
    return sorted(
        (p.category.id, p.position.axle, p.position.side, p.quantity)
        for p in reading.parts
        if p.confidence >= PRICE_THRESHOLD
    )


def severities(reading: Reading) -> dict[str, Severity]:
    return {p.category.id: p.severity for p in reading.parts if p.confidence >= PRICE_THRESHOLD}


# -- 4. a denial covers its whole list; a denied kind of damage is not a denied part --------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Grille cracked. No damage to the tailgate, mirrors or fog lamps",
            [("CAT011", "front", None, 1)],
            id="list-with-commas-and-or",
        ),
        pytest.param(
            "front wing scuffed; nothing wrong with the doors and the headlamps",
            [("CAT016", "front", None, 1)],
            id="list-with-and",
        ),
        pytest.param(
            "radiator grille split, no damage to the bonnet wings or windscreen",
            [("CAT011", "front", None, 1)],
            id="list-without-commas",
        ),
        pytest.param(
            "no problems with the tail lights or the sensors, rear bumper cover gouged",
            [("CAT004", "rear", None, 1)],
            id="plural-then-damage-after-the-list",
        ),
        pytest.param(
            "boot lid dented; lamps are fine",
            [("CAT027", "rear", None, 1)],
            id="plural-after-denial-prices-no-pair",
        ),
    ],
)
def test_a_denial_covers_its_list(text: str, expected: list[tuple[object, ...]]) -> None:
    """Every part of a denied list is left unpriced; the damaged part after it is kept."""
    r = read(text)
    assert [x[:2] for x in lines(r)] == [x[:2] for x in expected]
    assert not any(u.reason == "not_in_catalog" and "mirror" in u.phrase for u in r.unread)


@pytest.mark.parametrize(
    ("text", "expected", "severity"),
    [
        pytest.param(
            "clear coat flaking off the bonnet and the boot lid, no dents",
            ["CAT003", "CAT027"],
            Severity.MINOR,
            id="paint-damage-then-no-dents",
        ),
        pytest.param(
            "blistered lacquer across the tailgate, no scratches or cracks anywhere",
            ["CAT027"],
            Severity.MINOR,
            id="no-scratches-or-cracks",
        ),
        pytest.param(
            "rust bubbling along the N/S wing and front door, not dented",
            ["CAT016", "CAT023"],
            Severity.MINOR,
            id="rust-not-dented",
        ),
    ],
)
def test_a_denied_damage_kind_leaves_the_part_damaged(
    text: str, expected: list[str], severity: Severity
) -> None:
    """ "no dents" qualifies the damage: the panels are refinished, never "undamaged"."""
    r = read(text)
    assert sorted({x[0] for x in lines(r)}) == expected
    assert set(severities(r).values()) == {severity}
    assert not any(u.reason == "undamaged" for u in r.unread)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("tailgate not dented", id="alone"),
        pytest.param("rear bumper and tailgate not cracked", id="flows-back-over-and"),
        pytest.param("front wings: paint intact", id="paint-intact-alone"),
    ],
)
def test_a_denied_damage_kind_alone_denies_the_part(text: str) -> None:
    """With nothing else said of it, a part whose only damage is denied is fine."""
    assert lines(read(text)) == []


def test_paint_intact_on_other_parts_prices_nothing_there() -> None:
    """ "paint intact on the wings" after scratched doors says the wings are sound."""
    r = read("keyed down the O/S front and rear doors, paint intact on the wings")
    assert "CAT016" not in {x[0] for x in lines(r)}
    assert {x[0] for x in lines(r)} == {"CAT023", "CAT024"}


# -- 5. adjectives and comparisons name no part ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a light graze along the tailgate", ["CAT027"], id="light-adjective"),
        pytest.param("lightly scuffed boot lid", ["CAT027"], id="lightly"),
        pytest.param(
            "dent roughly the size of a side mirror in the O/S rear door",
            ["CAT024"],
            id="size-of-a-part-word",
        ),
        pytest.param(
            "N/S front door: a ding as wide as a number plate", ["CAT023"], id="as-wide-as"
        ),
        pytest.param(
            "crease in the bonnet bigger than a headlamp", ["CAT003"], id="bigger-than-a-part"
        ),
        pytest.param(
            "a dent the shape of a fist on the tailgate", ["CAT027"], id="object-then-locative"
        ),
    ],
)
def test_a_comparison_names_no_part(text: str, expected: list[str]) -> None:
    """What a dent is compared to is a measure: never priced, never lowers the real part."""
    r = read(text)
    assert [x[0] for x in lines(r)] == expected
    assert all(p.confidence >= 0.9 for p in r.parts)


# -- 6. severity said in free text ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        pytest.param("rear bumper cover severe", Severity.SEVERE, id="adjective-after"),
        pytest.param("tailgate (severe)", Severity.SEVERE, id="in-brackets"),
        pytest.param("bonnet - extensive", Severity.SEVERE, id="after-a-dash"),
        pytest.param("the O/S wing is seriously damaged", Severity.SEVERE, id="seriously"),
        pytest.param("grille heavily cracked", Severity.SEVERE, id="heavily-participle"),
        pytest.param("front bumper: minor", Severity.MINOR, id="minor-after-colon"),
        pytest.param("slight damage to the boot lid", Severity.MINOR, id="slight-damage"),
        pytest.param("the bonnet is superficially marked", Severity.MINOR, id="superficially"),
        pytest.param("N/S wing a touch scraped", Severity.MINOR, id="a-touch"),
        pytest.param("tailgate slightly crushed", Severity.MODERATE, id="softened-one-level"),
        pytest.param("a small dent in the bonnet", Severity.MODERATE, id="a-dent-stays-a-dent"),
    ],
)
def test_severity_words_in_free_text(text: str, severity: Severity) -> None:
    """Adjectives and adverbs of severity move the part's severity."""
    r = read(text)
    assert len(r.parts) == 1
    assert r.parts[0].severity is severity
    assert r.parts[0].severity_from == "words"


# -- 8. sides and axles carry along a sentence ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "N/S front wing creased, door mirror smashed off",
            [("CAT016", "front", "left", 1), ("CAT025", None, "left", 1)],
            id="side-carries-over-a-comma",
        ),
        pytest.param(
            "driver's front door dented and the rear door scraped",
            [("CAT023", "front", "right", 1), ("CAT024", "rear", "right", 1)],
            id="side-carries-to-a-part-with-its-own-axle",
        ),
        pytest.param(
            "O/S headlamp cracked but the mirror was fine; wing dented",
            [("CAT002", "front", "right", 1), ("CAT016", "front", None, 1)],
            id="not-over-a-clause-or-sentence",
        ),
        pytest.param(
            "N/S tail lamp smashed, fog lamps need replacing",
            [("CAT012", "front", "left", 1), ("CAT012", "front", "right", 1),
             ("CAT013", "rear", "left", 1)],
            id="never-to-a-plural",
        ),
    ],
)  # fmt: skip
def test_a_side_carries_along_the_sentence(text: str, expected: list[tuple[object, ...]]) -> None:
    assert lines(read(text)) == expected


def test_a_carried_side_is_a_little_less_sure() -> None:
    (wing, mirror) = sorted(read("O/S wing scuffed, mirror cracked").parts, key=lambda p: p.phrase)
    assert mirror.position.side == "right"
    assert mirror.confidence < wing.confidence


def test_a_shared_modifier_and_axle_cover_the_list() -> None:
    """ "offside rear arch liner and trim": both rear right; the catalog's front ones are not
    priced for them and not offered as guesses."""
    r = read("offside rear arch liner and trim both ripped")
    assert lines(r) == []
    assert [u.reason for u in r.unread] == ["not_in_catalog", "not_in_catalog"]
    r = read("offside front arch liner and trim both ripped")
    assert lines(r) == [("CAT017", "front", "right", 1), ("CAT032", "front", "right", 1)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("both bumpers scraped", ["CAT001", "CAT004"], id="both"),
        pytest.param("bumpers cracked in the pile-up", ["CAT001", "CAT004"], id="plural"),
        pytest.param("front bumper reinforcement x1", ["CAT005"], id="one-with-axle"),
    ],
)
def test_two_of_a_part_one_per_axle_is_front_and_rear(text: str, expected: list[str]) -> None:
    assert [x[0] for x in lines(read(text))] == expected


def test_two_sensors_are_a_quantity() -> None:
    assert lines(read("two rear parking sensors smashed")) == [("CAT030", "rear", None, 2)]


@pytest.mark.parametrize("text", ["three doors keyed", "six doors dented", "5 doors scratched"])
def test_more_or_fewer_doors_than_the_car_has_are_flagged(text: str) -> None:
    r = read(text)
    assert len(lines(r)) == 4
    assert all(p.confidence < 0.9 for p in r.parts)
    assert any(
        w.code == "count_differs" and "the vehicle has 4" in w.message
        for p in r.parts
        for w in p.warnings
    )


# -- 9. the story is not a list of parts to confirm ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Got sideswiped by a bus on the ring road, N/S rear door dented",
        "a van backed into me outside the chemist. tailgate dented",
        "T-boned at a crossroads; O/S front door caved in",
        "skidded on black ice into a fence, front bumper cover cracked",
    ],
)
def test_the_story_is_not_offered_to_confirm(text: str) -> None:
    r = read(text)
    assert len(lines(r)) == 1
    assert r.unread == ()


@pytest.mark.parametrize(
    ("text", "listed"),
    [
        ("the splitter under the front is hanging down", "the splitter under the front"),
        ("spoiler lip ripped off", "spoiler"),
    ],
)
def test_words_that_may_name_a_part_are_offered(text: str, listed: str) -> None:
    """Damage said of something the catalog cannot place is still asked about."""
    assert any(listed in u.phrase for u in read(text).unread)


def test_a_phrase_is_listed_once() -> None:
    r = read("bonnet creased. No problems with the fog lamps, tyres or the sills")
    phrases = [u.phrase for u in r.unread]
    assert len(phrases) == len(set(phrases))
    assert not any(u.reason == "not_in_catalog" for u in r.unread)  # denied, not absent


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ("both headlamps are OK, a lamp cracked", "CAT002"),
        ("rear lamps both fine; the light at the back is cracked", "CAT013"),
    ],
)
def test_no_guess_the_text_rules_out(text: str, denied: str) -> None:
    """A part the words say is fine is neither priced from a guess nor offered as one."""
    r = read(text)
    assert denied not in {x[0] for x in lines(r)}
    offered = {g.category_id for u in r.unread for g in u.guesses}
    offered |= {g.category_id for p in r.parts for g in p.guesses}
    assert denied not in offered
    assert any(u.reason == "low_confidence" for u in r.unread)


def test_a_generic_word_after_a_part_is_the_parts() -> None:
    """ "mirror housing ... on the offside": the side after the damage still reaches it.
    (Only scratched, a housing is the mirror's cover: tests/pricing/test_scope_of_work.py.)"""
    assert lines(read("mirror housing cracked on the offside")) == [("CAT025", None, "right", 1)]


@pytest.mark.parametrize(
    "text",
    ["Backed into a light pole at the gas station", "swerved and clipped a door stopper"],
)
def test_a_part_word_in_a_compound_of_the_story_is_no_part(text: str) -> None:
    r = read(f"{text}. Rear bumper cover torn")
    assert lines(r) == [("CAT004", "rear", None, 1)]
    assert r.unread == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("offside rear parking sensor knocked in", ("CAT030", "rear", "right", 1)),
        ("front PDC sensor N/S cracked", ("CAT029", "front", "left", 1)),
    ],
)
def test_a_sensor_keeps_the_side_and_axle_said(text: str, expected: tuple[object, ...]) -> None:
    assert lines(read(text)) == [expected]
