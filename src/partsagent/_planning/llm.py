"""The LLM planner: OpenAI tool calling over the same tools the rules planner uses.

The model resolves the vehicle, maps each damaged component, asks for the
secondary parts, searches the catalog and ends by calling
``submit_parts_list``; the agent then prices the plan itself. Any endpoint that
speaks the chat completions wire format works (``base_url``). The model is
untrusted input: bad arguments, unknown tools and unknown category ids go back
to it as a tool error so it can correct itself, and only a submitted list whose
every category exists on the vehicle becomes a Plan. openai's errors are
translated once, in ``_chat``, and the API key never reaches a log, a repr or
an error message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, cast

import anyio
import openai
import orjson
from openai.types.chat import ChatCompletion, ChatCompletionMessageFunctionToolCall
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from .._catalog.manager import BucketManager
from .._exceptions import InputError, PartsAgentError, PlannerError, UsageError
from .._metrics import count, timer
from .._models import Axle, Category, DamagedPart, Position, Severity, Side
from .._pricing.propagation import MappedDamage, analyze_damage_propagation
from .._pricing.report import CategoryRef, LineReason
from .._pricing.search import PartNeed, check_compatibility, search_parts
from .._reading.components import match_component
from .._reading.vehicle import VehicleResolution, resolve_vehicle
from .._reading.vin import decode_vin
from .plan import Need, Plan, PlanRequest
from .rules import categories_for, require_resolved

__all__ = ["DEFAULT_MODEL", "SYSTEM_PROMPT", "TOOLS", "LLMPlanner"]


DEFAULT_MODEL = "gpt-4o-mini"
LLM_CONFIDENCE = 0.8
"""Confidence of a line the model chose: below a clean catalog match, like a rule's."""
MAX_OPTIONS = 3
"""Articles per need shown to the model: enough to see that a part exists and its price."""
_MAX_CANDIDATES = 5

SYSTEM_PROMPT = """\
You are a body-shop parts estimator. From a vehicle and a damage report, build the list of
parts to order for the repair, using only the tools:
1. resolve_vehicle (make, model, year, or vin) to find the catalog vehicle and its variants.
2. map_component for each damaged component (call them in parallel) to get its category id
   and position (axle, side).
3. analyze_damage_propagation with the mapped damage, to find the secondary parts replaced
   with them (brackets, clips) and the consumables (paint, primer).
4. search_parts for the lines you intend to submit, to check the catalog has articles for them.
5. submit_parts_list with every line: reason "damaged" for reported parts, "secondary" for
   parts replaced because of them, "consumable" for materials. This ends the job.
Use only category ids returned by the tools; never invent one. When a tool returns an error,
fix the arguments and call it again. Keep the "why" of each line to one short sentence."""


# -- tool arguments (the JSON schemas the model sees come from these) ---------


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResolveVehicleArgs(_Args):
    """Find the catalog vehicle: give make, model and year, or the VIN."""

    make: str | None = None
    model: str | None = None
    year: int | None = None
    vin: str | None = None


class DecodeVinArgs(_Args):
    """Decode a 17-character VIN into make, model and year."""

    vin: str


class MapComponentArgs(_Args):
    """Map one damaged component, in the customer's words, to a catalog category and position."""

    component: Annotated[str, Field(min_length=1, max_length=200)]
    side: Side | None = None


class DamageItem(_Args):
    category_id: str
    axle: Axle | None = None
    side: Side | None = None
    severity: Severity
    component: str


class AnalyzeDamageArgs(_Args):
    """List the secondary parts and consumables that the mapped damage brings with it."""

    items: Annotated[list[DamageItem], Field(min_length=1, max_length=50)]


class NeedArg(_Args):
    category_id: str
    axle: Axle | None = None
    side: Side | None = None


class SearchPartsArgs(_Args):
    """Find articles that fit the resolved vehicle, cheapest OE first, for each need."""

    needs: Annotated[list[NeedArg], Field(min_length=1, max_length=50)]


class CheckCompatibilityArgs(_Args):
    """Check whether an article is listed for one variant of the resolved vehicle."""

    article_id: str
    variant_id: str
    category_id: str | None = None


class PartsLine(_Args):
    component: Annotated[str, Field(min_length=1, max_length=200)]
    category_id: str
    axle: Axle | None = None
    side: Side | None = None
    reason: LineReason
    quantity: Annotated[int, Field(ge=1, le=100)] = 1
    why: Annotated[str, Field(max_length=500)] = ""
    severity: Severity | None = None


class SubmitPartsListArgs(_Args):
    """Submit the final parts list; this ends the job."""

    lines: Annotated[list[PartsLine], Field(max_length=100)]
    warnings: Annotated[list[str], Field(max_length=20)] = []


def _inline(schema: Any, defs: Mapping[str, Any]) -> Any:
    """Inline $refs and drop titles: smaller schemas, fewer tokens, any endpoint accepts them."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k not in ("title", "$defs")}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def _tool(name: str, args: type[BaseModel]) -> dict[str, Any]:
    schema = args.model_json_schema()
    parameters = _inline(schema, schema.get("$defs", {}))
    parameters.pop("description", None)  # already the function's description
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": (args.__doc__ or name).strip(),
            "parameters": parameters,
        },
    }


_ARGS: dict[str, type[BaseModel]] = {
    "resolve_vehicle": ResolveVehicleArgs,
    "decode_vin": DecodeVinArgs,
    "map_component": MapComponentArgs,
    "analyze_damage_propagation": AnalyzeDamageArgs,
    "search_parts": SearchPartsArgs,
    "check_compatibility": CheckCompatibilityArgs,
    "submit_parts_list": SubmitPartsListArgs,
}
TOOLS: tuple[dict[str, Any], ...] = tuple(_tool(name, model) for name, model in _ARGS.items())
"""The tool declarations sent with every request."""

# -- the planner ------------------------------------------------------------------


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


class LLMPlanner:
    """Plans a report with an OpenAI-compatible chat model calling the library's tools.

    Keyword-only options (defaults in brackets): ``model`` [env
    PARTSAGENT_LLM_MODEL, else gpt-4o-mini]; ``base_url`` [env
    PARTSAGENT_LLM_BASE_URL, then OPENAI_BASE_URL, else OpenAI's]; ``api_key``
    [env OPENAI_API_KEY, checked at the first plan so an agent that never uses
    this planner needs no key]; ``temperature`` [0.2]; ``max_steps`` [8 model
    round trips]; ``timeout`` [30 s per model call]; ``max_retries`` [2, by the
    openai client]; ``client``: an ``openai.AsyncOpenAI`` to use instead (not
    closed by ``aclose``).
    """

    name = "llm"

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        temperature: float = 0.2,
        max_steps: int = 8,
        timeout: float = 30.0,
        max_retries: int = 2,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        if max_steps < 1:
            raise InputError("max_steps must be at least 1")
        if timeout <= 0:
            raise InputError("timeout must be positive (seconds per model call)")
        if max_retries < 0:
            raise InputError("max_retries must be 0 or more")
        self.model = model or _env("PARTSAGENT_LLM_MODEL") or DEFAULT_MODEL
        self.base_url = base_url or _env("PARTSAGENT_LLM_BASE_URL", "OPENAI_BASE_URL")
        self._api_key = SecretStr(api_key) if api_key else None
        self.temperature = temperature
        self.max_steps = max_steps
        self.timeout = timeout
        self.max_retries = max_retries
        self._client = client
        self._owns_client = client is None
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"LLMPlanner(model={self.model!r}, base_url={self.base_url!r}, "
            f"max_steps={self.max_steps}, timeout={self.timeout:g})"
        )

    def _key(self) -> str | None:
        if self._api_key is not None:
            return self._api_key.get_secret_value()
        return _env("OPENAI_API_KEY")

    def _scrub(self, text: str) -> str:
        """Remove the key from text that came from outside (an endpoint's error body)."""
        key = self._key()
        if self._client is not None and isinstance(self._client.api_key, str):
            key = key or self._client.api_key
        return text.replace(key, "***") if key else text

    def _ensure_client(self) -> openai.AsyncOpenAI:
        if self._closed:
            raise UsageError("this LLMPlanner is closed; create a new one")
        if self._client is not None:
            return self._client
        key = self._key()
        if not key:
            raise PlannerError(
                "the LLM planner needs an API key: set OPENAI_API_KEY or pass "
                "llm_options={'api_key': ...}; or use planner='rules', which needs none"
            )
        try:
            self._client = openai.AsyncOpenAI(
                api_key=key,
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=self.max_retries,
            )
        except openai.OpenAIError as exc:
            raise PlannerError(
                f"could not configure the model client: {self._scrub(str(exc))}"
            ) from None
        return self._client

    async def aclose(self) -> None:
        """Close the client this planner created (an injected one stays open)."""
        if self._closed:
            return
        self._closed = True
        if self._owns_client and self._client is not None:
            await self._client.close()

    async def plan(self, catalog: BucketManager, request: PlanRequest) -> Plan:
        client = self._ensure_client()
        return await _Run(self, client, catalog, request).execute()

    async def _chat(
        self, client: openai.AsyncOpenAI, messages: Sequence[Mapping[str, Any]], step: int
    ) -> ChatCompletion:
        """One model round trip; every openai error becomes a PlannerError here, once."""
        # "from None": the openai error holds the request, Authorization header included, and
        # may echo the key in its message; neither may reach a traceback.
        # The client's own timeout and retries act first; this bounds the whole call anyway.
        guard = self.timeout * (self.max_retries + 1) + 10.0 * self.max_retries
        where = f"model {self.model!r} at {self.base_url or 'the OpenAI API'}"
        try:
            with anyio.fail_after(guard):
                async with timer("llm.chat", model=self.model, step=step):
                    return await client.chat.completions.create(
                        model=self.model,
                        # plain dicts on the wire; openai's TypedDicts add nothing here
                        messages=cast(Any, messages),
                        tools=cast(Any, TOOLS),
                        tool_choice="auto",
                        temperature=self.temperature,
                        timeout=self.timeout,
                    )
        except (TimeoutError, openai.APITimeoutError):
            raise PlannerError(
                f"the {where} did not answer within {self.timeout:g}s; raise "
                "llm_options['timeout'] or check the endpoint"
            ) from None
        except openai.RateLimitError as exc:
            raise PlannerError(
                f"the {where} is rate limiting (HTTP {exc.status_code}): "
                f"{self._detail(exc)}; retry later or lower the request rate"
            ) from None
        except openai.AuthenticationError as exc:
            raise PlannerError(
                f"the {where} refused the API key (HTTP {exc.status_code}); check OPENAI_API_KEY"
            ) from None
        except openai.APIStatusError as exc:
            raise PlannerError(
                f"the {where} answered HTTP {exc.status_code}: {self._detail(exc)}"
            ) from None
        except openai.APIConnectionError:
            raise PlannerError(
                f"could not connect to the {where}; check base_url and the network"
            ) from None
        except openai.OpenAIError as exc:
            raise PlannerError(
                f"the {where} failed: {type(exc).__name__}: {self._scrub(str(exc))[:300]}"
            ) from None

    def _detail(self, exc: openai.APIError) -> str:
        body = exc.body
        message = body.get("message") if isinstance(body, dict) else None
        return self._scrub(str(message or exc.message))[:300]


# -- one run of the loop -------------------------------------------------------------


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


class _Run:
    """The state of one plan: messages, the resolved vehicle, the trace and the usage."""

    def __init__(
        self,
        planner: LLMPlanner,
        client: openai.AsyncOpenAI,
        catalog: BucketManager,
        request: PlanRequest,
    ) -> None:
        self.planner = planner
        self.client = client
        self.catalog = catalog
        self.request = request
        self.resolution: VehicleResolution | None = None
        self._categories: dict[tuple[str, ...], list[Category]] = {}
        self._unread: list[str] = []
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
        p = self.planner
        for step in range(1, p.max_steps + 1):
            completion = await p._chat(self.client, self.messages, step)
            self._count_usage(completion)
            if not completion.choices:
                raise PlannerError(f"the model {p.model!r} returned no choice at step {step}")
            message = completion.choices[0].message
            calls = [
                c
                for c in message.tool_calls or ()
                if isinstance(c, ChatCompletionMessageFunctionToolCall)
            ]
            assistant: dict[str, Any] = {"role": "assistant", "content": message.content}
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
            if message.content:
                self.trace.append({"step": step, "content": message.content})
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
            f"the model did not submit a parts list within {p.max_steps} steps; "
            "raise llm_options['max_steps'] or use planner='rules'"
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
        name: str = call.function.name
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
            type_ = exc.type if isinstance(exc, _ToolError) else type(exc).__name__
            err = _error(type_, str(exc))
            entry["error"] = err
            content = _dumps({"error": err})
        entry["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return _Outcome(call.id, name, content, entry, submitted, resolution)

    def _parse(self, name: str, raw: str) -> BaseModel:
        model = _ARGS.get(name)
        if model is None:
            raise _ToolError(
                f"unknown tool {name!r}; the tools are: {', '.join(_ARGS)}", "UnknownTool"
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
            return model.model_validate(data)
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
        additions = await analyze_damage_propagation(mapped)
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
        warnings = [w.strip() for w in args.warnings if w.strip()]
        resolution = self.resolution
        if resolution is None:
            resolution = require_resolved(
                await resolve_vehicle(
                    self.catalog, self.request.vehicle, market=self.request.market
                )
            )
            self.resolution = resolution
            warnings.append(
                "the model did not resolve the vehicle; it was resolved from the request"
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
