"""Prices per market; one currency per report, another only through the user's rates."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from _estimate import ROADSTER, small_bucket
from partsagent import PartsAgent, PartsReport, UsageError
from partsagent._pricing.estimate.rates import load_rates
from partsagent._pricing.estimate.totals import estimate_totals
from partsagent._pricing.report import ReportLine

DAMAGE = [{"component": "wing", "severity": "severe"}]
WING = [("W1", "Wing", "Body")]
BONNET = [("B1", "Bonnet", "Body")]
ARTICLES = "manufacturers/900/variants/V1/categories/{cid}/articles.json"


def write_rates(path: Path, conversions: dict[str, dict[str, str]]) -> Path:
    """A rates file of the user's that gives only currency conversions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"format": "partsagent-rates/1", "markets": {}, "conversions": conversions})
    )
    return path


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


async def test_a_catalog_without_us_prices_prices_nothing_in_another_currency(
    tmp_path: Path,
) -> None:
    """No US prices and no GBP->USD rate: the report stays USD, the line says why it is unpriced."""
    async with PartsAgent(small_bucket(tmp_path, WING)) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE, market="US")
    assert currencies(report) == {"USD"}
    assert report.rates is not None
    assert report.rates.market == "US"
    assert report.lines == ()
    (warning,) = [w for w in report.warnings if "GBP" in w]
    assert "Wing" in warning
    assert "conversions" in warning


async def test_a_dollar_catalog_for_a_gb_report_converts_with_the_users_rate(
    tmp_path: Path,
) -> None:
    """A US-only catalog for a GB report: converted through the rates file's USD->GBP rate."""
    rates = write_rates(tmp_path / "rates.json", {"USD": {"GBP": "0.8"}})
    async with PartsAgent(small_bucket(tmp_path / "bucket", WING, currency="USD")) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE, market="GB", rates=rates)
    assert currencies(report) == {"GBP"}
    assert report.lines[0].price.amount == Decimal("80.00")
    assert any("USD 100.00" in w and "0.8" in w for w in report.warnings)


async def test_market_prices_are_used_when_the_catalog_has_them(tmp_path: Path) -> None:
    """An article's price for the market wins over its own price."""
    bucket = small_bucket(tmp_path, WING, prices={"US": {"amount": "150.00", "currency": "USD"}})
    async with PartsAgent(bucket) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE, market="US")
    assert report.lines[0].price.amount == 150
    assert currencies(report) == {"USD"}


async def test_a_euro_catalog_is_not_priced_without_a_rate(tmp_path: Path) -> None:
    """A euro catalog and no EUR rate: nothing is priced in EUR, the report says why, in GBP."""
    async with PartsAgent(small_bucket(tmp_path, WING, currency="EUR")) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE)
    assert currencies(report) == {"GBP"}
    assert report.lines == ()
    assert any("EUR" in w for w in report.warnings)


def mixed_bucket(root: Path, usd_first: bool) -> Path:
    """A GBP bucket where the wing's OE article is priced in USD; its aftermarket one in GBP.

    ``usd_first``: the bonnet has only a USD article too.
    """
    bucket = small_bucket(root, WING + BONNET)
    wing = bucket / ARTICLES.format(cid="W1")
    usd_oe = json.loads(wing.read_text())[0]
    usd_oe["price"] = {"amount": "90.00", "currency": "USD"}
    gbp = {"amount": "120.00", "currency": "GBP"}
    aftermarket = {**usd_oe, "id": "X9", "article_no": "AM9", "brand": "PATTERN",
                   "quality": "aftermarket", "price": gbp}  # fmt: skip
    wing.write_text(json.dumps([usd_oe, aftermarket]))
    if usd_first:
        bonnet = bucket / ARTICLES.format(cid="B1")
        only = json.loads(bonnet.read_text())
        only[0]["price"] = {"amount": "200.00", "currency": "USD"}
        bonnet.write_text(json.dumps(only))
    return bucket


async def test_one_dollar_article_never_turns_a_gb_report_into_dollars(tmp_path: Path) -> None:
    """One USD article in a GBP catalog: the report stays GBP at GB rates, the next article used."""
    async with PartsAgent(mixed_bucket(tmp_path, usd_first=False)) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE)
    assert currencies(report) == {"GBP"}
    assert report.rates is not None
    assert (report.rates.market, report.rates.currency) == ("GB", "GBP")
    (line,) = report.lines
    assert (line.article.brand, line.price.amount) == ("PATTERN", Decimal("120.00"))
    assert any("USD" in w and "N0" in w for w in report.warnings)


async def test_a_part_only_priced_in_dollars_is_left_unpriced_and_said(tmp_path: Path) -> None:
    """The bonnet has only a USD article: no line for it, a warning; totals add GBP alone."""
    damage = [*DAMAGE, {"component": "bonnet", "severity": "severe"}]
    async with PartsAgent(mixed_bucket(tmp_path, usd_first=True)) as agent:
        report = await agent.process_damage_report(ROADSTER, damage)
    assert currencies(report) == {"GBP"}
    assert [ln.category.name for ln in report.lines] == ["Wing"]
    assert any("Bonnet" in w and "USD" in w and "not priced" in w for w in report.warnings)
    assert report.totals.parts.amount == Decimal("120.00")


async def test_a_users_conversion_rate_prices_the_dollar_article(tmp_path: Path) -> None:
    """With USD->GBP in the rates file, the USD OE article is used, converted, and said so."""
    rates = write_rates(tmp_path / "rates.json", {"USD": {"GBP": "0.7912"}})
    async with PartsAgent(mixed_bucket(tmp_path / "bucket", usd_first=False)) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE, rates=rates)
    assert currencies(report) == {"GBP"}
    (line,) = report.lines
    assert line.article.brand == "ACME"
    assert line.price.amount == Decimal("71.21")  # 90.00 x 0.7912 = 71.208, rounded once
    assert line.alternatives[0].price.currency == "GBP"


def test_totals_refuse_to_add_two_currencies() -> None:
    """The totals guard: a line in another currency than the rates' is a bug, never a sum."""
    rates = load_rates().market("GB")
    line = ReportLine.model_validate(
        {
            "component": "wing", "reason": "damaged",
            "category": {"id": "W1", "name": "Wing"}, "position": {},
            "article": {"id": "X0", "article_no": "N0", "brand": "ACME", "name": "Wing",
                        "quality": "OE"},
            "price": {"amount": "90.00", "currency": "USD"}, "quantity": 1,
            "line_total": {"amount": "90.00", "currency": "USD"},
            "why": "", "source": "catalog", "confidence": 1.0, "fits_variants": ["V1"],
        }
    )  # fmt: skip
    with pytest.raises(UsageError, match="USD"):
        estimate_totals([line], [], rates)
