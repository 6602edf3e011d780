"""The LLM planner against the scripted OpenAI-compatible server and the embedded sample."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import anyio
import pytest
from structlog.testing import capture_logs

from partsagent import DamagedPart, InputError, PlannerError, Position, Severity, Vehicle
from partsagent._agent import PartsAgent
from partsagent._catalog.manager import BucketManager
from partsagent._metrics import capture_metrics, collect_performance
from partsagent._planning.llm import LLMPlanner
from partsagent._planning.rules import RulesPlanner
from partsagent._pricing.plan import PlanRequest
from partsagent._pricing.search import PartNeed, search_parts
from partsagent.catalog import LocalBucket, Model, sample_catalog_path
from partsagent.testing._llm_server import ScriptedOpenAIServer, Step, ToolCall

KEY = "test-key"
ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
SEED_DAMAGE = [
    {"component": "Front Bumper Cover", "severity": "severe"},
    {"component": "Headlight Assembly", "severity": "moderate"},
    {"component": "Hood", "severity": "minor"},
]
USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
TOOL_NAMES = {
    "resolve_vehicle",
    "decode_vin",
    "map_component",
    "analyze_damage_propagation",
    "search_parts",
    "check_compatibility",
    "submit_parts_list",
}


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own OpenAI settings out of every test."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "PARTSAGENT_LLM_BASE_URL",
        "PARTSAGENT_LLM_MODEL",
        "OPENAI_CUSTOM_HEADERS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def catalog() -> AsyncIterator[BucketManager]:
    """A BucketManager on the embedded sample catalog."""
    async with BucketManager() as manager:
        yield manager


def request_for(damage: Any = None) -> PlanRequest:
    parts = damage if damage is not None else [DamagedPart.model_validate(d) for d in SEED_DAMAGE]
    return PlanRequest(vehicle=Vehicle.model_validate(ASTRA), damage=parts, market="GB")


def planner_for(server: ScriptedOpenAIServer, **options: Any) -> LLMPlanner:
    options.setdefault("max_retries", 0)
    return LLMPlanner(base_url=server.base_url, api_key=KEY, model="scripted", **options)


def tool_results(body: dict[str, Any]) -> dict[str, Any]:
    """The tool messages at the end of a request, by tool_call_id, decoded."""
    out: dict[str, Any] = {}
    for message in reversed(body["messages"]):
        if message["role"] != "tool":
            break
        out[message["tool_call_id"]] = json.loads(message["content"])
    return out


def expect_results(*ids: str, contains: str = "") -> Callable[[dict[str, Any]], None]:
    """A check: the previous calls' results came back, in order, with matching ids."""

    def check(body: dict[str, Any]) -> None:
        assert body["temperature"] == 0.2
        assert body["model"] == "scripted"
        assert {t["function"]["name"] for t in body["tools"]} == TOOL_NAMES
        results = tool_results(body)
        assert list(results) == list(reversed(ids))
        assert contains in json.dumps(results)
        calls = body["messages"][-len(ids) - 1]
        assert calls["role"] == "assistant"
        assert [c["id"] for c in calls["tool_calls"]] == list(ids)

    return check


def check_first(body: dict[str, Any]) -> None:
    assert body["temperature"] == 0.2
    assert {t["function"]["name"] for t in body["tools"]} == TOOL_NAMES
    assert all(t["type"] == "function" for t in body["tools"])
    system, user = body["messages"]
    assert system["role"] == "system"
    assert "submit_parts_list" in system["content"]
    assert "Front Bumper Cover" in user["content"]
    assert "Vauxhall" in user["content"]


SEED_LINES = [
    {"component": "Front Bumper Cover", "category_id": "CAT001", "axle": "front",
     "reason": "damaged", "why": "Reported severe damage."},
    {"component": "Headlight Assembly", "category_id": "CAT002", "axle": "front",
     "reason": "damaged", "why": "Reported moderate damage."},
    {"component": "Hood", "category_id": "CAT003", "axle": "front", "reason": "damaged",
     "why": "Reported minor damage."},
    {"component": "Front Bumper Cover", "category_id": "CAT035", "reason": "consumable",
     "quantity": 2, "why": "Paint for the new bumper."},
]  # fmt: skip


def seed_script() -> list[Step]:
    return [
        Step.tools(
            ToolCall("resolve_vehicle", ASTRA, id="call_resolve"), usage=USAGE, check=check_first
        ),
        Step.tools(
            ToolCall("map_component", {"component": "Front Bumper Cover"}, id="call_map1"),
            ToolCall("map_component", {"component": "Headlight Assembly"}, id="call_map2"),
            usage=USAGE,
            check=expect_results("call_resolve", contains="127445"),
        ),
        Step.tools(
            ToolCall(
                "search_parts",
                {"needs": [{"category_id": c, "axle": "front"} for c in ("CAT001", "CAT002")]},
                id="call_search",
            ),
            usage=USAGE,
            check=expect_results("call_map1", "call_map2", contains="CAT002"),
        ),
        Step.tools(
            ToolCall("submit_parts_list", {"lines": SEED_LINES}, id="call_submit"),
            content="Here is the parts list.",
            usage=USAGE,
            check=expect_results("call_search", contains="article_id"),
        ),
    ]


async def test_seed_scenario_through_the_agent() -> None:
    """The seed report planned by the model is priced from the catalog with trace and usage."""
    async with (
        ScriptedOpenAIServer(seed_script(), api_key=KEY) as server,
        PartsAgent(
            planner=LLMPlanner(base_url=server.base_url, api_key=KEY, model="scripted"),
        ) as agent,
    ):
        report = await agent.process_damage_report(ASTRA, SEED_DAMAGE)
        variant_ids = [v.id for v in report.vehicle.variants]
        expected = await search_parts(
            agent.catalog,
            "117",
            variant_ids,
            [
                PartNeed(category_id=c, position=Position(axle="front"))
                for c in ("CAT001", "CAT003")
            ],
        )
    assert server.failures == []
    assert server.remaining == 0
    assert report.planner == "llm"
    assert report.vehicle.model.name == "ASTRA"
    assert set(variant_ids) >= {"127445", "127446"}
    assert {ln.source for ln in report.lines} == {"llm"}
    by_cat = {ln.category.id: ln for ln in report.lines}
    # The scuffed hood is refinished, not bought; the model's paint tins are paint materials.
    assert set(by_cat) == {"CAT001", "CAT002"}
    assert by_cat["CAT001"].category.name == "Front Bumper Cover"
    assert by_cat["CAT001"].price.amount == expected[0].options[0].article.price.amount
    assert any("Paint" in w and "refinish hour" in w for w in report.warnings)
    ops = {(op.operation, op.category.id) for op in report.operations}
    assert {("replace", "CAT001"), ("refinish", "CAT003"), ("sublet", "CAT002")} <= ops
    assert {op.source for op in report.operations} == {"llm"}
    assert report.totals.parts.amount == sum(
        (ln.line_total.amount for ln in report.lines), Decimal()
    )
    assert report.performance["llm_usage"] == {
        "prompt_tokens": 400,
        "completion_tokens": 80,
        "total_tokens": 480,
    }
    tools = [(e["step"], e.get("tool")) for e in report.trace if "tool" in e]
    assert tools == [
        (1, "resolve_vehicle"),
        (2, "map_component"),
        (2, "map_component"),
        (3, "search_parts"),
        (4, "submit_parts_list"),
    ]
    assert all("result" in e and e["duration_ms"] >= 0 for e in report.trace if "tool" in e)
    assert {"step": 4, "content": "Here is the parts list."} in report.trace


async def test_tool_messages_follow_the_calls(catalog: BucketManager) -> None:
    """Each tool result goes back with its call's id, after the assistant message that made it."""
    async with ScriptedOpenAIServer(seed_script(), api_key=KEY) as server:
        planner = planner_for(server)
        plan = await planner.plan(catalog, request_for())
        await planner.aclose()
    assert server.failures == []
    last = server.requests[-1]["messages"]
    roles = [m["role"] for m in last]
    assert roles == ["system", "user"] + ["assistant", "tool"] + ["assistant", "tool", "tool"] + [
        "assistant",
        "tool",
    ]
    mapped = tool_results(server.requests[2])
    assert mapped["call_map1"]["category"] == {"id": "CAT001", "name": "Front Bumper Cover"}
    assert mapped["call_map2"]["category"]["id"] == "CAT002"
    assert [n.source for n in plan.needs] == ["llm"] * 4
    assert plan.needs[0].severity is Severity.SEVERE
    assert plan.needs[2].severity is Severity.MINOR
    assert plan.resolution.model is not None
    assert plan.resolution.model.name == "ASTRA"


async def test_mistakes_go_back_to_the_model(catalog: BucketManager) -> None:
    """Bad JSON, unknown tools, missing fields, tool errors, unknown ids: the model fixes them."""

    def first_errors(body: dict[str, Any]) -> None:
        results = tool_results(body)
        assert results["c_json"]["error"]["type"] == "InvalidArguments"
        assert "JSON" in results["c_json"]["error"]["message"]
        assert results["c_tool"]["error"]["type"] == "UnknownTool"
        assert results["c_missing"]["error"]["type"] == "InvalidArguments"
        assert "vin" in results["c_missing"]["error"]["message"]
        assert results["c_make"]["error"]["type"] == "InputError"
        assert results["c_early"]["error"]["type"] == "VehicleNotResolved"

    def unknown_category(body: dict[str, Any]) -> None:
        error = tool_results(body)["c_submit1"]["error"]
        assert error["type"] == "UnknownCategory"
        assert "CAT999" in error["message"]

    script = [
        Step.tools(
            ToolCall("resolve_vehicle", '{"make": "Vauxhall", "model": ', id="c_json"),
            ToolCall("lookup_price", {"part": "bumper"}, id="c_tool"),
            ToolCall("decode_vin", {}, id="c_missing"),
            ToolCall("resolve_vehicle", {"make": "Zzyzxwq", "model": "Qq"}, id="c_make"),
            ToolCall("map_component", {"component": "bumper"}, id="c_early"),
        ),
        Step.tools(ToolCall("resolve_vehicle", ASTRA, id="c_resolve"), check=first_errors),
        Step.tools(
            ToolCall(
                "submit_parts_list",
                {"lines": [{"component": "bumper", "category_id": "CAT999", "reason": "damaged"}]},
                id="c_submit1",
            )
        ),
        Step.tools(
            ToolCall(
                "submit_parts_list",
                {"lines": [{"component": "bumper", "category_id": "CAT001", "reason": "damaged"}]},
                id="c_submit2",
            ),
            check=unknown_category,
        ),
    ]
    async with ScriptedOpenAIServer(script, api_key=KEY) as server:
        planner = planner_for(server)
        plan = await planner.plan(catalog, request_for())
        await planner.aclose()
    assert server.failures == []
    assert [(n.category.id, n.category.name) for n in plan.needs] == [
        ("CAT001", "Front Bumper Cover")
    ]
    errors = [e for e in plan.trace if "error" in e]
    assert len(errors) == 6
    assert errors[0]["arguments"] == '{"make": "Vauxhall", "model": '


async def test_step_limit_raises_planner_error(catalog: BucketManager) -> None:
    """A model that never submits stops at max_steps with a PlannerError."""
    script = [Step.text("Let me think."), Step.text("Still thinking.")]
    async with ScriptedOpenAIServer(script, api_key=KEY) as server:
        planner = planner_for(server, max_steps=2)
        with pytest.raises(PlannerError, match="within 2 steps"):
            await planner.plan(catalog, request_for())
        await planner.aclose()
    assert server.failures == []
    nudge = server.requests[1]["messages"][-1]
    assert nudge["role"] == "user"
    assert "submit_parts_list" in nudge["content"]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        pytest.param(500, "HTTP 500", id="server-error"),
        pytest.param(429, "rate limiting", id="rate-limited"),
        pytest.param(401, "refused the API key", id="unauthorized"),
    ],
)
async def test_api_errors_become_planner_errors(
    catalog: BucketManager, status: int, words: str
) -> None:
    """HTTP errors of the endpoint are one readable PlannerError with the status."""
    async with ScriptedOpenAIServer([Step.fail(status, "scripted outage")]) as server:
        planner = planner_for(server)
        with pytest.raises(PlannerError, match=words) as caught:
            await planner.plan(catalog, request_for())
        await planner.aclose()
    assert str(status) in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None  # the openai error may hold the key
    assert len(server.requests) == 1


_CALL = {"id": "c1", "type": "function"}
BROKEN_BODIES = [
    pytest.param(Step.raw('{"id": "chatcmpl-1", "object": "chat.comp'), id="truncated-json"),
    pytest.param(
        Step.raw("<html><body>502 Bad Gateway</body></html>", content_type="text/html"),
        id="html",
    ),
    pytest.param(Step.raw("<html>oops</html>"), id="html-said-json"),
    pytest.param(Step.raw(""), id="empty-body"),
    pytest.param(Step.raw("null"), id="null"),
    pytest.param(Step.raw("[1, 2]"), id="a-list"),
    pytest.param(Step.raw('{"choices": "none"}'), id="choices-not-a-list"),
    pytest.param(Step.raw('{"choices": [{"message": 7}]}'), id="message-not-an-object"),
    pytest.param(
        Step.raw(
            json.dumps(
                {
                    "choices": [
                        {
                            "message": {
                                "role": "assistant",
                                "tool_calls": [
                                    {**_CALL, "function": {"name": "x", "arguments": {"a": 1}}}
                                ],
                            }
                        }
                    ]
                }
            )
        ),
        id="arguments-not-a-string",
    ),
    pytest.param(
        Step.raw(json.dumps({"choices": [{"message": {"tool_calls": [_CALL]}}]})),
        id="call-without-function",
    ),
    pytest.param(
        Step.raw(json.dumps({"choices": [{"message": {"tool_calls": "resolve_vehicle"}}]})),
        id="tool-calls-not-a-list",
    ),
    pytest.param(
        Step.raw(
            json.dumps(
                {
                    "choices": [{"message": {"role": "assistant", "content": "hi"}}],
                    "usage": {"total_tokens": "many"},
                }
            )
        ),
        id="usage-wrong-type",
    ),
]


@pytest.mark.parametrize("step", BROKEN_BODIES)
async def test_broken_replies_become_planner_errors(catalog: BucketManager, step: Step) -> None:
    """Any reply the client cannot use is one PlannerError naming the endpoint, nothing chained."""
    async with ScriptedOpenAIServer([step], api_key=KEY) as server:
        planner = planner_for(server)
        with pytest.raises(PlannerError) as caught:
            await planner.plan(catalog, request_for())
        await planner.aclose()
    assert server.failures == []
    assert len(server.requests) == 1
    message = str(caught.value)
    assert "scripted" in message
    assert server.base_url in message
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


async def test_slow_endpoint_times_out(catalog: BucketManager) -> None:
    """An endpoint slower than ``timeout`` gives a PlannerError instead of hanging."""
    async with ScriptedOpenAIServer([Step.text("too late", delay=30)]) as server:
        planner = planner_for(server, timeout=0.5)
        with pytest.raises(PlannerError, match=r"within 0\.5s"):
            await planner.plan(catalog, request_for())
        await planner.aclose()
    assert server.failures == []


async def test_missing_api_key_is_a_clear_error(catalog: BucketManager) -> None:
    """Without a key the LLM planner says what to set; the rules planner needs none."""
    async with PartsAgent(catalog, planner=LLMPlanner(model="scripted")) as agent:
        with pytest.raises(PlannerError, match="OPENAI_API_KEY"):
            await agent.process_damage_report(ASTRA, SEED_DAMAGE)
        report = await agent.process_damage_report(ASTRA, SEED_DAMAGE, planner="rules")
    assert report.planner == "rules"
    assert report.lines


async def test_api_key_and_base_url_from_the_environment(
    catalog: BucketManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OPENAI_API_KEY, PARTSAGENT_LLM_BASE_URL and PARTSAGENT_LLM_MODEL configure the planner."""
    async with ScriptedOpenAIServer(seed_script(), api_key="env-key") as server:
        monkeypatch.setenv("OPENAI_API_KEY", "env-key")
        monkeypatch.setenv("PARTSAGENT_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("PARTSAGENT_LLM_MODEL", "scripted")
        planner = LLMPlanner(max_retries=0)
        plan = await planner.plan(catalog, request_for())
        await planner.aclose()
    assert server.failures == []
    assert planner.model == "scripted"
    assert len(plan.needs) == 4


async def test_api_key_never_shown(
    catalog: BucketManager, caplog: pytest.LogCaptureFixture
) -> None:
    """The key is absent from the repr, the logs, the metrics and errors, even if echoed back."""
    secret = "sk-test-SECRET-0123456789"
    script = [
        *seed_script(),
        Step.fail(401, f"Incorrect API key provided: {secret}."),
    ]
    caplog.set_level(logging.DEBUG)
    async with ScriptedOpenAIServer(script, api_key=secret) as server:
        planner = LLMPlanner(
            base_url=server.base_url, api_key=secret, model="scripted", max_retries=0
        )
        with capture_logs() as logs, capture_metrics() as events:
            await planner.plan(catalog, request_for())
            with pytest.raises(PlannerError) as caught:
                await planner.plan(catalog, request_for())
        await planner.aclose()
    assert server.failures == []
    assert events, "the planner emitted no metric event to check"
    shown = [
        repr(planner),
        str(planner.__dict__),
        str(caught.value),
        repr(logs),
        repr(events),
        caplog.text,
    ]
    assert all(secret not in text for text in shown)
    assert "HTTP 401" in str(caught.value)


async def test_metrics_and_usage(catalog: BucketManager) -> None:
    """Each model call is timed as llm.chat and its tokens counted as llm.tokens."""
    async with ScriptedOpenAIServer(seed_script(), api_key=KEY) as server:
        planner = planner_for(server)
        with capture_metrics() as events, collect_performance() as perf:
            plan = await planner.plan(catalog, request_for())
        await planner.aclose()
    chats = [e for e in events if e["event"] == "partsagent.llm.chat"]
    assert len(chats) == 4
    assert all(e["outcome"] == "ok" for e in chats)
    snapshot = perf.snapshot()
    assert snapshot["counters"]["llm.tokens"] == 480
    assert snapshot["operations"]["llm.chat"]["calls"] == 4
    assert plan.usage["total_tokens"] == 480


async def test_unresolved_vehicle_is_resolved_from_the_request(catalog: BucketManager) -> None:
    """A model that submits without resolving still gets a resolution, with a warning."""
    line = {"component": "bumper", "category_id": "CAT001", "reason": "damaged", "axle": "front"}
    script = [Step.tools(ToolCall("submit_parts_list", {"lines": [line]}))]
    async with ScriptedOpenAIServer(script, api_key=KEY) as server:
        planner = planner_for(server)
        plan = await planner.plan(catalog, request_for())
        await planner.aclose()
    assert server.failures == []
    assert plan.resolution.status == "resolved"
    assert plan.resolution.variants
    assert [w.code for w in plan.warnings if not isinstance(w, str)] == ["vehicle_from_request"]


def free_text_responder(body: dict[str, Any]) -> dict[str, Any]:
    """A model that reads the tool results and decides the next call, like a real one."""
    messages = body["messages"]
    usage = {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}
    results = tool_results(body)
    if len(messages) == 2:
        assert "front bumper smashed, bonnet dented" in messages[1]["content"]
        call = ToolCall("resolve_vehicle", ASTRA).wire()
        return {"tool_calls": [call], "usage": usage}
    if any("variants" in r for r in results.values()):
        calls = [
            ToolCall("map_component", {"component": c}).wire() for c in ("front bumper", "bonnet")
        ]
        return {"tool_calls": calls, "usage": usage}
    lines = [
        {
            "component": r["component"],
            "category_id": r["category"]["id"],
            "axle": r["axle"],
            "side": r["side"],
            "reason": "damaged",
            # As a model reads the words: "smashed" is severe, "dented" moderate.
            "severity": {"front bumper": "severe", "bonnet": "moderate"}[r["component"]],
        }
        for r in results.values()
    ]
    submit = ToolCall("submit_parts_list", {"lines": lines})
    return {"content": None, "tool_calls": [submit.wire()], "usage": usage}


async def test_llm_reports_go_through_the_same_estimate() -> None:
    """The model's parts get the operations, hours and amounts the rules would give them."""
    async with (
        ScriptedOpenAIServer(seed_script(), api_key=KEY) as server,
        PartsAgent(
            planner=LLMPlanner(base_url=server.base_url, api_key=KEY, model="scripted"),
        ) as agent,
    ):
        llm = await agent.process_damage_report(ASTRA, SEED_DAMAGE)
        rules = await agent.process_damage_report(ASTRA, SEED_DAMAGE, planner="rules")
    assert server.failures == []

    def estimate(report: Any) -> set[tuple[Any, ...]]:
        return {
            (op.operation, op.category.id, op.position.side, op.hours, op.amount, op.rule)
            for op in report.operations
            if op.category.id in {"CAT001", "CAT002", "CAT003", "CAT016"}
        }

    assert estimate(llm) == estimate(rules)
    assert {op.source for op in llm.operations} == {"llm"}
    assert {op.source for op in rules.operations} == {"rule"}
    for report in (llm, rules):
        t = report.totals
        assert t.total.amount == t.net.amount + t.tax.amount
        assert t.net.amount == sum(
            (m.amount for m in (t.parts, t.consumables, t.labour, t.paint_materials, t.sublet)),
            Decimal(),
        )


async def test_free_text_with_the_llm_planner() -> None:
    """Free-text damage reaches the model as is and a responder-driven run prices it."""
    text = "front bumper smashed, bonnet dented"
    async with (
        ScriptedOpenAIServer(free_text_responder, api_key=KEY) as server,
        PartsAgent(
            planner=LLMPlanner(base_url=server.base_url, api_key=KEY, model="scripted"),
        ) as agent,
    ):
        report = await agent.process_damage_report(ASTRA, text)
    assert server.failures == []
    assert len(server.requests) == 3
    assert [ln.category.id for ln in report.lines] == ["CAT001"]  # the bonnet is repaired
    ops = [(op.operation, op.category.id) for op in report.operations]
    assert ("replace", "CAT001") in ops
    assert {("repair", "CAT003"), ("refinish", "CAT003")} <= set(ops)
    assert report.planner == "llm"
    assert report.performance["llm_usage"]["total_tokens"] == 180


async def test_scripted_server_records_requests_beyond_the_script(catalog: BucketManager) -> None:
    """A request the script did not expect is answered 500 and recorded as a failure."""
    async with ScriptedOpenAIServer([Step.text("hello")]) as server:
        planner = planner_for(server, max_steps=3)
        with pytest.raises(PlannerError, match="HTTP 500"):
            await planner.plan(catalog, request_for())
        await planner.aclose()
    assert len(server.failures) == 1
    assert "beyond the script" in server.failures[0]


def wrong_temperature(body: dict[str, Any]) -> None:
    assert body["temperature"] == 0.9, "temperature"


@pytest.mark.parametrize(
    ("step", "server_key", "failure"),
    [
        pytest.param(Step.text("hi", check=wrong_temperature), KEY, "check failed", id="check"),
        pytest.param(Step.text("hi"), "other-key", "Authorization", id="api-key"),
    ],
)
async def test_scripted_server_records_failed_checks(
    catalog: BucketManager, step: Step, server_key: str, failure: str
) -> None:
    """A failed check or a wrong key is answered 500 and recorded, so no test passes by accident."""
    async with ScriptedOpenAIServer([step], api_key=server_key) as server:
        planner = planner_for(server, max_steps=1)
        with pytest.raises(PlannerError, match="HTTP 500"):
            await planner.plan(catalog, request_for())
        await planner.aclose()
    assert len(server.failures) == 1
    assert failure in server.failures[0]
    assert KEY not in server.failures[0]


class GatedBucket(LocalBucket):
    """The sample, but each models() read waits until two makes are being read at once."""

    def __init__(self) -> None:
        super().__init__(sample_catalog_path())
        self.reading: set[str] = set()
        self.both = anyio.Event()

    async def models(self, mid: str) -> tuple[Model, ...]:
        self.reading.add(mid)
        if len(self.reading) == 2:
            self.both.set()
        with anyio.fail_after(10):  # a guard against a hang, should the calls run one by one
            await self.both.wait()
        return await super().models(mid)


async def test_parallel_tool_calls_run_concurrently() -> None:
    """Two calls in one message overlap; the later call in the message decides the vehicle."""
    ford = {"make": "Ford", "model": "Focus", "year": 2019}
    line = {"component": "bumper", "category_id": "CAT001", "reason": "damaged", "axle": "front"}
    script = [
        Step.tools(
            ToolCall("resolve_vehicle", ford, id="c_ford"),
            ToolCall("resolve_vehicle", ASTRA, id="c_astra"),
        ),
        Step.tools(
            ToolCall("submit_parts_list", {"lines": [line]}),
            check=expect_results("c_ford", "c_astra", contains="FOCUS"),
        ),
    ]
    source = GatedBucket()
    async with (
        ScriptedOpenAIServer(script, api_key=KEY) as server,
        BucketManager(source) as catalog,
    ):
        planner = planner_for(server)
        plan = await planner.plan(catalog, request_for())
        await planner.aclose()
    assert server.failures == []
    assert source.reading == {"117", "36"}
    assert all("result" in e for e in plan.trace)
    assert plan.resolution.model is not None
    assert plan.resolution.model.name == "ASTRA"


def _saloon_script() -> list[Step]:
    """A model that resolves the Astra and submits a line whose words say 'saloon'."""
    line = {"component": "saloon boot lid", "category_id": "CAT003", "axle": "front",
            "reason": "damaged", "why": "The saloon's bonnet."}  # fmt: skip
    return [
        Step.tools(ToolCall("resolve_vehicle", ASTRA, id="call_resolve")),
        Step.tools(ToolCall("submit_parts_list", {"lines": [line]}, id="call_submit")),
    ]


async def test_the_build_is_read_from_the_callers_words_not_the_models(
    catalog: BucketManager,
) -> None:
    """Both planners' plans carry the same build, read from the request: the model's
    own words ('saloon boot lid') choose nothing."""
    request = PlanRequest(
        vehicle=Vehicle.model_validate(ASTRA),
        damage=[DamagedPart(component="estate bonnet dented", severity=Severity.MODERATE)],
        market="GB",
    )
    async with ScriptedOpenAIServer(_saloon_script(), api_key=KEY) as server:
        planner = planner_for(server)
        plan = await planner.plan(catalog, request)
        await planner.aclose()
    assert server.failures == []
    assert plan.build is not None
    assert [(c.id, c.words) for c in plan.build.words.cues] == [("estate", "estate")]
    rules = await RulesPlanner().plan(catalog, request)
    assert rules.build == plan.build


async def test_a_variant_not_built_is_the_callers_error_not_the_models(
    catalog: BucketManager,
) -> None:
    """A variant id the vehicle lacks is an InputError, not a tool error the model retries."""
    request = PlanRequest(
        vehicle=Vehicle.model_validate({**ASTRA, "variant_id": "999999"}),
        damage=[DamagedPart(component="bonnet", severity=Severity.MODERATE)],
        market="GB",
    )
    async with ScriptedOpenAIServer(_saloon_script(), api_key=KEY) as server:
        planner = planner_for(server)
        with pytest.raises(InputError, match="'999999' is not one of this vehicle's variants"):
            await planner.plan(catalog, request)
        await planner.aclose()
    assert server.remaining == 0
