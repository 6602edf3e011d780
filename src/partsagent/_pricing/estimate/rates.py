"""Rates and tax by market as data (``rates.json``), overridable per agent, per call and on the CLI.

A market's rates are a labour rate for replace, remove/refit and repair
hours, a paint (refinish) rate for refinish and blend hours, a
paint-materials rate per refinish hour and fixed sublet prices. Its currency
and tax are the market's (``markets.json``, ``partsagent._markets``); a rates
file may override them for one shop (a US state's sales tax). A rates file of
your own replaces the markets it names and keeps the packaged ones for the
others.

A report is priced in its market's currency only. ``conversions`` are
exchange rates: an article priced in another currency is converted through
one of them (with a warning naming the rate), or not used. The packaged file
gives only the illustrative GBP -> EUR and AUD rates that price the GBP
sample catalog in Ireland and Australia: a real rate is a business decision
(whose rate, of which day), so bring your own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from ..._exceptions import InputError
from ..._markets import Market, Tax, Taxable, load_markets
from ..._models import MarketCode
from ._data import DataId, ExchangeRate, Frozen, HourRate, load_data

__all__ = ["MarketRates", "PricedMarket", "Rates", "Tax", "Taxable", "load_rates"]


Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 code: "GBP", "USD"."""


class MarketRates(Frozen):
    currency: Currency | None = None
    """The market's currency (markets.json) unless given here."""
    minor_unit: Annotated[int, Field(ge=0, le=4)] | None = None
    """Decimals of the currency: amounts are rounded to these, half-up, once."""
    labour_rate: HourRate
    paint_rate: HourRate
    paint_materials_rate: HourRate
    tax: Tax | None = None
    """The market's tax (markets.json) unless given here."""
    sublets: dict[DataId, HourRate] = Field(default_factory=dict)
    """Fixed prices of work sent out, by the id the included operations use."""

    def priced(self, market: Market) -> PricedMarket:
        """These rates with ``market``'s currency and tax unless they say their own."""
        currency = self.currency or market.currency
        minor_unit = self.minor_unit
        if minor_unit is None:
            minor_unit = market.minor_unit if currency == market.currency else 2
        return PricedMarket(
            currency=currency,
            minor_unit=minor_unit,
            labour_rate=self.labour_rate,
            paint_rate=self.paint_rate,
            paint_materials_rate=self.paint_materials_rate,
            tax=self.tax or market.tax,
            sublets=self.sublets,
        )


@dataclass(frozen=True, slots=True)
class PricedMarket:
    """A market's rates with its currency and tax settled: what an estimate is priced with."""

    currency: str
    minor_unit: int
    labour_rate: Decimal
    paint_rate: Decimal
    paint_materials_rate: Decimal
    tax: Tax
    sublets: Mapping[str, Decimal]


class Rates(Frozen):
    """The whole rates file: figures per market."""

    format: Literal["partsagent-rates/1"]
    description: str = ""
    markets: dict[MarketCode, MarketRates]
    conversions: dict[Currency, dict[Currency, ExchangeRate]] = Field(default_factory=dict)
    """Exchange rates you supply: ``{"USD": {"GBP": "0.79"}}`` is 1 USD = 0.79 GBP.
    The only way an article priced in another currency than the market's is used."""

    def market(self, market: str | Market) -> PricedMarket:
        """The figures of ``market`` (a Market, or the code of a packaged one)."""
        the_market = load_markets().get(market)
        found = self.markets.get(the_market.code)
        if found is None:
            raise InputError(
                f"the rates have no market {the_market.code!r}; they cover "
                f"{', '.join(sorted(self.markets))} (give its rates in a rates file)"
            )
        return found.priced(the_market)

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
