"""The build cues: read from the vehicle's model and the damage, as the caller wrote them."""

from __future__ import annotations

import pytest

from partsagent import DamagedPart, Severity, Vehicle
from partsagent._models import Variant
from partsagent._reading.build_cues import load_build_cues, read_build_words

CUES = load_build_cues()
GOLF = Vehicle(make="Volkswagen", model="Golf", year=2019)


def variant(vid: str, name: str, body: str = "Hatchback") -> Variant:
    return Variant(
        id=vid, name=name, body=body, fuel="petrol", engine="2.0 TSI", power_kw=180,
        year_from=2012,
    )  # fmt: skip


VARIANTS = (variant("1", "1.5 TSI 130hp"), variant("2", "2.0 TSI GTI"), variant("3", "e-Golf"))


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        pytest.param("Touring Sports: rear bumper cracked", [("estate", "touring sports")],
                     id="estate"),
        pytest.param("SEDAN bonnet dented", [("saloon", "sedan")], id="as-written-casefolded"),
        pytest.param("deck  lid dented", [("trunk-lid", "deck lid")], id="spacing"),
        pytest.param("the bonnet, with parking sensors", [("with-sensors", "with parking sensors")],
                     id="equipment"),
        pytest.param("hatchbacks are common; bonnet dented", [], id="whole-words-only"),
    ],
)  # fmt: skip
def test_the_cues_said_and_their_words(damage: str, expected: list[tuple[str, str]]) -> None:
    words = read_build_words(GOLF, damage, (), CUES)
    assert [(c.id, c.words) for c in words.cues] == expected


def test_the_vehicle_model_and_every_part_are_read() -> None:
    """'Golf Estate' in the model says the body as well as the damage does."""
    estate = GOLF.model_copy(update={"model": "Golf Estate"})
    parts = [
        DamagedPart(component="bonnet", severity=Severity.SEVERE),
        DamagedPart(component="no parking sensors", severity=Severity.MINOR),
    ]
    words = read_build_words(estate, parts, (), CUES)
    assert {c.id for c in words.cues} == {"estate", "without-sensors"}


def test_a_part_cue_is_marked_and_a_body_cue_is_not() -> None:
    parts = {c.id for c in CUES.cues if c.part}
    assert {"trunk-lid", "tailgate", "boot-lid"} <= parts
    assert not {"saloon", "estate"} & parts


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        pytest.param("GTI front bumper smashed", ("2",), id="trim"),
        pytest.param("e-golf charge flap", ("3",), id="hyphenated-any-case"),
        pytest.param("TSI bumper", ("1", "2"), id="a-token-several-share"),
        pytest.param("golf bumper", (), id="not-distinctive"),
        pytest.param("front bumper", (), id="none"),
    ],
)
def test_a_variants_own_name_is_read(damage: str, named: tuple[str, ...]) -> None:
    assert read_build_words(GOLF, damage, VARIANTS, CUES).named == named


@pytest.mark.parametrize(
    ("model", "damage", "trims"),
    [
        pytest.param("Civic Type R", "bumper split", [("type-r", "type r")], id="model-field"),
        pytest.param("Civic", "my TYPE-R's bumper", [("type-r", "type-r")], id="alone"),
        pytest.param("Fiesta", "the fiesta st bumper", [("st", "st")], id="after-the-model"),
        pytest.param("Fiesta", "1st impact on the bumper, st corner", [], id="short-word-alone"),
        pytest.param("Golf", "golf r rear bumper", [("golf-r", "golf r")], id="multi-word"),
        pytest.param("Golf", "bumper, r/h side", [], id="no-trim"),
    ],
)  # fmt: skip
def test_the_trims_said(model: str, damage: str, trims: list[tuple[str, str]]) -> None:
    words = read_build_words(GOLF.model_copy(update={"model": model}), damage, (), CUES)
    assert [(t.id, t.words) for t in words.trims] == trims
