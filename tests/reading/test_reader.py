"""read_damage: the words of a report the way an estimator reads them (issue 12, points 1-7)."""

from __future__ import annotations

import json

import pytest

from partsagent import DamagedPart, Severity, UsageError
from partsagent._reading.reader import PRICE_THRESHOLD, read_damage, vehicle_words
from partsagent._reading.results import Reading
from partsagent._reading.taxonomy import CATEGORIES
from partsagent._reading.vocabulary import LEXICON, load_lexicon
from partsagent.catalog import Category
from partsagent.testing._parts import applicable_categories

CATS = tuple(
    Category(id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name))
    for c in CATEGORIES
)
THREE_DOOR = tuple(
    c
    for c in CATS
    if c.id in {s.id for s in applicable_categories(fuel="petrol", turbo=True, rear_doors=False)}
)


def lines(reading: Reading) -> list[tuple[str, str | None, str | None, int]]:
    """(category id, axle, side, quantity) of every part priced, sorted."""
    return sorted(
        (p.category.id, p.position.axle, p.position.side, p.quantity)
        for p in reading.parts
        if p.confidence >= PRICE_THRESHOLD
    )


def read(text: str, market: str = "GB", categories: tuple[Category, ...] = CATS) -> Reading:
    return read_damage(text, categories, market=market)


# -- 1. pairs and counts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "both headlights smashed",
            [("CAT002", "front", "left", 1), ("CAT002", "front", "right", 1)],
            id="both",
        ),
        pytest.param(
            "pair of fog lamps",
            [("CAT012", "front", "left", 1), ("CAT012", "front", "right", 1)],
            id="pair-of",
        ),
        pytest.param(
            "Tail lamps L+R",
            [("CAT013", "rear", "left", 1), ("CAT013", "rear", "right", 1)],
            id="l+r",
        ),
        pytest.param(
            "fog lamps x2",
            [("CAT012", "front", "left", 1), ("CAT012", "front", "right", 1)],
            id="x2",
        ),
        pytest.param(
            "both offside doors dented",
            [("CAT023", "front", "right", 1), ("CAT024", "rear", "right", 1)],
            id="both-offside-doors",
        ),
        pytest.param(
            "passenger doors front and rear scraped",
            [("CAT023", "front", "left", 1), ("CAT024", "rear", "left", 1)],
            id="front-and-rear",
        ),
        pytest.param(
            "all 4 doors keyed",
            [
                ("CAT023", "front", "left", 1),
                ("CAT023", "front", "right", 1),
                ("CAT024", "rear", "left", 1),
                ("CAT024", "rear", "right", 1),
            ],
            id="all-four",
        ),
        pytest.param(
            "three rear parking sensors smashed", [("CAT030", "rear", None, 3)], id="unsided-count"
        ),
        pytest.param(
            "front bumper split in two", [("CAT001", "front", None, 1)], id="in-two-is-no-count"
        ),
        pytest.param(
            "tailgate and rear bumper both dented",
            [("CAT004", "rear", None, 1), ("CAT027", "rear", None, 1)],
            id="both-of-two-parts",
        ),
    ],
)
def test_pairs_and_counts(text: str, expected: list[tuple[str, str, str | None, int]]) -> None:
    """A pair is a left and a right line; one side and a pair is front and rear; counts."""
    assert lines(read(text)) == expected


def test_both_doors_on_a_three_door_car_are_its_two_doors() -> None:
    """The Fiesta ST 3-door has no rear door: "both doors" are its two, without a doubt."""
    three = read("Fiesta ST 3 door hatch - both doors keyed front to back", categories=THREE_DOOR)
    assert lines(three) == [("CAT023", "front", "left", 1), ("CAT023", "front", "right", 1)]
    assert not any(w.code == "axle_assumed" for p in three.parts for w in p.warnings)
    five = read("both doors keyed")
    assert lines(five) == lines(three)
    assert any(
        w.code == "axle_assumed" and "name the rear ones" in w.message
        for w in five.parts[0].warnings
    )


# -- 2. estimators' abbreviations -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("F/B", ("CAT001", "front", None), id="F/B"),
        pytest.param("R/B", ("CAT004", "rear", None), id="R/B"),
        pytest.param("F/BMP scuffed", ("CAT001", "front", None), id="F/BMP"),
        pytest.param("R/BMP", ("CAT004", "rear", None), id="R/BMP"),
        pytest.param("O/S headlamp", ("CAT002", "front", "right"), id="O/S"),
        pytest.param("N/S mirror", ("CAT025", None, "left"), id="N/S"),
        pytest.param("O/S/F wing", ("CAT016", "front", "right"), id="O/S/F"),
        pytest.param("N/S/R door", ("CAT024", "rear", "left"), id="N/S/R"),
        pytest.param("OSF hdlamp", ("CAT002", "front", "right"), id="OSF"),
        pytest.param("NSR tail lamp", ("CAT013", "rear", "left"), id="NSR"),
        pytest.param("LH fog lamp", ("CAT012", "front", "left"), id="LH"),
        pytest.param("RH door mirror", ("CAT025", None, "right"), id="RH"),
        pytest.param("LHF wing", ("CAT016", "front", "left"), id="LHF"),
        pytest.param("RHR door", ("CAT024", "rear", "right"), id="RHR"),
        pytest.param("F/W N/S", ("CAT016", "front", "left"), id="F/W"),
        pytest.param("W/S cracked", ("CAT022", "front", None), id="W/S"),
        pytest.param("W/SCREEN", ("CAT022", "front", None), id="W/SCREEN"),
        pytest.param("N/S F/door", ("CAT023", "front", "left"), id="F/door"),
        pytest.param("O.S.F. wing", ("CAT016", "front", "right"), id="dotted-O.S.F."),
        pytest.param("n.s. mirror", ("CAT025", None, "left"), id="dotted-n.s."),
        pytest.param("o/side headlamp", ("CAT002", "front", "right"), id="o/side"),
        pytest.param("n/side mirror glass", ("CAT026", None, "left"), id="n/side"),
        pytest.param("drvr side tail lamp", ("CAT013", "rear", "right"), id="drvr"),
        pytest.param("PS front door", ("CAT023", "front", "left"), id="PS"),
        pytest.param("DS headlamp", ("CAT002", "front", "right"), id="DS"),
    ],
)
def test_abbreviations(text: str, expected: tuple[str, str | None, str | None]) -> None:
    """Estimators' shorthand names the part, its axle and its side."""
    assert [line[:3] for line in lines(read(text))] == [expected]


def test_rear_wing_abbreviation_is_a_part_the_catalog_lacks() -> None:
    """R/W is a rear wing (quarter panel): no category for it, and never the front wing."""
    reading = read("R/W O/S dented")
    assert reading.parts == ()
    assert [u.reason for u in reading.unread] == ["not_in_catalog"]
    assert "Rear Wing/Quarter" in reading.unread[0].note


# -- 3. narrative is not damage -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("rear ended at the lights", id="rear-ended"),
        pytest.param("reversed into a bollard", id="bollard"),
        pytest.param("hit a kerb", id="kerb"),
        pytest.param("was parked in a car park", id="car-park"),
        pytest.param("steering pulling to the left", id="steering"),
        pytest.param("backed into a pole in a parking lot", id="parking-lot"),
    ],
)
def test_narrative_names_no_part(text: str) -> None:
    """What happened is never read as a part, nor offered as one to confirm (issue 21)."""
    reading = read(text)
    assert lines(reading) == []
    assert reading.parts == ()
    assert reading.unread == ()
    assert reading.understood


@pytest.mark.parametrize(
    ("text", "said"),
    [
        pytest.param("Car's a write off - N/S/F wing crumpled", "write off", id="write-off"),
        pytest.param("insurer has written it off, bonnet buckled", "written it off", id="written"),
        pytest.param(
            "Rolled into a ditch, roof crushed, N/S mirror torn off", "Rolled", id="rolled"
        ),
        pytest.param("every panel damaged, hood smashed", "every panel", id="every-panel"),
    ],
)
def test_total_loss_words_are_kept_and_named_parts_read(text: str, said: str) -> None:
    """A total-loss phrase is reported; the parts the report names are still read."""
    reading = read(text)
    assert reading.total_loss == (said,)
    assert lines(reading)


def test_a_trolley_that_rolled_is_not_a_total_loss() -> None:
    """ "rolled" only says total loss when the car rolled."""
    reading = read("Someone's trolley rolled into the N/S/R door in the car park, small dent")
    assert reading.total_loss == ()
    assert lines(reading) == [("CAT024", "rear", "left", 1)]


# -- 4. parts that are not what their words sound like ---------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        pytest.param("frunk lid dented", "CAT003", id="frunk"),
        pytest.param("front trunk lid scratched", "CAT003", id="front-trunk"),
        pytest.param("boot lid dented", "CAT027", id="boot-lid"),
        pytest.param("tail gate dented", "CAT027", id="tail-gate"),
        pytest.param("wing mirror smashed", "CAT025", id="wing-mirror-not-wing"),
        pytest.param("bonnet slam panel bent", "CAT018", id="slam-panel-not-bonnet"),
        pytest.param("the paint on the bonnet is chipped", "CAT003", id="paint-is-finish"),
    ],
)
def test_parts_are_what_estimators_mean(text: str, category: str) -> None:
    """A frunk is the bonnet, a boot lid a tailgate, a wing mirror a door mirror."""
    assert [line[0] for line in lines(read(text))] == [category]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("N/S/F alloy kerbed", id="alloy"),
        pytest.param("front left wheel bent", id="wheel"),
        pytest.param("rear arch liner hanging off", id="rear-arch-liner"),
        pytest.param("O/S/R wheel arch trim", id="rear-arch-trim"),
        pytest.param("N/S sill dented", id="sill"),
        pytest.param("left rocker panel dented", id="rocker"),
        pytest.param("tailgate glass smashed", id="tailgate-glass"),
    ],
)
def test_parts_the_catalog_lacks_are_never_a_neighbour(text: str) -> None:
    """A wheel is not a wing liner; a rear arch liner is not the front one: not in the catalog."""
    reading = read(text)
    assert lines(reading) == []
    assert [u.reason for u in reading.unread] == ["not_in_catalog"]


def test_an_axle_that_conflicts_lowers_the_score() -> None:
    """The same words at the category's own axle are sure; at the other axle, not priced."""
    front = read("front arch liner torn")
    rear = read("rear arch liner torn")
    assert lines(front) == [("CAT017", "front", None, 1)]
    assert [u.reason for u in rear.unread] == ["not_in_catalog"]
    assert rear.unread[0].guesses == ()  # the front liner is what the words rule out


# -- 5. sides only from side words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Windscreen cracked right across", ("CAT022", None), id="right-across"),
        pytest.param("left taillight cracked right across", ("CAT013", "left"), id="left-stays"),
        pytest.param("it left a scratch on the right rear door", ("CAT024", "right"), id="left-a"),
        pytest.param("making a left turn, the N/S wing dented", ("CAT016", "left"), id="turn"),
        pytest.param("fender dented on the drivers side", ("CAT016", "right"), id="trailing-side"),
        pytest.param("tail light smashed N/S", ("CAT013", "left"), id="trailing-abbreviation"),
    ],
)  # fmt: skip
def test_sides_come_from_side_words_attached_to_a_part(
    text: str, expected: tuple[str, str | None]
) -> None:
    """ "right across", "left a", "left turn" are not sides; a trailing side word is."""
    assert [(line[0], line[2]) for line in lines(read(text))] == [expected]


@pytest.mark.parametrize(
    ("word", "gb", "us"),
    [
        pytest.param("driver side", "right", "left", id="driver"),
        pytest.param("passenger", "left", "right", id="passenger"),
        pytest.param("nearside", "left", "right", id="nearside"),
        pytest.param("O/S", "right", "left", id="offside"),
    ],
)
def test_side_words_follow_the_market(word: str, gb: str, us: str) -> None:
    """Driver, passenger, nearside and offside depend on where the driver sits."""
    assert lines(read(f"{word} headlight cracked", "GB"))[0][2] == gb
    assert lines(read(f"{word} headlight cracked", "US"))[0][2] == us


# -- 6. severity words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        pytest.param("bonnet buckled", Severity.SEVERE, id="buckled"),
        pytest.param("fender crushed", Severity.SEVERE, id="crushed"),
        pytest.param("boot lid pushed in", Severity.SEVERE, id="pushed-in"),
        pytest.param("mirror hanging off", Severity.SEVERE, id="hanging-off"),
        pytest.param("rear bumper split", Severity.MODERATE, id="split"),
        pytest.param("door keyed", Severity.MINOR, id="keyed"),
        pytest.param("light scratches on the rear bumper", Severity.MINOR, id="light-scratches"),
        pytest.param("a small dent in the trunk lid", Severity.MODERATE, id="small-dent"),
        pytest.param("front bumper scuffed and cracked", Severity.MODERATE, id="worst-wins"),
        pytest.param("bumper and grille smashed", Severity.SEVERE, id="shared-by-and"),
        pytest.param("bonnet", Severity.MODERATE, id="default"),
    ],
)
def test_severity_words(text: str, severity: Severity) -> None:
    """The most severe word attached to a part wins; moderate when none is."""
    assert {p.severity for p in read(text).parts} == {severity}


def test_a_given_severity_wins_over_the_words() -> None:
    """A component's explicit severity is the caller's; left out, the words decide."""
    given = read_damage([DamagedPart(component="bonnet buckled", severity="minor")], CATS)
    words = read_damage([DamagedPart(component="bonnet buckled")], CATS)
    assert [(p.severity, p.severity_from) for p in given.parts] == [(Severity.MINOR, "given")]
    assert [(p.severity, p.severity_from) for p in words.parts] == [(Severity.SEVERE, "words")]


def test_severity_words_are_data_with_one_level_each() -> None:
    """A lexicon that puts a word at two levels is refused when it is loaded."""
    doc = LEXICON.model_dump(mode="json")
    doc["severity"]["minor"] = [*doc["severity"]["minor"], "buckled"]
    with pytest.raises(UsageError, match="buckled"):
        load_lexicon(json.dumps(doc))


# -- 7. confidence ------------------------------------------------------------------------------


def test_confidence_orders_sure_over_guessed() -> None:
    """Named with axle and side beats a default choice, which beats a tie under the threshold."""
    sure = read("O/S front door dented").parts[0].confidence
    default = read("O/S door dented").parts[0].confidence
    tie = read("lights cracked").parts[0].confidence
    assert sure >= 0.9 > default >= PRICE_THRESHOLD > tie


def test_a_weak_part_in_a_story_is_under_the_threshold_with_its_guesses() -> None:
    """A part in a story with no damage word is a guess, never a priced part; the place
    of the story ("at the lights") is no part at all."""
    reading = read("Someone hit the lights. Rear bumper split and the boot lid pushed in.")
    assert lines(reading) == [("CAT004", "rear", None, 1), ("CAT027", "rear", None, 1)]
    weak = [p for p in reading.parts if p.confidence < PRICE_THRESHOLD]
    assert {p.phrase for p in weak} == {"Someone hit the lights"}
    assert all(p.guesses for p in weak)
    story = read("Rear ended at the lights. Rear bumper split and the boot lid pushed in.")
    assert story.unread == ()
    assert all(p.confidence >= PRICE_THRESHOLD for p in story.parts)


def test_vehicle_words_are_a_description_not_damage() -> None:
    """ "Focus estate" before the damage is the car, not a part or a story."""
    reading = read_damage(
        "Focus estate - tailgate dented", CATS, vehicle=vehicle_words(["FORD", "FOCUS", "Estate"])
    )
    assert lines(reading) == [("CAT027", "rear", None, 1)]
    assert reading.unread == ()


def test_typos_are_fixed_only_towards_parts_and_sides() -> None:
    """ "hedlight" and "nearsdie" are fixed; "customer" and "night" stay what they are."""
    fixed = read("nearsdie hedlight cracked")
    assert lines(fixed) == [("CAT002", "front", "left", 1)]
    assert fixed.parts[0].confidence < read("nearside headlight cracked").parts[0].confidence
    story = read("Customer says it was hit in the night")
    assert story.parts == ()


SIDED_NAMES = (
    Category(id="HL-L", name="Headlamp Left", group="Lighting", synonyms=("Left Headlight",)),
    Category(id="HL-R", name="Headlamp Right", group="Lighting", synonyms=("Right Headlight",)),
    Category(id="BON", name="Bonnet", group="Body"),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("N/S headlamp cracked", ["HL-L"], id="side-word-chooses"),
        pytest.param("O/S headlight smashed", ["HL-R"], id="offside"),
        pytest.param("both headlamps smashed", ["HL-L", "HL-R"], id="pair"),
        pytest.param("headlamp cracked", [], id="no-side-is-a-tie"),
    ],
)
def test_a_catalog_that_names_sides_is_chosen_from_by_side_words(
    text: str, expected: list[str]
) -> None:
    """Categories named "Headlamp Left/Right" are told apart by the side words, not guessed."""
    reading = read(text, categories=SIDED_NAMES)
    assert sorted(line[0] for line in lines(reading)) == expected
    if not expected:
        guesses = {g.category_id for p in reading.parts for g in p.guesses}
        assert guesses == {"HL-L", "HL-R"}


def test_driver_and_passenger_abbreviations_follow_the_market() -> None:
    """DS and PS are the driver's and the passenger's side: right and left in GB, not in the US."""
    assert lines(read("DS headlamp, PS mirror", market="US")) == [
        ("CAT002", "front", "left", 1),
        ("CAT025", None, "right", 1),
    ]


def test_each_on_a_sided_part_is_a_pair() -> None:
    """'each front fender' is the left and the right one."""
    assert lines(read("hail dents in each front fender", market="US")) == [
        ("CAT016", "front", "left", 1),
        ("CAT016", "front", "right", 1),
    ]


def test_a_list_after_a_colon_takes_the_damage_before_it() -> None:
    """'whole side scraped: wing and doors': the parts listed take 'scraped' (minor)."""
    reading = read("Lorry swiped me, whole n/side scraped: n/s front wing and n/s front door")
    found = {(p.category.id, p.position.side): p.severity for p in reading.parts}
    assert found == {("CAT016", "left"): Severity.MINOR, ("CAT023", "left"): Severity.MINOR}


def test_dotted_letters_that_are_no_abbreviation_stay_words() -> None:
    """'e.g.' is not read as a position or a part."""
    assert lines(read("e.g. the bonnet dented")) == [("CAT003", "front", None, 1)]


def test_both_doors_of_the_side_the_story_names_carry_no_front_pair_warning() -> None:
    """'keyed along the passenger side, both doors': front and rear of that side, no note."""
    reading = read("keyed along the passenger side, both doors", market="US")
    assert lines(reading) == [("CAT023", "front", "right", 1), ("CAT024", "rear", "right", 1)]
    assert not any(w.code == "axle_assumed" for p in reading.parts for w in p.warnings)
