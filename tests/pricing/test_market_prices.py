"""Prices per market: USD from the sample, and a catalog without the market's prices."""

from __future__ import annotations

from pathlib import Path

import pytest

from _estimate import ROADSTER, small_bucket
from partsagent import InputError, PartsAgent, PartsReport

DAMAGE = [{"component": "wing", "severity": "severe"}]
WING = [("W1", "Wing", "Body")]


def currencies(report: PartsReport) -> set[str]:
    amounts = [ln.line_total for ln in report.lines] + [op.amount for op in report.operations]
    return {m.currency for m in amounts} | {report.totals.total.currency}


async def test_the_sample_prices_us_reports_in_dollars(sample_agent: PartsAgent) -> None:
    """The sample carries US prices: a US report is in USD at US rates, with sales tax."""
    vehicle = {"make": "Ford", "model": "Focus", "year": 2020}
    gb = await sample_agent.process_damage_report(vehicle, DAMAGE, market="GB")
    us = await sample_agent.process_damage_report(vehicle, DAMAGE, market="US")
    assert currencies(gb) == {"GBP"}
    assert currencies(us) == {"USD"}
    assert us.rates is not None
    assert (us.rates.market, us.rates.tax_name) == ("US", "sales tax")
    assert us.lines[0].article == gb.lines[0].article
    assert us.lines[0].price.amount != gb.lines[0].price.amount
    assert not any("no US prices" in w for w in us.warnings)


async def test_a_catalog_without_us_prices_prices_in_its_own_currency(tmp_path: Path) -> None:
    """No US prices: the whole estimate is in the catalog's GBP at GB rates, with a warning."""
    async with PartsAgent(small_bucket(tmp_path, WING)) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE, market="US")
    assert currencies(report) == {"GBP"}
    assert report.rates is not None
    assert report.rates.market == "GB"
    (warning,) = [w for w in report.warnings if "no US prices" in w]
    assert "GBP" in warning
    assert "VAT" in warning


async def test_a_dollar_catalog_for_a_gb_report(tmp_path: Path) -> None:
    """A US-only catalog asked for GB prices in USD at the US rates, and says so."""
    async with PartsAgent(small_bucket(tmp_path, WING, currency="USD")) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE, market="GB")
    assert currencies(report) == {"USD"}
    assert any("no GB prices" in w for w in report.warnings)


async def test_market_prices_are_used_when_the_catalog_has_them(tmp_path: Path) -> None:
    """An article's price for the market wins over its own price."""
    bucket = small_bucket(tmp_path, WING, prices={"US": {"amount": "150.00", "currency": "USD"}})
    async with PartsAgent(bucket) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE, market="US")
    assert report.lines[0].price.amount == 150
    assert currencies(report) == {"USD"}


async def test_a_currency_no_market_uses_is_refused(tmp_path: Path) -> None:
    """A euro catalog, with rates for GB and US only, cannot be priced: InputError saying why."""
    async with PartsAgent(small_bucket(tmp_path, WING, currency="EUR")) as agent:
        with pytest.raises(InputError, match="EUR"):
            await agent.process_damage_report(ROADSTER, DAMAGE)
