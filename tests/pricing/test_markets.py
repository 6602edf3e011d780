"""Markets are data (markets.json): IE and AU ship as data only; a user adds one from a file."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from partsagent import InputError, PartsAgent, PartsReport
from partsagent._markets import load_markets
from partsagent._pricing.estimate import EstimateData

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
CENT = Decimal("0.01")


def taxed(report: PartsReport) -> Decimal:
    """The totals the report's market taxes, added up."""
    t = report.totals
    assert report.rates is not None
    by_name = {
        "parts": t.parts,
        "consumables": t.consumables,
        "labour": t.labour,
        "paint_materials": t.paint_materials,
        "sublet": t.sublet,
    }
    return sum((by_name[k].amount for k in report.rates.taxable), Decimal(0))


def assert_priced_in(report: PartsReport, currency: str, tax_name: str, rate: str) -> None:
    assert report.rates is not None
    amounts = [m for ln in report.lines for m in (ln.price, ln.line_total)]
    amounts += [op.amount for op in report.operations] + [report.totals.total]
    assert {m.currency for m in amounts} == {currency}
    assert (report.rates.currency, report.rates.tax_name) == (currency, tax_name)
    assert report.totals.tax_rate == Decimal(rate)
    expected = (taxed(report) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    assert report.totals.tax.amount == expected
    assert report.totals.total.amount == report.totals.net.amount + expected


@pytest.mark.parametrize(
    ("market", "currency", "tax", "rate"),
    [("IE", "EUR", "VAT", "0.23"), ("AU", "AUD", "GST", "0.10")],
)
async def test_ie_and_au_price_in_their_currency_with_their_tax(
    sample_agent: PartsAgent, market: str, currency: str, tax: str, rate: str
) -> None:
    """The GBP sample, converted at the rates' GBP rate (named in a warning), taxed there."""
    damage = "headlamp smashed on the passenger side, bonnet dented"
    gb = await sample_agent.process_damage_report(ASTRA, damage, market="GB")
    report = await sample_agent.process_damage_report(ASTRA, damage, market=market)
    assert_priced_in(report, currency, tax, rate)
    assert report.market == market
    conversion = EstimateData.load().rates.conversion("GBP", currency)
    assert conversion is not None
    assert report.lines
    assert len(report.lines) == len(gb.lines)
    for ours, theirs in zip(report.lines, gb.lines, strict=True):
        assert ours.article.article_no == theirs.article.article_no
        converted = (theirs.price.amount * conversion).quantize(CENT, rounding=ROUND_HALF_UP)
        assert ours.price.amount == converted
        assert any(
            ours.article.article_no in w and f"at {conversion}" in w for w in report.warnings
        )
    assert report.rates is not None
    assert gb.rates is not None
    assert report.rates.labour_rate.amount != gb.rates.labour_rate.amount


async def test_guard_is_a_wing_in_australia_only(sample_agent: PartsAgent) -> None:
    """An Australian's "guard" is a wing and the report says Guard; elsewhere it is no wing."""
    damage = "front left guard dented"
    au = await sample_agent.process_damage_report(ASTRA, damage, market="AU")
    assert [(d.category.name, d.category.market_name, d.position.side) for d in au.damaged] == [
        ("Wing", "Guard", "left")
    ]
    assert {op.category.market_name for op in au.operations if op.category.name == "Wing"} == {
        "Guard"
    }
    for market in ("GB", "US"):
        other = await sample_agent.process_damage_report(ASTRA, damage, market=market)
        assert "Wing" not in {d.category.name for d in other.damaged}


@pytest.mark.parametrize(
    ("market", "driver"), [("GB", "right"), ("IE", "right"), ("AU", "right"), ("US", "left")]
)
async def test_the_driver_sits_where_the_market_says(
    sample_agent: PartsAgent, market: str, driver: str
) -> None:
    report = await sample_agent.process_damage_report(
        ASTRA, "driver side door mirror smashed, passenger headlamp cracked", market=market
    )
    sides = {d.category.name: d.position.side for d in report.damaged}
    passenger = "left" if driver == "right" else "right"
    assert sides == {"Door Mirror": driver, "Headlamp": passenger}


def test_the_packaged_markets() -> None:
    markets = load_markets()
    assert markets.codes == ("AU", "GB", "IE", "US")
    assert markets.get("uk") is markets.get("GB")
    assert markets.get("US").tax.applies_to == ("parts", "consumables", "paint_materials")
    with pytest.raises(InputError, match=r"unknown market 'FR'; known: AU, GB, IE, US"):
        markets.get("FR")


NZ_MARKETS = {
    "format": "partsagent-markets/1",
    "markets": {
        "NZ": {
            "name": "New Zealand",
            "currency": "NZD",
            "tax": {"name": "GST", "rate": "0.15", "applies_to": ["parts", "labour"]},
            "drive": "right",
            "language": "en",
            "words": "en-NZ",
        }
    },
    "words": {"en-NZ": {"base": "en-AU", "part_names": {"Bonnet": "Hood"}}},
}
NZ_SUBLETS = dict.fromkeys(EstimateData.load().rates.market("GB").sublets, "50.00")
NZ_RATES = {
    "format": "partsagent-rates/1",
    "conversions": {"GBP": {"NZD": "2.10"}},
    "markets": {
        "NZ": {
            "labour_rate": "100.00",
            "paint_rate": "110.00",
            "paint_materials_rate": "50.00",
            "sublets": NZ_SUBLETS,
        }
    },
}
NZ_DAMAGE = "driver side guard dented, bonnet dented, passenger headlamp smashed"


def nz_files(tmp_path: Path) -> tuple[Path, Path]:
    markets, rates = tmp_path / "markets.json", tmp_path / "rates.json"
    markets.write_text(json.dumps(NZ_MARKETS))
    rates.write_text(json.dumps(NZ_RATES))
    return markets, rates


def assert_new_zealand(report: dict[str, Any]) -> None:
    assert report["market"] == "NZ"
    assert report["totals"]["total"]["currency"] == "NZD"
    assert (report["rates"]["tax_name"], report["rates"]["tax_rate"]) == ("GST", "0.15")
    t = report["totals"]
    tax = (Decimal(t["parts"]["amount"]) + Decimal(t["labour"]["amount"])) * Decimal("0.15")
    assert Decimal(t["tax"]["amount"]) == tax.quantize(CENT, rounding=ROUND_HALF_UP)
    read = {(d["category"]["market_name"], d["position"]["side"]) for d in report["damaged"]}
    # Its own word set: Hood from NZ, Guard from its base (en-AU); the driver on the right.
    assert {("Guard", "right"), ("Hood", None), ("Headlamp", "left")} <= read
    assert {ln["price"]["currency"] for ln in report["lines"]} == {"NZD"}


async def test_a_market_from_a_file_of_ones_own(tmp_path: Path) -> None:
    markets, rates = nz_files(tmp_path)
    estimate = EstimateData.load(rates=rates)
    async with PartsAgent(markets=markets, market="NZ", estimate=estimate) as agent:
        report = await agent.process_damage_report(ASTRA, NZ_DAMAGE)
        assert_new_zealand(report.model_dump(mode="json"))
        gb = await agent.process_damage_report(ASTRA, NZ_DAMAGE, market="GB")
        assert gb.totals.total.currency == "GBP"
    with pytest.raises(InputError, match="unknown market 'NZ'"):
        PartsAgent(market="NZ", estimate=estimate)
    async with PartsAgent(markets=markets) as agent:
        with pytest.raises(InputError, match="the rates have no market 'NZ'"):
            await agent.process_damage_report(ASTRA, NZ_DAMAGE, market="NZ")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "partsagent", "report", "--vehicle", "Vauxhall Astra 2018", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_market_from_a_file_on_the_command_line(tmp_path: Path) -> None:
    markets, rates = nz_files(tmp_path)
    done = cli("--text", NZ_DAMAGE, "--markets", str(markets), "--rates", str(rates),
               "--market", "nz", "--json", "--no-performance")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert_new_zealand(json.loads(done.stdout))
    unknown = cli("--text", NZ_DAMAGE, "--market", "NZ")
    assert unknown.returncode == 2
    assert "unknown market 'NZ'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**NZ_MARKETS, "format": "partsagent-markets/9"}))
    bad = cli("--text", NZ_DAMAGE, "--markets", str(broken), "--market", "NZ")
    assert bad.returncode == 2
    assert "is not a valid markets file: format" in bad.stderr
