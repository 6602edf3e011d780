"""Public, validated, JSON-serialisable models of the catalog and of a damage report.

Frozen so that one cached instance can be handed to every caller safely; lists
are tuples for the same reason. Unknown fields are ignored: the contract lets
later catalog versions add fields.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

__all__ = [
    "Article",
    "Axle",
    "Category",
    "CatalogIndex",
    "DamagedPart",
    "Manufacturer",
    "MarketCode",
    "Model",
    "Position",
    "Price",
    "ProductGroup",
    "Quality",
    "ReportWarning",
    "Severity",
    "Side",
    "Variant",
    "Vehicle",
    "WarningCode",
    "YEAR_MAX",
    "YEAR_MIN",
]

YEAR_MIN = 1950
YEAR_MAX = 2100
"""The model years a vehicle may have: anything else is a typo, not a car."""

CatalogId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Axle = Literal["front", "rear"]
Side = Literal["left", "right"]
Quality = Literal["OE", "OES", "aftermarket"]
MarketCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""A market code (``GB``, ``US``): the key of a catalog's prices and of the rates file."""


_DECIMAL_TEXT = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,2})?")


def _decimal_text(value: object) -> object:
    """The contract's prices are decimal strings ("123.45"): nothing a parser merely tolerates.

    Refused: numbers ("never floats", nor a bare 12), spaces, signs (even "-0.00"),
    exponents, "_" separators, NaN. A Decimal built in Python must be finite and unsigned.
    """
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite() and not value.is_signed():
        return value
    raise ValueError(
        f"prices are decimal strings such as '123.45' (digits, at most two decimal "
        f"places), not {str(value)[:40]!r}"
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def normalise_text(text: str) -> str:
    """Text as the library reads it: NFKC (fullwidth ``Ｖａｕｘｈａｌｌ`` is ``Vauxhall``).

    Raises ValueError for a lone surrogate (``\\udcff``, what a mis-decoded byte
    becomes): it is not text, and no JSON or UTF-8 output could carry it.
    """
    if text.isascii():
        return text
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:
        raise ValueError(
            f"character {surrogate.start() + 1} is a lone surrogate ({surrogate.group()!a}), "
            "not text; decode the input as UTF-8 with errors='replace'"
        )
    return unicodedata.normalize("NFKC", text)


def _normalised(value: object) -> object:
    return normalise_text(value) if isinstance(value, str) else value


UserText = BeforeValidator(_normalised)
"""Words from a caller (make, model, VIN, component): NFKC, lone surrogates refused."""


Amount = Annotated[
    Decimal,
    BeforeValidator(_decimal_text),
    Field(ge=0, max_digits=12, decimal_places=2),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)


class Severity(StrEnum):
    """How badly a component is damaged; drives which secondary parts are added."""

    MINOR = "minor"
    MODERATE = "moderate"
    SEVERE = "severe"


class CatalogIndex(_Frozen):
    format: Literal["partsagent-catalog/1"]
    name: str
    currency: str
    counts: dict[str, int]


class Manufacturer(_Frozen):
    id: CatalogId
    name: str
    aliases: tuple[str, ...] = ()


class Variant(_Frozen):
    id: CatalogId
    name: str
    body: str
    fuel: str
    engine: str
    power_kw: int
    year_from: int
    year_to: int | None = None
    equipment: tuple[str, ...] = ()
    """Fitted equipment that changes parts or operations, e.g. ``windscreen_camera`` or
    ``front_parking_sensors`` (docs/catalog-format.md lists the known names)."""

    def in_production(self, year: int) -> bool:
        return self.year_from <= year and (self.year_to is None or year <= self.year_to)


class Model(_Frozen):
    id: CatalogId
    name: str
    aliases: tuple[str, ...] = ()
    """Its names in other markets and its usual codes ("RABBIT" for GOLF, "325D")."""
    year_from: int
    year_to: int | None = None
    variants: tuple[Variant, ...] = ()

    def in_production(self, year: int) -> bool:
        return self.year_from <= year and (self.year_to is None or year <= self.year_to)


class ProductGroup(_Frozen):
    id: CatalogId
    name: str


class Category(_Frozen):
    id: CatalogId
    name: str
    group: str
    synonyms: tuple[str, ...] = ()
    product_groups: tuple[ProductGroup, ...] = ()


class Position(_Frozen):
    """Where on the vehicle a part sits; None means it does not apply (a grille has no side)."""

    axle: Axle | None = None
    side: Side | None = None

    def admits(self, other: Position) -> bool:
        """True if an article at ``other`` can serve a need at ``self``."""
        return (self.axle is None or other.axle in (None, self.axle)) and (
            self.side is None or other.side in (None, self.side)
        )


NOWHERE = Position.model_construct()
"""The position that does not apply: every field's default. Made without validation, so
that a model using it as a default does not build Position's validator at import."""

_POSITIONS: dict[tuple[str | None, str | None], Position] = {(None, None): NOWHERE}


def _one_position(position: Position) -> Position:
    """One shared instance per (axle, side): there are nine, and articles number thousands."""
    return _POSITIONS.setdefault((position.axle, position.side), position)


SharedPosition = Annotated[Position, AfterValidator(_one_position)]


class Price(_Frozen):
    amount: Amount
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Article(_Frozen):
    id: CatalogId
    article_no: str
    brand: str
    name: str
    product_group_id: CatalogId | None = None
    quality: Quality
    position: SharedPosition = NOWHERE
    oe_numbers: tuple[str, ...] = ()
    price: Price
    """The price in the catalog's own currency."""
    prices: dict[MarketCode, Price] = Field(default_factory=dict)
    """Optional prices per market (``{"US": {"amount": "512.00", "currency": "USD"}}``)."""

    def price_in(self, market: str) -> Price | None:
        """The price for ``market``, or None when the catalog has none for it."""
        return self.prices.get(market)


class Vehicle(_Frozen):
    """The vehicle of a damage report: make, model and year, or a VIN."""

    make: (
        Annotated[
            str, UserText, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
        ]
        | None
    ) = None
    model: (
        Annotated[
            str, UserText, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
        ]
        | None
    ) = None
    year: Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)] | None = None
    vin: (
        Annotated[
            str,
            UserText,
            StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=32),
        ]
        | None
    ) = None
    variant_id: CatalogId | None = None
    """The catalog variant, when the caller knows it: the report prices that build only."""

    @model_validator(mode="after")
    def _make_or_vin(self) -> Vehicle:
        # A make or a model alone is accepted: resolving it gives candidates to choose from.
        if self.vin is None and self.make is None and self.model is None:
            raise ValueError("give make and model (and year), or a VIN")
        return self


class DamagedPart(_Frozen):
    """One damaged component in the user's own words, with how bad it is."""

    component: Annotated[
        str, UserText, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    severity: Severity = Severity.MODERATE


WarningCode = Literal[
    # the report as a whole
    "incomplete_report",
    "inspection_needed",
    "total_loss",
    "not_priced",
    "safety_check",
    # the vehicle and the build
    "year_missing",
    "vin_check_digit",
    "build_chosen",
    "build_words_unused",
    "build_not_in_catalog",
    "vin_body_mismatch",
    "body_class_assumed",
    # the words read
    "ambiguous_part",
    "count_differs",
    "pair_or_corner",
    "axle_assumed",
    "free_text_read",
    "pre_existing",
    "no_damage_named",
    # the parts and their prices
    "side_assumed",
    "catalog_unreadable",
    "no_article",
    "other_build_only",
    "no_conversion",
    "currency_converted",
    "paint_materials",
    # the estimate
    "confirm_at_teardown",
    "hail_too_many",
    "hail_count_assumed",
    "dent_too_large",
    "dent_size_assumed",
    "operation_asked",
    "sublet",
    "comes_with_assembly",
    "no_labour_time",
    "equipment_unconfirmed",
    # the planner
    "planner_note",
    "vehicle_from_request",
    "model_capped",
]
"""What a report warning is about: stable, for programs (docs/output.md has the table)."""


class ReportWarning(_Frozen):
    """One warning of a report: a stable ``code`` to act on, the ``message`` to show.

    Programs decide by ``code``, never by the message, whose words may change.
    ``part`` is the catalog's name of the part it is about, when it is about one.
    """

    code: WarningCode
    message: str
    part: str | None = None
