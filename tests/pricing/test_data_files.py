"""Every data file a body shop edits is read one way; the secondary-part rules are estimate data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from _estimate import ASTRA_2018
from partsagent import DamagedPart, EstimateData, InputError, PartsAgent, Vehicle
from partsagent._catalog.manager import BucketManager
from partsagent._datafile import DataFile
from partsagent._planning.llm import LLMPlanner
from partsagent._pricing.estimate._data import EQUIPMENT
from partsagent._pricing.plan import PlanRequest
from partsagent.testing._llm_server import ScriptedOpenAIServer, Step, ToolCall

PACKAGED = EstimateData.load()
#: EstimateData.load's keyword for each file, and the field that holds it.
FILES = {
    "policy": "policy",
    "labour": "labour",
    "adjacency": "adjacency",
    "included_operations": "included",
    "build_cues": "cues",
    "evidence": "evidence",
    "secondary_parts": "secondary_parts",
}
SEVERE_BUMPER = [{"component": "front bumper", "severity": "severe"}]
SHOP_RULES: dict[str, Any] = {
    "format": "partsagent-propagation-rules/1",
    "rules": [
        {
            "id": "shop-bumper",
            "when": ["Front Bumper Cover"],
            "min_severity": "minor",
            "add": [{"category": "Bumper Clips", "reason": "secondary", "why": "Shop rule."}],
        }
    ],
}


def packaged_json(field: str) -> dict[str, Any]:
    """The packaged file behind ``field``, as a dict to edit."""
    data: dict[str, Any] = json.loads(getattr(PACKAGED, field).model_dump_json(by_alias=True))
    return data


@pytest.fixture
def shop_rules(tmp_path: Path) -> Path:
    path = tmp_path / "shop-rules.json"
    path.write_text(json.dumps(SHOP_RULES))
    return path


@pytest.mark.parametrize("keyword", [*FILES, "rates"])
def test_a_broken_file_is_refused_the_same_way(keyword: str, tmp_path: Path) -> None:
    """Each file of one's own that breaks its schema is an InputError naming it and the field."""
    path = tmp_path / f"{keyword}.json"
    path.write_text(json.dumps({"format": "not-a-format"}))
    with pytest.raises(InputError, match=rf"{keyword}\.json is not a valid \w+ file: format"):
        EstimateData.load(**{keyword: path})


@pytest.mark.parametrize("keyword", [*FILES, "rates"])
def test_a_missing_file_is_refused_the_same_way(keyword: str, tmp_path: Path) -> None:
    """A path that cannot be read is an InputError naming it, whichever file it stands for."""
    path = tmp_path / "absent.json"
    with pytest.raises(InputError, match=r"cannot read '.*absent\.json'"):
        EstimateData.load(**{keyword: path})


def test_packaged_files_are_read_once_into_one_frozen_base() -> None:
    """Two loads share every packaged value, and each is a frozen DataFile."""
    again = EstimateData.load()
    for field in [*FILES.values(), "rates"]:
        value = getattr(PACKAGED, field)
        assert getattr(again, field) is value, field
        assert isinstance(value, DataFile), field
        assert value.model_config.get("frozen") is True, field


@pytest.mark.parametrize("keyword", list(FILES))
def test_a_file_of_ones_own_keys_the_data(keyword: str, tmp_path: Path) -> None:
    """Any replaced file gives the data a key of its own, so reports never share a cache entry."""
    path = tmp_path / f"{keyword}.json"
    path.write_text(json.dumps(packaged_json(FILES[keyword])))
    own = EstimateData.load(**{keyword: path})
    assert PACKAGED.key == ""
    assert own.key != ""
    assert getattr(own, FILES[keyword]) == getattr(PACKAGED, FILES[keyword])


def test_an_unknown_required_equipment_is_refused(tmp_path: Path) -> None:
    """A typo in requires_equipment names the file, the rule and the known equipment."""
    data = packaged_json("included")
    rule = next(r for r in data["rules"] if r.get("requires_equipment") == "windscreen_camera")
    rule["requires_equipment"] = "windscreen_camra"
    path = tmp_path / "shop-operations.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as caught:
        EstimateData.load(included_operations=path)
    message = str(caught.value)
    assert "shop-operations.json" in message
    assert f"rule {rule['id']}" in message
    assert "'windscreen_camra'" in message
    assert all(name in message for name in EQUIPMENT)


@pytest.mark.parametrize("key", ["equipment", "equipment_absent"])
def test_an_unknown_build_cue_equipment_is_refused(key: str, tmp_path: Path) -> None:
    """A build cue naming equipment nobody knows is refused, naming the cue."""
    data = packaged_json("cues")
    data["cues"][0][key] = ["rear_parking_sensor"]
    path = tmp_path / "builds.json"
    path.write_text(json.dumps(data))
    cue = data["cues"][0]["id"]
    with pytest.raises(InputError, match=rf"cue {cue} names unknown equipment 'rear_parking_"):
        EstimateData.load(build_cues=path)


def test_an_unknown_evidence_equipment_is_refused(tmp_path: Path) -> None:
    """Equipment words that stand for unknown equipment are refused, naming the entry."""
    data = packaged_json("evidence")
    data["equipment"][0]["equipment"] = ["front_radr"]
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(data))
    entry = data["equipment"][0]["id"]
    with pytest.raises(InputError, match=rf"equipment {entry} names unknown equipment"):
        EstimateData.load(evidence=path)


def test_the_packaged_files_name_only_known_equipment() -> None:
    """The documented list covers every equipment the packaged data names."""
    named = {r.requires_equipment for r in PACKAGED.included.rules} - {None}
    named |= {e for c in PACKAGED.cues.cues for e in (*c.equipment, *c.equipment_absent)}
    named |= {e for q in PACKAGED.evidence.equipment for e in q.equipment}
    assert named == set(EQUIPMENT)


async def test_the_rules_planner_applies_the_datas_secondary_parts(shop_rules: Path) -> None:
    """An agent given its own secondary-part rules adds their parts, not the packaged ones."""
    async with PartsAgent() as packaged:
        before = await packaged.process_damage_report(ASTRA_2018, SEVERE_BUMPER)
    async with PartsAgent(estimate=EstimateData.load(secondary_parts=shop_rules)) as agent:
        after = await agent.process_damage_report(ASTRA_2018, SEVERE_BUMPER)
    rule_lines = {ln.category.name: ln.why for ln in before.lines if ln.reason == "secondary"}
    assert "Front Bumper Reinforcement" in rule_lines
    shop_lines = {ln.category.name: ln.why for ln in after.lines if ln.reason == "secondary"}
    assert shop_lines == {"Bumper Clips": "Shop rule."}


@pytest.fixture
async def catalog() -> AsyncIterator[BucketManager]:
    async with BucketManager() as manager:
        yield manager


async def test_the_llm_planner_applies_the_requests_secondary_parts(
    catalog: BucketManager, shop_rules: Path
) -> None:
    """The model's analyze_damage_propagation call answers from the request's rules."""
    seen: list[str] = []

    def keep_results(body: dict[str, Any]) -> None:
        seen.append(body["messages"][-1]["content"])

    item = {"component": "front bumper", "category_id": "CAT001", "axle": "front",
            "severity": "severe"}  # fmt: skip
    line = {"component": "front bumper", "category_id": "CAT001", "axle": "front",
            "reason": "damaged", "why": "Reported."}  # fmt: skip
    script = [
        Step.tools(ToolCall("resolve_vehicle", ASTRA_2018, id="c1")),
        Step.tools(ToolCall("analyze_damage_propagation", {"items": [item]}, id="c2")),
        Step.tools(ToolCall("submit_parts_list", {"lines": [line]}, id="c3"), check=keep_results),
    ]
    request = PlanRequest(
        vehicle=Vehicle.model_validate(ASTRA_2018),
        damage=[DamagedPart(component="front bumper", severity="severe")],
        market="GB",
        secondary_parts=EstimateData.load(secondary_parts=shop_rules).secondary_parts,
    )
    async with ScriptedOpenAIServer(script, api_key="k") as server:
        planner = LLMPlanner(base_url=server.base_url, api_key="k", model="m", max_retries=0)
        try:
            await planner.plan(catalog, request)
        finally:
            await planner.aclose()
    assert server.failures == []
    additions = json.loads(seen[0])["additions"]
    assert [(a["category_name"], a["why"]) for a in additions] == [("Bumper Clips", "Shop rule.")]
