"""read_damage: words whose meaning depends on what else the report says.

References to a side named before ("on that side"), headings ("LHF: ..."), statements
that a part is fine, denied or moving total losses, adverbs inside damage phrases and
parts the catalog lacks that sound like parts it has.
"""

from __future__ import annotations

import pytest

from partsagent import DamagedPart, Severity
from partsagent._reading.reader import PRICE_THRESHOLD, read_damage
from partsagent._reading.results import Reading
from partsagent._reading.taxonomy import CATEGORIES
from partsagent.catalog import Category

CATS = tuple(
    Category(id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name))
    for c in CATEGORIES
)


def lines(reading: Reading) -> list[tuple[str, str | None, str | None, int]]:
    """(category id, axle, side, quantity) of every part priced, sorted."""
    return sorted(
        (p.category.id, p.position.axle, p.position.side, p.quantity)
        for p in reading.parts
        if p.confidence >= PRICE_THRESHOLD
    )


def read(text: str, market: str = "GB") -> Reading:
    return read_damage(text, CATS, market=market)


# -- references to a side named before ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "market", "expected"),
    [
        pytest.param(
            "scraped the passenger side in a car park, both doors on that side have scratches",
            "GB",
            [("CAT023", "front", "left", 1), ("CAT024", "rear", "left", 1)],
            id="both-doors-on-that-side",
        ),
        pytest.param(
            "n/s arch liner hanging down and the arch trim on that side ripped off",
            "GB",
            [("CAT017", "front", "left", 1), ("CAT032", "front", "left", 1)],
            id="trim-on-that-side",
        ),
        pytest.param(
            "O/S front wing dented. The headlight on the same side is cracked",
            "GB",
            [("CAT002", "front", "right", 1), ("CAT016", "front", "right", 1)],
            id="same-side-next-sentence",
        ),
        pytest.param(
            "hit on the passenger side. That side's mirror glass is smashed",
            "US",
            [("CAT026", None, "right", 1)],
            id="that-sides-in-the-us",
        ),
        pytest.param(
            "impact to the O/S/R, tail lamp on that corner smashed",
            "GB",
            [("CAT013", "rear", "right", 1)],
            id="that-corner",
        ),
        pytest.param(
            "N/S wing dented, O/S door mirror smashed and the headlamp on that side cracked",
            "GB",
            [("CAT002", "front", "right", 1), ("CAT016", "front", "left", 1),
             ("CAT025", None, "right", 1)],
            id="the-side-named-last",
        ),
    ],
)  # fmt: skip
def test_that_side_is_the_side_named_last(
    text: str, market: str, expected: list[tuple[str, str | None, str | None, int]]
) -> None:
    """ "on that side", "the same side", "that corner" take the side (and corner) named last."""
    reading = read(text, market)
    assert lines(reading) == expected
    assert all(p.confidence >= 0.9 for p in reading.parts)


def test_that_side_takes_no_axle_and_that_corner_does() -> None:
    """After "N/S/R door", the wing on that side is the front wing; on that corner, a rear wing."""
    side = read("N/S/R door dented, the wing on that side scratched")
    assert lines(side) == [("CAT016", "front", "left", 1), ("CAT024", "rear", "left", 1)]
    corner = read("N/S/R door dented, the wing on that corner scratched")
    assert lines(corner) == [("CAT024", "rear", "left", 1)]
    assert "Rear Wing/Quarter" in corner.unread[0].note


def test_that_side_in_a_later_component_refers_to_an_earlier_one() -> None:
    """A component list is one report: "mirror on that side" follows "O/S front wing"."""
    reading = read_damage(
        [DamagedPart(component="O/S front wing"), DamagedPart(component="mirror on that side")],
        CATS,
    )
    assert lines(reading) == [("CAT016", "front", "right", 1), ("CAT025", None, "right", 1)]


def test_that_side_with_no_side_named_gives_none() -> None:
    """With nothing to refer to, "that side" names no side: the usual no-side doubt."""
    reading = read("mirror on that side smashed")
    assert [p.position.side for p in reading.parts] == [None]
    assert reading.parts[0].confidence < PRICE_THRESHOLD + 0.1


# -- headings ----------------------------------------------------------------------------------


def test_a_heading_gives_its_side_and_axle_to_the_list_after_it() -> None:
    """ "LHF: ... RHR: ...": each list takes its heading's side, and its axle where it fits."""
    reading = read(
        "LHF: headlight scuffed, wing scratched, fog cracked. RHR: door dented, rear light smashed"
    )
    assert lines(reading) == [
        ("CAT002", "front", "left", 1),
        ("CAT012", "front", "left", 1),
        ("CAT013", "rear", "right", 1),
        ("CAT016", "front", "left", 1),
        ("CAT024", "rear", "right", 1),
    ]
    assert reading.unread == ()  # a heading is no story
    assert all(p.confidence >= 0.9 for p in reading.parts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "N/S:\n- wing dented.\n- rear door scratched\n\nO/S:\n- mirror smashed",
            [("CAT016", "front", "left", 1), ("CAT024", "rear", "left", 1),
             ("CAT025", None, "right", 1)],
            id="one-item-a-line",
        ),
        pytest.param(
            "N/S: wing dented. O/S: headlamp cracked. Door mirror smashed",
            [("CAT002", "front", "right", 1), ("CAT016", "front", "left", 1),
             ("CAT025", None, None, 1)],
            id="a-full-stop-ends-the-list",
        ),
        pytest.param(
            "O/S: front wing dented, N/S headlamp cracked",
            [("CAT002", "front", "left", 1), ("CAT016", "front", "right", 1)],
            id="a-side-of-its-own-wins",
        ),
        pytest.param(
            "LHF: tail lamp cracked",
            [("CAT013", "rear", "left", 1)],
            id="an-axle-that-does-not-fit-is-not-taken",
        ),
        pytest.param(
            "N/S: both doors keyed",
            [("CAT023", "front", "left", 1), ("CAT024", "rear", "left", 1)],
            id="a-pair-under-a-side",
        ),
    ],
)  # fmt: skip
def test_how_far_a_heading_reaches(
    text: str, expected: list[tuple[str, str | None, str | None, int]]
) -> None:
    """A heading covers its list up to the next heading, a full stop or a blank line."""
    assert lines(read(text)) == expected


def test_a_part_before_a_colon_takes_the_damage_after_it() -> None:
    """ "Front bumper: scuffed. Mirror: OK": minor for the bumper, nothing for the mirror."""
    reading = read("Front bumper: scuffed. Mirror: OK. Bonnet: dented")
    assert [(p.category.id, p.severity) for p in reading.parts] == [
        ("CAT001", Severity.MINOR),
        ("CAT003", Severity.MODERATE),
    ]
    assert [u.reason for u in reading.unread] == ["undamaged"]


# -- statements that a part is fine -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("N/S mirror folded back but still works", [], id="folded-back-still-works"),
        pytest.param("passenger mirror still folds", [], id="still-folds"),
        pytest.param("the bonnet seems ok", [], id="seems-ok"),
        pytest.param("the bonnet isn't dented", [], id="isnt-dented"),
        pytest.param(
            "boot lid dented but still opens and shuts",
            [("CAT027", "rear", None, 1)],
            id="dented-but-opens",
        ),
        pytest.param(
            "bumper scuffed with no damage to the grille",
            [("CAT001", "front", None, 1)],
            id="no-damage-to-the-next-part",
        ),
        pytest.param(
            "bonnet and wings are fine, front bumper cracked",
            [("CAT001", "front", None, 1)],
            id="fine-flows-back-over-and",
        ),
        pytest.param(
            "O/S mirror folded back, glass cracked",
            [("CAT026", None, "right", 1)],
            id="folded-mirror-cracked-glass",
        ),
        pytest.param(
            "the headlamp is cracked not the fog lamp",
            [("CAT002", "front", None, 1)],
            id="not-the-next-part",
        ),
        pytest.param(
            "tailgate dented but the rear bumper wasn't touched",
            [("CAT027", "rear", None, 1)],
            id="wasnt-touched",
        ),
        pytest.param(
            "no bumper damage, no visible damage to the grille, bonnet dented",
            [("CAT003", "front", None, 1)],
            id="no-part-damage",
        ),
        pytest.param(
            "no damage except a small scuff on the rear bumper",
            [("CAT004", "rear", None, 1)],
            id="except-is-not-denied",
        ),
        pytest.param("lights all working, the bonnet is alright", [], id="all-working-alright"),
    ],
)
def test_a_part_said_to_be_fine_is_not_priced(
    text: str, expected: list[tuple[str, str | None, str | None, int]]
) -> None:
    """ "still works", "seems ok", "folded back", "isn't dented", "no damage to" price nothing."""
    reading = read(text)
    assert lines(reading) == expected
    assert "no_part" not in {u.reason for u in reading.unread}  # a part's state is no story


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        pytest.param("windscreen chipped, isn't cracked", Severity.MINOR, id="isnt-cracked"),
        pytest.param("windscreen chipped but not cracked", Severity.MINOR, id="but-not-cracked"),
        pytest.param("the headlight is not cracked, just scuffed", Severity.MINOR, id="not-just"),
        pytest.param("tailgate dented, still opens", Severity.MODERATE, id="still-opens"),
    ],
)
def test_a_denied_damage_next_to_a_damaged_part_adds_nothing(text: str, severity: Severity) -> None:
    """The part is priced once, at the damage said, and the denial is not a story phrase."""
    reading = read(text)
    assert len(lines(reading)) == 1
    assert [p.severity for p in reading.parts] == [severity]
    assert reading.unread == ()


def test_a_broken_function_is_still_damage() -> None:
    """ "not working", "won't open" and "can't be repaired" are damage, not denials."""
    assert lines(read("boot won't open")) == [("CAT027", "rear", None, 1)]
    repaired = read("rear bumper can't be repaired")
    assert [(p.category.id, p.severity) for p in repaired.parts] == [("CAT004", Severity.SEVERE)]
    assert lines(read("bonnet not ok, won't shut")) == [("CAT003", "front", None, 1)]


# -- total loss ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("definitely not a write off, rear bumper cracked", id="not-a-write-off"),
        pytest.param("not totalled, rear bumper cracked", id="not-totalled"),
        pytest.param("no way it's a write off, rear bumper cracked", id="no-way"),
        pytest.param("repair doesn't exceed ACV, rear bumper cracked", id="doesnt-exceed"),
        pytest.param(
            "handbrake failed and the car rolled back into a wall, rear bumper cracked",
            id="rolled-back",
        ),
        pytest.param("Rolled forward into the car in front, rear bumper cracked", id="forward"),
        pytest.param("car rolled down the hill into a van, rear bumper cracked", id="downhill"),
        pytest.param(
            "handbrake wasn't on and the car rolled and hit a wall. Rear bumper cracked",
            id="handbrake",
        ),
        pytest.param("unlikely to be a write off, rear bumper cracked", id="unlikely"),
    ],
)
def test_a_denied_total_loss_or_a_car_that_moved_is_no_total_loss(text: str) -> None:
    """ "not a write off" and "rolled back into a wall" raise no banner; the parts are read."""
    reading = read(text)
    assert reading.total_loss == ()
    assert lines(reading) == [("CAT004", "rear", None, 1)]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        pytest.param("TL candidate, hood crushed", "TL candidate", id="tl-candidate"),
        pytest.param("total loss candidate per adjuster, hood crushed", "total loss candidate",
                     id="total-loss-candidate"),
        pytest.param("repair estimate exceeds ACV, hood crushed", "exceeds ACV", id="acv"),
        pytest.param("repairs exceed the value of the car, hood crushed", "exceed the value",
                     id="value"),
        pytest.param("uneconomic to repair, hood crushed", "uneconomic to repair", id="uneconomic"),
        pytest.param("insurer says Cat B, hood crushed", "Cat B", id="cat-b"),
        pytest.param("going to salvage, hood crushed", "salvage", id="salvage"),
        pytest.param("Rolled into a ditch, hood crushed", "Rolled", id="rolled-into-a-ditch"),
        pytest.param("rolled over on the motorway, hood crushed", "rolled over", id="rolled-over"),
    ],
)  # fmt: skip
def test_insurers_total_loss_wording_is_a_total_loss(text: str, said: str) -> None:
    """An adjuster's "TL candidate", "exceeds ACV", "Cat B" or "salvage" is a total loss."""
    reading = read(text, market="US")
    assert reading.total_loss == (said,)
    assert lines(reading) == [("CAT003", "front", None, 1)]


# -- adverbs inside damage phrases --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("N/S mirror ripped clean off", id="ripped-clean-off"),
        pytest.param("N/S mirror torn right off", id="torn-right-off"),
        pytest.param("N/S mirror knocked clean off", id="knocked-clean-off"),
        pytest.param("N/S mirror pushed right in", id="pushed-right-in"),
    ],
)
def test_an_adverb_inside_a_damage_phrase_keeps_the_phrase(text: str) -> None:
    """ "ripped clean off" is "ripped off": severe, and "right" there is no side."""
    reading = read(text)
    assert [(p.category.id, p.position.side, p.severity) for p in reading.parts] == [
        ("CAT025", "left", Severity.SEVERE)
    ]


def test_right_as_an_adverb_is_no_side() -> None:
    """ "door pushed right in" names no side: the door's side is not given."""
    assert [p.position.side for p in read("front door pushed right in").parts] == [None]


# -- vocabulary -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "market", "expected"),
    [
        pytest.param("kerbside mirror smashed", "GB", ("CAT025", None, "left"), id="kerbside-gb"),
        pytest.param("curbside mirror smashed", "US", ("CAT025", None, "right"), id="curbside-us"),
        pytest.param("kerb side front door scraped", "GB", ("CAT023", "front", "left"),
                     id="kerb-side"),
        pytest.param("pass side mirror broken", "GB", ("CAT025", None, "left"), id="pass-side"),
        pytest.param("pass. side headlight cracked", "US", ("CAT002", "front", "right"),
                     id="pass-dot-side"),
        pytest.param("splash shield torn", "US", ("CAT017", "front", None),
                     id="splash-shield-is-the-fender-liner"),
        pytest.param("N/S mirror on the door smashed", "GB", ("CAT025", None, "left"),
                     id="mirror-on-the-door"),
    ],
)  # fmt: skip
def test_side_and_part_words_estimators_use(
    text: str, market: str, expected: tuple[str, str | None, str | None]
) -> None:
    """The kerb side is the nearside in every market; "pass side" is the passenger side."""
    assert [line[:3] for line in lines(read(text, market))] == [expected]


def test_a_fender_bender_is_the_story_not_a_fender() -> None:
    """ "fender bender" tells what happened; only the named bumper is priced."""
    reading = read("minor fender bender in a parking lot, rear bumper scuffed", market="US")
    assert lines(reading) == [("CAT004", "rear", None, 1)]
    assert [u.reason for u in reading.unread] == ["no_part"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param("radar sensor cracked", "Radar Sensor", id="radar"),
        pytest.param("ACC sensor knocked out of line", "Radar Sensor", id="acc"),
        pytest.param("adaptive cruise sensor cracked", "Radar Sensor", id="adaptive-cruise"),
        pytest.param("boot floor buckled", "Boot Floor", id="boot-floor"),
        pytest.param("trunk floor crumpled", "Trunk Floor", id="trunk-floor"),
        pytest.param("spare wheel well pushed in", "Boot Floor", id="spare-wheel-well"),
        pytest.param("undertray hanging down", "Underbody", id="undertray"),
        pytest.param("splash guard under the engine ripped off", "Underbody", id="engine-guard"),
        pytest.param("reversing camera smashed", "Camera", id="reversing-camera"),
        pytest.param("back up camera cracked", "Camera", id="back-up-camera"),
    ],
)
def test_parts_the_catalog_lacks_are_named_never_a_neighbour(text: str, name: str) -> None:
    """A radar is no parking sensor, a boot floor no tailgate: unpriced, named as what it is."""
    market = "US" if "trunk" in text else "GB"
    reading = read(text, market)
    assert reading.parts == ()
    assert [u.reason for u in reading.unread] == ["not_in_catalog"]
    assert f"no {name} category" in reading.unread[0].note


def test_a_radar_sensor_beside_a_bumper_is_not_a_parking_sensor() -> None:
    """'ACC radar sensor' names a part the catalog lacks, even next to a bumper that has sensors."""
    reading = read_damage(
        [
            DamagedPart(component="Front bumper"),
            DamagedPart(component="ACC radar sensor - cracked"),
        ],
        CATS,
        market="US",
    )
    assert [p.category.id for p in reading.parts] == ["CAT001"]
    assert [(u.phrase, u.reason) for u in reading.unread] == [
        ("ACC radar sensor", "not_in_catalog")
    ]
