"""The parts report: what ``process_damage_report`` returns and ``--json`` prints."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from .._models import Position, Quality, Severity, Variant
from .._reading.results import Guess, UnreadPhrase

__all__ = [
    "Alternative",
    "ArticleRef",
    "CategoryRef",
    "Guess",
    "LineReason",
    "LineSource",
    "Money",
    "PartsReport",
    "ReportLine",
    "ReportVehicle",
    "Totals",
    "UnreadPhrase",
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
    """A catalog category: ``name`` is the catalog's, ``market_name`` the report market's word.

    "Bonnet" in the catalog is "Hood" in a US report; the catalog keeps one name.
    """

    market_name: str | None = None


class ArticleRef(_Out):
    id: str
    article_no: str
    brand: str
    name: str
    quality: Quality


class Alternative(_Out):
    """Another article for the same line, with its price against the chosen one.

    The same part at the same position as the chosen article, one per brand and
    quality, in the line's ranking order (fits every variant first, then OE,
    OES, aftermarket, then price).
    """

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
    """How sure the reading of the user's words is (0 to 1); see docs/reading.md."""
    fits_variants: tuple[str, ...]
    alternatives: tuple[Alternative, ...] = ()
    severity: Severity | None = None
    """The damage read for a damaged line (None for secondary and consumable lines)."""


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
    not_priced: tuple[UnreadPhrase, ...] = ()
    """"Not priced, please confirm": phrases that name no part, a part the catalog lacks,
    or a part read with less confidence than the price threshold (with its best guesses)."""
    total_loss: bool = False
    """The report says the vehicle may be a total loss; only the parts named are priced."""
    market: str = "GB"
    """The market the words were read in (sides, and the market's part names)."""
    planner: Literal["rules", "llm"] = "rules"
    performance: dict[str, Any] = Field(default_factory=dict)
    trace: tuple[dict[str, Any], ...] = ()
