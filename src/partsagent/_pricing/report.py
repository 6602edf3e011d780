"""The parts report: what ``process_damage_report`` returns and ``--json`` prints."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from .._models import Position, Quality, Variant

__all__ = [
    "Alternative",
    "ArticleRef",
    "CategoryRef",
    "LineReason",
    "LineSource",
    "Money",
    "PartsReport",
    "ReportLine",
    "ReportVehicle",
    "Totals",
]

LineReason = Literal["damaged", "secondary", "consumable"]
LineSource = Literal["rule", "catalog", "llm"]

SignedAmount = Annotated[
    Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Money(_Out):
    amount: SignedAmount
    currency: str


class Ref(_Out):
    id: str
    name: str


class CategoryRef(Ref):
    pass


class ArticleRef(_Out):
    id: str
    article_no: str
    brand: str
    name: str
    quality: Quality


class Alternative(_Out):
    """Another article for the same line, with its price against the chosen one."""

    article: ArticleRef
    price: Money
    price_difference: Money
    fits_all_variants: bool


class ReportLine(_Out):
    component: str
    reason: LineReason
    category: CategoryRef
    position: Position
    article: ArticleRef
    price: Money
    quantity: int
    line_total: Money
    why: str
    source: LineSource
    confidence: float
    fits_variants: tuple[str, ...]
    alternatives: tuple[Alternative, ...] = ()


class ReportVehicle(_Out):
    manufacturer: Ref
    model: Ref
    year: int | None
    variants: tuple[Variant, ...]
    resolved_by: str
    vin: str | None = None
    notes: tuple[str, ...] = ()


class Totals(_Out):
    parts: Money
    consumables: Money
    total: Money
    lines: int


class PartsReport(_Out):
    """A fitment-checked, priced parts list for one damage report."""

    vehicle: ReportVehicle
    lines: tuple[ReportLine, ...]
    totals: Totals
    confidence: float = Field(ge=0, le=1)
    warnings: tuple[str, ...] = ()
    planner: Literal["rules", "llm"] = "rules"
    performance: dict[str, Any] = Field(default_factory=dict)
    trace: tuple[dict[str, Any], ...] = ()
