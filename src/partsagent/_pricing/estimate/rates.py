"""Rates and tax by market as data (``rates.json``), overridable per agent, per call and on the CLI.

A market has a currency (with its minor unit), a labour rate for replace,
remove/refit and repair hours, a paint (refinish) rate for refinish and blend
hours, a paint-materials rate per refinish hour, fixed sublet prices, and a
tax with the totals it applies to. A rates file of your own replaces the
markets it names and keeps the packaged ones for the others.

A report is priced in its market's currency only. ``conversions`` are the
exchange rates *you* supply: an article priced in another currency is
converted through one of them, or not used. The packaged file gives none:
a rate is a business decision (whose rate, of which day), never a guess.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from ..._datafile import DataFile, load_data
from ..._exceptions import InputError
from ..._models import MarketCode
from ._data import DataId, ExchangeRate, HourRate, Share

__all__ = ["MarketRates", "Rates", "Tax", "Taxable", "load_rates"]

Taxable = Literal["parts", "consumables", "labour", "paint_materials", "sublet"]


class Tax(DataFile):
    name: Annotated[str, Field(min_length=1)]
    """What the report calls it: "VAT", "sales tax"."""
    rate: Share
    applies_to: tuple[Taxable, ...]
    """The totals the tax is charged on (US sales tax often spares labour)."""


Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 code: "GBP", "USD"."""


class MarketRates(DataFile):
    currency: Currency
    minor_unit: Annotated[int, Field(ge=0, le=4)] = 2
    """Decimals of the currency: amounts are rounded to these, half-up, once."""
    labour_rate: HourRate
    paint_rate: HourRate
    paint_materials_rate: HourRate
    tax: Tax
    sublets: dict[DataId, HourRate] = Field(default_factory=dict)
    """Fixed prices of work sent out, by the id the included operations use."""


class Rates(DataFile):
    """The whole rates file: figures per market."""

    format: Literal["partsagent-rates/1"]
    description: str = ""
    markets: dict[MarketCode, MarketRates]
    conversions: dict[Currency, dict[Currency, ExchangeRate]] = Field(default_factory=dict)
    """Exchange rates you supply: ``{"USD": {"GBP": "0.79"}}`` is 1 USD = 0.79 GBP.
    The only way an article priced in another currency than the market's is used."""

    def market(self, code: str) -> MarketRates:
        found = self.markets.get(code)
        if found is None:
            raise InputError(
                f"the rates have no market {code!r}; they cover {', '.join(sorted(self.markets))}"
            )
        return found

    def conversion(self, source: str, target: str) -> Decimal | None:
        """What one unit of ``source`` is worth in ``target``, if the rates give it."""
        return self.conversions.get(source, {}).get(target)

    def over(self, base: Rates) -> Rates:
        """These markets and conversions, and ``base``'s for those this file does not name."""
        conversions = {
            source: {**base.conversions.get(source, {}), **targets}
            for source, targets in self.conversions.items()
        }
        return self.model_copy(
            update={
                "markets": {**base.markets, **self.markets},
                "conversions": {**base.conversions, **conversions},
            }
        )


def load_rates(path: str | Path | None = None) -> Rates:
    """The packaged (illustrative) rates, or your own file at ``path`` over them."""
    packaged = load_data(Rates, "rates.json")
    if path is None:
        return packaged
    return load_data(Rates, "rates.json", path).over(packaged)
