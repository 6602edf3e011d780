"""Damage words that mean a new part: a torn plastic cover, creased or torn sheet metal.

"Rear bumper split" was priced as "repair (moderate damage)": a plastic weld on a
cover that no longer holds its shape or its fixings. The words are classes in the
lexicon (``damage_kinds``); the decision is the policy's (``damage_rows``), so a shop
that repairs splits brings its own policy without touching code.
"""

from __future__ import annotations

import pytest

from _estimate import ASTRA_2018, ops_of
from partsagent import PartsAgent, Severity
from partsagent._pricing.estimate.policy import load_policy
from partsagent._reading.reader import read_damage
from partsagent._reading.taxonomy import CATEGORIES
from partsagent.catalog import Category

CATS = tuple(
    Category(id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name))
    for c in CATEGORIES
)


def kinds(text: str) -> dict[str, tuple[str, ...]]:
    return {p.category.id: p.damage_kinds for p in read_damage(text, CATS).parts}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rear bumper cover has a rip along the bottom edge", {"CAT004": ("tear",)}),
        ("front bumper: fixing tabs broken", {"CAT001": ("tear",)}),
        ("tailgate kinked near the handle", {"CAT027": ("crease",)}),
        ("O/S front door and rear door stretched", {"CAT023": ("crease",), "CAT024": ("crease",)}),
        ("bonnet dented, grille cracked", {"CAT003": (), "CAT011": ()}),
        ("rear bumper not split, just scuffed", {"CAT004": ()}),
    ],
)
def test_damage_kinds_are_read(text: str, expected: dict[str, tuple[str, ...]]) -> None:
    """The kind travels with the damage words, over "and" like the severity; a denied one is not."""
    assert kinds(text) == expected


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("rear bumper cover ripped open at the corner", "Rear Bumper Cover"),
        ("front bumper has broken mounting tabs", "Front Bumper Cover"),
        ("bonnet creased across the middle", "Bonnet"),
        ("N/S front door folded at the bottom", "Front Door Shell"),
    ],
)
async def test_a_tear_or_a_crease_replaces_the_part(
    sample_agent: PartsAgent, text: str, category: str
) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, text)
    operations = {op for op, _ in ops_of(report, category)}
    assert "replace" in operations
    assert "repair" not in operations
    (damaged,) = (d for d in report.damaged if d.category.name == category)
    assert damaged.severity is Severity.MODERATE  # the kind decides, not a raised severity
    assert any(op.rule.endswith(("-tear", "-crease")) for op in report.operations)


async def test_a_dent_is_still_repaired(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(ASTRA_2018, "bonnet dented")
    assert ("repair", None) in ops_of(report, "Bonnet")


def test_a_crease_in_a_plastic_cover_is_left_to_the_severity() -> None:
    """The policy replaces by kind only where its rows say so: plastic flexes back."""
    policy = load_policy()
    row = policy.decide("Front Bumper Cover", Severity.MODERATE, damage=("crease",))
    assert "repair" in row.operations
    torn = policy.decide("Front Bumper Cover", Severity.MINOR, damage=("tear",))
    assert torn.operations == ("replace", "refinish")
    assert torn.severity is Severity.MINOR
