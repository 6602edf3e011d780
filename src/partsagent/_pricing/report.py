"""The parts report: what ``process_damage_report`` returns and ``--json`` prints."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, computed_field

from .._models import Position, Quality, ReportWarning, Severity, Variant, WarningCode
from .._reading.results import Guess, UnreadPhrase

__all__ = [
    "Alternative",
    "AppliedRates",
    "ArticleRef",
    "Build",
    "CategoryRef",
    "DecimalText",
    "Guess",
    "LineReason",
    "LineSource",
    "Money",
    "Operation",
    "ReadDamage",
    "OperationKind",
    "PartsReport",
    "ReportLine",
    "ReportVehicle",
    "ReportWarning",
    "Totals",
    "UnreadPhrase",
    "Unpriced",
    "WarningCode",
]

LineReason = Literal["damaged", "secondary", "consumable"]
LineSource = Literal["rule", "catalog", "llm"]
OperationKind = Literal["replace", "remove_refit", "repair", "refinish", "blend", "sublet"]

DecimalText = Annotated[
    Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")
]
"""A Decimal that JSON carries as a string ("1.5", "0.20"), never as a float."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Money(_Out):
    amount: DecimalText
    currency: str

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> Money:
        """An amount the library worked out (a Decimal already): not validated again.

        Dozens per report (prices, operations, totals); validating each was a
        pydantic call apiece. Anything else than a Decimal is validated.
        """
        if type(amount) is Decimal:
            return cls.model_construct(amount=amount, currency=currency)
        return cls(amount=amount, currency=currency)


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


class Build(_Out):
    """The one build the report is priced for: every parts line fits all of ``variants``."""

    variants: tuple[str, ...]
    body: str
    body_class: str
    """The labour-time class of the body: hatch, saloon, estate or suv."""
    chosen_by: Literal["variant_id", "words", "vin", "most_variants"]


class ReportVehicle(_Out):
    manufacturer: Ref
    model: Ref
    year: int | None
    variants: tuple[Variant, ...]
    resolved_by: str
    vin: str | None = None
    notes: tuple[str, ...] = ()
    build: Build | None = None


class Operation(_Out):
    """One labour operation or sublet of the estimate, with where its figures come from."""

    operation: OperationKind
    description: str
    category: CategoryRef
    position: Position
    hours: DecimalText
    """Hours with one decimal ("1.5"); "0.0" for a sublet, which has a price instead."""
    rate: Money | None
    """The hourly rate applied (labour or paint); None for a sublet."""
    amount: Money
    why: str
    source: Literal["rule", "llm"]
    """Who chose the part: the rules, or the model (LLM planner). The operation is the data's."""
    rule: str
    """The id of the data entry that produced it: a policy row, an adjacency edge or an
    included operation."""
    times: str | None = None
    """The labour-time row and body class the hours come from, e.g. "wing/hatch"."""
    line: int | None = None
    """The index in ``lines`` of the parts line it belongs to; None when the part is not bought."""


class ReadDamage(_Out):
    """One damaged part read from the report's words, whether it is bought or only repaired.

    A replaced part has a parts line (``line`` is its index in ``lines``); a
    repaired or refinished one has only operations. ``confidence`` is how sure
    the reading is (never under the price threshold: those are ``not_priced``).
    """

    component: str
    """The user's words that named it."""
    category: CategoryRef
    position: Position
    quantity: int
    severity: Severity
    confidence: float
    line: int | None = None


class AppliedRates(_Out):
    """The market figures the estimate was priced with (rates.json or your own)."""

    market: str
    currency: str
    labour_rate: Money
    paint_rate: Money
    paint_materials_rate: Money
    tax_name: str
    tax_rate: DecimalText
    taxable: tuple[str, ...]


class Totals(_Out):
    """Amounts rounded once, half-up, to the currency's minor unit; the sums are exact.

    ``net`` = parts + consumables + labour + paint_materials + sublet;
    ``total`` = net + tax; ``tax`` = tax_rate x the totals the market taxes.
    """

    parts: Money
    consumables: Money
    labour: Money
    paint_materials: Money
    sublet: Money
    net: Money
    tax_rate: DecimalText
    tax: Money
    total: Money
    lines: int
    labour_hours: DecimalText
    """Hours of replace, remove_refit and repair."""
    refinish_hours: DecimalText
    """Hours of refinish and blend: paint materials are these times the materials rate."""


class Unpriced(_Out):
    """A part the report needs but could not price, and why (part of the catalog unread)."""

    part: str
    """The catalog's name of the part."""
    position: Position
    reason: str


class PartsReport(_Out):
    """A fitment-checked, priced estimate for one damage report: parts, operations, totals."""

    vehicle: ReportVehicle
    lines: tuple[ReportLine, ...]
    operations: tuple[Operation, ...] = ()
    totals: Totals
    rates: AppliedRates | None = None
    confidence: float = Field(ge=0, le=1)
    coded_warnings: tuple[ReportWarning, ...] = ()
    """Every warning with its stable ``code`` (and ``part``), in the order shown: act on codes."""
    damaged: tuple[ReadDamage, ...] = ()
    """Every damaged part read from the words, bought or only repaired, in canonical order."""
    not_priced: tuple[UnreadPhrase, ...] = ()
    """"Not priced, please confirm": phrases that may name a damaged part and are not priced:
    no part placed, a part the catalog lacks, a part read with less confidence than the price
    threshold (with its best guesses), old damage, a check. Never a part said to be fine or
    only to be refitted or transferred."""
    total_loss: bool = False
    """The report says the vehicle may be a total loss; only the parts named are priced."""
    market: str = "GB"
    """The market the words were read in (sides, and the market's part names)."""
    planner: Literal["rules", "llm"] = "rules"
    complete: bool = True
    """False when part of the catalog could not be read: parts may be missing or unpriced
    (``unpriced``), and the first warning says so. Such a report is never cached."""
    unpriced: tuple[Unpriced, ...] = ()
    """The parts that could not be priced because their catalog lists could not be read."""
    performance: dict[str, Any] = Field(default_factory=dict)
    trace: tuple[dict[str, Any], ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings' messages, in order: what a person reads (``coded_warnings`` has codes)."""
        return tuple(w.message for w in self.coded_warnings)

    def has_warning(self, code: WarningCode) -> bool:
        """True when a warning of this ``code`` is in the report."""
        return any(w.code == code for w in self.coded_warnings)
