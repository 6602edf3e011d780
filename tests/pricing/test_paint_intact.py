"""Paint said to be sound: the part is still damaged, and a dent is repaired without refinish.

"Bonnet dented, paint intact" is hail or car-park damage for paintless dent repair: an
estimate that refinishes the bonnet and blends both wings charges hours nobody works,
and one that reads "no paint damage" as "no damage" drops the bonnet altogether.
"""

from __future__ import annotations

import pytest

from _estimate import ASTRA_2018, ops_of
from partsagent import PartsAgent
from partsagent._pricing.estimate.policy import PolicyRow, load_policy
from partsagent._reading.reader import read_damage
from partsagent._reading.taxonomy import CATEGORIES
from partsagent.catalog import Category

CATS = tuple(
    Category(id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name))
    for c in CATEGORIES
)
BONNET, WING = "CAT003", "CAT016"


def intact(text: str) -> dict[str, bool]:
    """Category id -> paint_intact of every part read from ``text``."""
    return {p.category.id: p.paint_intact for p in read_damage(text, CATS).parts}


@pytest.mark.parametrize(
    "text",
    [
        "bonnet dented, paint intact",
        "dents on the bonnet, no paint damage",
        "bonnet dented but the paint is not broken",
        "bonnet dented, no damage to the paint",
        "hail dents all over the hood, paintwork fine",
        "bonnet dinged in a car park, PDR job",
        "small dent in the bonnet, paintless dent repair",
    ],
)
def test_paint_said_sound_keeps_the_part_damaged(text: str) -> None:
    assert intact(text) == {BONNET: True}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bonnet dented", {BONNET: False}),
        ("bonnet dented, paint chipped", {BONNET: False}),
        ("bonnet fine, wing dented", {WING: False}),
        ("bonnet dented, wing dented, paint fine", {BONNET: False, WING: True}),
        ("bonnet and wing dented, paint intact", {BONNET: True, WING: True}),
    ],
)
def test_paint_is_sound_only_where_the_report_says_so(text: str, expected: dict[str, bool]) -> None:
    """Sound paint flows back over "and", like the damage; never over a comma to another part."""
    got = {cid: flag for cid, flag in intact(text).items() if cid in expected}
    assert got == expected


async def test_a_dent_with_sound_paint_is_repaired_without_refinish(
    sample_agent: PartsAgent,
) -> None:
    painted = await sample_agent.process_damage_report(ASTRA_2018, "bonnet dented")
    sound = await sample_agent.process_damage_report(ASTRA_2018, "bonnet dented, paint intact")
    assert sorted(ops_of(painted)) == [
        ("blend", "left"),
        ("blend", "right"),
        ("refinish", None),
        ("repair", None),
    ]
    assert ops_of(sound) == [("repair", None)]
    (repair,) = sound.operations
    assert repair.description.startswith("Paintless dent repair")
    assert repair.rule == "metal-panel-moderate-paint-intact"
    assert sound.totals.total.amount < painted.totals.total.amount
    assert sound.performance["report_cache"] == "miss"  # not the painted report, cached


async def test_sound_paint_does_not_save_a_part_to_replace_or_a_scratch(
    sample_agent: PartsAgent,
) -> None:
    smashed = await sample_agent.process_damage_report(
        ASTRA_2018, "front bumper smashed, paint intact"
    )
    assert ("replace", None) in ops_of(smashed, "Front Bumper Cover")
    assert ("refinish", None) in ops_of(smashed, "Front Bumper Cover")
    scratched = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": "left wing scratched, paint intact", "severity": "minor"}]
    )
    assert ops_of(scratched, "Wing") == [("refinish", "left")]


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in load_policy().rows])
def test_every_policy_row_with_sound_paint(row: PolicyRow) -> None:
    """A repair loses its refinish; a replacement or a refinish alone is left as it was."""
    kept = row.paint_intact()
    if "repair" in row.operations and "refinish" in row.operations:
        assert kept.operations == tuple(op for op in row.operations if op != "refinish")
        assert kept.id == f"{row.id}-paint-intact"
        assert "paintless" in kept.why
    else:
        assert kept is row
