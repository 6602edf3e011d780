"""analyze_damage_propagation and the rules file: secondary parts, consumables, dedupe, sides."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from partsagent import InputError, Position, Severity
from partsagent._catalog.manager import BucketManager
from partsagent._pricing.propagation import (
    Addition,
    MappedDamage,
    analyze_damage_propagation,
    load_rules,
)
from partsagent._reading.components import match_component
from partsagent.catalog import Category

PAINT = {"Primer", "Paint", "Clear Coat"}


@pytest.fixture
async def astra_categories() -> AsyncIterator[tuple[Category, ...]]:
    """The categories of the sample's Astra 127445."""
    async with BucketManager() as manager:
        yield await manager.load_categories_for_variant("117", "127445")


def damage(
    name: str,
    severity: Severity,
    *,
    axle: str | None = None,
    side: str | None = None,
    component: str | None = None,
) -> MappedDamage:
    return MappedDamage.model_validate(
        {
            "component": component or name.lower(),
            "category_name": name,
            "position": {"axle": axle, "side": side},
            "severity": severity,
        }
    )


def names(additions: list[Addition], reason: str | None = None) -> list[str]:
    return [a.category_name for a in additions if reason is None or a.reason == reason]


async def test_severe_front_bumper_adds_the_parts_behind_it() -> None:
    """A severe front bumper brings reinforcement, absorber, brackets, clips and sensors."""
    adds = await analyze_damage_propagation(
        [damage("Front Bumper Cover", Severity.SEVERE, axle="front")]
    )
    secondary = names(adds, "secondary")
    for expected in (
        "Front Bumper Reinforcement",
        "Front Energy Absorber",
        "Front Bumper Bracket",
        "Bumper Clips",
        "Front Parking Sensor",
    ):
        assert expected in secondary
    assert names(adds, "consumable") == []
    reinforcement = next(a for a in adds if a.category_name == "Front Bumper Reinforcement")
    assert reinforcement.why == (
        "A severe front bumper impact usually deforms the reinforcement behind the cover."
    )
    assert reinforcement.triggered_by == "front bumper cover"
    assert reinforcement.position == Position(axle="front")


async def test_unsided_severe_hit_brings_both_brackets() -> None:
    """Without a side, a severe bumper hit adds the left and the right bracket."""
    adds = await analyze_damage_propagation([damage("Front Bumper Cover", Severity.SEVERE)])
    brackets = [a.position.side for a in adds if a.category_name == "Front Bumper Bracket"]
    assert brackets == ["left", "right"]


@pytest.mark.parametrize(
    ("severity", "secondary"),
    [
        pytest.param(Severity.MINOR, [], id="minor-refinish-only"),
        pytest.param(Severity.MODERATE, ["Bumper Clips"], id="moderate-clips"),
    ],
)
async def test_lighter_bumper_damage_adds_less(severity: Severity, secondary: list[str]) -> None:
    """A scuffed bumper needs only refinishing; a cracked one also new clips."""
    adds = await analyze_damage_propagation([damage("Rear Bumper Cover", severity, axle="rear")])
    assert names(adds, "secondary") == secondary
    assert names(adds, "consumable") == []


@pytest.mark.parametrize(
    "panel",
    [
        pytest.param("Bonnet", id="bonnet"),
        pytest.param("Wing", id="wing"),
        pytest.param("Front Door Shell", id="door"),
        pytest.param("Tailgate", id="tailgate"),
    ],
)
async def test_painted_panel_brings_no_paint_articles(panel: str) -> None:
    """Paint is the estimate's paint materials (refinish hours x rate), never tins of paint."""
    for severity in Severity:
        adds = await analyze_damage_propagation([damage(panel, severity)])
        assert not PAINT & set(names(adds))
        assert all(a.why for a in adds)


@pytest.mark.parametrize(
    ("damaged", "severity", "added"),
    [
        pytest.param("Radiator", Severity.MODERATE, "AC Condenser", id="radiator-condenser"),
        pytest.param("Windscreen", Severity.MODERATE, "Windscreen Moulding", id="screen-mouldings"),
    ],
)
async def test_gaps_filled_by_rules(damaged: str, severity: Severity, added: str) -> None:
    """A hit that reaches the radiator went through the condenser; a screen takes new mouldings."""
    adds = await analyze_damage_propagation([damage(damaged, severity, axle="front")])
    found = next(a for a in adds if a.category_name == added)
    assert (found.reason, found.position) == ("secondary", Position(axle="front"))
    assert found.why


async def test_unpainted_part_adds_nothing() -> None:
    """A headlamp is not painted, so no refinish materials come with it."""
    assert await analyze_damage_propagation([damage("Headlamp", Severity.MODERATE)]) == []


async def test_radiator_adds_coolant() -> None:
    """A damaged radiator means refilling the cooling system."""
    adds = await analyze_damage_propagation([damage("Radiator", Severity.MINOR)])
    assert [(a.category_name, a.reason) for a in adds] == [("Coolant", "consumable")]


async def test_severe_bonnet_adds_hinges_catch_and_sealer() -> None:
    """A crushed bonnet brings both hinges, the catch and seam sealer."""
    adds = await analyze_damage_propagation([damage("Bonnet", Severity.SEVERE, axle="front")])
    assert [(a.category_name, a.position.side) for a in adds if a.reason == "secondary"] == [
        ("Bonnet Hinge", "left"),
        ("Bonnet Hinge", "right"),
        ("Bonnet Catch", None),
    ]
    assert "Seam Sealer" in names(adds, "consumable")


async def test_sided_damage_passes_its_side_on() -> None:
    """A damaged N/S wing brings the N/S (left in GB) wing liner and arch trim."""
    adds = await analyze_damage_propagation(
        [damage("Wing", Severity.SEVERE, axle="front", side="left", component="N/S front wing")]
    )
    sided = [(a.category_name, a.position) for a in adds if a.reason == "secondary"]
    assert sided == [
        ("Wing Liner", Position(axle="front", side="left")),
        ("Wheel Arch Trim", Position(axle="front", side="left")),
    ]
    assert all(a.triggered_by == "N/S front wing" for a in adds)


async def test_shared_parts_are_added_once() -> None:
    """Clips and sensor brackets from two bumpers appear once each."""
    adds = await analyze_damage_propagation(
        [
            damage("Front Bumper Cover", Severity.SEVERE, axle="front", component="front bumper"),
            damage("Rear Bumper Cover", Severity.SEVERE, axle="rear", component="rear bumper"),
            damage("Bonnet", Severity.MINOR),
        ]
    )
    listed = names(adds)
    assert len(listed) == len(set(zip(listed, [a.position for a in adds], strict=True)))
    for once in ("Bumper Clips", "Parking Sensor Bracket"):
        assert listed.count(once) == 1
    clips = next(a for a in adds if a.category_name == "Bumper Clips")
    assert clips.triggered_by == "front bumper"


async def test_reported_part_is_not_added_again() -> None:
    """A part the user already listed as damaged is not added as secondary."""
    adds = await analyze_damage_propagation(
        [
            damage("Front Bumper Cover", Severity.SEVERE, axle="front"),
            damage("Front Bumper Reinforcement", Severity.MODERATE, axle="front"),
        ]
    )
    assert "Front Bumper Reinforcement" not in names(adds)


async def test_order_is_deterministic() -> None:
    """The same damage in the same order gives the same additions."""
    items = [
        damage("Wing", Severity.SEVERE, side="right"),
        damage("Front Bumper Cover", Severity.SEVERE),
        damage("Radiator", Severity.MODERATE),
    ]
    first = await analyze_damage_propagation(items)
    assert await analyze_damage_propagation(items) == first
    reasons = [a.reason for a in first]
    assert reasons == sorted(reasons, key=lambda r: r == "consumable")


async def test_accepts_matches_and_json_dicts(astra_categories: tuple[Category, ...]) -> None:
    """(ComponentMatch, severity) pairs and plain dicts work; unknown matches are skipped."""
    wing = match_component("O/S front wing", astra_categories)
    unknown = match_component("flux capacitor", astra_categories)
    adds = await analyze_damage_propagation(
        [
            (wing, Severity.SEVERE),
            (unknown, "severe"),
            {"component": "rad", "category_name": "Radiator", "severity": "minor"},
        ]
    )
    liner = next(a for a in adds if a.category_name == "Wing Liner")
    assert liner.position == Position(axle="front", side="right")
    assert "Coolant" in names(adds)
    assert json.loads(json.dumps([a.model_dump(mode="json") for a in adds]))


@pytest.mark.parametrize(
    "item",
    [
        pytest.param({"component": "x", "severity": "severe"}, id="no-category"),
        pytest.param(
            {"component": "x", "category_name": "Wing", "severity": "awful"}, id="bad-sev"
        ),
        pytest.param(42, id="not-a-mapping"),
    ],
)
async def test_bad_damage_item_raises_input_error(item: object) -> None:
    """A malformed damaged component raises InputError naming the fields to give."""
    with pytest.raises(InputError):
        await analyze_damage_propagation([item])  # type: ignore[list-item]


def test_rules_load_once_and_validate() -> None:
    """The packaged rules load, are cached, and every rule adds something with a reason."""
    rules = load_rules()
    assert load_rules() is rules
    assert rules.rules
    assert all(a.why.endswith(".") for r in rules.rules for a in r.add)


def test_broken_rule_file_is_refused(tmp_path: Path) -> None:
    """A rule file of the user's that breaks the schema is bad input, named with its field."""
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"format": "partsagent-propagation-rules/1", "rules": [{}]}))
    with pytest.raises(InputError, match=r"rules\.json is not a valid RuleSet file: rules\.0\.id"):
        load_rules(path)


async def test_custom_rules_replace_the_packaged_ones(tmp_path: Path) -> None:
    """A rule file of one's own drives the analysis."""
    path = tmp_path / "rules.json"
    rule = {
        "id": "headlamp-clips",
        "when": ["Headlamp"],
        "min_severity": "minor",
        "add": [{"category": "Bumper Clips", "reason": "secondary", "why": "Test rule."}],
    }
    path.write_text(json.dumps({"format": "partsagent-propagation-rules/1", "rules": [rule]}))
    adds = await analyze_damage_propagation(
        [damage("Headlamp", Severity.MINOR)], rules=load_rules(path)
    )
    assert [(a.category_name, a.rule) for a in adds] == [("Bumper Clips", "headlamp-clips")]


async def test_every_rule_name_exists_in_the_sample(astra_categories: tuple[Category, ...]) -> None:
    """Every category a rule reads or adds is a category of the sample Astra, by exact name."""
    rules = load_rules()
    used = {*rules.targets(), *(n for r in rules.rules for n in r.when)}
    names = {c.name for c in astra_categories}
    assert sorted(used - names) == []


async def test_a_chipped_screen_takes_no_new_mouldings_or_adhesive() -> None:
    """A chip is filled, the screen stays in: nothing cut away, nothing bonded."""
    adds = await analyze_damage_propagation([damage("Windscreen", Severity.MINOR, axle="front")])
    assert not [a for a in adds if a.category_name in ("Windscreen Moulding", "Adhesive")]
