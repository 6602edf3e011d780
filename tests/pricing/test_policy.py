"""Repair or replace: every row of the packaged policy, and a policy of one's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _estimate import ASTRA_2018, ops_of
from partsagent import EstimateData, InputError, PartsAgent, Severity
from partsagent._pricing.estimate.policy import load_policy

POLICY = load_policy()

#: Parts the sample catalog has no category for: their labour is priced, never a line.
LABOUR_ONLY = frozenset({"Mirror Cover"})

#: A part of the sample for each class, as a customer would name it (with a side if sided).
EXAMPLE = {
    "lamp": ("left Headlamp", "Headlamp"),
    "windscreen": ("Windscreen", "Windscreen"),
    "glass": ("left Mirror Glass", "Mirror Glass"),
    "sensor": ("Front Parking Sensor", "Front Parking Sensor"),
    "fixing": ("Bonnet Catch", "Bonnet Catch"),
    "bumper-cover": ("Front Bumper Cover", "Front Bumper Cover"),
    "metal-panel": ("left Wing", "Wing"),
    "inner-panel": ("Slam Panel", "Slam Panel"),
    "painted-cover": ("left mirror cap", "Mirror Cover"),
    "part": ("left Door Mirror", "Door Mirror"),
}


def test_every_class_has_an_example() -> None:
    """A new class in policy.json needs an example here, so its rows are tested."""
    assert {c.id for c in POLICY.classes} == set(EXAMPLE)


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in POLICY.rows])
async def test_each_policy_row(sample_agent: PartsAgent, row: object) -> None:
    """The row's operations are the part's own; a parts line exactly when it is replaced."""
    from partsagent._pricing.estimate.policy import PolicyRow

    assert isinstance(row, PolicyRow)
    words, category = EXAMPLE[row.part_class]
    report = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": words, "severity": row.severity.value}]
    )
    own = [op for op in report.operations if op.category.name == category and op.rule == row.id]
    assert tuple(op.operation for op in own) == row.operations
    assert all(op.why == row.why for op in own)
    lines = [ln for ln in report.lines if ln.category.name == category]
    if "replace" in row.operations and category not in LABOUR_ONLY:
        assert len(lines) == 1
        assert all(op.line == report.lines.index(lines[0]) for op in own)
    else:
        assert lines == []  # repaired or refinished: in the operations only
        assert all(op.line is None for op in own)


@pytest.mark.parametrize(
    ("category", "group", "expected"),
    [
        pytest.param("Hood", None, "metal-panel", id="us-name"),
        pytest.param("Fender", None, "metal-panel", id="us-fender"),
        pytest.param("Rear Light Bar", "Lighting", "lamp", id="by-group"),
        pytest.param("Track Control Arm", "Suspension", "part", id="default"),
    ],
)
def test_class_by_name_then_group_then_default(
    category: str, group: str | None, expected: str
) -> None:
    """US names find their class; an unknown category falls back on its group, then default."""
    assert POLICY.part_class(category, group).id == expected


async def test_added_parts_are_replaced(sample_agent: PartsAgent) -> None:
    """Parts the propagation rules add are decided at the policy's secondary severity."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, [{"component": "front bumper", "severity": "severe"}]
    )
    reinforcement = [
        op for op in report.operations if op.category.name == "Front Bumper Reinforcement"
    ]
    assert [op.operation for op in reinforcement] == ["replace"]
    assert reinforcement[0].rule == f"part-{POLICY.secondary_severity.value}"


async def test_a_policy_of_ones_own(tmp_path: Path) -> None:
    """A body shop that replaces dented panels says so in its own file."""
    doc = json.loads(json.dumps(POLICY.model_dump(mode="json", by_alias=True)))
    for row in doc["rows"]:
        if row["id"] == "metal-panel-moderate":
            row["operations"] = ["replace", "refinish"]
            row["why"] = "This shop replaces dented panels."
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(doc))
    async with PartsAgent(estimate=EstimateData.load(policy=path)) as agent:
        report = await agent.process_damage_report(
            ASTRA_2018, [{"component": "bonnet", "severity": Severity.MODERATE.value}]
        )
    assert ops_of(report, "Bonnet") == [("replace", None), ("refinish", None)]
    assert [ln.category.name for ln in report.lines if ln.reason == "damaged"] == ["Bonnet"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(lambda d: d["rows"].pop(), "missing", id="a-severity-missing"),
        pytest.param(
            lambda d: d["rows"][0].update(operations=["replace", "repair"]),
            "either replaced or repaired",
            id="replace-and-repair",
        ),
        pytest.param(lambda d: d.update(default_class="nope"), "default_class", id="default"),
        pytest.param(
            lambda d: d["rows"][0].update(operations=["paint"]), "operations", id="unknown-op"
        ),
    ],
)
def test_a_broken_policy_is_refused_naming_the_file(
    tmp_path: Path, change: object, message: str
) -> None:
    """A policy file that breaks the contract fails at load with the file and the problem."""
    doc = POLICY.model_dump(mode="json", by_alias=True)
    assert callable(change)
    change(doc)
    path = tmp_path / "shop-policy.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="shop-policy.json") as caught:
        EstimateData.load(policy=path)
    assert message in str(caught.value)


def test_an_unreadable_policy_file_is_input_error(tmp_path: Path) -> None:
    """A missing file is an InputError naming it, not a traceback."""
    with pytest.raises(InputError, match="nowhere.json"):
        EstimateData.load(policy=tmp_path / "nowhere.json")


async def test_a_chipped_windscreen_is_repaired_a_cracked_one_replaced(
    sample_agent: PartsAgent,
) -> None:
    """A stone chip is a resin repair by a glass specialist, not a new screen."""
    chipped = await sample_agent.process_damage_report(
        ASTRA_2018, "windscreen has a stone chip, not spreading"
    )
    cracked = await sample_agent.process_damage_report(ASTRA_2018, "windscreen cracked across")
    assert not chipped.lines
    assert [(op.operation, op.rule) for op in chipped.operations] == [
        ("repair", "windscreen-minor"),
        ("sublet", "windscreen-chip-repair"),
    ]
    assert [ln.category.name for ln in cracked.lines if ln.reason == "damaged"] == ["Windscreen"]
    assert chipped.totals.total.amount < cracked.totals.total.amount / 5
