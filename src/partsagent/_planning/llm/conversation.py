"""One plan with the model: the conversation loop, the tool calls it makes, the submitted list.

The model is untrusted input: bad arguments, unknown tools and unknown
category ids go back to it as a tool error so it can correct itself, and only
a submitted list whose every category exists on the vehicle becomes a Plan.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import orjson
from openai.types.chat import ChatCompletion, ChatCompletionMessageFunctionToolCall
from pydantic import BaseModel, ValidationError

from ..._catalog.manager import BucketManager
from ..._exceptions import PartsAgentError, PlannerError
from ..._metrics import count, timer
from ..._models import Category, DamagedPart, Position, ReportWarning, Severity
from ..._pricing.plan import Need, Plan, PlanRequest
from ..._pricing.propagation import MappedDamage, analyze_damage_propagation
from ..._pricing.report import CategoryRef
from ..._pricing.search import PartNeed, check_compatibility, search_parts
from ..._reading.components import match_component
from ..._reading.vehicle import VehicleResolution, resolve_vehicle
from ..._reading.vin import decode_vin
from ..rules import categories_for, require_resolved
from .client import ChatClient
from .tools import (
    ARGS,
    SYSTEM_PROMPT,
    AnalyzeDamageArgs,
    CheckCompatibilityArgs,
    DecodeVinArgs,
    MapComponentArgs,
    PartsLine,
    ResolveVehicleArgs,
    SearchPartsArgs,
    SubmitPartsListArgs,
    TextCuts,
)

__all__ = ["LLM_CONFIDENCE", "MAX_OPTIONS", "Conversation"]

LLM_CONFIDENCE = 0.8
"""Confidence of a line the model chose: below a clean catalog match, like a rule's."""
MAX_OPTIONS = 3
"""Articles per need shown to the model: enough to see that a part exists and its price."""
_MAX_CANDIDATES = 5
_MAX_ARGUMENTS = 100_000
"""Characters of one tool call's JSON arguments: a full parts list takes a tenth of it."""


class _ToolError(Exception):
    """A tool call the model must fix; its message goes back to the model."""

    def __init__(self, message: str, type_: str = "InvalidArguments") -> None:
        super().__init__(message)
        self.type = type_


@dataclass(slots=True)
class _Outcome:
    call_id: str
    name: str
    content: str
    entry: dict[str, Any]
    submitted: Plan | None = None
    resolution: VehicleResolution | None = None


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _error(type_: str, message: str) -> dict[str, Any]:
    return {"type": type_, "message": message}


def _validation_message(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False)[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        problems.append(f"{where}: {err['msg']}")
    return "; ".join(problems)


def _vehicle_json(r: VehicleResolution) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": r.status,
        "manufacturer": r.manufacturer.model_dump(mode="json") if r.manufacturer else None,
        "model": {"id": r.model.id, "name": r.model.name} if r.model else None,
        "year": r.year,
        "variants": [
            {"id": v.id, "name": v.name, "engine": v.engine, "fuel": v.fuel, "body": v.body}
            for v in r.variants
        ],
        "resolved_by": r.resolved_by,
        "score": r.score,
    }
    if r.notes:
        out["notes"] = list(r.notes)
    if r.candidates:
        out["candidates"] = [c.model_dump(mode="json") for c in r.candidates[:_MAX_CANDIDATES]]
    return out


class Conversation:
    """The state of one plan: messages, the resolved vehicle, the trace and the usage."""

    def __init__(
        self,
        chat: ChatClient,
        max_steps: int,
        catalog: BucketManager,
        request: PlanRequest,
        *,
        max_tool_calls: int,
        max_model_text: int,
    ) -> None:
        self.chat = chat
        self.max_steps = max_steps
        self.max_tool_calls = max_tool_calls
        self._cuts = TextCuts(max_model_text)
        self._capped: list[ReportWarning] = []
        self.catalog = catalog
        self.request = request
        self.resolution: VehicleResolution | None = None
        self._categories: dict[tuple[str, ...], list[Category]] = {}
        self._unread: list[ReportWarning] = []
        self.trace: list[dict[str, Any]] = []
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        self.messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": self._user_message()},
        ]
        self._severities: dict[str, Severity] = {}
        self._tools: dict[str, Callable[[Any], Awaitable[Any]]] = {
            "decode_vin": self._decode_vin,
            "map_component": self._map_component,
            "analyze_damage_propagation": self._analyze,
            "search_parts": self._search_parts,
            "check_compatibility": self._check_compatibility,
        }

    def _user_message(self) -> str:
        r = self.request
        vehicle = _dumps(r.vehicle.model_dump(mode="json", exclude_none=True))
        if isinstance(r.damage, str):
            damage = f"Damage, as described by the customer:\n{r.damage}"
        else:
            damage = "Damaged components:\n" + _dumps([p.model_dump(mode="json") for p in r.damage])
        return f"Market: {r.market}\nVehicle: {vehicle}\n{damage}"

    async def execute(self) -> Plan:
        for step in range(1, self.max_steps + 1):
            completion = await self.chat.complete(self.messages, step)
            self._count_usage(completion)
            if not completion.choices:
                raise PlannerError(
                    f"the model {self.chat.model!r} returned no choice at step {step}"
                )
            message = completion.choices[0].message
            calls = [
                c
                for c in message.tool_calls or ()
                if isinstance(c, ChatCompletionMessageFunctionToolCall)
            ]
            if len(calls) > self.max_tool_calls:
                # Only the calls run are echoed back, so every call sent has its result.
                self._capped.append(
                    ReportWarning(
                        code="model_capped",
                        message=f"the model asked for {len(calls)} tool calls in one reply; "
                        f"only the first {self.max_tool_calls} were run (max_tool_calls)",
                    )
                )
                calls = calls[: self.max_tool_calls]
            content = self._cuts(message.content) if message.content else message.content
            assistant: dict[str, Any] = {"role": "assistant", "content": content}
            if calls:
                assistant["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.function.name, "arguments": c.function.arguments},
                    }
                    for c in calls
                ]
            self.messages.append(assistant)
            if content:
                self.trace.append({"step": step, "content": content})
            if not calls:
                self.messages.append(
                    {
                        "role": "user",
                        "content": "Finish by calling submit_parts_list with the parts list.",
                    }
                )
                continue
            plan = await self._run_calls(step, calls)
            if plan is not None:
                plan.trace = self.trace
                plan.usage = dict(self.usage)
                return plan
        raise PlannerError(
            f"the model did not submit a parts list within {self.max_steps} steps; "
            "raise LLMPlanner(max_steps=...) or use planner='rules'"
        )

    def _count_usage(self, completion: ChatCompletion) -> None:
        usage = completion.usage
        if usage is None:  # some compatible endpoints do not report usage
            return
        self.usage["prompt_tokens"] += usage.prompt_tokens
        self.usage["completion_tokens"] += usage.completion_tokens
        self.usage["total_tokens"] += usage.total_tokens
        count("llm.tokens", usage.total_tokens)

    async def _run_calls(
        self, step: int, calls: Sequence[ChatCompletionMessageFunctionToolCall]
    ) -> Plan | None:
        """Run the calls of one message concurrently; submit_parts_list after the others."""
        outcomes: list[_Outcome | None] = [None] * len(calls)
        bugs: list[BaseException] = []

        async def run(i: int) -> None:
            try:
                outcomes[i] = await self._call(step, calls[i])
            except Exception as exc:  # a bug, not the model's mistake: re-raised below
                bugs.append(exc)

        submits = [i for i, c in enumerate(calls) if c.function.name == "submit_parts_list"]
        async with anyio.create_task_group() as tg:
            for i in range(len(calls)):
                if i not in submits:
                    tg.start_soon(run, i)
        if bugs:
            raise bugs[0]
        # The last resolve_vehicle in call order wins, whichever finished last.
        for outcome in outcomes:
            if outcome is not None and outcome.resolution is not None:
                self.resolution = outcome.resolution
        for i in submits:
            await run(i)
            if bugs:
                raise bugs[0]
        plan: Plan | None = None
        for outcome in outcomes:
            assert outcome is not None
            self.messages.append(
                {"role": "tool", "tool_call_id": outcome.call_id, "content": outcome.content}
            )
            self.trace.append(outcome.entry)
            if plan is None and outcome.submitted is not None:
                plan = outcome.submitted
        return plan

    async def _call(self, step: int, call: ChatCompletionMessageFunctionToolCall) -> _Outcome:
        name: str = self._cuts(call.function.name)
        raw: str = call.function.arguments or ""
        entry: dict[str, Any] = {"step": step, "tool": name, "arguments": raw}
        started = time.perf_counter()
        submitted: Plan | None = None
        resolution: VehicleResolution | None = None
        try:
            args = self._parse(name, raw)
            entry["arguments"] = args.model_dump(mode="json", exclude_none=True)
            async with timer(f"llm.tool.{name}"):
                if isinstance(args, SubmitPartsListArgs):
                    submitted = await self._submit(args)
                    result: Any = {"accepted": len(submitted.needs)}
                elif isinstance(args, ResolveVehicleArgs):
                    result, resolution = await self._resolve_vehicle(args)
                else:
                    result = await self._tools[name](args)
            entry["result"] = result
            content = _dumps(result)
        except (_ToolError, PartsAgentError) as exc:
            if isinstance(entry["arguments"], str):  # not parsed: kept as sent, cut
                entry["arguments"] = self._cuts(entry["arguments"])
            type_ = exc.type if isinstance(exc, _ToolError) else type(exc).__name__
            err = _error(type_, str(exc))
            entry["error"] = err
            content = _dumps({"error": err})
        entry["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return _Outcome(call.id, name, content, entry, submitted, resolution)

    def _parse(self, name: str, raw: str) -> BaseModel:
        model = ARGS.get(name)
        if model is None:
            raise _ToolError(
                f"unknown tool {name!r}; the tools are: {', '.join(ARGS)}", "UnknownTool"
            )
        if len(raw) > _MAX_ARGUMENTS:
            raise _ToolError(
                f"the arguments have {len(raw)} characters, over the limit of {_MAX_ARGUMENTS}"
            )
        try:
            data = orjson.loads(raw or "{}")
        except orjson.JSONDecodeError as exc:
            raise _ToolError(
                f"the arguments are not valid JSON ({exc}); send a JSON object"
            ) from None
        if not isinstance(data, dict):
            raise _ToolError("the arguments must be a JSON object")
        try:
            return model.model_validate(data, context={"cuts": self._cuts})
        except ValidationError as exc:
            raise _ToolError(f"invalid arguments for {name}: {_validation_message(exc)}") from None

    # -- context ----------------------------------------------------------------

    def _resolved(self) -> VehicleResolution:
        if self.resolution is None:
            raise _ToolError(
                "no vehicle is resolved yet; call resolve_vehicle first", "VehicleNotResolved"
            )
        return self.resolution

    async def _categories_of(self, resolution: VehicleResolution) -> list[Category]:
        key = tuple(v.id for v in resolution.variants)
        cached = self._categories.get(key)
        if cached is None:
            cached, unread = await categories_for(self.catalog, resolution)
            self._categories[key] = cached
            self._unread.extend(unread)
        return cached

    async def _category_map(self, resolution: VehicleResolution) -> dict[str, Category]:
        return {c.id: c for c in await self._categories_of(resolution)}

    @staticmethod
    def _unknown(ids: Sequence[str], known: Mapping[str, Category]) -> None:
        missing = [cid for cid in dict.fromkeys(ids) if cid not in known]
        if missing:
            raise _ToolError(
                f"unknown category id(s) {', '.join(missing)} for this vehicle; use ids from "
                "map_component or analyze_damage_propagation",
                "UnknownCategory",
            )

    # -- the tools ----------------------------------------------------------------------

    async def _resolve_vehicle(
        self, args: ResolveVehicleArgs
    ) -> tuple[dict[str, Any], VehicleResolution | None]:
        """The compact result for the model, and the resolution if it is usable."""
        given = args.model_dump(exclude_none=True)
        if not given:
            raise _ToolError("give make, model and year, or vin")
        resolution = await resolve_vehicle(self.catalog, given, market=self.request.market)
        out = _vehicle_json(resolution)
        if resolution.status == "resolved" and resolution.variants:
            return out, resolution
        if resolution.status == "resolved":
            out["hint"] = "no variant was built that year; check the year"
        else:
            out["hint"] = "ambiguous: call resolve_vehicle again with one of the candidates"
        return out, None

    async def _decode_vin(self, args: DecodeVinArgs) -> dict[str, Any]:
        return (await decode_vin(args.vin)).model_dump(mode="json", exclude_none=True)

    async def _map_component(self, args: MapComponentArgs) -> dict[str, Any]:
        resolution = self._resolved()
        categories = await self._categories_of(resolution)
        match = match_component(args.component, categories, market=self.request.market)
        position = match.position
        if args.side is not None:
            position = Position(axle=position.axle, side=args.side)
        out: dict[str, Any] = {
            "component": args.component,
            "status": match.status,
            "category": match.category.model_dump(mode="json") if match.category else None,
            "axle": position.axle,
            "side": position.side,
            "score": match.score,
        }
        if match.status != "matched":
            out["candidates"] = [c.model_dump(mode="json") for c in match.candidates[:3]]
        if match.notes:
            out["notes"] = list(match.notes)
        return out

    async def _analyze(self, args: AnalyzeDamageArgs) -> dict[str, Any]:
        resolution = self._resolved()
        known = await self._category_map(resolution)
        self._unknown([i.category_id for i in args.items], known)
        mapped = []
        for item in args.items:
            self._severities.setdefault(item.category_id, item.severity)
            mapped.append(
                MappedDamage(
                    component=item.component,
                    category_name=known[item.category_id].name,
                    position=Position(axle=item.axle, side=item.side),
                    severity=item.severity,
                )
            )
        additions = await analyze_damage_propagation(mapped, rules=self.request.secondary_parts)
        by_name = {c.name.casefold(): c for c in known.values()}
        found: list[dict[str, Any]] = []
        absent: list[str] = []
        for add in additions:
            category = by_name.get(add.category_name.casefold())
            if category is None:
                absent.append(add.category_name)
                continue
            found.append(
                {
                    "category_id": category.id,
                    "category_name": category.name,
                    "axle": add.position.axle,
                    "side": add.position.side,
                    "reason": add.reason,
                    "quantity": add.quantity,
                    "why": add.why,
                    "triggered_by": add.triggered_by,
                }
            )
        out: dict[str, Any] = {"additions": found}
        if absent:
            out["not_on_this_vehicle"] = sorted(set(absent))
        return out

    async def _search_parts(self, args: SearchPartsArgs) -> dict[str, Any]:
        resolution = self._resolved()
        assert resolution.manufacturer is not None
        known = await self._category_map(resolution)
        self._unknown([n.category_id for n in args.needs], known)
        needs = [
            PartNeed(category_id=n.category_id, position=Position(axle=n.axle, side=n.side))
            for n in args.needs
        ]
        results = await search_parts(
            self.catalog, resolution.manufacturer.id, [v.id for v in resolution.variants], needs
        )
        out = []
        for r in results:
            out.append(
                {
                    "category_id": r.need.category_id,
                    "axle": r.need.position.axle,
                    "side": r.need.position.side,
                    "found": len(r.options),
                    "options": [
                        {
                            "article_id": o.article.id,
                            "brand": o.article.brand,
                            "name": o.article.name,
                            "quality": o.article.quality,
                            "price": str(o.article.price.amount),
                            "currency": o.article.price.currency,
                            "fits_all_variants": o.fits_all,
                        }
                        for o in r.options[:MAX_OPTIONS]
                    ],
                    **({"errors": list(r.errors[:2])} if r.errors else {}),
                }
            )
        return {"results": out}

    async def _check_compatibility(self, args: CheckCompatibilityArgs) -> dict[str, Any]:
        resolution = self._resolved()
        assert resolution.manufacturer is not None
        result = await check_compatibility(
            self.catalog,
            resolution.manufacturer.id,
            args.variant_id,
            args.article_id,
            category_id=args.category_id,
        )
        return result.model_dump(mode="json", exclude_none=True)

    async def _submit(self, args: SubmitPartsListArgs) -> Plan:
        warnings: list[ReportWarning | str] = [
            ReportWarning(code="planner_note", message=w.strip())
            for w in args.warnings
            if w.strip()
        ]
        resolution = self.resolution
        if resolution is None:
            resolution = require_resolved(
                await resolve_vehicle(
                    self.catalog, self.request.vehicle, market=self.request.market
                )
            )
            self.resolution = resolution
            warnings.append(
                ReportWarning(
                    code="vehicle_from_request",
                    message="the model did not resolve the vehicle; it was resolved from the "
                    "request",
                )
            )
        known = await self._category_map(resolution)
        self._unknown([line.category_id for line in args.lines], known)
        needs = [
            Need(
                component=line.component,
                reason=line.reason,
                category=CategoryRef(id=line.category_id, name=known[line.category_id].name),
                position=Position(axle=line.axle, side=line.side),
                quantity=line.quantity,
                why=line.why or f"Chosen by the model for {line.component}.",
                source="llm",
                confidence=LLM_CONFIDENCE,
                severity=self._severity(line),
            )
            for line in args.lines
        ]
        warnings.extend(self._unread)
        warnings.extend(self._capped)
        if self._cuts.cut:
            warnings.append(
                ReportWarning(
                    code="model_capped",
                    message=f"{self._cuts.cut} text(s) from the model were cut to "
                    f"{self._cuts.limit} characters (max_model_text)",
                )
            )
        return Plan(
            resolution=resolution,
            needs=needs,
            warnings=warnings,
            incomplete=bool(self._unread),
        )

    def _severity(self, line: PartsLine) -> Severity:
        if line.severity is not None:
            return line.severity
        if not isinstance(self.request.damage, str):
            wanted = line.component.strip().casefold()
            for part in self.request.damage:
                if isinstance(part, DamagedPart) and part.component.casefold() == wanted:
                    return part.severity
        return self._severities.get(line.category_id, Severity.MODERATE)
