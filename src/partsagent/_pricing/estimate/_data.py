"""The figures the estimate data files share: decimal hours, rates and shares, rounding.

The files themselves are read by ``partsagent._datafile.load_data``, like every
other data file a body shop can replace; the equipment they may name is the
loader's too (the build cues of ``_reading`` name it as well).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

from ..._datafile import EQUIPMENT, DataId, check_equipment

__all__ = [
    "EQUIPMENT",
    "DataId",
    "ExchangeRate",
    "HourRate",
    "Hours",
    "Share",
    "check_equipment",
    "round_hours",
    "round_money",
]

HOUR = Decimal("0.1")


def _no_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError("figures are decimal strings such as '1.5', never floats")
    return value


Hours = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, max_digits=5, decimal_places=1)]
"""Labour hours with one decimal, as estimating systems give them."""
HourRate = Annotated[
    Decimal, BeforeValidator(_no_float), Field(ge=0, max_digits=12, decimal_places=4)
]
"""An amount of money per hour or per job, in the market's currency."""
Share = Annotated[
    Decimal, BeforeValidator(_no_float), Field(ge=0, le=1, max_digits=6, decimal_places=5)
]
"""A share between 0 and 1 ("0.5", "0.0725")."""
ExchangeRate = Annotated[
    Decimal, BeforeValidator(_no_float), Field(gt=0, max_digits=18, decimal_places=10)
]
"""How much of one currency a unit of another is worth ("0.79": 1 USD is 0.79 GBP)."""


def round_hours(hours: Decimal) -> Decimal:
    """Hours to one decimal, half-up."""
    return hours.quantize(HOUR, rounding=ROUND_HALF_UP)


def round_money(amount: Decimal, minor_unit: int) -> Decimal:
    """An amount to the currency's minor unit (2 for pence and cents), half-up."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit), rounding=ROUND_HALF_UP)
