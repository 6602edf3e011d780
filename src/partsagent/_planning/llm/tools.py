"""The tools the model may call: their argument models, JSON schemas and the system prompt.

The schemas the model sees come from the pydantic models, so what is declared
is what is validated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from ..._models import Axle, Severity, Side
from ..._pricing.report import LineReason

__all__ = [
    "ARGS",
    "DEFAULT_MAX_MODEL_TEXT",
    "DEFAULT_MAX_TOOL_CALLS",
    "SYSTEM_PROMPT",
    "TOOLS",
    "AnalyzeDamageArgs",
    "CheckCompatibilityArgs",
    "DamageItem",
    "DecodeVinArgs",
    "MapComponentArgs",
    "NeedArg",
    "PartsLine",
    "ResolveVehicleArgs",
    "SearchPartsArgs",
    "SubmitPartsListArgs",
]

SYSTEM_PROMPT = """\
You are a body-shop parts estimator. From a vehicle and a damage report, build the list of
damaged and needed parts, using only the tools (the estimate's operations, labour, paint and
tax are worked out from your list afterwards):
1. resolve_vehicle (make, model, year, or vin) to find the catalog vehicle and its variants.
2. map_component for each damaged component (call them in parallel) to get its category id
   and position (axle, side).
3. analyze_damage_propagation with the mapped damage, to find the secondary parts replaced
   with them (brackets, clips) and the consumables (adhesive, coolant). Paint is not a part:
   it is charged from the refinish hours.
4. search_parts for the lines you intend to submit, to check the catalog has articles for them.
5. submit_parts_list with every line: reason "damaged" for reported parts, "secondary" for
   parts replaced because of them, "consumable" for materials. Give each damaged line the
   severity the words say (minor: scuffed, scratched; moderate: dented, cracked; severe:
   smashed, crushed): it decides repair or replace. This ends the job.
Use only category ids returned by the tools; never invent one. When a tool returns an error,
fix the arguments and call it again. Keep the "why" of each line to one short sentence."""


DEFAULT_MAX_TOOL_CALLS = 64
"""Tool calls run per model reply; more (a runaway model) are dropped, with a warning."""
DEFAULT_MAX_MODEL_TEXT = 500
"""Characters kept of any string the model sends (a warning, a note, a name); cut beyond."""


class TextCuts:
    """How the strings of one plan are cut: the cap, and how many were cut (for the warning)."""

    __slots__ = ("cut", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cut = 0

    def __call__(self, text: str) -> str:
        if len(text) <= self.limit:
            return text
        self.cut += 1
        return text[: self.limit]


def _cut(value: object, info: ValidationInfo) -> object:
    """Cut a string to the plan's cap (``TextCuts`` in the validation context)."""
    cuts = info.context.get("cuts") if isinstance(info.context, dict) else None
    if isinstance(value, str) and isinstance(cuts, TextCuts):
        return cuts(value)
    return value


ModelText = Annotated[str, BeforeValidator(_cut)]
"""A string from the model: cut to ``max_model_text`` when validated with ``TextCuts``."""


# -- tool arguments (the JSON schemas the model sees come from these) ---------


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ResolveVehicleArgs(_Args):
    """Find the catalog vehicle: give make, model and year, or the VIN."""

    make: ModelText | None = None
    model: ModelText | None = None
    year: int | None = None
    vin: ModelText | None = None


class DecodeVinArgs(_Args):
    """Decode a 17-character VIN into make, model and year."""

    vin: ModelText


class MapComponentArgs(_Args):
    """Map one damaged component, in the customer's words, to a catalog category and position."""

    component: Annotated[ModelText, Field(min_length=1, max_length=200)]
    side: Side | None = None


class DamageItem(_Args):
    category_id: ModelText
    axle: Axle | None = None
    side: Side | None = None
    severity: Severity
    component: ModelText


class AnalyzeDamageArgs(_Args):
    """List the secondary parts and consumables that the mapped damage brings with it."""

    items: Annotated[list[DamageItem], Field(min_length=1, max_length=50)]


class NeedArg(_Args):
    category_id: ModelText
    axle: Axle | None = None
    side: Side | None = None


class SearchPartsArgs(_Args):
    """Find articles that fit the resolved vehicle, cheapest OE first, for each need."""

    needs: Annotated[list[NeedArg], Field(min_length=1, max_length=50)]


class CheckCompatibilityArgs(_Args):
    """Check whether an article is listed for one variant of the resolved vehicle."""

    article_id: ModelText
    variant_id: str
    category_id: ModelText | None = None


class PartsLine(_Args):
    component: Annotated[ModelText, Field(min_length=1, max_length=200)]
    category_id: ModelText
    axle: Axle | None = None
    side: Side | None = None
    reason: LineReason
    quantity: Annotated[int, Field(ge=1, le=100)] = 1
    why: Annotated[ModelText, Field(max_length=500)] = ""
    severity: Severity | None = None


class SubmitPartsListArgs(_Args):
    """Submit the final parts list; this ends the job."""

    lines: Annotated[list[PartsLine], Field(max_length=100)]
    warnings: Annotated[list[ModelText], Field(max_length=20)] = []


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


ARGS: dict[str, type[BaseModel]] = {
    "resolve_vehicle": ResolveVehicleArgs,
    "decode_vin": DecodeVinArgs,
    "map_component": MapComponentArgs,
    "analyze_damage_propagation": AnalyzeDamageArgs,
    "search_parts": SearchPartsArgs,
    "check_compatibility": CheckCompatibilityArgs,
    "submit_parts_list": SubmitPartsListArgs,
}
TOOLS: tuple[dict[str, Any], ...] = tuple(_tool(name, model) for name, model in ARGS.items())
"""The tool declarations sent with every request."""
