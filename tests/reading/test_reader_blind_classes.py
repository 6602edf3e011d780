"""read_damage: the classes of reading failure a blind estimator found (issue 21, second
round): sides said clearly, structural and underbody parts, misleading guesses, phantom
parts (old damage, work only, one part said twice), and doubt always said.

Each class is tested in several wordings (customer, adjuster, estimator; GB and US).
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


def priced(reading: Reading) -> list[tuple[str, str | None, str | None, int]]:
    """(category id, axle, side, quantity) of every part priced, sorted."""
    return sorted(
        (p.category.id, p.position.axle, p.position.side, p.quantity)
        for p in reading.parts
        if p.confidence >= PRICE_THRESHOLD
    )


# -- 1. sides and axles said clearly ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "market", "expected"),
    [
        pytest.param(
            "mirror on the drivers side hanging off",
            "GB",
            ("CAT025", None, "right", 1),
            id="gb-driver-mirror",
        ),
        pytest.param(
            "passenger's side wing creased",
            "GB",
            ("CAT016", "front", "left", 1),
            id="gb-passenger-wing",
        ),
        pytest.param(
            "drivers side mirror smashed", "US", ("CAT025", None, "left", 1), id="us-driver-mirror"
        ),
        pytest.param("RF door pushed in", "US", ("CAT023", "front", "right", 1), id="rf-door"),
        pytest.param(
            "LHR door scraped along its length", "GB", ("CAT024", "rear", "left", 1), id="lhr-door"
        ),
        pytest.param(
            "R.F. fender dented", "US", ("CAT016", "front", "right", 1), id="dotted-corner"
        ),
    ],
)
def test_sides_and_corners_said_clearly(
    text: str, market: str, expected: tuple[object, ...]
) -> None:
    """A side word or corner abbreviation gives the side (and axle) in the report's market."""
    assert priced(read(text, market)) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Hit from behind. Bumper split and a parking sensor is broken", id="story-from-behind"
        ),
        pytest.param(
            "Rear bumper cracked. Headlamp fine. Parking sensor smashed", id="denied-front-part"
        ),
        pytest.param(
            "front bumper scuffed, rear bumper cracked and parking sensor broken",
            id="axle-of-the-part-before",
        ),
    ],
)
def test_a_sensor_is_read_at_the_axle_the_sentence_is_about(text: str) -> None:
    """A parking sensor with no axle word is at the rear when the words around it say so."""
    r = read(text)
    assert any(p[0] == "CAT030" for p in priced(r))
    assert not any(p[0] == "CAT029" for p in priced(r))


@pytest.mark.parametrize(
    ("text", "market", "side"),
    [
        pytest.param(
            "Rear bumper cover cracked, 2 PDC sensors on the driver side broken",
            "US",
            "left",
            id="us-driver-side-sensors",
        ),
        pytest.param(
            "two sensors on the nearside of the back bumper are smashed",
            "GB",
            "left",
            id="gb-nearside-sensors",
        ),
        pytest.param(
            "both sensors on the drivers side rear are broken",
            "GB",
            "right",
            id="gb-driver-side-sensors",
        ),
    ],
)
def test_two_sensors_on_one_side_keep_the_side_and_count(text: str, market: str, side: str) -> None:
    """Sensors said on the driver's side are rear ones when the rear is named, with the side."""
    sensors = [p for p in priced(read(text, market)) if p[0] in ("CAT029", "CAT030")]
    assert sensors == [("CAT030", "rear", side, 2)]


# -- 2. structural and underbody parts never vanish -----------------------------------------


@pytest.mark.parametrize(
    ("text", "structural"),
    [
        pytest.param("B-pillar pushed in on the nearside", True, id="b-pillar"),
        pytest.param("scuttle panel cracked under the windscreen", True, id="scuttle"),
        pytest.param("cowl panel buckled", True, id="us-cowl"),
        pytest.param("driver side rocker crushed", True, id="us-rocker"),
        pytest.param("lower control arm bent", True, id="control-arm"),
        pytest.param("suspension arm bent", True, id="suspension-arm"),
        pytest.param("chassis leg kinked", True, id="chassis-leg"),
        pytest.param("engine undercover torn", False, id="undercover"),
        pytest.param("steering column cover cracked", False, id="column-cover"),
        pytest.param("headliner ripped", False, id="headliner"),
        pytest.param("wiper cowl cracked", False, id="cowl-trim"),
    ],
)
def test_real_parts_the_catalog_lacks_are_listed_not_dropped(text: str, structural: bool) -> None:
    """Listed under "not priced" as a part the catalog lacks, with the structural flag."""
    r = read(text)
    assert priced(r) == []
    listed = [u for u in r.unread if u.reason == "not_in_catalog"]
    assert len(listed) == 1
    assert listed[0].structural is structural
    assert ("structural" in listed[0].note) is structural


def test_a_headliner_is_not_the_roof() -> None:
    """The lining inside is its own part, not the roof panel."""
    (u,) = read("headlining sagging after the hit").unread
    assert "Headlining" in u.note
    assert "Roof" not in u.note


# -- 3. no misleading guesses ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "market"),
    [
        pytest.param("airbag light on the dash, front bumper smashed", "GB", id="airbag-light"),
        pytest.param("check engine light came on, front bumper cracked", "US", id="check-engine"),
        pytest.param(
            "engine management light lit after the bump. front bumper cracked", "GB", id="eml"
        ),
        pytest.param("quarter-sized dent on the front bumper", "US", id="quarter-sized"),
        pytest.param(
            "dent the size of a quarter in the front bumper", "US", id="size-of-a-quarter"
        ),
        pytest.param("a tractor trailer clipped me, front bumper cracked", "US", id="tractor"),
    ],
)
def test_non_part_words_yield_no_part_or_guess(text: str, market: str) -> None:
    """Warning lights, coins and the other vehicle are neither priced nor guessed."""
    r = read(text, market)
    assert [p[0] for p in priced(r)] == ["CAT001"]
    assert not any(g for u in r.unread for g in u.guesses)
    assert not any(u.reason == "not_in_catalog" for u in r.unread)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("mirror indicator lamp cracked", id="mirror-indicator"),
        pytest.param("repeater light on the mirror broken", id="repeater-light"),
        pytest.param("turn signal lamp on the o/s mirror smashed", id="turn-signal-lamp"),
    ],
)
def test_an_indicator_is_never_guessed_as_a_headlamp(text: str) -> None:
    """A mirror's indicator is a part the catalog lacks, never a headlamp or tail lamp."""
    r = read(text)
    assert not any(p.category.id in ("CAT002", "CAT013") for p in r.parts)
    assert any(u.reason == "not_in_catalog" and "Indicator" in u.note for u in r.unread)


# -- 4. phantom parts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "old", "new"),
    [
        pytest.param(
            "Old scratch on the rear bumper, new dent in the tailgate",
            "CAT004",
            "CAT027",
            id="old-scratch",
        ),
        pytest.param(
            "tailgate dented. The scuff on the rear bumper was already there",
            "CAT004",
            "CAT027",
            id="already-there",
        ),
        pytest.param(
            "pre-existing damage to the front bumper, bonnet dented",
            "CAT001",
            "CAT003",
            id="pre-existing",
        ),
        pytest.param(
            "previous damage on the N/S rear door. O/S front wing creased",
            "CAT024",
            "CAT016",
            id="previous-damage",
        ),
        pytest.param(
            "scratch on the passenger front door, that's old. hood dented",
            "CAT023",
            "CAT003",
            id="us-thats-old",
        ),
    ],
)
def test_old_damage_is_listed_with_a_warning_not_priced(text: str, old: str, new: str) -> None:
    """Damage the words date before the claim: reason pre_existing, the part as its guess."""
    r = read(text, "US" if "hood" in text else "GB")
    assert [p[0] for p in priced(r)] == [new]
    (u,) = [u for u in r.unread if u.reason == "pre_existing"]
    assert [g.category_id for g in u.guesses] == [old]
    assert any(n.code == "pre_existing" and "pre-existing" in n.message for n in r.notes)


@pytest.mark.parametrize(
    ("text", "part", "hint", "damaged"),
    [
        pytest.param("front bumper cracked, R&I grille", "CAT011", "refit", "CAT001", id="r-and-i"),
        pytest.param(
            "remove and refit headlamp, front bumper split",
            "CAT002",
            "refit",
            "CAT001",
            id="remove-and-refit",
        ),
        pytest.param(
            "check the parking sensors, rear bumper cracked",
            "CAT030",
            "check",
            "CAT004",
            id="check",
        ),
        pytest.param(
            "transfer the number plate lamp to the new tailgate, tailgate crushed",
            "CAT028",
            "refit",
            "CAT027",
            id="transfer",
        ),
        pytest.param(
            "liftgate caved in; inspect the tail lights",
            "CAT013",
            "check",
            "CAT027",
            id="us-inspect",
        ),
    ],
)
def test_work_on_an_undamaged_part_buys_nothing(
    text: str, part: str, hint: str, damaged: str
) -> None:
    """ "R&I", "check", "transfer" on a part not said damaged: listed with action_hint."""
    r = read(text, "US" if "liftgate" in text else "GB")
    assert [p[0] for p in priced(r)] == [damaged]
    (u,) = [u for u in r.unread if u.reason == "operation"]
    assert u.action_hint == hint
    assert u.guesses
    assert all(g.category_id == part for g in u.guesses)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "A tractor reversed into the rear bumper, bumper cracked", id="story-then-damage"
        ),
        pytest.param(
            "door ding about the size of a quarter, passenger rear door", id="us-door-twice"
        ),
        pytest.param("O/S rear door dented. The door is also scratched", id="door-twice"),
    ],
)
def test_one_part_said_twice_is_one_part(text: str) -> None:
    """The same part in other words is one line, never a second one or a guess to confirm."""
    r = read(text, "US" if "quarter" in text else "GB")
    assert len(priced(r)) == 1
    assert not any(p.confidence < PRICE_THRESHOLD for p in r.parts)


def test_no_absent_part_word_is_only_a_common_word() -> None:
    """A name of a part the catalog lacks never reduces to a stop, filler or non-part word
    ("under panel" would make every "under" a part)."""
    from partsagent._reading.index import _entry_words
    from partsagent._reading.vocabulary import LEXICON

    common = {*LEXICON.stop_words, *LEXICON.filler, *LEXICON.not_part_words} - {"plate"}
    for part in LEXICON.absent_parts:
        for word in part.words:
            core = _entry_words(word)[0]
            assert core, (part.name, word)
            assert not (len(core) == 1 and core[0] in common), (part.name, word)


@pytest.mark.parametrize(
    ("text", "market"),
    [
        pytest.param(
            "The bonnet catch released and the bonnet flew up, windscreen cracked",
            "GB",
            id="catch-released",
        ),
        pytest.param(
            "hood latch let go on the freeway and the windshield got cracked", "US", id="us-latch"
        ),
    ],
)
def test_a_part_in_a_story_clause_is_not_priced(text: str, market: str) -> None:
    """A part that only did something in the story ("the catch released") is not bought."""
    r = read(text, market)
    assert [p[0] for p in priced(r)] == ["CAT022"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("tailgate latch jammed, tailgate dented", id="tailgate-latch"),
        pytest.param("boot catch broken and boot lid dented", id="boot-catch"),
    ],
)
def test_a_part_before_another_parts_head_word_is_no_guess(text: str) -> None:
    """ "tailgate latch" is not the bonnet catch: no part, no guess of one."""
    r = read(text)
    assert [p[0] for p in priced(r)] == ["CAT027"]
    assert not any(p.category.id == "CAT015" for p in r.parts)
    assert not any(g.category_id == "CAT015" for u in r.unread for g in u.guesses)


@pytest.mark.parametrize(
    ("text", "market"),
    [
        pytest.param("check engine light came on after the accident", "US", id="us-check-engine"),
        pytest.param("airbag warning light on since the bump", "GB", id="gb-airbag-light"),
    ],
)
def test_a_warning_light_is_listed_without_a_guess(text: str, market: str) -> None:
    """A warning light is a symptom to check: listed, never a lamp, never guessed."""
    r = read(text, market)
    assert priced(r) == []
    assert [u.reason for u in r.unread] == ["no_part"]
    assert not r.unread[0].guesses


@pytest.mark.parametrize(
    ("text", "market"),
    [
        pytest.param("one sensor on each side of the rear bumper broken", "GB", id="each-side"),
        pytest.param("rear parking sensors L and R smashed", "GB", id="l-and-r"),
        pytest.param("backup sensors on both sides cracked", "US", id="us-both-sides"),
    ],
)
def test_sensors_on_both_sides_are_one_each_side(text: str, market: str) -> None:
    """Sensors said on each side are a left and a right one, never one with no side."""
    sensors = [p for p in priced(read(text, market)) if p[0] == "CAT030"]
    assert sensors == [("CAT030", "rear", "left", 1), ("CAT030", "rear", "right", 1)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "scraped along a concrete pillar in the car park, N/S front door dented",
            id="pillar-hit",
        ),
        pytest.param("tracking out after hitting the kerb, N/S front door dented", id="alignment"),
    ],
)
def test_what_was_hit_or_a_check_is_not_structural(text: str) -> None:
    """A concrete pillar hit and a wheel alignment are no structural damage of the car."""
    r = read(text)
    assert priced(r) == [("CAT023", "front", "left", 1)]
    assert not any(u.structural for u in r.unread)


@pytest.mark.parametrize("text", ["L/R door dented", "door L/R has a dent"])
def test_a_slashed_side_pair_on_a_door_says_it_may_be_a_corner(text: str) -> None:
    """ "L/R door" is left and right, or the left rear door: priced with a warning."""
    parts = [p for p in read(text).parts if p.confidence >= PRICE_THRESHOLD]
    assert len(parts) == 2
    assert all(p.confidence < 0.9 for p in parts)
    assert all(any(w.code == "pair_or_corner" for w in p.warnings) for p in parts)
