"""What the model sends is bounded: tool calls per reply, every string, and its time."""

from __future__ import annotations

import time
from typing import Any

import pytest

from partsagent import InputError, PartsAgent, PlannerError
from partsagent.planning import LLMPlanner
from partsagent.testing import ScriptedOpenAIServer, Step, ToolCall

KEY = "test-key"
ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
DAMAGE = [{"component": "Front Bumper Cover", "severity": "severe"}]
LINE = {"component": "Front Bumper Cover", "category_id": "CAT001", "axle": "front",
        "reason": "damaged", "severity": "severe", "why": "Smashed."}  # fmt: skip


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own OpenAI settings out of every test."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PARTSAGENT_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def _planner(server: ScriptedOpenAIServer, **options: Any) -> LLMPlanner:
    return LLMPlanner(
        base_url=server.base_url, api_key=KEY, model="scripted", max_retries=0, **options
    )


def _tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


async def test_tool_calls_per_reply_are_capped() -> None:
    """2,000 calls in one reply: the first max_tool_calls run, and the report says so."""
    seen: list[int] = []

    def count_results(body: dict[str, Any]) -> None:
        assistant = [m for m in body["messages"] if m["role"] == "assistant"][-1]
        seen.append(len(assistant["tool_calls"]))
        seen.append(len(_tool_messages(body)) - 1)  # the resolve_vehicle result is the first

    flood = [ToolCall("map_component", {"component": "bonnet"}) for _ in range(2000)]
    script = [
        Step.tools(ToolCall("resolve_vehicle", ASTRA)),
        Step.tools(*flood),
        Step.tools(ToolCall("submit_parts_list", {"lines": [LINE]}), check=count_results),
    ]
    async with ScriptedOpenAIServer(script, api_key=KEY) as server:
        planner = _planner(server, max_tool_calls=10)
        async with PartsAgent(planner=planner) as agent:
            report = await agent.process_damage_report(ASTRA, DAMAGE)
    assert server.failures == []
    assert seen == [10, 10]  # only the calls run are echoed back, each with its result
    assert sum(1 for e in report.trace if e.get("tool") == "map_component") == 10
    assert any("2000 tool calls" in w and "max_tool_calls" in w for w in report.warnings)


async def test_strings_from_the_model_are_capped() -> None:
    """A long warning, note or reply text is cut to max_model_text, and the report says so."""
    long = "x" * 50_000
    script = [
        Step.tools(ToolCall("resolve_vehicle", ASTRA), content=long),
        Step.tools(
            ToolCall("submit_parts_list", {"lines": [LINE], "warnings": [long, "short one"]})
        ),
    ]
    async with ScriptedOpenAIServer(script, api_key=KEY) as server:
        planner = _planner(server, max_model_text=300)
        async with PartsAgent(planner=planner) as agent:
            report = await agent.process_damage_report(ASTRA, DAMAGE)
    assert server.failures == []
    assert "short one" in report.warnings
    assert all(len(w) <= 400 for w in report.warnings)
    assert any(w.startswith("x" * 300) for w in report.warnings)
    assert any("max_model_text" in w for w in report.warnings)
    assert all(len(str(e.get("content", ""))) <= 400 for e in report.trace)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"max_tool_calls": 0}, id="max_tool_calls"),
        pytest.param({"max_model_text": "500"}, id="max_model_text"),
        pytest.param({"max_steps": 2.5}, id="max_steps"),
        pytest.param({"timeout": "30"}, id="timeout"),
        pytest.param({"max_retries": -1}, id="max_retries"),
        pytest.param({"temperature": "hot"}, id="temperature"),
        pytest.param({"model": 4}, id="model"),
        pytest.param({"base_url": 8080}, id="base_url"),
    ],
)
def test_options_are_checked(options: dict[str, Any]) -> None:
    """Every option of the wrong type or value is an InputError naming it."""
    with pytest.raises(InputError, match=next(iter(options))):
        LLMPlanner(api_key=KEY, **options)


async def test_unknown_llm_option_is_an_input_error() -> None:
    """An llm_options key LLMPlanner does not take is an InputError, not a TypeError."""
    with pytest.warns(DeprecationWarning, match="llm_options"):
        agent = PartsAgent(planner="llm", llm_options={"api_key": KEY, "max_stepz": 3})
    async with agent:
        with pytest.raises(InputError, match="max_stepz"):
            await agent.process_damage_report(ASTRA, DAMAGE)


async def test_a_hanging_model_is_a_planner_error_within_the_report_deadline() -> None:
    """A model that never answers is a PlannerError at the report deadline, not a catalog error."""
    async with ScriptedOpenAIServer([Step.text("too late", delay=60)], api_key=KEY) as server:
        planner = _planner(server, timeout=30)
        async with PartsAgent(planner=planner, report_deadline=1.0) as agent:
            started = time.perf_counter()
            with pytest.raises(PlannerError, match="report deadline") as caught:
                await agent.process_damage_report(ASTRA, DAMAGE)
            elapsed = time.perf_counter() - started
    assert "catalog" not in str(caught.value)
    assert elapsed < 10  # bounded by the 1 s report deadline, not the 30 s model timeout
