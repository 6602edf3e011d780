"""Blends from panel adjacency, never on a refinished panel; overlap deductions."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from _estimate import ASTRA_2018
from partsagent import EstimateData, InputError, Operation, PartsAgent, PartsReport
from partsagent._pricing.estimate.labour import load_labour

LABOUR = load_labour()


def blends(report: PartsReport) -> set[tuple[str, str | None]]:
    return {
        (op.category.name, op.position.side) for op in report.operations if op.operation == "blend"
    }


def one(report: PartsReport, operation: str, category: str, side: str | None = None) -> Operation:
    (found,) = [
        op
        for op in report.operations
        if (op.operation, op.category.name, op.position.side) == (operation, category, side)
    ]
    return found


def replace_time(category: str) -> Decimal:
    found = LABOUR.times(category, "hatch")
    assert found is not None
    assert found[0].replace is not None
    return found[0].replace


def refinish_time(category: str, body: str = "hatch") -> Decimal:
    found = LABOUR.times(category, body)  # type: ignore[arg-type]
    assert found is not None
    assert found[0].refinish is not None
    return found[0].refinish


@pytest.mark.parametrize(
    ("damage", "blended"),
    [
        pytest.param("bonnet", {("Wing", "left"), ("Wing", "right")}, id="bonnet-both-wings"),
        pytest.param(
            "right Wing",
            {("Front Door Shell", "right")},
            id="wing-door-not-the-bonnet-nor-the-plastic-bumper",
        ),
        pytest.param(
            "left Front Door Shell",
            {("Wing", "left"), ("Rear Door Shell", "left")},
            id="door-same-side-only",
        ),
        pytest.param("Rear Bumper Cover", set(), id="plastic-rear-bumper-blends-nothing"),
        pytest.param("Front Bumper Cover", set(), id="plastic-front-bumper-blends-nothing"),
        pytest.param("Tailgate", set(), id="tailgate-not-into-the-plastic-bumper"),
    ],
)
async def test_refinishing_blends_the_adjacent_panels(
    sample_agent: PartsAgent, damage: str, blended: set[tuple[str, str | None]]
) -> None:
    """A refinished panel blends exactly its neighbours in adjacency.json, on the right side."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": damage, "severity": "minor"}]
    )
    assert blends(report) == blended


async def test_blend_takes_the_panels_blend_time(sample_agent: PartsAgent) -> None:
    """A blend takes the blended panel's own blend time from labour.json."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": "bonnet", "severity": "minor"}]
    )
    wing = one(report, "blend", "Wing", "left")
    found = LABOUR.times("Wing", "hatch")
    assert found is not None
    assert found[0].blend is not None
    assert wing.hours == found[0].blend
    assert (wing.rule, wing.times, wing.line) == ("bonnet-wing", "wing/hatch", None)
    assert wing.amount.amount == wing.hours * report.rates.paint_rate.amount  # type: ignore[union-attr]


async def test_a_refinished_panel_is_never_blended(sample_agent: PartsAgent) -> None:
    """Bonnet and left wing both refinished: neither is blended; their other neighbours are."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018,
        [
            {"component": "bonnet", "severity": "minor"},
            {"component": "left wing", "severity": "minor"},
        ],
    )
    assert blends(report) == {("Wing", "right"), ("Front Door Shell", "left")}


@pytest.mark.parametrize(
    ("model", "rear_door_blended"),
    [pytest.param("Fiesta", True, id="5-door"), pytest.param("Fiesta ST", False, id="3-door-ST")],
)
async def test_a_panel_the_build_lacks_is_not_blended(
    sample_agent: PartsAgent, model: str, rear_door_blended: bool
) -> None:
    """The 3-door Fiesta ST has no rear doors: its front door blends the wing only."""
    report = await sample_agent.process_damage_report(
        {"make": "Ford", "model": model, "year": 2019},
        [{"component": "right front door", "severity": "minor"}],
    )
    assert (("Rear Door Shell", "right") in blends(report)) is rear_door_blended
    assert ("Wing", "right") in blends(report)


async def test_adjacent_refinished_panels_deduct_the_overlap(sample_agent: PartsAgent) -> None:
    """Bonnet and wing both refinished: the smaller time loses overlap.refinish, once."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018,
        [
            {"component": "bonnet", "severity": "minor"},
            {"component": "left wing", "severity": "minor"},
        ],
    )
    bonnet = one(report, "refinish", "Bonnet")
    wing = one(report, "refinish", "Wing", "left")
    assert bonnet.hours == refinish_time("Bonnet")
    assert wing.hours == refinish_time("Wing") - LABOUR.overlap.refinish
    assert "overlap with the Bonnet" in wing.why


async def test_adjacent_replaced_panels_deduct_the_overlap(sample_agent: PartsAgent) -> None:
    """Wing and front bumper both replaced: the smaller replace time loses overlap.replace."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018,
        [
            {"component": "left wing", "severity": "severe"},
            {"component": "front bumper", "severity": "severe"},
        ],
    )
    wing_t, bumper_t = (replace_time(n) for n in ("Wing", "Front Bumper Cover"))
    assert bumper_t < wing_t
    assert one(report, "replace", "Wing", "left").hours == wing_t
    bumper = one(report, "replace", "Front Bumper Cover")
    assert bumper.hours == bumper_t - LABOUR.overlap.replace
    assert "replaced too" in bumper.why


async def test_panels_that_do_not_touch_keep_their_times(sample_agent: PartsAgent) -> None:
    """Bonnet and rear bumper are not adjacent: no overlap between them."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018,
        [
            {"component": "bonnet", "severity": "minor"},
            {"component": "rear bumper", "severity": "minor"},
        ],
    )
    assert one(report, "refinish", "Bonnet").hours == refinish_time("Bonnet")
    assert one(report, "refinish", "Rear Bumper Cover").hours == refinish_time("Rear Bumper Cover")


def test_an_edge_to_an_unknown_panel_is_refused(tmp_path: Path) -> None:
    """An adjacency file whose edge names no panel fails at load, naming the edge."""
    doc = json.loads(EstimateData.load().adjacency.model_dump_json())
    doc["edges"].append({"id": "bonnet-spoiler", "between": ["Bonnet", "Rear Spoiler"]})
    path = tmp_path / "adjacency.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="bonnet-spoiler"):
        EstimateData.load(adjacency=path)


async def test_without_a_blend_time_a_blend_is_a_share_of_the_refinish(
    tmp_path: Path,
) -> None:
    """A labour file with no blend time blends for blend_share of the refinish time."""
    doc = json.loads(LABOUR.model_dump_json(exclude_none=True, by_alias=True))
    for row in doc["rows"]:
        for times in row["hours"].values():
            times.pop("blend", None)
    path = tmp_path / "labour.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    async with PartsAgent(estimate=EstimateData.load(labour=path)) as agent:
        report = await agent.process_damage_report(
            ASTRA_2018, [{"component": "bonnet", "severity": "minor"}]
        )
    wing = one(report, "blend", "Wing", "left")
    assert wing.hours == (refinish_time("Wing") * LABOUR.blend_share).quantize(Decimal("0.1"))


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("bonnet scratched, no blending", id="no-blending"),
        pytest.param("Bonnet keyed. Blend not needed, the colour matches.", id="not-needed"),
        pytest.param("scuffed bonnet - please don't blend", id="dont-blend"),
        pytest.param("Bonnet scratched; insurer will not pay for blends", id="denied-blend-word"),
    ],
)
async def test_a_blend_the_text_rules_out_is_never_added(
    sample_agent: PartsAgent, words: str
) -> None:
    """Words that rule blending out leave the refinish and add no blend."""
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert blends(report) == set()
    assert ("refinish", "Bonnet") in {(o.operation, o.category.name) for o in report.operations}


async def test_a_shop_that_blends_bumpers_says_so_in_its_adjacency(tmp_path: Path) -> None:
    """blend_materials with "plastic" blends a bumper into its neighbours of the same material."""
    from partsagent._pricing.estimate.blend import load_adjacency

    doc = json.loads(load_adjacency().model_dump_json())
    doc["blend_materials"] = ["metal", "plastic"]
    doc["panels"] = [
        p | {"material": "metal"} if p["category"] == "Front Bumper Cover" else p
        for p in doc["panels"]
    ]
    path = tmp_path / "adjacency.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    async with PartsAgent(estimate=EstimateData.load(adjacency=path)) as agent:
        report = await agent.process_damage_report(
            ASTRA_2018, [{"component": "Front Bumper Cover", "severity": "minor"}]
        )
    assert blends(report) == {("Wing", "left"), ("Wing", "right")}
