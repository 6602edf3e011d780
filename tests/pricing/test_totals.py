"""Totals: every amount rounded once, half-up, to the minor unit, and the parts add up exactly."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest

from partsagent import EstimateData, PartsAgent, PartsReport, Position, Rates
from partsagent._markets import load_markets
from partsagent._pricing.estimate import estimate_totals, price_work
from partsagent._pricing.estimate._work import Work
from partsagent._pricing.estimate.rates import MarketRates, PricedMarket
from partsagent._pricing.report import ArticleRef, CategoryRef, Money, ReportLine

D = Decimal
LABELLED = Path(__file__).parent.parent / "data" / "labelled_reports.jsonl"
GB_SUBLETS = {k: str(v) for k, v in EstimateData.load().rates.market("GB").sublets.items()}


def market(currency: str = "GBP", **changes: Any) -> PricedMarket:
    return MarketRates.model_validate(rates_doc(currency, **changes)).priced(
        load_markets().get("GB")
    )


def rates_doc(currency: str = "GBP", **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "currency": currency,
        "minor_unit": 2,
        "labour_rate": "47.35",
        "paint_rate": "50.05",
        "paint_materials_rate": "26.33",
        "tax": {"name": "VAT", "rate": "0.20",
                "applies_to": ["parts", "consumables", "labour", "paint_materials", "sublet"]},
        "sublets": {"headlamp-aim": "25.00"},
    }  # fmt: skip
    base.update(changes)
    return base


def work(kind: str, hours: str, sublet: str | None = None) -> Work:
    return Work(
        kind=kind,  # type: ignore[arg-type]
        description=kind,
        category=CategoryRef(id="CAT001", name="Front Bumper Cover"),
        position=Position(axle="front"),
        hours=D(hours),
        why="test",
        source="rule",
        rule="test",
        sublet=sublet,
    )


def line(reason: str, price: str, quantity: int, currency: str = "GBP") -> ReportLine:
    amount = D(price)
    return ReportLine(
        component="x",
        reason=reason,
        category=CategoryRef(id="CAT001", name="Front Bumper Cover"),
        position=Position(axle="front"),
        article=ArticleRef(id="A1", article_no="1", brand="B", name="n", quality="OE"),
        price=Money(amount=amount, currency=currency),
        quantity=quantity,
        line_total=Money(amount=amount * quantity, currency=currency),
        why="test",
        source="rule",
        confidence=1.0,
        fits_variants=("V1",),
    )


WORK = [work("replace", "0.3"), work("refinish", "2.5"), work("blend", "1.5"),
        work("sublet", "0.0", sublet="headlamp-aim")]  # fmt: skip
LINES = [line("damaged", "100.05", 1), line("consumable", "9.99", 2)]


def test_each_amount_is_rounded_once_half_up() -> None:
    """0.3 h x 47.35 = 14.205 -> 14.21 (half-even would say 14.20); refinish at the paint rate."""
    ops = price_work(WORK, market())
    assert [o.amount.amount for o in ops] == [D("14.21"), D("125.13"), D("75.08"), D("25.00")]
    assert [o.rate.amount if o.rate else None for o in ops] == [
        D("47.35"), D("50.05"), D("50.05"), None,
    ]  # fmt: skip


def test_gb_totals_add_up_exactly() -> None:
    """VAT on everything; paint materials from refinish hours; net and total are exact sums."""
    rates = market()
    ops = price_work(WORK, rates)
    t = estimate_totals(LINES, ops, rates)
    assert t.parts.amount == D("100.05")
    assert t.consumables.amount == D("19.98")
    assert t.labour.amount == D("14.21") + D("125.13") + D("75.08")
    assert (t.labour_hours, t.refinish_hours) == (D("0.3"), D("4.0"))
    assert t.paint_materials.amount == D("105.32")  # 4.0 h x 26.33
    assert t.sublet.amount == D("25.00")
    assert t.net.amount == D("464.77")
    assert t.tax.amount == D("92.95")  # 464.77 x 0.20 = 92.954
    assert t.total.amount == D("557.72")
    assert t.tax_rate == D("0.20")
    parts = (t.parts, t.consumables, t.labour, t.paint_materials, t.sublet)
    assert t.net.amount == sum((m.amount for m in parts), D(0))
    assert t.total.amount == t.net.amount + t.tax.amount


def test_us_sales_tax_spares_labour_and_rounds_half_up() -> None:
    """US: sales tax on parts, consumables and paint materials only; 0.725 -> 0.73."""
    tax = {"name": "sales tax", "rate": "0.0725",
           "applies_to": ["parts", "consumables", "paint_materials"]}  # fmt: skip
    rates = market("USD", tax=tax)
    t = estimate_totals([line("damaged", "10.00", 1, "USD")], price_work(WORK[:1], rates), rates)
    assert t.tax.amount == D("0.73")  # 10.00 x 0.0725 = 0.725; labour is not taxed
    assert t.total.currency == "USD"
    assert t.total.amount == t.net.amount + t.tax.amount == D("10.00") + D("14.21") + D("0.73")


def test_a_currency_without_minor_unit() -> None:
    """minor_unit 0 (yen): every amount is a whole number, rounded half-up."""
    rates = market("JPY", minor_unit=0, labour_rate="4750", paint_rate="4750",
                   paint_materials_rate="2650", sublets={"headlamp-aim": "3000"})  # fmt: skip
    ops = price_work([work("replace", "0.3"), work("refinish", "0.5")], rates)
    assert [o.amount.amount for o in ops] == [D("1425"), D("2375")]
    t = estimate_totals([], ops, rates)
    assert t.paint_materials.amount == D("1325")
    assert t.tax.amount == D("1025")  # (3800 + 1325) x 0.20
    assert all(m.amount.as_tuple().exponent == 0 for m in (t.net, t.tax, t.total))


async def labelled_reports(market: str) -> list[PartsReport]:
    items = [json.loads(x) for x in LABELLED.read_text().splitlines()[:40]]
    async with PartsAgent(market=market) as agent:
        return [await agent.process_damage_report(i["vehicle"], i["damaged_parts"]) for i in items]


@pytest.mark.parametrize("market_code", [pytest.param("GB", id="GB"), pytest.param("US", id="US")])
async def test_real_reports_add_up_in_both_markets(market_code: str) -> None:
    """Forty labelled reports per market: exact sums, two decimals, one currency throughout."""
    rates = EstimateData.load().rates.market(market_code)
    for report in await labelled_reports(market_code):
        t = report.totals
        money = [
            t.parts,
            t.consumables,
            t.labour,
            t.paint_materials,
            t.sublet,
            t.net,
            t.tax,
            t.total,
        ]
        money += [ln.line_total for ln in report.lines] + [op.amount for op in report.operations]
        assert {m.currency for m in money} == {rates.currency}
        assert all(m.amount.as_tuple().exponent == -2 for m in money)
        assert t.parts.amount + t.consumables.amount == sum(
            (ln.line_total.amount for ln in report.lines), D(0)
        )
        labour = [op for op in report.operations if op.operation != "sublet"]
        assert t.labour.amount == sum((op.amount.amount for op in labour), D(0))
        assert t.sublet.amount == sum(
            (op.amount.amount for op in report.operations if op.operation == "sublet"), D(0)
        )
        assert t.paint_materials.amount == (t.refinish_hours * rates.paint_materials_rate).quantize(
            D("0.01")
        )
        assert t.net.amount == sum((m.amount for m in money[:5]), D(0))
        assert t.total.amount == t.net.amount + t.tax.amount
        assert report.rates is not None
        assert report.rates.market == market_code


async def test_rates_per_call_change_the_amounts_not_the_hours(tmp_path: Path) -> None:
    """Rates given for one call replace the market's; other calls keep the agent's."""
    path = tmp_path / "rates.json"
    gb = rates_doc(labour_rate="60.00", paint_rate="70.00", sublets=GB_SUBLETS)
    path.write_text(json.dumps({"format": "partsagent-rates/1", "markets": {"GB": gb}}))
    damage = [{"component": "bonnet", "severity": "moderate"}]
    vehicle = {"make": "Vauxhall", "model": "Astra", "year": 2018}
    async with PartsAgent() as agent:
        packaged = await agent.process_damage_report(vehicle, damage)
        own = await agent.process_damage_report(vehicle, damage, rates=path)
        as_value = await agent.process_damage_report(
            vehicle, damage, rates=Rates.model_validate_json(path.read_text())
        )
        again = await agent.process_damage_report(vehicle, damage)
    assert [op.hours for op in own.operations] == [op.hours for op in packaged.operations]
    repair = next(op for op in own.operations if op.operation == "repair")
    assert repair.rate == Money(amount=D("60.00"), currency="GBP")
    assert repair.amount.amount == repair.hours * D("60.00")
    assert own.totals != packaged.totals
    assert as_value.totals == own.totals
    assert again.totals == packaged.totals  # the override did not leak into the cache


@pytest.mark.parametrize(
    ("market", "taxed"),
    [
        pytest.param("US", ("parts", "consumables", "paint_materials"), id="us-sales-tax"),
        pytest.param("GB", ("parts", "consumables", "labour", "paint_materials", "sublet"),
                     id="gb-vat"),
    ],
)  # fmt: skip
async def test_the_table_shows_the_taxed_base(
    sample_agent: PartsAgent, market: Literal["GB", "US"], taxed: tuple[str, ...]
) -> None:
    """The tax row shows rate x base, the base the sum of the taxed totals: checkable by hand."""
    from partsagent._cli.render import render_report

    report = await sample_agent.process_damage_report(
        {"make": "Vauxhall", "model": "Astra", "year": 2018},
        [{"component": "front bumper", "severity": "severe"},
         {"component": "O/S headlamp", "severity": "severe"}],
        market=market,
    )  # fmt: skip
    t = report.totals
    base = sum((getattr(t, name).amount for name in taxed), D(0))
    assert report.rates is not None
    assert report.rates.taxable == taxed
    assert (base * t.tax_rate).quantize(D("0.01")) == t.tax.amount
    (row,) = [ln for ln in render_report(report).splitlines() if " x " in ln and "taxable" in ln]
    assert f"x {base} taxable" in row
    assert str(t.tax.amount) in row
    if market == "US":
        assert t.labour.amount > 0
        assert base < t.net.amount  # labour and sublets are not taxed
